// Writes a quantized graph as a TFLite FlatBuffer (schema version 3, the
// standard field layout of ../shared/reference-models/schema.fbs): buffer 0
// empty, one buffer per constant tensor (16-byte aligned), operator codes
// with both builtin_code and deprecated_builtin_code, builtin options tables.
import { fb, type FbTable, finishBuffer } from "./flatbuffer.js";
import type { Act, GOp } from "./graph.js";
import type { QModel, QParams } from "./quantize.js";

export const BUILTIN = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, RELU: 19, RELU6: 21, RESHAPE: 22, SOFTMAX: 25,
  TANH: 28, MEAN: 40, QUANTIZE: 114,
} as const;
type OpName = keyof typeof BUILTIN;

/** Versions as TFLite's converter assigns them for int8 kernels. */
const VERSION: Record<OpName, number> = {
  ADD: 2, AVERAGE_POOL_2D: 2, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 3, DEQUANTIZE: 2,
  FULLY_CONNECTED: 4, LOGISTIC: 2, MAX_POOL_2D: 2, RELU: 2, RELU6: 2, RESHAPE: 1, SOFTMAX: 2,
  TANH: 2, MEAN: 2, QUANTIZE: 2,
};

/** BuiltinOptions union member indices (NONE = 0). */
const OPTIONS = { Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, FullyConnected: 8, Softmax: 9, Concatenation: 10, Add: 11, Reshape: 17, Reducer: 27, Dequantize: 38, Quantize: 89 } as const;

const TYPE = { FLOAT32: 0, INT32: 2, INT8: 9 } as const;
const ACT: Record<Act, number> = { NONE: 0, RELU: 1, RELU6: 3 };
const PAD = (same: boolean) => (same ? 0 : 1); // Padding enum: SAME = 0, VALID = 1

interface WTensor {
  name: string;
  shape: number[];
  type: number;
  data?: Uint8Array;
  quant?: { scale: number[]; zp: number[]; dim: number };
}

interface WOp { code: OpName; inputs: number[]; outputs: number[]; options?: { type: number; table: FbTable } }

export interface WriteOptions {
  /** Float32 model inputs/outputs wrapped with QUANTIZE/DEQUANTIZE. */
  floatIo: boolean;
  description?: string;
}

const bytesOf = (a: Int8Array | Int32Array): Uint8Array => {
  if (a instanceof Int8Array) return new Uint8Array(a.buffer, a.byteOffset, a.length).slice();
  const out = new Uint8Array(4 * a.length);
  const dv = new DataView(out.buffer);
  a.forEach((v, i) => dv.setInt32(4 * i, v, true));
  return out;
};

