// Builds small .tflite models for tests: a FlatBuffer writer for the few
// tables the engine reads (Model, OperatorCode, SubGraph, Tensor,
// QuantizationParameters, Buffer, Operator and the builtin options), written
// from the TFLite schema and the FlatBuffers binary format.
//
// Layout: objects are written front to back; a parent's offset fields are
// patched once its children are written after it (uoffsets point forward),
// and each table's vtable sits just before the table.

export type ScalarType = "u8" | "i8" | "bool" | "i16" | "u16" | "i32" | "u32" | "f32" | "i64" | "u64";

export type Value =
  | { kind: "scalar"; type: ScalarType; value: number | bigint }
  | { kind: "table"; table: Table }
  | { kind: "vector"; type: ScalarType; values: (number | bigint)[]; align?: number }
  | { kind: "bytes"; data: Uint8Array; align?: number }
  | { kind: "tables"; tables: Table[] }
  | { kind: "string"; value: string };

/** A table: field id -> value (absent ids are not written). */
export type Table = Map<number, Value>;

const SIZE: Record<ScalarType, number> = { u8: 1, i8: 1, bool: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

export const scalar = (type: ScalarType, value: number | bigint): Value => ({ kind: "scalar", type, value });
export const vec = (type: ScalarType, values: (number | bigint)[]): Value => ({ kind: "vector", type, values });
export const str = (value: string): Value => ({ kind: "string", value });
export const tbl = (fields: [number, Value][]): Table => new Map(fields);

class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf);
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  /** Pads with zeros until pos % align == phase. */
  align(align: number, phase = 0): void {
    while (this.pos % align !== phase) {
      this.grow(1);
      this.buf[this.pos++] = 0;
    }
  }

  put(type: ScalarType, at: number, value: number | bigint): void {
    const v = this.view;
    switch (type) {
      case "u8": case "bool": v.setUint8(at, Number(value)); break;
      case "i8": v.setInt8(at, Number(value)); break;
      case "i16": v.setInt16(at, Number(value), true); break;
      case "u16": v.setUint16(at, Number(value), true); break;
      case "i32": v.setInt32(at, Number(value), true); break;
      case "u32": v.setUint32(at, Number(value), true); break;
      case "f32": v.setFloat32(at, Number(value), true); break;
      case "i64": v.setBigInt64(at, BigInt(value), true); break;
      case "u64": v.setBigUint64(at, BigInt(value), true); break;
    }
  }

  reserve(n: number): number {
    this.grow(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  patchOffset(fieldPos: number, target: number): void {
    this.view.setUint32(fieldPos, target - fieldPos, true);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Writes any non-scalar value; returns its position (what offsets point at). */
  write(v: Value): number {
    switch (v.kind) {
      case "table": return this.table(v.table);
      case "string": {
        const b = new TextEncoder().encode(v.value);
        this.align(4);
        const at = this.reserve(4 + b.length + 1);
        this.put("u32", at, b.length);
        this.buf.set(b, at + 4);
        return at;
      }
      case "vector": {
        const es = SIZE[v.type];
        const a = Math.max(4, v.align ?? es);
        this.align(a, (a - 4) % a); // elements start aligned
        const at = this.reserve(4 + es * v.values.length);
        this.put("u32", at, v.values.length);
        v.values.forEach((x, i) => this.put(v.type, at + 4 + es * i, x));
        return at;
      }
      case "bytes": {
        const a = Math.max(4, v.align ?? 4);
        this.align(a, (a - 4) % a);
        const at = this.reserve(4 + v.data.length);
        this.put("u32", at, v.data.length);
        this.buf.set(v.data, at + 4);
        return at;
      }
      case "tables": {
        this.align(4);
        const at = this.reserve(4 + 4 * v.tables.length);
        this.put("u32", at, v.tables.length);
        v.tables.forEach((t, i) => this.patchOffset(at + 4 + 4 * i, this.table(t)));
        return at;
      }
      case "scalar": throw new Error("a scalar is not an object");
    }
  }

  table(t: Table): number {
    const ids = [...t.keys()].sort((a, b) => a - b);
    const maxId = ids.length ? ids[ids.length - 1]! : -1;
    // Inline layout: soffset first, then fields largest first.
    const fieldSize = (v: Value) => (v.kind === "scalar" ? SIZE[v.type] : 4);
    const order = [...ids].sort((a, b) => fieldSize(t.get(b)!) - fieldSize(t.get(a)!) || a - b);
    const offsets = new Map<number, number>();
    let size = 4;
    let maxAlign = 4;
    for (const id of order) {
      const s = fieldSize(t.get(id)!);
      size = Math.ceil(size / s) * s;
      offsets.set(id, size);
      size += s;
      maxAlign = Math.max(maxAlign, s);
    }
    size = Math.ceil(size / 4) * 4;
    // vtable, then the table aligned for its widest field.
    this.align(2);
    const vtSize = 4 + 2 * (maxId + 1);
    const vt = this.reserve(vtSize);
    this.align(maxAlign);
    const at = this.reserve(size);
    this.put("u16", vt, vtSize);
    this.put("u16", vt + 2, size);
    for (let id = 0; id <= maxId; id++) this.put("u16", vt + 4 + 2 * id, offsets.get(id) ?? 0);
    this.put("i32", at, at - vt);
    const children: [number, Value][] = [];
    for (const id of ids) {
      const v = t.get(id)!;
      const p = at + offsets.get(id)!;
      if (v.kind === "scalar") this.put(v.type, p, v.value);
      else children.push([p, v]);
    }
    for (const [p, v] of children) this.patchOffset(p, this.write(v));
    return at;
  }
}

/** Serializes a root table with the TFLite file identifier. */
export function finish(root: Table): Uint8Array {
  const w = new Writer();
  const rootSlot = w.reserve(4);
  const ident = w.reserve(4);
  const out = new TextEncoder().encode("TFL3");
  const root_ = w.table(root);
  const bytes = w.bytes();
  bytes.set(out, ident);
  new DataView(bytes.buffer).setUint32(rootSlot, root_, true);
  return bytes;
}

// ---- TFLite model description ----------------------------------------------

export const TensorType = { FLOAT32: 0, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, INT16: 7, INT8: 9 } as const;
export type TypeName = keyof typeof TensorType;

export interface TensorSpec {
  shape: number[];
  type: TypeName;
  /** Constant data (raw little-endian bytes). */
  data?: Uint8Array;
  scale?: number | number[];
  zeroPoint?: number | number[];
  quantDim?: number;
  variable?: boolean;
  name?: string;
  /** Forces a buffer index (for malformed-model tests). */
  buffer?: number;
  /** Store `data` after the FlatBuffer, found through Buffer.offset/size (as >2 GB models do). */
  external?: boolean;
}

export interface OpSpec {
  /** BuiltinOperator code. */
  code: number;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type and its table. */
  options?: { type: number; table: Table };
  version?: number;
}

export interface ModelSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: number[];
  outputs: number[];
  description?: string;
}

export const Op = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22,
  SOFTMAX: 25, SVDF: 27, TANH: 28, PAD: 34, TRANSPOSE: 39, MEAN: 40, SUB: 41, SQUEEZE: 43,
  UNIDIRECTIONAL_SEQUENCE_LSTM: 44, QUANTIZE: 114,
} as const;

