// Zigzag and LEB128 varints on JavaScript numbers (exact up to 2^53; see FORMAT.md).
import { InputError } from "../lib/errors.js";

export const MAX_SAFE_ABS = 2 ** 52;

export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Appends v (a non-negative integer <= 2^53) as unsigned LEB128; returns the new position. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0x80) {
    buf[pos] = v;
    return pos + 1;
  }
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

export class VarintReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  /** Reads one varint; throws InputError (with the byte offset inside buf) when it is cut short or too long. */
  read(): number {
    const b0 = this.buf[this.pos];
    if (b0 !== undefined && b0 < 0x80 && this.pos < this.end) {
      this.pos++;
      return b0;
    }
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new InputError(`varint at payload byte ${start} runs past the payload end`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new InputError(`varint at payload byte ${start} exceeds 2^53`);
        return result;
      }
      mul *= 0x80;
    }
    throw new InputError(`varint at payload byte ${start} is longer than 10 bytes`);
  }
}
