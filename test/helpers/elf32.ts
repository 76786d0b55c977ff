// Test ELF files: what a linker writes, reduced to the program headers the image writers read.

/** A minimal ELF32 LE with the given PT_LOAD segments (paddr = load address, vaddr = run address). */
export function elf32(segments: { paddr: number; vaddr: number; data: Uint8Array; memsz?: number }[], opts: { machine?: number; entry?: number } = {}): Uint8Array {
  const phoff = 52;
  const dataOff = phoff + 32 * segments.length;
  const total = dataOff + segments.reduce((s, x) => s + x.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, opts.machine ?? 40, true); // EM_ARM unless told
  v.setUint32(20, 1, true);
  v.setUint32(24, opts.entry ?? 0, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, segments.length, true);
  let off = dataOff;
  segments.forEach((s, i) => {
    const at = phoff + 32 * i;
    v.setUint32(at, 1, true); // PT_LOAD
    v.setUint32(at + 4, off, true);
    v.setUint32(at + 8, s.vaddr, true);
    v.setUint32(at + 12, s.paddr, true);
    v.setUint32(at + 16, s.data.length, true);
    v.setUint32(at + 20, s.memsz ?? s.data.length, true);
    out.set(s.data, off);
    off += s.data.length;
  });
  return out;
}
