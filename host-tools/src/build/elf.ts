// Reads 32-bit little-endian ELF files (what arm-none-eabi-gcc links): loadable
// segments, for flashing and UF2, and symbols, for naming addresses. Every offset
// and size read from the file is checked against the file before use.

export interface ElfSegment {
  /** Where the bytes are stored (load address: flash for code and .data's initial values). */
  paddr: number;
  /** Where the code expects them at run time. */
  vaddr: number;
  /** The segment's bytes in the file (filesz); memsz beyond them is zero-filled at run time. */
  data: Uint8Array;
  memsz: number;
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** 0 none, 1 object, 2 function, 3 section, 4 file. */
  type: number;
  /** 0 local, 1 global, 2 weak. */
  bind: number;
}

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
}

export interface ElfFile {
  machine: number;
  entry: number;
  segments: ElfSegment[];
  sections: ElfSection[];
  symbols: ElfSymbol[];
}

export const EM_ARM = 40;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export class ElfError extends Error {
  constructor(message: string) {
    super(`ELF: ${message}`);
    this.name = "ElfError";
  }
}

function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ElfError(message);
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function cstring(bytes: Uint8Array, start: number, limit: number, what: string): string {
  need(start >= 0 && start < limit, `${what}: name offset ${start} outside its string table`);
  let end = start;
  while (end < limit && bytes[end] !== 0) end++;
  need(end < limit, `${what}: name at ${start} is not terminated inside its string table`);
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/** Parses an ELF32 LE file; throws ElfError naming the first problem and where it is. */
export function parseElf(bytes: Uint8Array): ElfFile {
  need(bytes.length >= 52, `file is ${bytes.length} bytes, shorter than an ELF32 header (52)`);
  need(isElf(bytes), "no ELF magic (\\x7fELF) at offset 0");
  need(bytes[4] === 1, `EI_CLASS is ${bytes[4]}, expected 1 (32-bit)`);
  need(bytes[5] === 1, `EI_DATA is ${bytes[5]}, expected 1 (little-endian)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = v.getUint16(18, true);
  const entry = v.getUint32(24, true);
  const phoff = v.getUint32(28, true);
  const shoff = v.getUint32(32, true);
  const phentsize = v.getUint16(42, true);
  const phnum = v.getUint16(44, true);
  const shentsize = v.getUint16(46, true);
  const shnum = v.getUint16(48, true);
  const shstrndx = v.getUint16(50, true);

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    need(phentsize >= 32, `program header entry size ${phentsize} is below 32`);
    need(phoff + phnum * phentsize <= bytes.length,
      `program headers (offset ${phoff}, ${phnum} x ${phentsize} bytes) extend past the end of the file (${bytes.length})`);
  }
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (v.getUint32(at, true) !== PT_LOAD) continue;
    const offset = v.getUint32(at + 4, true);
    const vaddr = v.getUint32(at + 8, true);
    const paddr = v.getUint32(at + 12, true);
    const filesz = v.getUint32(at + 16, true);
    const memsz = v.getUint32(at + 20, true);
    const flags = v.getUint32(at + 24, true);
    need(offset + filesz <= bytes.length,
      `segment ${i} (offset ${offset}, ${filesz} bytes) extends past the end of the file (${bytes.length})`);
    need(filesz <= memsz, `segment ${i} has filesz ${filesz} larger than memsz ${memsz}`);
    segments.push({ paddr, vaddr, memsz, flags, data: bytes.subarray(offset, offset + filesz) });
  }

  const sections: ElfSection[] = [];
  const symbols: ElfSymbol[] = [];
  if (shnum > 0) {
    need(shentsize >= 40, `section header entry size ${shentsize} is below 40`);
    need(shoff + shnum * shentsize <= bytes.length,
      `section headers (offset ${shoff}, ${shnum} x ${shentsize} bytes) extend past the end of the file (${bytes.length})`);
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * shentsize;
      raw.push({
        name: v.getUint32(at, true),
        type: v.getUint32(at + 4, true),
        flags: v.getUint32(at + 8, true),
        addr: v.getUint32(at + 12, true),
        offset: v.getUint32(at + 16, true),
        size: v.getUint32(at + 20, true),
        link: v.getUint32(at + 24, true),
        entsize: v.getUint32(at + 36, true),
      });
    }
    const strtab = shstrndx < raw.length ? raw[shstrndx] : undefined;
    for (const [i, s] of raw.entries()) {
      let name = "";
      if (strtab && strtab.offset + strtab.size <= bytes.length) {
        name = cstring(bytes, strtab.offset + s.name, strtab.offset + strtab.size, `section ${i}`);
      }
      sections.push({ name, type: s.type, flags: s.flags, addr: s.addr, offset: s.offset, size: s.size });
      if (s.type !== SHT_SYMTAB) continue;
      need(s.entsize >= 16, `symbol table ${i} entry size ${s.entsize} is below 16`);
      need(s.offset + s.size <= bytes.length, `symbol table ${i} extends past the end of the file`);
      const names = raw[s.link];
      need(names !== undefined && names.offset + names.size <= bytes.length,
        `symbol table ${i} links to string table ${s.link}, which is missing or truncated`);
      for (let at = s.offset; at + 16 <= s.offset + s.size; at += s.entsize) {
        const info = bytes[at + 12]!;
        symbols.push({
          name: cstring(bytes, names.offset + v.getUint32(at, true), names.offset + names.size, `symbol at ${at}`),
          value: v.getUint32(at + 4, true),
          size: v.getUint32(at + 8, true),
          type: info & 0xf,
          bind: info >> 4,
        });
      }
    }
  }
  return { machine, entry, segments, sections, symbols };
}

/** The first symbol with this name (functions have the Thumb bit set in their value). */
export function findSymbol(elf: ElfFile, name: string): ElfSymbol | undefined {
  return elf.symbols.find((s) => s.name === name);
}

/** The function containing `address` (Thumb bit ignored), for reports such as fault PCs. */
export function symbolAt(elf: ElfFile, address: number): ElfSymbol | undefined {
  const a = address & ~1;
  return elf.symbols.find((s) => s.type === 2 && s.size > 0 && a >= (s.value & ~1) && a < (s.value & ~1) + s.size);
}
