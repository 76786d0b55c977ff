// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the same as zlib's and the host's.

const TABLE = new StaticArray<u32>(256);
let tableReady = false;

function fillTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    unchecked((TABLE[n] = c));
  }
  tableReady = true;
}

/** CRC of bytes [start, end) of buf, continuing from `seed` (the CRC of what came before, 0 at first). */
export function crc32(buf: Uint8Array, start: i32, end: i32, seed: u32 = 0): u32 {
  if (!tableReady) fillTable();
  let c = ~seed;
  const base = buf.dataStart;
  for (let i = start; i < end; i++) {
    c = unchecked(TABLE[(c ^ load<u8>(base + <usize>i)) & 0xff]) ^ (c >>> 8);
  }
  return ~c;
}
