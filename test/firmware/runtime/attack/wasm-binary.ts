// Just enough of the WebAssembly binary format for the attack harnesses: LEB128, the
// section list, and each exported function's signature (to call it with typed zeros).
export const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
const VALTYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

export interface Section { id: number; start: number; size: number; body: number }
export interface FuncSig { params: ValType[]; results: ValType[] }
export interface ExportInfo { name: string; kind: number; index: number }
export interface ModuleInfo { sections: Section[]; types: FuncSig[]; funcTypes: number[]; exports: ExportInfo[] }

export class Reader {
  constructor(readonly b: Uint8Array, public p = 0) {}
  byte(): number {
    if (this.p >= this.b.length) throw new Error("unexpected end");
    return this.b[this.p++]!;
  }
  u32(): number {
    let v = 0, shift = 0;
    for (;;) {
      const c = this.byte();
      v += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) return v;
      shift += 7;
      if (shift > 28) throw new Error("LEB too long");
    }
  }
  /** Skips a LEB128 of any length up to `max` bytes; returns its byte length. */
  skipLeb(max = 10): number {
    const s = this.p;
    while (this.byte() & 0x80) if (this.p - s >= max) throw new Error("LEB too long");
    return this.p - s;
  }
  name(): string {
    const n = this.u32();
    if (this.p + n > this.b.length) throw new Error("name past the end");
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

export function sections(b: Uint8Array): Section[] {
  const r = new Reader(b, 8);
  const out: Section[] = [];
  while (r.p < b.length) {
    const start = r.p;
    const id = r.byte();
    const size = r.u32();
    const body = r.p;
    if (body + size > b.length) throw new Error(`section ${id} runs past the end`);
    out.push({ id, start, size, body });
    r.p = body + size;
  }
  return out;
}

function limits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

/** Types, function type indices (imports first) and exports of a valid module. */
export function moduleInfo(b: Uint8Array): ModuleInfo {
  const secs = sections(b);
  const types: FuncSig[] = [];
  const funcTypes: number[] = [];
  const exports: ExportInfo[] = [];
  const vt = (r: Reader): ValType => VALTYPES[r.byte()] ?? (() => { throw new Error("unknown value type"); })();
  for (const s of secs) {
    const r = new Reader(b, s.body);
    if (s.id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error("not a function type");
        const params = Array.from({ length: r.u32() }, () => vt(r));
        const results = Array.from({ length: r.u32() }, () => vt(r));
        types.push({ params, results });
      }
    } else if (s.id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) funcTypes.push(r.u32());
        else if (kind === 1) { r.byte(); limits(r); }
        else if (kind === 2) limits(r);
        else { r.byte(); r.byte(); }
      }
    } else if (s.id === 3) {
      for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
    } else if (s.id === 7) {
      for (let n = r.u32(); n > 0; n--) exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
    }
  }
  return { sections: secs, types, funcTypes, exports };
}

/** The signature of exported function `e`. */
export function exportSig(m: ModuleInfo, e: ExportInfo): FuncSig {
  const t = m.types[m.funcTypes[e.index]!];
  if (!t) throw new Error(`export ${e.name}: no type`);
  return t;
}
