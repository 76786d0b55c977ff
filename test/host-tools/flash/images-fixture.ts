// Small but realistic-looking images for the flasher tests: right magic bytes, a mix of
// compressible and incompressible content, and a length that is not a multiple of 4.
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
}

export function espImage(size: number, seed: number): Buffer {
  const rnd = lcg(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 64 < 40 ? "wasmcu esp32 image text "[i % 24]!.charCodeAt(0) : rnd();
  b[0] = 0xe9;
  b[1] = 3;
  return b;
}

export function partitionTable(): Buffer {
  const b = Buffer.alloc(3072, 0xff);
  b[0] = 0xaa;
  b[1] = 0x50;
  b.write("nvs", 12, "latin1");
  return b;
}