/** Serialises the quantized model; returns the file bytes and the operator names in order. */
export function writeTflite(m: QModel, opts: WriteOptions): { bytes: Uint8Array; ops: string[] } {
  const g = m.graph;
  const tensors: WTensor[] = [];
  const map = new Map<number, number>();
  const q = (p: QParams) => ({ scale: [p.scale], zp: [p.zp], dim: 0 });
  const act = (t: number): number => {
    let i = map.get(t);
    if (i === undefined) {
      const gt = g.tensors[t]!;
      tensors.push({ name: gt.name, shape: gt.shape, type: TYPE.INT8, quant: q(m.q[t]!) });
      i = tensors.length - 1;
      map.set(t, i);
    }
    return i;
  };
  const constant = (t: WTensor): number => { tensors.push(t); return tensors.length - 1; };
  const ops: WOp[] = [];
  const inputs: number[] = [];
  const outputs: number[] = [];
  for (const t of g.inputs) {
    if (opts.floatIo) {
      const f = constant({ name: `${g.tensors[t]!.name}_float`, shape: g.tensors[t]!.shape, type: TYPE.FLOAT32 });
      inputs.push(f);
      ops.push({ code: "QUANTIZE", inputs: [f], outputs: [act(t)], options: { type: OPTIONS.Quantize, table: [] } });
    } else inputs.push(act(t));
  }
  g.ops.forEach((op: GOp, oi) => {
    const ins = op.in.map(act);
    const out = act(op.out);
    const opt = (type: number, table: FbTable) => ({ type, table });
    const w = m.weights[oi];
    const weightTensors = (wShape: number[]): number[] => {
      const wt = constant({ name: `${op.layer}/weights`, shape: wShape, type: TYPE.INT8, data: bytesOf(w!.q),
        quant: { scale: w!.scales, zp: w!.scales.map(() => 0), dim: w!.qdim } });
      const bt = constant({ name: `${op.layer}/bias`, shape: [w!.bias.length], type: TYPE.INT32, data: bytesOf(w!.bias),
        quant: { scale: w!.biasScales, zp: w!.biasScales.map(() => 0), dim: 0 } });
      return [wt, bt];
    };
    const i32 = (name: string, v: number[]) => constant({ name, shape: [v.length], type: TYPE.INT32, data: bytesOf(Int32Array.from(v)) });
    switch (op.kind) {
      case "FULLY_CONNECTED":
        ops.push({ code: op.kind, inputs: [...ins, ...weightTensors([op.units, op.depth])], outputs: [out],
          options: opt(OPTIONS.FullyConnected, [fb.s("i8", ACT[op.act])]) });
        return;
      case "CONV_2D":
        ops.push({ code: op.kind, inputs: [...ins, ...weightTensors(op.wShape)], outputs: [out],
          options: opt(OPTIONS.Conv2D, [fb.s("i8", PAD(op.same)), fb.s("i32", op.stride[1]), fb.s("i32", op.stride[0]), fb.s("i8", ACT[op.act]),
            fb.s("i32", op.dilation[1]), fb.s("i32", op.dilation[0])]) });
        return;
      case "DEPTHWISE_CONV_2D":
        ops.push({ code: op.kind, inputs: [...ins, ...weightTensors(op.wShape)], outputs: [out],
          options: opt(OPTIONS.DepthwiseConv2D, [fb.s("i8", PAD(op.same)), fb.s("i32", op.stride[1]), fb.s("i32", op.stride[0]), fb.s("i32", op.mult),
            fb.s("i8", ACT[op.act]), fb.s("i32", op.dilation[1]), fb.s("i32", op.dilation[0])]) });
        return;
      case "AVERAGE_POOL_2D":
      case "MAX_POOL_2D":
        ops.push({ code: op.kind, inputs: ins, outputs: [out],
          options: opt(OPTIONS.Pool2D, [fb.s("i8", PAD(op.same)), fb.s("i32", op.stride[1]), fb.s("i32", op.stride[0]),
            fb.s("i32", op.filter[1]), fb.s("i32", op.filter[0]), fb.s("i8", ACT[op.act])]) });
        return;
      case "MEAN":
        ops.push({ code: op.kind, inputs: [...ins, i32(`${op.layer}/axes`, op.axes)], outputs: [out],
          options: opt(OPTIONS.Reducer, [fb.s("bool", 0)]) });
        return;
      case "RESHAPE": {
        const shape = g.tensors[op.out]!.shape;
        ops.push({ code: op.kind, inputs: [...ins, i32(`${g.tensors[op.out]!.name}/shape`, shape)], outputs: [out],
          options: opt(OPTIONS.Reshape, [fb.vec("i32", shape)]) });
        return;
      }
      case "ADD":
        ops.push({ code: op.kind, inputs: ins, outputs: [out], options: opt(OPTIONS.Add, [fb.s("i8", ACT[op.act])]) });
        return;
      case "CONCATENATION":
        ops.push({ code: op.kind, inputs: ins, outputs: [out], options: opt(OPTIONS.Concatenation, [fb.s("i32", op.axis), fb.s("i8", 0)]) });
        return;
      case "SOFTMAX":
        ops.push({ code: op.kind, inputs: ins, outputs: [out], options: opt(OPTIONS.Softmax, [fb.s("f32", 1)]) });
        return;
      default:
        ops.push({ code: op.kind, inputs: ins, outputs: [out] });
    }
  });
  for (const t of g.outputs) {
    if (opts.floatIo) {
      const f = constant({ name: `${g.tensors[t]!.name}_float`, shape: g.tensors[t]!.shape, type: TYPE.FLOAT32 });
      ops.push({ code: "DEQUANTIZE", inputs: [act(t)], outputs: [f], options: { type: OPTIONS.Dequantize, table: [] } });
      outputs.push(f);
    } else outputs.push(act(t));
  }

  const codes: OpName[] = [];
  for (const o of ops) if (!codes.includes(o.code)) codes.push(o.code);
  const buffers: FbTable[] = [[]]; // buffer 0: the empty buffer every activation refers to
  const tensorTables: FbTable[] = tensors.map((t) => {
    let buffer = 0;
    if (t.data) {
      buffers.push([fb.bytes(t.data, 16)]);
      buffer = buffers.length - 1;
    }
    const fields: FbTable = [fb.vec("i32", t.shape), fb.s("i8", t.type), fb.s("u32", buffer), fb.str(t.name)];
    if (t.quant) {
      const qt: FbTable = [undefined, undefined, fb.vec("f32", t.quant.scale), fb.vec("i64", t.quant.zp.map(BigInt))];
      if (t.quant.dim !== 0) qt[6] = fb.s("i32", t.quant.dim);
      fields[4] = fb.table(qt);
    }
    return fields;
  });
  const opTables: FbTable[] = ops.map((o) => {
    const f: FbTable = [fb.s("u32", codes.indexOf(o.code)), fb.vec("i32", o.inputs), fb.vec("i32", o.outputs)];
    if (o.options) {
      f[3] = fb.s("u8", o.options.type);
      f[4] = fb.table(o.options.table);
    }
    return f;
  });
  const subgraph: FbTable = [fb.tables(tensorTables), fb.vec("i32", inputs), fb.vec("i32", outputs), fb.tables(opTables), fb.str("main")];
  const codeTables: FbTable[] = codes.map((c) => [fb.s("i8", Math.min(BUILTIN[c], 127)), undefined, fb.s("i32", VERSION[c]), fb.s("i32", BUILTIN[c])]);
  const model: FbTable = [
    fb.s("u32", 3),
    fb.tables(codeTables),
    fb.tables([subgraph]),
    fb.str(opts.description ?? "wasmcu convert"),
    fb.tables(buffers),
  ];
  return { bytes: finishBuffer(model, "TFL3"), ops: ops.map((o) => o.code) };
}

