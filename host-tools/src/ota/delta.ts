// Delta encoder for the device's streaming patcher (firmware/ota/delta.c; format in
// firmware/ota/README.md). Ideas from bsdiff/detools (approximate matches whose small
// differences are sent as byte diffs) and JojoDiff (greedy hash-indexed matching in one
// pass); the format and the code are ours.
//
// Ops: COPY(len, old offset delta)            new = old
//      ADD(len, old offset delta, sparse diff) new = old + diff, diff sent as (skip, run, bytes)*
//      INSERT(len, bytes)                      new = literal
//      END
import { createHash } from "node:crypto";
import { crc32 } from "../link/crc32.js";
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
  oldLength: number;
  newLength: number;
  oldSha256: Buffer;
  newSha256: Buffer;
}

class Writer {
  private chunks: Buffer[] = [];
  private cur = Buffer.alloc(1 << 16);
  private pos = 0;
  byte(b: number): void {
    if (this.pos === this.cur.length) this.spill();
    this.cur[this.pos++] = b;
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }
  /** zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
  svarint(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.byte(x);
  }
  private spill(): void {
    this.chunks.push(Buffer.from(this.cur.subarray(0, this.pos)));
    this.pos = 0;
  }
  done(): Buffer {
    this.spill();
    return Buffer.concat(this.chunks);
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
 * rule, the end that maximises 2*equal - length, with a mismatch costing about what
 * the diff encoding spends on it.
 */
function extend(old: Uint8Array, nw: Uint8Array, start: number, d: number): number {
  let score = 0, best = 0, bestEnd = start;
  for (let i = start; i < nw.length && i + d < old.length; i++) {
    score += old[i + d] === nw[i] ? 1 : -3;
    if (score > best) {
      best = score;
      bestEnd = i + 1;
    } else if (score < best - 48) {
      break;
    }
  }
  return bestEnd;
}

export interface DeltaStats {
  copyOps: number;
  addOps: number;
  insertOps: number;
  insertedBytes: number;
  diffBytes: number;
}

/** Encodes the patch turning `old` into `nw` (whole slot images: header + payload). */
export function encodeDelta(old: Uint8Array, nw: Uint8Array, stats?: DeltaStats): Buffer {
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
      w.byte(OP_INSERT);
      w.varint(end - litStart);
      w.bytes(nw.subarray(litStart, end));
      st.insertOps++;
      st.insertedBytes += end - litStart;
    }
  };

  const emitAligned = (start: number, end: number, d: number) => {
    const from = start + d;
    let exact = true;
    for (let i = start; i < end; i++) if (old[i + d] !== nw[i]) { exact = false; break; }
    w.byte(exact ? OP_COPY : OP_ADD);
    w.varint(end - start);
    w.svarint(from - oldCursor);
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
        w.varint(skip);
        w.varint(run);
        for (let k = 0; k < run; k++) w.byte((nw[i + skip + k]! - old[i + skip + k + d]!) & 0xff);
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
      pos++;
    }
  }
  flushLiteral(nw.length);
  w.byte(OP_END);
  const body = w.done();

  const h = Buffer.alloc(PATCH_HEADER_SIZE);
  h.writeUInt32LE(PATCH_MAGIC, 0);
  h.writeUInt16LE(PATCH_VERSION, 4);
  h.writeUInt16LE(PATCH_HEADER_SIZE, 6);
  h.writeUInt32LE(old.length, 8);
  h.writeUInt32LE(nw.length, 12);
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
  return {
    oldLength: b.readUInt32LE(8),
    newLength: b.readUInt32LE(12),
    oldSha256: Buffer.from(b.subarray(16, 48)),
    newSha256: Buffer.from(b.subarray(48, 80)),
  };
}

/** Reference decoder (the same checks as the device's patcher), for `ota make --verify` and tests. */
export function applyDelta(old: Uint8Array, patch: Uint8Array): Buffer {
  const h = parsePatchHeader(patch);
  if (h.oldLength !== old.length || !createHash("sha256").update(old).digest().equals(h.oldSha256)) {
    throw new InputError("patch: made for a different old image (length or SHA-256 differs)");
  }
  const out = Buffer.alloc(h.newLength);
  let p = PATCH_HEADER_SIZE, o = 0, cur = 0;
  const need = (n: number, where: string) => {
    if (p + n > patch.length) throw new InputError(`patch: truncated in ${where} at offset ${p}`);
  };
  const varint = (where: string): number => {
    let v = 0, mul = 1;
    for (let i = 0; i < 5; i++) {
      need(1, where);
      const b = patch[p++]!;
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 0x80;
    }
    throw new InputError(`patch: varint too long at offset ${p}`);
  };
  const range = (len: number, where: string) => {
    if (len === 0 || o + len > h.newLength) throw new InputError(`patch: ${where} at offset ${p} writes past the new image`);
  };
  for (;;) {
    need(1, "op");
    const op = patch[p++]!;
    if (op === OP_END) break;
    if (op === OP_INSERT) {
      const len = varint("INSERT");
      range(len, "INSERT");
      need(len, "INSERT");
      out.set(patch.subarray(p, p + len), o);
      p += len;
      o += len;
      continue;
    }
    if (op !== OP_COPY && op !== OP_ADD) throw new InputError(`patch: unknown op ${op} at offset ${p - 1}`);
    const len = varint("op length");
    range(len, "op");
    const z = varint("offset");
    cur += z % 2 ? -(z + 1) / 2 : z / 2;
    if (cur < 0 || cur + len > old.length) throw new InputError(`patch: op at offset ${p} reads outside the old image`);
    if (op === OP_COPY) {
      out.set(old.subarray(cur, cur + len), o);
    } else {
      let left = len, i = 0;
      while (left > 0) {
        const skip = varint("skip"), run = varint("run");
        if (skip + run > left || skip + run === 0) throw new InputError(`patch: bad diff run at offset ${p}`);
        for (let k = 0; k < skip; k++, i++) out[o + i] = old[cur + i]!;
        need(run, "diff");
        for (let k = 0; k < run; k++, i++) out[o + i] = (old[cur + i]! + patch[p++]!) & 0xff;
        left -= skip + run;
      }
    }
    cur += len;
    o += len;
  }
  if (p !== patch.length) throw new InputError(`patch: ${patch.length - p} bytes after END`);
  if (o !== h.newLength) throw new InputError(`patch: produced ${o} of ${h.newLength} bytes`);
  if (!createHash("sha256").update(out).digest().equals(h.newSha256)) throw new InputError("patch: result does not match its SHA-256");
  return out;
}
