// Structure-aware .tflite mutants: edits made on the builder's specs (quantization scales and
// zero points, shapes, types, operator inputs and option values) so the FlatBuffer stays
// well formed and the hostile value reaches the kernels, and raw edits of the built bytes
// (u32 offsets and vector lengths, u16 vtable entries). The sanitized fuzz target replays them.
import { buildModel, scalar, type ModelSpec, type TensorSpec, type Value } from "./tflite-builder.js";

type Rnd = () => number;
const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[int(rnd, xs.length)]!;

/** Scales at the edges of what fixed-point multipliers and shifts can take. */
const SCALES = [0, -1, NaN, Infinity, -Infinity, 1e-45, 1e-38, 1e-30, 2 ** -56, 2 ** -44, 2 ** -43, 2 ** -15, 2 ** -11, 1 / 3, 1, 4, 5.33, 8, 100, 2 ** 20, 1e30, 3.4e38];
const ZERO_POINTS = [-(2 ** 31), -32769, -32768, -129, -128, -1, 0, 1, 127, 128, 255, 32767, 2 ** 31 - 1];
const DIMS = [0, -1, 1, 2, 3, 255, 65535, 65536, 2 ** 31 - 1];
const INTS = [-(2 ** 31), -129, -128, -1, 0, 1, 2, 3, 4, 5, 6, 127, 128, 255, 65536, 2 ** 31 - 1];
const TYPES = ["FLOAT32", "INT32", "UINT8", "INT64", "STRING", "INT16", "INT8"] as const;

function clone(spec: ModelSpec): ModelSpec {
  return {
    ...spec,
    tensors: spec.tensors.map((t) => ({ ...t, shape: [...t.shape], data: t.data ? Uint8Array.from(t.data) : undefined })),
    ops: spec.ops.map((o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs], options: o.options && { type: o.options.type, table: new Map(o.options.table) } })),
    inputs: [...spec.inputs],
    outputs: [...spec.outputs],
  };
}

function mutateSpec(spec: ModelSpec, rnd: Rnd): string {
  const t: TensorSpec = pick(rnd, spec.tensors);
  const ti = spec.tensors.indexOf(t);
  switch (int(rnd, 8)) {
    case 0:
    case 1: {
      const v = rnd() < 0.8 ? pick(rnd, SCALES) : 2 ** (int(rnd, 121) - 60);
      if (Array.isArray(t.scale) && rnd() < 0.5) t.scale = [...t.scale, v]; // one scale too many
      else t.scale = Array.isArray(t.scale) ? t.scale.map((s, i) => (i === 0 ? v : s)) : v;
      return `tensor ${ti} scale ${v}`;
    }
    case 2: {
      const v = pick(rnd, ZERO_POINTS);
      t.zeroPoint = v;
      if (t.scale === undefined) t.scale = 0.5;
      return `tensor ${ti} zero point ${v}`;
    }
    case 3: {
      const d = int(rnd, t.shape.length + 1);
      const v = pick(rnd, DIMS);
      if (d === t.shape.length) t.shape.push(v);
      else t.shape[d] = v;
      return `tensor ${ti} dim ${d} = ${v}`;
    }
    case 4: {
      t.type = pick(rnd, TYPES);
      return `tensor ${ti} type ${t.type}`;
    }
    case 5: {
      const op = pick(rnd, spec.ops);
      const list = rnd() < 0.7 ? op.inputs : op.outputs;
      const i = int(rnd, list.length);
      const v = pick(rnd, [-1, -2, spec.tensors.length, ...spec.tensors.map((_, k) => k)]);
      list[i] = v;
      return `op input/output ${i} = ${v}`;
    }
    case 6: {
      const op = pick(rnd, spec.ops);
      if (!op.options) return "none (no options)";
      const fields = [...op.options.table.keys()];
      const f = fields.length && rnd() < 0.8 ? pick(rnd, fields) : int(rnd, 8);
      const old: Value | undefined = op.options.table.get(f);
      const type = old?.kind === "scalar" ? old.type : pick(rnd, ["i8", "i32", "f32"] as const);
      const v = type === "f32" ? pick(rnd, SCALES) : pick(rnd, INTS);
      const fit = type === "i8" ? ((v as number) << 24) >> 24 : type === "bool" || type === "u8" ? (v as number) & 0xff : v;
      op.options.table.set(f, scalar(type, type === "i64" || type === "u64" ? BigInt(Math.trunc(fit)) : fit));
      return `op option field ${f} (${type}) = ${fit}`;
    }
    default: {
      if (!t.data) return "none (no data)";
      t.data = rnd() < 0.5 ? t.data.subarray(0, int(rnd, t.data.length)) : Uint8Array.from([...t.data, ...t.data]);
      return `tensor ${ti} data ${t.data.length} bytes`;
    }
  }
}

/** One mutant of `spec`, and what was done. */
export function mutateTflite(spec: ModelSpec, rnd: Rnd): { bytes: Uint8Array; what: string } {
  const s = clone(spec);
  const edits = [mutateSpec(s, rnd)];
  if (rnd() < 0.3) edits.push(mutateSpec(s, rnd));
  let bytes: Uint8Array;
  try {
    bytes = buildModel(s);
  } catch (e) {
    return { bytes: buildModel(spec), what: `none (${String(e)})` };
  }
  if (rnd() < 0.3) {
    // raw: an offset, a vector length or a vtable entry
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (rnd() < 0.6) {
      const at = 4 * int(rnd, Math.floor(bytes.length / 4));
      const v = pick(rnd, [0, 1, 4, 0x7fffffff, 0x80000000, 0xffffffff, bytes.length, bytes.length - at, dv.getUint32(at, true) + 4]);
      dv.setUint32(at, v >>> 0, true);
      edits.push(`u32 at ${at} = ${v >>> 0}`);
    } else {
      const at = 2 * int(rnd, Math.floor(bytes.length / 2));
      const v = pick(rnd, [0, 2, 4, 0xffff, 0x8000, dv.getUint16(at, true) + 2]);
      dv.setUint16(at, v & 0xffff, true);
      edits.push(`u16 at ${at} = ${v & 0xffff}`);
    }
  }
  return { bytes, what: edits.join("; ") };
}