export function buildModel(spec: ModelSpec): Uint8Array {
  if (!spec.tensors.some((t) => t.external)) return buildFlatbuffer(spec, 0);
  // External data: the FlatBuffer's size does not depend on the offsets, so
  // build once to learn it, then again with the data placed after it.
  const base = Math.ceil(buildFlatbuffer(spec, 0).length / 16) * 16;
  const fb = buildFlatbuffer(spec, base);
  const extra = spec.tensors.filter((t) => t.external && t.data).map((t) => t.data!);
  let size = base;
  for (const d of extra) size = Math.ceil(size / 16) * 16 + d.length;
  const out = new Uint8Array(size);
  out.set(fb);
  let at = base;
  for (const d of extra) {
    at = Math.ceil(at / 16) * 16;
    out.set(d, at);
    at += d.length;
  }
  return out;
}

function buildFlatbuffer(spec: ModelSpec, externalBase: number): Uint8Array {
  const buffers: Table[] = [tbl([])]; // buffer 0: the empty sentinel
  let external = externalBase;
  const tensors = spec.tensors.map((t, i) => {
    let buffer = 0;
    if (t.data && t.external) {
      external = Math.ceil(external / 16) * 16;
      buffers.push(tbl([[1, scalar("u64", BigInt(external))], [2, scalar("u64", BigInt(t.data.length))]]));
      external += t.data.length;
      buffer = buffers.length - 1;
    } else if (t.data) {
      buffers.push(tbl([[0, { kind: "bytes", data: t.data, align: 16 }]]));
      buffer = buffers.length - 1;
    }
    const fields: [number, Value][] = [
      [0, vec("i32", t.shape)],
      [1, scalar("i8", TensorType[t.type])],
      [2, scalar("u32", t.buffer ?? buffer)],
      [3, str(t.name ?? `t${i}`)],
    ];
    if (t.scale !== undefined) {
      const scales = Array.isArray(t.scale) ? t.scale : [t.scale];
      const zps = t.zeroPoint === undefined ? scales.map(() => 0) : Array.isArray(t.zeroPoint) ? t.zeroPoint : [t.zeroPoint];
      fields.push([4, { kind: "table", table: tbl([
        [2, vec("f32", scales)],
        [3, vec("i64", zps.map((z) => BigInt(z)))],
        [6, scalar("i32", t.quantDim ?? 0)],
      ]) }]);
    }
    if (t.variable) fields.push([5, scalar("bool", 1)]);
    return tbl(fields);
  });
  const codes = [...new Set(spec.ops.map((o) => o.code))];
  const operators = spec.ops.map((o) => {
    const fields: [number, Value][] = [
      [0, scalar("u32", codes.indexOf(o.code))],
      [1, vec("i32", o.inputs)],
      [2, vec("i32", o.outputs)],
    ];
    if (o.options) {
      fields.push([3, scalar("u8", o.options.type)]);
      fields.push([4, { kind: "table", table: o.options.table }]);
    }
    return tbl(fields);
  });
  const subgraph = tbl([
    [0, { kind: "tables", tables: tensors }],
    [1, vec("i32", spec.inputs)],
    [2, vec("i32", spec.outputs)],
    [3, { kind: "tables", tables: operators }],
    [4, str("main")],
  ]);
  const opcodes = codes.map((c) => tbl([
    [0, scalar("i8", Math.min(c, 127))],
    [2, scalar("i32", spec.ops.find((o) => o.code === c)?.version ?? 1)],
    [3, scalar("i32", c)],
  ]));
  const fields: [number, Value][] = [
    [0, scalar("u32", 3)],
    [1, { kind: "tables", tables: opcodes }],
    [2, { kind: "tables", tables: [subgraph] }],
    [4, { kind: "tables", tables: buffers }],
  ];
  if (spec.description) fields.push([3, str(spec.description)]);
  return finish(tbl(fields));
}

