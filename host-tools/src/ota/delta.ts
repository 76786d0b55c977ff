// Delta encoder for the device's streaming patcher (firmware/ota/src/delta.c; format in
// firmware/ota/README.md). Ideas from bsdiff/detools (approximate matches whose small
// differences are sent as byte diffs) and JojoDiff (greedy hash-indexed matching in one
// pass); the format and the code are ours.
//
// Ops: COPY(len, old offset delta)            new = old
//      ADD(len, old offset delta, sparse diff) new = old + diff, diff sent as (skip, run, bytes)*
//      INSERT(len, bytes)                      new = literal
//      END
import { createHash } from "node:crypto";
import { crc32 } from "../lib/crc32.js";
import { InputError } from "../lib/errors.js";

export const PATCH_MAGIC = 0x544c4457; // "WDLT"
export const PATCH_VERSION = 1;
export const PATCH_HEADER_SIZE = 96;
const OP_END = 0, OP_COPY = 1, OP_ADD = 2, OP_INSERT = 3;

/** Shortest exact match that may start a new alignment. */
const MIN_MATCH = 8;
const HASH_BYTES = 4;
const HASH_BITS = 18;
const MAX_CHAIN = 64;

export interface PatchHeader {
  coded: boolean;
  oldLength: number;
  newLength: number;
  oldSha256: Buffer;
  newSha256: Buffer;
}

/** What the patcher expects next; selects the range coder's model (firmware/ota/src/delta.c next_context). */
const enum Ctx { Tag = 0, Len = 1, Delta = 2, Skip = 3, Run = 4, Literal = 5, Diff = 6 }
const CONTEXTS = 7;

/** The op stream as bytes, each with the context the decoder will be in when it reads it. */
class Writer {
  private buf = new Uint8Array(1 << 16);
  private ctx = new Uint8Array(1 << 16);
  len = 0;
  byte(b: number, c: Ctx): void {
    if (this.len === this.buf.length) {
      const nb = new Uint8Array(this.buf.length * 2), nc = new Uint8Array(this.buf.length * 2);
      nb.set(this.buf);
      nc.set(this.ctx);
      this.buf = nb;
      this.ctx = nc;
    }
    this.buf[this.len] = b;
    this.ctx[this.len++] = c;
  }
  varint(v: number, c: Ctx): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80, c);
      v = Math.floor(v / 0x80);
    }
    this.byte(v, c);
  }
  /** zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
  svarint(v: number, c: Ctx): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1, c);
  }
  bytes(b: Uint8Array, c: Ctx): void {
    for (const x of b) this.byte(x, c);
  }
  raw(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
  /** The body range-coded (LZMA-style binary coder, one 255-node bit tree per context). */
  coded(): Buffer {
    const enc = new RangeEncoder();
    const probs = Array.from({ length: CONTEXTS }, () => new Uint16Array(256).fill(RC_ONE / 2));
    for (let i = 0; i < this.len; i++) {
      const pr = probs[this.ctx[i]!]!, b = this.buf[i]!;
      let m = 1;
      for (let k = 7; k >= 0; k--) {
        const bit = (b >> k) & 1;
        enc.bit(pr, m, bit);
        m = (m << 1) | bit;
      }
    }
    return enc.finish();
  }
}

const RC_BITS = 11, RC_ONE = 1 << RC_BITS, RC_TOP = 2 ** 24, TWO32 = 2 ** 32;

class RangeEncoder {
  private low = 0; // up to 2^32 + 2^32: exact in a double
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private out: number[] = [];
  bit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i]!;
    const bound = (this.range >>> RC_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((RC_ONE - p) >> 5);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >> 5);
    }
    while (this.range < RC_TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }
  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= TWO32) {
      const carry = this.low >= TWO32 ? 1 : 0;
      let temp = this.cache;
      do {
        this.out.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor((this.low % TWO32) / RC_TOP);
    }
    this.cacheSize++;
    this.low = (this.low % RC_TOP) * 256;
  }
  finish(): Buffer {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return Buffer.from(this.out);
  }
}

