// The .wqs encoder (FORMAT.md): file header, then blocks of delta-of-delta timestamps
// (LEB128 tokens, zero runs) and zigzag code deltas bit-packed in groups of 8, with a CRC per block.
// All buffers are allocated by the constructor; add() allocates nothing.
import { crc32 } from "./crc32";
import { Quantizer } from "./quantize";
import { RingBuffer } from "./ring";
import { writeVarint, writeVarint32, zigzag } from "./varint";

export const BLOCK_HEADER_BYTES: i32 = 16;
export const MAX_CHANNELS: i32 = 16;
export const MAX_BLOCK_SAMPLES: i32 = 4096;
export const MAX_NAME_BYTES: i32 = 63;
/** Samples per bit-packed group of code deltas. */
const GROUP: i32 = 8;
const FLAG_INT8: u8 = 1;
const FLAG_ZSCORE: u8 = 2;

/** add() result when the sample was refused because time went backwards inside a block. */
export const ERR_TIME_BACKWARDS: i32 = -1;
/** add() result when a code is outside 0..255 (uint8) or -128..127 (int8). */
export const ERR_CODE_RANGE: i32 = -2;
/** addValuesFrom() result when the values buffer does not hold the sample asked for. */
export const ERR_VALUES_RANGE: i32 = -3;

export class WqsEncoder {
  readonly channels: i32;
  readonly capacity: i32;
  readonly quantizer: Quantizer;
  readonly timeExp: i32;
  readonly zscore: bool;
  readonly window: i32;
  readonly hop: i32;
  /** The finished block (valid for the length add()/flush() returned, until the next call). */
  readonly out: Uint8Array;
  /** The file header after writeHeader(). */
  readonly header: Uint8Array;
  private names: StaticArray<ArrayBuffer>;
  private vals: Uint8Array;
  private prevQ: StaticArray<i32>;
  /** Zigzag deltas of the group being filled: group[c * GROUP + i]. */
  private group: StaticArray<u32>;
  /** Per channel, the OR of its deltas in the group (its bit width), kept as they arrive. */
  private groupOr: StaticArray<u32>;
  private groupLen: i32 = 0;
  private sample: StaticArray<i32>;
  private tsLen: i32 = 0;
  private valLen: i32 = 0;
  private n: i32 = 0;
  private prevT: i64 = 0;
  private prevD: i64 = 0;
  /** Repeats of the last timestamp delta not yet written; at most a block's samples, so i32. */
  private run: i32 = 0;
  /** Sequence number of the next block. */
  seq: u32 = 0;

  /**
   * channels and ranges come from `quantizer`; blockSamples 1..4096 (for windows: the window length);
   * timeExp: one tick is 10^timeExp s (-6 for time.micros()).
   */
  constructor(quantizer: Quantizer, blockSamples: i32, timeExp: i32, zscore: bool = false, window: i32 = 0, hop: i32 = 0) {
    const c = quantizer.channels;
    const cap = window > 0 ? window : blockSamples;
    this.channels = c;
    this.quantizer = quantizer;
    this.capacity = cap;
    this.timeExp = timeExp;
    this.zscore = zscore;
    this.window = window;
    this.hop = window > 0 ? hop : 0;
    // Worst case: 10 bytes per timestamp token, 9-bit code deltas.
    const valsMax = c + ((cap - 1 + GROUP - 1) / GROUP) * (((c + 1) >> 1) + 9 * c);
    this.out = new Uint8Array(BLOCK_HEADER_BYTES + cap * 10 + valsMax);
    this.vals = new Uint8Array(valsMax);
    this.header = new Uint8Array(16 + c * (9 + MAX_NAME_BYTES) + 4);
    const names = new StaticArray<ArrayBuffer>(c);
    for (let i = 0; i < c; i++) names[i] = new ArrayBuffer(0);
    this.names = names;
    this.prevQ = new StaticArray<i32>(c);
    this.group = new StaticArray<u32>(c * GROUP);
    this.groupOr = new StaticArray<u32>(c);
    this.sample = new StaticArray<i32>(c);
  }

  /** Names channel ch in the header (UTF-8, cut to 63 bytes). Set-up time only: it allocates. */
  setName(ch: i32, name: string): void {
    const b = String.UTF8.encode(name);
    this.names[ch] = b.byteLength > MAX_NAME_BYTES ? b.slice(0, MAX_NAME_BYTES) : b;
  }

