// A bounds-checked cursor over WebAssembly bytes (LEB128 as the spec's binary format, 5.2.2).
// The compiler takes modules the runtime's validator accepted, but it reads them as untrusted
// all the same: every read is checked and a bad byte is a ModuleError naming the offset.

export class ModuleError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

export class Reader {
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string): never {
    throw new ModuleError(what, this.pos);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end");
    return this.bytes[this.pos++] as number;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) {
        if (result > 0xffffffff) this.fail("u32 out of range");
        return result;
      }
    }
    return this.fail("u32 LEB128 too long");
  }

  /** A signed LEB128 of up to `bits` bits, as a bigint (i64 immediates need all 64). */
  signed(bits: 32 | 33 | 64): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < Math.ceil(bits / 7); i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) {
        if (b & 0x40) result -= 1n << shift;
        return BigInt.asIntN(bits, result);
      }
    }
    return this.fail(`s${bits} LEB128 too long`);
  }

  s32(): number {
    return Number(this.signed(32));
  }

  bytesOf(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`${n} bytes past the end`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  f32bits(): number {
    const b = this.bytesOf(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  f64bits(): bigint {
    const b = this.bytesOf(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  name(): string {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(this.bytesOf(this.u32()));
  }
}
