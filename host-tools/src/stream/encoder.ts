// The .wqs block encoder (delta-of-delta timestamps with zero runs, delta+zigzag codes,
// LEB128), windowing, and a Transform stream from samples to .wqs bytes.
import { Transform, type TransformCallback } from "node:stream";
import { InputError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";
import { BLOCK_HEADER_BYTES, BLOCK_SYNC, encodeHeader, maxPayload, type StreamHeader } from "./format.js";
import { ChannelQuantizer, RunningZScore } from "./quantize.js";
import { MAX_SAFE_ABS, writeVarint, zigzag } from "./varint.js";

/** Samples per bit-packed group of code deltas (FORMAT.md). */
export const GROUP = 8;

/** Bits needed for v (0 for 0). */
function bitWidth(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v);
}

/** Builds blocks sample by sample with buffers allocated once. */
export class BlockEncoder {
  private readonly channels: number;
  private readonly capacity: number;
  private readonly ts: Uint8Array;
  private readonly vals: Uint8Array;
  private readonly prevQ: Int32Array;
  private readonly codeMin: number;
  /** Zigzag deltas of the group being filled: group[c * GROUP + i]. */
  private readonly group: Int32Array;
  private groupLen = 0;
  private tsLen = 0;
  private valLen = 0;
  private n = 0;
  private prevT = 0;
  private prevD = 0;
  private run = 0;
  /** Sequence number of the next block. */
  seq = 0;

  constructor(header: StreamHeader) {
    this.channels = header.channels.length;
    this.capacity = header.blockSamples;
    this.ts = new Uint8Array(this.capacity * 10);
    this.vals = new Uint8Array(maxPayload(this.capacity, this.channels));
    this.prevQ = new Int32Array(this.channels);
    this.group = new Int32Array(this.channels * GROUP);
    this.codeMin = header.int8 ? -128 : 0;
  }

  get pending(): number {
    return this.n;
  }

  /** Adds a sample of codes; returns a finished block when the block is full, else null. */
  add(t: number, q: ArrayLike<number>): Uint8Array | null {
    if (!Number.isSafeInteger(t) || Math.abs(t) > MAX_SAFE_ABS) throw new InputError(`timestamp ${t} is not an integer within +-2^52 ticks`);
    // Within a block time must not go back (overlapping windows restart it between blocks).
    if (this.n > 0 && t < this.prevT) throw new InputError(`timestamp ${t} is before the previous one (${this.prevT})`);
    for (let c = 0; c < this.channels; c++) {
      const v = q[c]!;
      if (!Number.isInteger(v) || v < this.codeMin || v > this.codeMin + 255) throw new InputError(`code ${v} of channel ${c} is outside ${this.codeMin}..${this.codeMin + 255}`);
    }
    if (this.n === 0) {
      this.tsLen = writeVarint(this.ts, 0, zigzag(t));
      this.prevD = 0;
      this.run = 0;
      this.groupLen = 0;
      // The first sample's codes are stored as bytes (uint8 view of the code).
      for (let c = 0; c < this.channels; c++) {
        const v = q[c]!;
        this.vals[c] = v & 0xff;
        this.prevQ[c] = v;
      }
      this.valLen = this.channels;
    } else {
      const d = t - this.prevT;
      const dod = d - this.prevD;
      if (dod === 0) this.run++;
      else {
        if (Math.abs(dod) > MAX_SAFE_ABS / 2) throw new InputError(`timestamp ${t}: interval change ${dod} exceeds 2^51 ticks`);
        if (this.run > 0) this.tsLen = writeVarint(this.ts, this.tsLen, (this.run - 1) * 2 + 1);
        this.run = 0;
        this.tsLen = writeVarint(this.ts, this.tsLen, zigzag(dod) * 2);
      }
      this.prevD = d;
      const g = this.groupLen;
      for (let c = 0; c < this.channels; c++) {
        const v = q[c]!;
        this.group[c * GROUP + g] = zigzag(v - this.prevQ[c]!);
        this.prevQ[c] = v;
      }
      if (++this.groupLen === GROUP) this.packGroup();
    }
    this.prevT = t;
    this.n++;
    return this.n === this.capacity ? this.finish() : null;
  }

  /** Ends the current block early (end of stream, end of window); null when it is empty. */
  flush(): Uint8Array | null {
    return this.n > 0 ? this.finish() : null;
  }

