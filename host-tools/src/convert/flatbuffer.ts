// A small FlatBuffers writer, enough for a TFLite model: tables of scalars,
// offsets to child objects, vectors of scalars / bytes / tables, strings.
// Written from the FlatBuffers binary format description.
//
// Objects are laid out front to back. A table is written as its vtable
// followed by the table itself (so the signed vtable offset stored in the
// table is positive); its children (strings, vectors, sub-tables) are written
// after it and the uoffset fields are patched then, which keeps every uoffset
// pointing forward as the format requires.

export type Scalar = "u8" | "i8" | "bool" | "i16" | "u16" | "i32" | "u32" | "f32" | "i64" | "u64";

export type FbValue =
  | { t: "scalar"; type: Scalar; v: number | bigint }
  | { t: "table"; fields: FbTable }
  | { t: "vec"; type: Scalar; v: ArrayLike<number | bigint> }
  | { t: "bytes"; data: Uint8Array; align: number }
  | { t: "tables"; v: FbTable[] }
  | { t: "string"; v: string };

/** Field id -> value; a missing id is an absent (default) field. */
export type FbTable = (FbValue | undefined)[];

const SIZE: Record<Scalar, number> = { u8: 1, i8: 1, bool: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

export const fb = {
  s: (type: Scalar, v: number | bigint): FbValue => ({ t: "scalar", type, v }),
  table: (fields: FbTable): FbValue => ({ t: "table", fields }),
  vec: (type: Scalar, v: ArrayLike<number | bigint>): FbValue => ({ t: "vec", type, v }),
  bytes: (data: Uint8Array, align = 16): FbValue => ({ t: "bytes", data, align }),
  tables: (v: FbTable[]): FbValue => ({ t: "tables", v }),
  str: (v: string): FbValue => ({ t: "string", v }),
};

class Out {
  buf = new Uint8Array(4096);
  dv = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** Zero-pads until (pos + phase) is a multiple of align. */
  pad(align: number, phase = 0): void {
    const n = (align - ((this.pos + phase) % align)) % align;
    this.ensure(n);
    this.pos += n; // the buffer is zero-initialised
  }

  take(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  put(type: Scalar, at: number, v: number | bigint): void {
    const d = this.dv;
    switch (type) {
      case "u8": case "bool": d.setUint8(at, Number(v)); break;
      case "i8": d.setInt8(at, Number(v)); break;
      case "i16": d.setInt16(at, Number(v), true); break;
      case "u16": d.setUint16(at, Number(v), true); break;
      case "i32": d.setInt32(at, Number(v), true); break;
      case "u32": d.setUint32(at, Number(v), true); break;
      case "f32": d.setFloat32(at, Number(v), true); break;
      case "i64": d.setBigInt64(at, BigInt(v), true); break;
      case "u64": d.setBigUint64(at, BigInt(v), true); break;
    }
  }

  uoffset(field: number, target: number): void {
    this.dv.setUint32(field, target - field, true);
  }

  object(v: FbValue): number {
    switch (v.t) {
      case "table": return this.table(v.fields);
      case "string": {
        const b = new TextEncoder().encode(v.v);
        this.pad(4);
        const at = this.take(4 + b.length + 1); // NUL terminator
        this.put("u32", at, b.length);
        this.buf.set(b, at + 4);
        return at;
      }
      case "vec": {
        const es = SIZE[v.type];
        this.pad(Math.max(4, es), 4); // the elements, after the length, are aligned
        const at = this.take(4 + es * v.v.length);
        this.put("u32", at, v.v.length);
        for (let i = 0; i < v.v.length; i++) this.put(v.type, at + 4 + es * i, v.v[i]!);
        return at;
      }
      case "bytes": {
        this.pad(Math.max(4, v.align), 4);
        const at = this.take(4 + v.data.length);
        this.put("u32", at, v.data.length);
        this.buf.set(v.data, at + 4);
        return at;
      }
      case "tables": {
        this.pad(4);
        const at = this.take(4 + 4 * v.v.length);
        this.put("u32", at, v.v.length);
        v.v.forEach((t, i) => this.uoffset(at + 4 + 4 * i, this.table(t)));
        return at;
      }
      case "scalar": throw new Error("internal: a scalar is not an object");
    }
  }

  table(fields: FbTable): number {
    const ids: number[] = [];
    fields.forEach((f, i) => { if (f !== undefined) ids.push(i); });
    const width = (f: FbValue) => (f.t === "scalar" ? SIZE[f.type] : 4);
    // Widest fields first so each sits naturally aligned after the 4-byte soffset.
    const order = [...ids].sort((a, b) => width(fields[b]!) - width(fields[a]!) || a - b);
    const at = new Map<number, number>();
    let size = 4;
    let align = 4;
    for (const id of order) {
      const w = width(fields[id]!);
      size = Math.ceil(size / w) * w;
      at.set(id, size);
      size += w;
      align = Math.max(align, w);
    }
    size = Math.ceil(size / align) * align;
    const nslots = ids.length ? ids[ids.length - 1]! + 1 : 0;
    const vtSize = 4 + 2 * nslots;
    // vtable (2-aligned) then the table, aligned for its widest field.
    this.pad(align, vtSize);
    const vt = this.take(vtSize);
    const tab = this.take(size);
    this.put("u16", vt, vtSize);
    this.put("u16", vt + 2, size);
    for (let id = 0; id < nslots; id++) this.put("u16", vt + 4 + 2 * id, at.get(id) ?? 0);
    this.put("i32", tab, tab - vt);
    const later: [number, FbValue][] = [];
    for (const id of ids) {
      const f = fields[id]!;
      if (f.t === "scalar") this.put(f.type, tab + at.get(id)!, f.v);
      else later.push([tab + at.get(id)!, f]);
    }
    for (const [field, child] of later) this.uoffset(field, this.object(child));
    return tab;
  }
}

/** Serialises a root table with a 4-character file identifier. */
export function finishBuffer(root: FbTable, ident: string): Uint8Array {
  const o = new Out();
  const rootField = o.take(4);
  const id = o.take(4);
  o.buf.set(new TextEncoder().encode(ident).subarray(0, 4), id);
  o.uoffset(rootField, o.table(root));
  o.pad(16);
  return o.buf.slice(0, o.pos);
}
