// Structure-aware .wasm mutations: they keep the section framing (sizes re-encoded after
// an edit) so that most mutants reach the validator's checks instead of dying at the first
// length field, and they aim at what validators get wrong: LEB immediates (boundary values,
// overlong but legal encodings), opcodes, section sizes, counts and order.
import { Reader, sections, uleb, type Section } from "./wasm-binary.js";

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** u32 values that sit on an edge: 0, 1, sign and width boundaries, the all-ones "sentinel". */
const EDGES = [0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** A u32 LEB of `value` in `width` bytes (overlong forms are legal up to 5 bytes). */
export function ulebPadded(value: number, width: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  for (let i = 0; i < width; i++) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    out.push(i < width - 1 ? b | 0x80 : b);
  }
  return out;
}

/** Byte positions of the LEB128 fields we can find without decoding instructions: section sizes,
 * vector counts, and every LEB in the type/function/import/export/start/data-count sections. */
function lebSites(b: Uint8Array, secs: Section[]): number[] {
  const sites: number[] = [];
  for (const s of secs) {
    sites.push(s.start + 1); // the size
    if (s.id === 0 || s.size === 0) continue;
    sites.push(s.body); // the count (or the start index / data count)
    if (s.id === 3 || s.id === 8 || s.id === 12) {
      const r = new Reader(b, s.body);
      try {
        while (r.p < s.body + s.size) {
          sites.push(r.p);
          r.skipLeb(5);
        }
      } catch { /* a truncated tail: the sites found so far */ }
    }
    if (s.id === 10) {
      // each body's size and its local-declaration count
      const r = new Reader(b, s.body);
      try {
        for (let n = r.u32(); n > 0 && r.p < s.body + s.size; n--) {
          sites.push(r.p);
          const size = r.u32();
          sites.push(r.p);
          r.p += size;
        }
      } catch { /* ditto */ }
    }
  }
  return sites;
}

/** Opcodes worth planting: control, memory, numeric, the prefixes (0xfc bulk/sat, 0xfd SIMD,
 * 0xfe atomics) and the unassigned bytes between. */
const OPCODES = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x1a, 0x1b, 0x1c, 0x20, 0x21, 0x22,
  0x23, 0x24, 0x25, 0x26, 0x28, 0x29, 0x2d, 0x36, 0x3a, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x67, 0x6a, 0x7c,
  0x8c, 0x9a, 0xa7, 0xbf, 0xc0, 0xc4, 0xd0, 0xd1, 0xd2, 0xfc, 0x06, 0x12, 0x27, 0xc5, 0xd3, 0xfb, 0xfd, 0xfe, 0xff,
];

/** Replaces b[at..at+len) with `repl` and re-encodes the enclosing section's size (and, in
 * the code section, the enclosing function body's size) so the framing still holds. */
function splice(b: Uint8Array, at: number, len: number, repl: number[]): Uint8Array {
  const secs = sections(b);
  const s = secs.find((x) => at >= x.body && at + len <= x.body + x.size);
  let out = Buffer.concat([b.subarray(0, at), Uint8Array.from(repl), b.subarray(at + len)]);
  if (!s) return out;
  const delta = repl.length - len;
  // function body size, when the edit falls inside one
  if (s.id === 10) {
    const r = new Reader(out, s.body);
    try {
      for (let n = r.u32(); n > 0; n--) {
        const sizeAt = r.p;
        const size = r.u32();
        const bodyAt = r.p;
        if (at >= bodyAt && at < bodyAt + size) {
          const enc = uleb(size + delta);
          out = Buffer.concat([out.subarray(0, sizeAt), Uint8Array.from(enc), out.subarray(bodyAt)]);
          return fixSection(out, s, delta + enc.length - (bodyAt - sizeAt));
        }
        r.p = bodyAt + size;
      }
    } catch { /* leave the body sizes alone */ }
  }
  return fixSection(out, s, delta);
}

function fixSection(b: Uint8Array, s: Section, delta: number): Uint8Array {
  const enc = uleb(s.size + delta);
  return Buffer.concat([b.subarray(0, s.start + 1), Uint8Array.from(enc), b.subarray(s.body)]);
}