// ---- data and options helpers ------------------------------------------------

export const i8 = (v: number[]) => new Uint8Array(Int8Array.from(v).buffer);
export const i16 = (v: number[]) => new Uint8Array(Int16Array.from(v).buffer);
export const i32 = (v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
export const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

export const Act = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;

export function fcOptions(activation = 0): { type: number; table: Table } {
  return { type: 8, table: tbl([[0, scalar("i8", activation)]]) };
}

export function convOptions(o: { same?: boolean; stride?: [number, number]; activation?: number; dilation?: [number, number] }): { type: number; table: Table } {
  const [sh, sw] = o.stride ?? [1, 1];
  const [dh, dw] = o.dilation ?? [1, 1];
  return { type: 1, table: tbl([
    [0, scalar("i8", o.same ? 0 : 1)], [1, scalar("i32", sw)], [2, scalar("i32", sh)],
    [3, scalar("i8", o.activation ?? 0)], [4, scalar("i32", dw)], [5, scalar("i32", dh)],
  ]) };
}

export function depthwiseOptions(o: { same?: boolean; stride?: [number, number]; multiplier: number; activation?: number; dilation?: [number, number] }): { type: number; table: Table } {
  const [sh, sw] = o.stride ?? [1, 1];
  const [dh, dw] = o.dilation ?? [1, 1];
  return { type: 2, table: tbl([
    [0, scalar("i8", o.same ? 0 : 1)], [1, scalar("i32", sw)], [2, scalar("i32", sh)],
    [3, scalar("i32", o.multiplier)], [4, scalar("i8", o.activation ?? 0)], [5, scalar("i32", dw)], [6, scalar("i32", dh)],
  ]) };
}

export function poolOptions(o: { same?: boolean; stride: [number, number]; filter: [number, number]; activation?: number }): { type: number; table: Table } {
  return { type: 5, table: tbl([
    [0, scalar("i8", o.same ? 0 : 1)], [1, scalar("i32", o.stride[1])], [2, scalar("i32", o.stride[0])],
    [3, scalar("i32", o.filter[1])], [4, scalar("i32", o.filter[0])], [5, scalar("i8", o.activation ?? 0)],
  ]) };
}

export function softmaxOptions(beta = 1): { type: number; table: Table } {
  return { type: 9, table: tbl([[0, scalar("f32", beta)]]) };
}

export function addOptions(activation = 0): { type: number; table: Table } {
  return { type: 11, table: tbl([[0, scalar("i8", activation)]]) };
}

export function reducerOptions(keepDims: boolean): { type: number; table: Table } {
  return { type: 27, table: tbl([[0, scalar("bool", keepDims ? 1 : 0)]]) };
}

export function concatOptions(axis: number): { type: number; table: Table } {
  return { type: 10, table: tbl([[0, scalar("i32", axis)]]) };
}

export function lstmOptions(o: { activation?: number; cellClip?: number; timeMajor?: boolean } = {}): { type: number; table: Table } {
  return { type: 71, table: tbl([
    [0, scalar("i8", o.activation ?? 4)], [1, scalar("f32", o.cellClip ?? 0)], [3, scalar("bool", o.timeMajor ? 1 : 0)],
  ]) };
}

/** A one-step int8x8_16 UNIDIRECTIONAL_SEQUENCE_LSTM (batch 1, input 2, state 2) with the given
 * cell-state and hidden-state scales: 24 inputs, peephole/projection/layer norm absent. */
export function lstmModel(o: { cellScale: number; hiddenScale?: number; inputScale?: number }): Uint8Array {
  return buildModel(lstmSpec(o));
}

export function lstmSpec(o: { cellScale: number; hiddenScale?: number; inputScale?: number }): ModelSpec {
  const w = (v: number[]) => ({ shape: [2, 2], type: "INT8" as const, scale: 0.02, zeroPoint: 0, data: i8(v) });
  const b = { shape: [2], type: "INT32" as const, data: i32([100, -100]) };
  const tensors: TensorSpec[] = [
    { shape: [1, 1, 2], type: "INT8", scale: o.inputScale ?? 0.05, zeroPoint: 3, name: "input" },
    w([10, -20, 30, -40]), w([5, 6, -7, 8]), w([-9, 10, 11, -12]), w([13, -14, 15, 16]), // input weights f, i, c, o
    w([1, -2, 3, -4]), w([-5, 6, 7, -8]), w([9, 10, -11, 12]), w([-13, 14, -15, 16]), // recurrent weights
    { ...b }, { ...b }, { ...b }, { ...b }, // gate biases f, i, c, o
    { shape: [1, 2], type: "INT8", scale: o.hiddenScale ?? 0.0078125, zeroPoint: -1, variable: true, name: "hidden_state" },
    { shape: [1, 2], type: "INT16", scale: o.cellScale, zeroPoint: 0, variable: true, name: "cell_state" },
    { shape: [1, 1, 2], type: "INT8", scale: 0.0078125, zeroPoint: -1, name: "output" },
  ];
  const inputs = [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1];
  return {
    tensors,
    ops: [{ code: Op.UNIDIRECTIONAL_SEQUENCE_LSTM, inputs, outputs: [15], options: lstmOptions() }],
    inputs: [0],
    outputs: [15],
  };
}
