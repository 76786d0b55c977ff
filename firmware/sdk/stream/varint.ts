// Zigzag and LEB128 varints (FORMAT.md). Callers size buffers for the worst case (10 bytes).

export function zigzag(v: i64): u64 {
  return <u64>((v << 1) ^ (v >> 63));
}

/** Writes v as unsigned LEB128 at buf[pos]; returns the position after it. No bounds check: callers size buf. */
export function writeVarint(buf: Uint8Array, pos: i32, v: u64): i32 {
  // i64 arithmetic (soft on an M0+) only while more than 32 bits remain: the same bytes.
  const base = buf.dataStart;
  for (; v > 0xffffffff; pos++, v >>= 7) store<u8>(base + <usize>pos, <u8>(v | 0x80));
  return writeVarint32(buf, pos, <u32>v);
}

/** writeVarint for a value known to fit 32 bits, without i64 arithmetic. */
export function writeVarint32(buf: Uint8Array, pos: i32, v: u32): i32 {
  const base = buf.dataStart;
  while (v >= 0x80) {
    store<u8>(base + <usize>pos, <u8>(v | 0x80));
    pos++;
    v >>= 7;
  }
  store<u8>(base + <usize>pos, <u8>v);
  return pos + 1;
}