class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private probs = Array.from({ length: CONTEXTS }, () => new Uint16Array(256).fill(RC_ONE / 2));
  private pad = 0;
  constructor(private readonly src: Uint8Array, private pos: number) {
    if (this.src[this.pos] !== 0) throw new InputError(`patch: range-coded body does not start with 0 at offset ${pos}`);
    for (let i = 0; i < 5; i++) this.code = ((this.code * 256) >>> 0) + this.next();
  }
  /** Coded bytes not read yet: none once END is decoded, as the encoder's flush ends exactly there. */
  get remaining(): number {
    return this.src.length - this.pos;
  }
  private next(): number {
    if (this.pos < this.src.length) return this.src[this.pos++]!;
    if (++this.pad > 4) throw new InputError("patch: truncated range-coded body");
    return 0;
  }
  byte(c: Ctx): number {
    const pr = this.probs[c]!;
    let m = 1;
    while (m < 256) {
      const p = pr[m]!;
      const bound = (this.range >>> RC_BITS) * p;
      if (this.code < bound) {
        this.range = bound;
        pr[m] = p + ((RC_ONE - p) >> 5);
        m <<= 1;
      } else {
        this.code -= bound;
        this.range -= bound;
        pr[m] = p - (p >> 5);
        m = (m << 1) | 1;
      }
      if (this.range < RC_TOP) {
        this.range = (this.range * 256) >>> 0;
        this.code = ((this.code * 256) >>> 0) + this.next();
      }
    }
    return m & 0xff;
  }
}