export const MUTATIONS = ["section-insert", "leb-edge", "leb-overlong", "leb-size-off", "opcode", "byte-in-body", "insert", "delete", "section-dup", "section-swap", "section-drop", "truncate"] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** One mutant of a well-formed module, and what was done. */
export function mutateWasm(orig: Uint8Array, rnd: Rnd): { bytes: Uint8Array; what: string } {
  let secs: Section[];
  try {
    secs = sections(orig);
  } catch {
    return { bytes: orig, what: "none (unparsable base)" };
  }
  if (secs.length === 0) return { bytes: orig, what: "none (empty module)" };
  const kind = pick(rnd, MUTATIONS);
  const code = secs.find((s) => s.id === 10);
  const inBody = (): number => {
    const s = code && code.size > 4 ? code : pick(rnd, secs);
    return s.body + Math.floor(rnd() * Math.max(1, s.size));
  };
  switch (kind) {
    case "leb-edge":
    case "leb-overlong":
    case "leb-size-off": {
      // half the time a section's leading LEB: a count, the start index, the data count
      const heads = secs.filter((s) => s.id !== 0 && s.size > 0).map((s) => s.body);
      const at = heads.length && rnd() < 0.5 ? pick(rnd, heads) : pick(rnd, lebSites(orig, secs));
      const r = new Reader(orig, at);
      let value: number, len: number;
      try {
        value = r.u32();
        len = r.p - at;
      } catch {
        return { bytes: orig, what: "none (bad LEB)" };
      }
      const nv = kind === "leb-edge" ? pick(rnd, EDGES) : kind === "leb-size-off" ? Math.max(0, value + pick(rnd, [-2, -1, 1, 2])) : value;
      const width = kind === "leb-overlong" ? Math.min(5, len + 1 + Math.floor(rnd() * 3)) : uleb(nv).length;
      // a section size is the framing itself: write it raw, do not re-encode around it
      const isSectionSize = secs.some((s) => s.start + 1 === at);
      const repl = ulebPadded(nv, Math.max(width, uleb(nv).length));
      if (isSectionSize) return { bytes: Buffer.concat([orig.subarray(0, at), Uint8Array.from(repl), orig.subarray(at + len)]), what: `${kind} section size ${value} -> ${nv} (${repl.length} bytes) at ${at}` };
      return { bytes: splice(orig, at, len, repl), what: `${kind} ${value} -> ${nv} (${repl.length} bytes) at ${at}` };
    }
    case "opcode": {
      const at = inBody();
      const op = pick(rnd, OPCODES);
      const extra = op === 0xfc || op === 0xfd || op === 0xfe || op === 0xfb ? ulebPadded(Math.floor(rnd() * 20), 1 + Math.floor(rnd() * 2)) : [];
      return { bytes: splice(orig, at, 1, [op, ...extra]), what: `opcode 0x${op.toString(16)}${extra.length ? ` ${extra.join(",")}` : ""} at ${at}` };
    }
    case "byte-in-body": {
      const at = inBody();
      const v = pick(rnd, [0x00, 0x01, 0x7f, 0x80, 0xff, Math.floor(rnd() * 256)]);
      return { bytes: splice(orig, at, 1, [v]), what: `byte ${v} at ${at}` };
    }
    case "insert": {
      const at = inBody();
      const n = 1 + Math.floor(rnd() * 4);
      return { bytes: splice(orig, at, 0, Array.from({ length: n }, () => Math.floor(rnd() * 256))), what: `insert ${n} at ${at}` };
    }
    case "delete": {
      const at = inBody();
      const n = 1 + Math.floor(rnd() * 4);
      const s = secs.find((x) => at >= x.body && at < x.body + x.size)!;
      return { bytes: splice(orig, at, Math.min(n, s.body + s.size - at), []), what: `delete ${n} at ${at}` };
    }
    case "section-dup":
    case "section-swap":
    case "section-drop": {
      const raw = secs.map((s) => orig.subarray(s.start, s.body + s.size));
      const i = Math.floor(rnd() * raw.length), j = Math.floor(rnd() * raw.length);
      if (kind === "section-dup") raw.splice(j, 0, raw[i]!);
      else if (kind === "section-swap") [raw[i], raw[j]] = [raw[j]!, raw[i]!];
      else raw.splice(i, 1);
      return { bytes: Buffer.concat([orig.subarray(0, 8), ...raw]), what: `${kind} ${secs[i]!.id}/${secs[j]!.id}` };
    }
    case "section-insert": {
      // a start or data count section holding one u32, placed where the section order wants it
      const id = pick(rnd, [8, 12]);
      const value = rnd() < 0.5 ? pick(rnd, EDGES) : Math.floor(rnd() * 8);
      const order = (x: number) => (x === 12 ? 9.5 : x); // data count sits between elem (9) and code (10)
      const after = secs.filter((x) => x.id !== 0 && order(x.id) < order(id));
      const at = after.length ? after[after.length - 1]!.body + after[after.length - 1]!.size : 8;
      const body = uleb(value);
      return { bytes: Buffer.concat([orig.subarray(0, at), Uint8Array.from([id, body.length, ...body]), orig.subarray(at)]), what: `section-insert ${id} = ${value}` };
    }
    case "truncate": {
      const at = 8 + Math.floor(rnd() * (orig.length - 8));
      return { bytes: orig.subarray(0, at), what: `truncate at ${at}` };
    }
  }
}