  /** Writes the file header into `header`; returns its length, or 0 if the configuration is invalid. */
  writeHeader(): i32 {
    const c = this.channels;
    if (c < 1 || c > MAX_CHANNELS || this.capacity < 1 || this.capacity > MAX_BLOCK_SAMPLES) return 0;
    if (this.timeExp < -128 || this.timeExp > 127 || !this.quantizer.ready()) return 0;
    if (this.window > 0 && (this.hop < 1 || this.hop > 0xffff)) return 0;
    let len = 16 + 4;
    for (let i = 0; i < c; i++) len += 9 + this.names[i].byteLength;
    const p = this.header.dataStart;
    store<u8>(p, 0x57);
    store<u8>(p + 1, 0x51);
    store<u8>(p + 2, 0x53);
    store<u8>(p + 3, 1);
    store<u16>(p + 4, <u16>len);
    store<u8>(p + 6, <u8>c);
    store<u8>(p + 7, (this.quantizer.int8 ? FLAG_INT8 : 0) | (this.zscore ? FLAG_ZSCORE : 0));
    store<i8>(p + 8, <i8>this.timeExp);
    store<u8>(p + 9, 0);
    store<u16>(p + 10, <u16>this.capacity);
    store<u16>(p + 12, <u16>this.window);
    store<u16>(p + 14, <u16>this.hop);
    let o: usize = 16;
    for (let i = 0; i < c; i++) {
      store<f32>(p + o, this.quantizer.low(i));
      store<f32>(p + o + 4, this.quantizer.high(i));
      const name = this.names[i];
      const nl = name.byteLength;
      store<u8>(p + o + 8, <u8>nl);
      memory.copy(p + o + 9, changetype<usize>(name), <usize>nl);
      o += 9 + <usize>nl;
    }
    store<u32>(p + o, crc32(this.header, 0, <i32>o));
    return len;
  }

  /** Samples in the block being built. */
  get pending(): i32 {
    return this.n;
  }

  /**
   * Adds a sample of codes (q[0..channels)); returns the length of the block now in `out`
   * when this sample filled it, 0 otherwise, or ERR_TIME_BACKWARDS / ERR_CODE_RANGE (nothing added).
   */
  add(t: i64, q: StaticArray<i32>): i32 {
    // Refuse before changing any state, so a bad sample leaves the block intact.
    if (this.n > 0 && t < this.prevT) return ERR_TIME_BACKWARDS;
    const lo: i32 = this.quantizer.int8 ? -128 : 0;
    const channels = this.channels;
    for (let c = 0; c < channels; c++) {
      if (<u32>(unchecked(q[c]) - lo) > 255) return ERR_CODE_RANGE;
    }
    return this.addCodes(t, q);
  }

  /** add() after its checks: codes in range, time not backwards. */
  private addCodes(t: i64, q: StaticArray<i32>): i32 {
    const channels = this.channels;
    const prevQ = this.prevQ;
    const n = this.n;
    if (n == 0) {
      this.tsLen = writeVarint(this.out, BLOCK_HEADER_BYTES, zigzag(t)) - BLOCK_HEADER_BYTES;
      this.prevD = 0;
      this.run = 0;
      this.groupLen = 0;
      // The first sample's codes go in as bytes (the uint8 view of the code).
      const vp = this.vals.dataStart;
      const groupOr = this.groupOr;
      for (let c = 0; c < channels; c++) {
        const v = unchecked(q[c]);
        store<u8>(vp + <usize>c, <u8>v);
        unchecked((prevQ[c] = v));
        unchecked((groupOr[c] = 0));
      }
      this.valLen = channels;
    } else {
      const d = t - this.prevT;
      const dod = d - this.prevD;
      if (dod == 0) {
        this.run++;
      } else {
        const ts = this.out;
        let pos = BLOCK_HEADER_BYTES + this.tsLen;
        const run = this.run;
        if (run > 0) pos = writeVarint32(ts, pos, <u32>((run - 1) * 2 + 1));
        this.run = 0;
        pos = writeVarint(ts, pos, zigzag(dod) << 1);
        this.tsLen = pos - BLOCK_HEADER_BYTES;
      }
      this.prevD = d;
      const g = this.groupLen;
      const group = this.group;
      const groupOr = this.groupOr;
      for (let c = 0; c < channels; c++) {
        const v = unchecked(q[c]);
        // Codes are 8-bit, so the delta and its zigzag fit 32 bits: no i64 (soft on an M0+).
        const dv = v - unchecked(prevQ[c]);
        const z = <u32>((dv << 1) ^ (dv >> 31));
        unchecked((group[c * GROUP + g] = z));
        unchecked((groupOr[c] |= z));
        unchecked((prevQ[c] = v));
      }
      this.groupLen = g + 1;
      if (g + 1 == GROUP) this.packGroup();
    }
    this.prevT = t;
    this.n = n + 1;
    return n + 1 == this.capacity ? this.finish() : 0;
  }