  /** Writes the group: width nibbles, then each channel's deltas packed LSB-first at that width. */
  private packGroup(): void {
    const m = this.groupLen;
    const C = this.channels;
    const out = this.vals;
    let p = this.valLen;
    const nib = p;
    p += (C + 1) >> 1;
    for (let i = nib; i < p; i++) out[i] = 0;
    for (let c = 0; c < C; c++) {
      let max = 0;
      for (let i = 0; i < m; i++) max |= this.group[c * GROUP + i]!;
      const w = bitWidth(max);
      out[nib + (c >> 1)] = out[nib + (c >> 1)]! | ((c & 1) ? w << 4 : w);
      if (w === 0) continue;
      let acc = 0;
      let bits = 0;
      for (let i = 0; i < m; i++) {
        acc |= this.group[c * GROUP + i]! << bits;
        bits += w;
        while (bits >= 8) {
          out[p++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
      if (bits > 0) out[p++] = acc & 0xff;
    }
    this.valLen = p;
    this.groupLen = 0;
  }

  private finish(): Uint8Array {
    if (this.run > 0) this.tsLen = writeVarint(this.ts, this.tsLen, (this.run - 1) * 2 + 1);
    this.run = 0;
    if (this.groupLen > 0) this.packGroup();
    const payload = this.tsLen + this.valLen;
    if (payload > maxPayload(this.n, this.channels)) throw new Error("internal: block payload over its bound");
    const out = new Uint8Array(BLOCK_HEADER_BYTES + payload);
    const dv = new DataView(out.buffer);
    out[0] = BLOCK_SYNC[0];
    out[1] = BLOCK_SYNC[1];
    dv.setUint16(2, this.n, true);
    dv.setUint32(4, this.seq >>> 0, true);
    dv.setUint32(8, payload, true);
    out.set(this.ts.subarray(0, this.tsLen), BLOCK_HEADER_BYTES);
    out.set(this.vals.subarray(0, this.valLen), BLOCK_HEADER_BYTES + this.tsLen);
    const crc = crc32(out.subarray(BLOCK_HEADER_BYTES), crc32(out.subarray(2, 12)));
    dv.setUint32(12, crc, true);
    this.seq++;
    this.n = 0;
    return out;
  }
}

/**
 * Sliding windows over coded samples: every `hop` samples once `length` are in,
 * the last `length` samples become one block. Memory: one ring of `length` samples.
 */
export class WindowEncoder {
  private readonly ringT: Float64Array;
  private readonly ringQ: Int32Array;
  private readonly sample: Int32Array;
  private count = 0;
  private readonly enc: BlockEncoder;

  constructor(private readonly header: StreamHeader) {
    this.ringT = new Float64Array(header.window);
    this.ringQ = new Int32Array(header.window * header.channels.length);
    this.sample = new Int32Array(header.channels.length);
    this.enc = new BlockEncoder(header);
  }

  add(t: number, q: ArrayLike<number>): Uint8Array | null {
    const w = this.header.window;
    const c = this.header.channels.length;
    const slot = this.count % w;
    this.ringT[slot] = t;
    for (let i = 0; i < c; i++) this.ringQ[slot * c + i] = q[i]!;
    this.count++;
    if (this.count < w || (this.count - w) % this.header.hop !== 0) return null;
    let out: Uint8Array | null = null;
    for (let k = 0; k < w; k++) {
      const s = (this.count + k) % w; // oldest first
      for (let i = 0; i < c; i++) this.sample[i] = this.ringQ[s * c + i]!;
      out = this.enc.add(this.ringT[s]!, this.sample);
    }
    return out;
  }
}

/** Raw sample in sensor units. */
export interface Sample {
  t: number;
  values: ArrayLike<number>;
}

/** Per-sample pipeline: optional z-score, quantization, block or window encoding. */
export class StreamEncoder {
  readonly quantizers: ChannelQuantizer[];
  private readonly zs: RunningZScore[] | null;
  private readonly blocks: BlockEncoder | null;
  private readonly windows: WindowEncoder | null;
  private readonly codes: Int32Array;
  /** The values that were quantized (after z-score), for error reports. */
  readonly transformed: Float64Array;

  constructor(readonly header: StreamHeader) {
    this.quantizers = header.channels.map((c) => new ChannelQuantizer(c, header.int8));
    this.zs = header.zscore ? header.channels.map(() => new RunningZScore()) : null;
    this.blocks = header.window ? null : new BlockEncoder(header);
    this.windows = header.window ? new WindowEncoder(header) : null;
    this.codes = new Int32Array(header.channels.length);
    this.transformed = new Float64Array(header.channels.length);
  }

  headerBytes(): Uint8Array {
    return encodeHeader(this.header);
  }

  /** Quantizes and encodes a sample; returns a finished block or null. `codes` holds its codes afterwards. */
  add(t: number, values: ArrayLike<number>): Uint8Array | null {
    for (let c = 0; c < this.codes.length; c++) {
      const x = this.zs ? this.zs[c]!.next(values[c]!) : values[c]!;
      this.transformed[c] = x;
      this.codes[c] = this.quantizers[c]!.quantize(x);
    }
    return this.blocks ? this.blocks.add(t, this.codes) : this.windows!.add(t, this.codes);
  }

  get lastCodes(): Int32Array {
    return this.codes;
  }

  flush(): Uint8Array | null {
    return this.blocks ? this.blocks.flush() : null; // a partial window is not a window
  }
}

/** Encodes a whole in-memory series (tests, benchmarks). */
export function encodeSamples(header: StreamHeader, samples: Iterable<Sample>): Uint8Array {
  const enc = new StreamEncoder(header);
  const parts: Uint8Array[] = [enc.headerBytes()];
  for (const s of samples) {
    const b = enc.add(s.t, s.values);
    if (b) parts.push(b);
  }
  const last = enc.flush();
  if (last) parts.push(last);
  return Buffer.concat(parts);
}

/**
 * A Transform stream: objects {t, values} in (sensor units), .wqs bytes out (header first).
 * For live recording (e.g. `wasmcu monitor --record`) as well as files.
 */
export class WqsEncodeStream extends Transform {
  readonly encoder: StreamEncoder;
  private started = false;

  constructor(header: StreamHeader) {
    super({ writableObjectMode: true, readableObjectMode: false });
    this.encoder = new StreamEncoder(header);
  }

  override _transform(s: Sample, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (!this.started) {
        this.push(this.encoder.headerBytes());
        this.started = true;
      }
      const b = this.encoder.add(s.t, s.values);
      if (b) this.push(b);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (!this.started) this.push(this.encoder.headerBytes());
      const b = this.encoder.flush();
      if (b) this.push(b);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