function hashAt(b: Uint8Array, i: number): number {
  const v = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/** Hash chains over every position of the old image. */
class MatchFinder {
  private head = new Int32Array(1 << HASH_BITS).fill(-1);
  private prev: Int32Array;
  constructor(private readonly old: Uint8Array) {
    this.prev = new Int32Array(old.length);
    for (let i = 0; i + HASH_BYTES <= old.length; i++) {
      const h = hashAt(old, i);
      this.prev[i] = this.head[h]!;
      this.head[h] = i;
    }
  }
  /** Longest exact match of nw[at...] in old; prefers `hint` (the current alignment) on ties. */
  longest(nw: Uint8Array, at: number, hint: number): { pos: number; len: number } {
    let best = { pos: -1, len: 0 };
    const consider = (p: number) => {
      if (p < 0 || p >= this.old.length) return;
      let l = 0;
      const max = Math.min(this.old.length - p, nw.length - at);
      while (l < max && this.old[p + l] === nw[at + l]) l++;
      if (l > best.len) best = { pos: p, len: l };
    };
    consider(hint);
    if (at + HASH_BYTES > nw.length) return best;
    let p = this.head[hashAt(nw, at)]!;
    for (let n = 0; p >= 0 && n < MAX_CHAIN; n++, p = this.prev[p]!) consider(p);
    return best;
  }
}

/**
 * How far an alignment (new[i] ~ old[i + d]) is worth following from `start`: bsdiff's
 * rule, the end that maximises a score, here +2 per equal byte, +1 per small difference
 * (a retrained weight; the range coder makes those cheap) and -4 per other byte.
 */
function extend(old: Uint8Array, nw: Uint8Array, start: number, d: number): number {
  let score = 0, best = 0, bestEnd = start;
  for (let i = start; i < nw.length && i + d >= 0 && i + d < old.length; i++) {
    const diff = (nw[i]! - old[i + d]!) & 0xff;
    score += diff === 0 ? 2 : diff <= SMALL || diff >= 256 - SMALL ? 1 : -4;
    if (score > best) {
      best = score;
      bestEnd = i + 1;
    } else if (score < best - 64) {
      break;
    }
  }
  return bestEnd;
}

/** A difference of at most this (either way) counts as "small". */
const SMALL = 3;
/** An approximate region without any long exact match must be at least this long to be used. */
const MIN_APPROX = 24;

export interface DeltaStats {
  copyOps: number;
  addOps: number;
  insertOps: number;
  insertedBytes: number;
  diffBytes: number;
}

/** Encodes the patch turning `old` into `nw` (whole slot images: header + payload). */
export interface DeltaOptions {
  /** Body encoding: "raw" ops, "range"-coded ops, or whichever is smaller ("auto", the default). */
  coding?: "raw" | "range" | "auto";
}

export function encodeDelta(old: Uint8Array, nw: Uint8Array, stats?: DeltaStats, opts: DeltaOptions = {}): Buffer {
  if (old.length === 0 || nw.length === 0) throw new InputError("delta: the old and the new image must not be empty");
  const w = new Writer();
  const st: DeltaStats = stats ?? { copyOps: 0, addOps: 0, insertOps: 0, insertedBytes: 0, diffBytes: 0 };
  const finder = new MatchFinder(old);
  let oldCursor = 0; // where the patcher's old read position is after the last op
  let align = 0;     // d of the last alignment (old index - new index)
  let litStart = 0;
  let pos = 0;

  const flushLiteral = (end: number) => {
    if (end > litStart) {
      w.byte(OP_INSERT, Ctx.Tag);
      w.varint(end - litStart, Ctx.Len);
      w.bytes(nw.subarray(litStart, end), Ctx.Literal);
      st.insertOps++;
      st.insertedBytes += end - litStart;
    }
  };

  const emitAligned = (start: number, end: number, d: number) => {
    const from = start + d;
    let exact = true;
    for (let i = start; i < end; i++) if (old[i + d] !== nw[i]) { exact = false; break; }
    w.byte(exact ? OP_COPY : OP_ADD, Ctx.Tag);
    w.varint(end - start, Ctx.Len);
    w.svarint(from - oldCursor, Ctx.Delta);
    if (exact) st.copyOps++;
    else {
      st.addOps++;
      // sparse diff: (equal bytes to skip, differing run length, run bytes) until the op is covered
      let i = start;
      while (i < end) {
        let skip = 0;
        while (i + skip < end && old[i + skip + d] === nw[i + skip]) skip++;
        let run = 0;
        // a run absorbs short equal gaps (under 3 bytes) since a new pair would cost as much
        while (i + skip + run < end) {
          const j = i + skip + run;
          if (old[j + d] !== nw[j]) { run++; continue; }
          let gap = 0;
          while (j + gap < end && old[j + gap + d] === nw[j + gap] && gap < 3) gap++;
          if (gap >= 3 || j + gap >= end) break;
          run += gap;
        }
        w.varint(skip, Ctx.Skip);
        w.varint(run, Ctx.Run);
        for (let k = 0; k < run; k++) w.byte((nw[i + skip + k]! - old[i + skip + k + d]!) & 0xff, Ctx.Diff);
        st.diffBytes += run;
        i += skip + run;
      }
    }
    oldCursor = from + (end - start);
  };

  while (pos < nw.length) {
    const m = finder.longest(nw, pos, pos + align);
    if (m.len >= MIN_MATCH || (m.len >= 4 && m.pos - pos === align)) {
      const d = m.pos - pos;
      // the exact part is certain; follow the alignment through small differences after it
      const end = Math.max(pos + m.len, extend(old, nw, pos + m.len, d));
      flushLiteral(pos);
      emitAligned(pos, end, d);
      align = d;
      pos = end;
      litStart = pos;
    } else {
      // no exact match: the current alignment may still hold with small differences (retrained weights)
      const end = pos + align >= 0 ? extend(old, nw, pos, align) : pos;
      if (end - pos >= MIN_APPROX) {
        flushLiteral(pos);
        emitAligned(pos, end, align);
        pos = end;
        litStart = pos;
      } else {
        pos++;
      }
    }
  }
  flushLiteral(nw.length);
  w.byte(OP_END, Ctx.Tag);
  const raw = w.raw();
  const coded = opts.coding === "raw" ? undefined : w.coded();
  const useCoded = coded !== undefined && (opts.coding === "range" || coded.length < raw.length);
  const body = useCoded ? coded : raw;

  const h = Buffer.alloc(PATCH_HEADER_SIZE);
  h.writeUInt32LE(PATCH_MAGIC, 0);
  h.writeUInt16LE(PATCH_VERSION, 4);
  h.writeUInt16LE(PATCH_HEADER_SIZE, 6);
  h.writeUInt32LE(old.length, 8);
  h.writeUInt32LE(nw.length, 12);
  h[80] = useCoded ? 1 : 0;
  h.writeUInt32LE(body.length, 84);
  createHash("sha256").update(old).digest().copy(h, 16);
  createHash("sha256").update(nw).digest().copy(h, 48);
  h.writeUInt32LE(crc32(h.subarray(0, PATCH_HEADER_SIZE - 4)), PATCH_HEADER_SIZE - 4);
  return Buffer.concat([h, body]);
}

export function parsePatchHeader(patch: Uint8Array, what = "patch"): PatchHeader {
  const b = Buffer.from(patch.buffer, patch.byteOffset, patch.byteLength);
  if (b.length < PATCH_HEADER_SIZE) throw new InputError(`${what}: shorter than the ${PATCH_HEADER_SIZE}-byte header`);
  if (b.readUInt32LE(0) !== PATCH_MAGIC) throw new InputError(`${what}: bad magic at offset 0 (not a wasmcu delta patch)`);
  if (b.readUInt16LE(4) !== PATCH_VERSION) throw new InputError(`${what}: format version ${b.readUInt16LE(4)} is not supported`);
  if (crc32(b.subarray(0, PATCH_HEADER_SIZE - 4)) !== b.readUInt32LE(PATCH_HEADER_SIZE - 4)) {
    throw new InputError(`${what}: header CRC mismatch`);
  }
  if (b[80]! > 1 || b.subarray(81, 84).some((x) => x !== 0) || b.subarray(88, 92).some((x) => x !== 0)) {
    throw new InputError(`${what}: unknown body encoding or non-zero reserved bytes at offsets 80..91`);
  }
  const bodyLength = b.readUInt32LE(84);
  if (b.length !== PATCH_HEADER_SIZE + bodyLength) {
    throw new InputError(`${what}: header announces a ${bodyLength}-byte body, the file has ${b.length - PATCH_HEADER_SIZE} (truncated or padded)`);
  }
  return {
    coded: b[80] === 1,
    oldLength: b.readUInt32LE(8),
    newLength: b.readUInt32LE(12),
    oldSha256: Buffer.from(b.subarray(16, 48)),
    newSha256: Buffer.from(b.subarray(48, 80)),
  };
}

/** Reference decoder (the same checks as the device's patcher), for `ota make` and tests. */
export function applyDelta(old: Uint8Array, patch: Uint8Array): Buffer {
  const h = parsePatchHeader(patch);
  if (h.oldLength !== old.length || !createHash("sha256").update(old).digest().equals(h.oldSha256)) {
    throw new InputError("patch: made for a different old image (length or SHA-256 differs)");
  }
  const out = Buffer.alloc(h.newLength);
  let p = PATCH_HEADER_SIZE;
  const dec = h.coded ? new RangeDecoder(patch, PATCH_HEADER_SIZE) : undefined;
  const next = (c: Ctx, where: string): number => {
    if (dec) return dec.byte(c);
    if (p >= patch.length) throw new InputError(`patch: truncated in ${where} at offset ${p}`);
    return patch[p++]!;
  };
  const varint = (c: Ctx, where: string): number => {
    let v = 0, mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = next(c, where);
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 0x80;
    }
    throw new InputError(`patch: varint too long in ${where}`);
  };
  let o = 0, cur = 0;
  const range = (len: number, where: string) => {
    if (len === 0 || o + len > h.newLength) throw new InputError(`patch: ${where} at output offset ${o} writes past the new image`);
  };
  for (;;) {
    const op = next(Ctx.Tag, "op");
    if (op === OP_END) break;
    if (op === OP_INSERT) {
      const len = varint(Ctx.Len, "INSERT");
      range(len, "INSERT");
      for (let k = 0; k < len; k++) out[o++] = next(Ctx.Literal, "INSERT");
      continue;
    }
    if (op !== OP_COPY && op !== OP_ADD) throw new InputError(`patch: unknown op ${op} at output offset ${o}`);
    const len = varint(Ctx.Len, "op length");
    range(len, "op");
    const z = varint(Ctx.Delta, "offset");
    cur += z % 2 ? -(z + 1) / 2 : z / 2;
    if (cur < 0 || cur + len > old.length) throw new InputError(`patch: op at output offset ${o} reads outside the old image`);
    if (op === OP_COPY) {
      out.set(old.subarray(cur, cur + len), o);
    } else {
      let left = len, i = 0;
      while (left > 0) {
        const skip = varint(Ctx.Skip, "skip"), run = varint(Ctx.Run, "run");
        if (skip + run > left || skip + run === 0) throw new InputError(`patch: bad diff run at output offset ${o + i}`);
        for (let k = 0; k < skip; k++, i++) out[o + i] = old[cur + i]!;
        for (let k = 0; k < run; k++, i++) out[o + i] = (old[cur + i]! + next(Ctx.Diff, "diff")) & 0xff;
        left -= skip + run;
      }
    }
    cur += len;
    o += len;
  }
  const after = dec ? dec.remaining : patch.length - p;
  if (after !== 0) throw new InputError(`patch: ${after} bytes after END`);
  if (o !== h.newLength) throw new InputError(`patch: produced ${o} of ${h.newLength} bytes`);
  if (!createHash("sha256").update(out).digest().equals(h.newSha256)) throw new InputError("patch: result does not match its SHA-256");
  return out;
}