  /** Writes the group: width nibbles, then each channel's deltas packed LSB-first at that width. */
  private packGroup(): void {
    const m = this.groupLen;
    const C = this.channels;
    const group = this.group;
    const groupOr = this.groupOr;
    const nib = this.vals.dataStart + <usize>this.valLen;
    const nibBytes = (C + 1) >> 1;
    for (let i = 0; i < nibBytes; i++) store<u8>(nib + <usize>i, 0);
    let p = nib + <usize>nibBytes;
    for (let c = 0; c < C; c++) {
      const max = unchecked(groupOr[c]);
      unchecked((groupOr[c] = 0));
      const w: u32 = max == 0 ? 0 : 32 - clz<u32>(max);
      const at = nib + <usize>(c >> 1);
      store<u8>(at, load<u8>(at) | <u8>((c & 1) ? w << 4 : w));
      if (w == 0) continue;
      let acc: u32 = 0;
      let bits: u32 = 0;
      const row = changetype<usize>(group) + (<usize>(c * GROUP) << 2);
      for (let i = 0; i < m; i++) {
        acc |= load<u32>(row + (<usize>i << 2)) << bits;
        bits += w;
        while (bits >= 8) {
          store<u8>(p, <u8>acc);
          p++;
          acc >>>= 8;
          bits -= 8;
        }
      }
      if (bits > 0) {
        store<u8>(p, <u8>acc);
        p++;
      }
    }
    this.valLen = <i32>(p - this.vals.dataStart);
    this.groupLen = 0;
  }

  /** Quantizes raw values (values[0..channels)) with the quantizer, then add(). */
  addValues(t: i64, values: StaticArray<f64>): i32 {
    return this.addValuesFrom(t, values, 0);
  }

  /**
   * addValues() of values[offset..offset + channels): one sample of an interleaved buffer
   * ([sample * channels + channel]) without copying it out; ERR_VALUES_RANGE when the
   * buffer does not hold that sample.
   */
  addValuesFrom(t: i64, values: StaticArray<f64>, offset: i32): i32 {
    const channels = this.channels;
    if (offset < 0 || offset > values.length - channels) return ERR_VALUES_RANGE;
    const quantizer = this.quantizer;
    const sample = this.sample;
    for (let c = 0; c < channels; c++) unchecked((sample[c] = quantizer.quantize(c, unchecked(values[offset + c]))));
    // The quantizer's codes are always in range: only the time is checked.
    if (this.n > 0 && t < this.prevT) return ERR_TIME_BACKWARDS;
    return this.addCodes(t, sample);
  }

  /**
   * Encodes the ring's current window as one block; the ring must hold codes
   * (push quantizer.quantize() results), so saturation is counted once per sample.
   */
  addWindow(ring: RingBuffer): i32 {
    let r = 0;
    for (let i = 0; i < ring.length; i++) {
      for (let c = 0; c < this.channels; c++) unchecked((this.sample[c] = <i32>ring.value(i, c)));
      r = this.add(ring.time(i), this.sample);
      if (r < 0) return r;
    }
    return r;
  }

  /** Ends the current block early (end of a recording); returns its length in `out`, 0 if empty. */
  flush(): i32 {
    return this.n > 0 ? this.finish() : 0;
  }

  private finish(): i32 {
    let tsEnd = BLOCK_HEADER_BYTES + this.tsLen;
    if (this.run > 0) tsEnd = writeVarint32(this.out, tsEnd, <u32>((this.run - 1) * 2 + 1));
    this.run = 0;
    if (this.groupLen > 0) this.packGroup();
    const p = this.out.dataStart;
    memory.copy(p + <usize>tsEnd, this.vals.dataStart, <usize>this.valLen);
    const payload = tsEnd - BLOCK_HEADER_BYTES + this.valLen;
    store<u8>(p, 0x57);
    store<u8>(p + 1, 0x42);
    store<u16>(p + 2, <u16>this.n);
    store<u32>(p + 4, this.seq);
    store<u32>(p + 8, <u32>payload);
    const crc = crc32(this.out, BLOCK_HEADER_BYTES, BLOCK_HEADER_BYTES + payload, crc32(this.out, 2, 12));
    store<u32>(p + 12, crc);
    this.seq++;
    this.n = 0;
    return BLOCK_HEADER_BYTES + payload;
  }
}
