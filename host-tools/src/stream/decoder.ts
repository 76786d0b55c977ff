// The .wqs decoder: incremental (constant memory: at most one block buffered), checks
// every block's CRC, reports damaged or truncated blocks by byte offset and resynchronises.
import { Transform, type TransformCallback } from "node:stream";
import { InputError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";
import { BLOCK_HEADER_BYTES, BLOCK_SYNC, maxPayload, parseHeader, type StreamHeader } from "./format.js";
import { unzigzag, VarintReader } from "./varint.js";

export interface DecodedBlock {
  seq: number;
  /** Byte offset of the block in the stream. */
  offset: number;
  n: number;
  t: Float64Array;
  /** Codes, sample-major: q[i * channels + c]. */
  q: Int32Array;
}

export interface Damage {
  /** Byte offset where the unreadable bytes start. */
  offset: number;
  /** How many bytes were skipped. */
  length: number;
  reason: string;
}

export type DecodeEvent =
  | { type: "header"; header: StreamHeader; length: number }
  | { type: "block"; block: DecodedBlock }
  | { type: "damage"; damage: Damage }
  | { type: "lost"; fromSeq: number; toSeq: number }
  /** A good block whose sequence number repeats or goes backwards (a replay, or out of order): not emitted. */
  | { type: "dropped"; dropped: DroppedBlock };

export interface DroppedBlock {
  seq: number;
  /** Byte offset of the block in the stream. */
  offset: number;
  /** The lowest sequence number that would have been accepted. */
  expectedSeq: number;
}

/** Decodes one block payload; throws InputError with the payload-relative offset on bad data. */
export function decodePayload(header: StreamHeader, n: number, payload: Uint8Array): { t: Float64Array; q: Int32Array } {
  const channels = header.channels.length;
  const r = new VarintReader(payload, 0, payload.length);
  const t = new Float64Array(n);
  let prevT = unzigzag(r.read());
  let prevD = 0;
  t[0] = prevT;
  let i = 1;
  while (i < n) {
    const tok = r.read();
    if (tok % 2 === 1) {
      const run = (tok - 1) / 2 + 1;
      if (i + run > n) throw new InputError(`a run of ${run} timestamps at payload byte ${r.pos} overshoots the block's ${n} samples`);
      for (let k = 0; k < run; k++) {
        prevT += prevD;
        t[i++] = prevT;
      }
    } else {
      prevD += unzigzag(tok / 2);
      prevT += prevD;
      if (prevD < 0) throw new InputError(`timestamp goes backwards at sample ${i} (payload byte ${r.pos})`);
      t[i++] = prevT;
    }
    if (!Number.isSafeInteger(prevT)) throw new InputError(`timestamp overflows at sample ${i - 1} (payload byte ${r.pos})`);
  }
  const q = new Int32Array(n * channels);
  const [min, max] = header.int8 ? [-128, 127] : [0, 255];
  let p = r.pos;
  if (p + channels > payload.length) throw new InputError(`the first sample's codes at payload byte ${p} run past the payload end`);
  for (let c = 0; c < channels; c++) q[c] = header.int8 ? (payload[p + c]! << 24) >> 24 : payload[p + c]!;
  p += channels;
  const widths = new Int32Array(channels);
  for (let g = 1; g < n; g += 8) {
    const m = Math.min(8, n - g);
    const nibBytes = (channels + 1) >> 1;
    if (p + nibBytes > payload.length) throw new InputError(`group of samples ${g}..${g + m - 1}: width header at payload byte ${p} runs past the payload end`);
    for (let c = 0; c < channels; c++) {
      const w = (payload[p + (c >> 1)]! >> ((c & 1) * 4)) & 0xf;
      if (w > 9) throw new InputError(`group of samples ${g}..${g + m - 1}, channel ${c}: width ${w} at payload byte ${p + (c >> 1)} is over 9 bits`);
      widths[c] = w;
    }
    if ((channels & 1) && payload[p + nibBytes - 1]! >> 4) throw new InputError(`unused width nibble at payload byte ${p + nibBytes - 1} is not 0`);
    p += nibBytes;
    for (let c = 0; c < channels; c++) {
      const w = widths[c]!;
      const bytes = (m * w + 7) >> 3;
      if (p + bytes > payload.length) throw new InputError(`group of samples ${g}..${g + m - 1}, channel ${c}: packed deltas at payload byte ${p} run past the payload end`);
      let acc = 0;
      let bits = 0;
      let k = p;
      const mask = (1 << w) - 1;
      for (let i = 0; i < m; i++) {
        while (bits < w) {
          acc |= payload[k++]! << bits;
          bits += 8;
        }
        const zz = w ? acc & mask : 0;
        acc >>>= w;
        bits -= w;
        const v = q[(g + i - 1) * channels + c]! + unzigzag(zz);
        if (v < min || v > max) throw new InputError(`code ${v} of sample ${g + i} channel ${c} near payload byte ${k - 1} is outside ${min}..${max}`);
        q[(g + i) * channels + c] = v;
      }
      if (acc !== 0) throw new InputError(`padding bits at payload byte ${k - 1} are not 0`);
      p = k;
    }
  }
  r.pos = p;
  if (r.pos !== payload.length) throw new InputError(`${payload.length - r.pos} stray bytes after the samples at payload byte ${r.pos}`);
  return { t, q };
}

type Attempt = { kind: "ok"; length: number; block: DecodedBlock } | { kind: "need"; bytes: number } | { kind: "bad"; reason: string };

export class WqsDecoder {
  header: StreamHeader | null = null;
  private buf = new Uint8Array(0);
  private pos = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private damageStart = -1;
  private damageReason = "";
  private expectedSeq = 0;
  blocks = 0;
  samples = 0;

  /** Feeds bytes; returns what could be decoded so far. */
  push(chunk: Uint8Array): DecodeEvent[] {
    const rest = this.buf.subarray(this.pos);
    const merged = new Uint8Array(rest.length + chunk.length);
    merged.set(rest, 0);
    merged.set(chunk, rest.length);
    this.base += this.pos;
    this.buf = merged;
    this.pos = 0;
    return this.run(false);
  }

  /** End of input: reports a truncated or damaged tail, after decoding any block behind it. */
  end(): DecodeEvent[] {
    const ev = this.run(true);
    if (!this.header) {
      throw new InputError(this.buf.length === 0 ? "empty .wqs input: no header" : `truncated .wqs header: the stream ends after ${this.buf.length} bytes`);
    }
    if (this.pos < this.buf.length) {
      // Not resynchronising, and the block here cannot complete: a truncation (or a damaged length).
      const a = this.attempt(this.pos);
      const at = this.base + this.pos;
      const left = this.buf.length - this.pos;
      this.damageStart = at;
      this.damageReason = a.kind === "need"
        ? `truncated block at byte ${at}: it needs ${a.bytes} bytes, the stream ends after ${left}`
        : `damaged block at byte ${at}`;
      this.pos = this.nextSync(this.pos + 1);
      ev.push(...this.run(true));
    }
    if (this.damageStart >= 0) {
      const endOff = this.base + this.buf.length;
      ev.push({ type: "damage", damage: { offset: this.damageStart, length: endOff - this.damageStart, reason: this.damageReason } });
      this.damageStart = -1;
    }
    return ev;
  }

  private attempt(p: number): Attempt {
    const h = this.header!;
    const b = this.buf;
    if (b.length - p < BLOCK_HEADER_BYTES) return { kind: "need", bytes: BLOCK_HEADER_BYTES };
    if (b[p] !== BLOCK_SYNC[0] || b[p + 1] !== BLOCK_SYNC[1]) return { kind: "bad", reason: "no block sync (57 42)" };
    const dv = new DataView(b.buffer, b.byteOffset + p, BLOCK_HEADER_BYTES);
    const n = dv.getUint16(2, true);
    const seq = dv.getUint32(4, true);
    const len = dv.getUint32(8, true);
    if (n < 1 || n > h.blockSamples || (h.window && n !== h.window)) return { kind: "bad", reason: `sample count ${n} is impossible (block length ${h.blockSamples})` };
    if (len > maxPayload(n, h.channels.length)) return { kind: "bad", reason: `payload length ${len} is impossible for ${n} samples` };
    if (b.length - p < BLOCK_HEADER_BYTES + len) return { kind: "need", bytes: BLOCK_HEADER_BYTES + len };
    const payload = b.subarray(p + BLOCK_HEADER_BYTES, p + BLOCK_HEADER_BYTES + len);
    const crc = crc32(payload, crc32(b.subarray(p + 2, p + 12)));
    if (crc !== dv.getUint32(12, true)) return { kind: "bad", reason: "CRC mismatch" };
    try {
      const { t, q } = decodePayload(h, n, payload);
      return { kind: "ok", length: BLOCK_HEADER_BYTES + len, block: { seq, offset: this.base + p, n, t, q } };
    } catch (e) {
      return { kind: "bad", reason: `payload does not decode: ${(e as Error).message}` };
    }
  }

  private run(atEnd: boolean): DecodeEvent[] {
    const ev: DecodeEvent[] = [];
    if (!this.header) {
      const parsed = parseHeader(this.buf.subarray(this.pos));
      if (!parsed) return ev;
      this.header = parsed.header;
      this.pos += parsed.length;
      ev.push({ type: "header", header: parsed.header, length: parsed.length });
    }
    for (;;) {
      if (this.pos >= this.buf.length) break;
      const a = this.attempt(this.pos);
      if (a.kind === "need") {
        if (!atEnd) break;
        if (this.damageStart < 0) break; // end() reports the truncation
        // While resynchronising, a candidate that cannot complete is just more damage.
        this.pos = this.nextSync(this.pos + 1);
        continue;
      }
      if (a.kind === "ok") {
        if (this.damageStart >= 0) {
          ev.push({ type: "damage", damage: { offset: this.damageStart, length: a.block.offset - this.damageStart, reason: this.damageReason } });
          this.damageStart = -1;
        }
        if (a.block.seq < this.expectedSeq) {
          ev.push({ type: "dropped", dropped: { seq: a.block.seq, offset: a.block.offset, expectedSeq: this.expectedSeq } });
          this.pos += a.length;
          continue;
        }
        if (a.block.seq > this.expectedSeq) ev.push({ type: "lost", fromSeq: this.expectedSeq, toSeq: a.block.seq - 1 });
        this.expectedSeq = a.block.seq + 1;
        this.blocks++;
        this.samples += a.block.n;
        ev.push({ type: "block", block: a.block });
        this.pos += a.length;
        continue;
      }
      if (this.damageStart < 0) {
        this.damageStart = this.base + this.pos;
        this.damageReason = `damaged block at byte ${this.damageStart}: ${a.reason}`;
      }
      this.pos = this.nextSync(this.pos + 1);
    }
    return ev;
  }

  /** Index of the next possible block sync at or after p (the last byte may start one). */
  private nextSync(p: number): number {
    const b = this.buf;
    for (let i = p; i < b.length - 1; i++) if (b[i] === BLOCK_SYNC[0] && b[i + 1] === BLOCK_SYNC[1]) return i;
    const last = b.length - 1;
    return last >= p && b[last] === BLOCK_SYNC[0] ? last : Math.max(p, b.length);
  }
}

/** Decodes a whole in-memory .wqs (tests, benchmarks). */
export function decodeWqs(bytes: Uint8Array): { header: StreamHeader; blocks: DecodedBlock[]; damage: Damage[]; lost: { fromSeq: number; toSeq: number }[]; dropped: DroppedBlock[] } {
  const d = new WqsDecoder();
  const events = [...d.push(bytes), ...d.end()];
  return {
    header: d.header!,
    blocks: events.flatMap((e) => (e.type === "block" ? [e.block] : [])),
    damage: events.flatMap((e) => (e.type === "damage" ? [e.damage] : [])),
    lost: events.flatMap((e) => (e.type === "lost" ? [{ fromSeq: e.fromSeq, toSeq: e.toSeq }] : [])),
    dropped: events.flatMap((e) => (e.type === "dropped" ? [e.dropped] : [])),
  };
}

/** A Transform stream: .wqs bytes in, DecodeEvent objects out. */
export class WqsDecodeStream extends Transform {
  readonly decoder = new WqsDecoder();
  constructor() {
    super({ writableObjectMode: false, readableObjectMode: true });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      for (const e of this.decoder.push(chunk)) this.push(e);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      for (const e of this.decoder.end()) this.push(e);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
