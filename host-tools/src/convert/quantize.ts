// Post-training full-integer quantization per the TFLite int8 specification:
//  - activations: per-tensor asymmetric int8, range from the calibration set
//    (always containing 0), scale = (max - min) / 255, zero point nudged into
//    [-128, 127];
//  - conv / dense weights: symmetric int8 in [-127, 127], zero point 0,
//    per output channel (dim 0 for CONV_2D/FULLY_CONNECTED, dim 3 for
//    DEPTHWISE_CONV_2D) or per tensor;
//  - biases: int32, scale = input scale x weight scale, zero point 0;
//  - ops whose kernels need it share input/output parameters (RESHAPE,
//    pooling, CONCATENATION); SOFTMAX/LOGISTIC output 1/256 @ -128, TANH 1/128 @ 0.
import { InputError } from "../lib/errors.js";
import { runFloat } from "./float-exec.js";
import type { Graph } from "./graph.js";

export interface QParams { scale: number; zp: number }

export interface QWeights {
  q: Int8Array;
  /** One scale (per tensor) or one per output channel, float32 values. */
  scales: number[];
  qdim: number;
  bias: Int32Array;
  biasScales: number[];
}

export interface QModel {
  graph: Graph;
  /** Quantization of every activation tensor (by tensor index). */
  q: QParams[];
  /** Quantized weights of each FC/CONV/DW op (by op index). */
  weights: (QWeights | undefined)[];
  /** Calibration ranges per tensor. */
  ranges: { min: number; max: number }[];
  perChannel: boolean;
}

/** std::round: half away from zero. */
export const roundAway = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));
const f32 = Math.fround;

/** Scale and zero point of an int8 tensor covering [min, max] (TFLite ChooseQuantizationParams). */
export function chooseParams(min: number, max: number): QParams {
  let lo = Math.min(min, 0), hi = Math.max(max, 0);
  if (!(hi - lo > 1e-8)) { lo = 0; hi = 1e-3; } // a constant-zero tensor: any positive scale is exact
  const scale = (hi - lo) / 255;
  const fromMin = -128 - lo / scale;
  const fromMax = 127 - hi / scale;
  const errMin = Math.abs(-128) + Math.abs(lo / scale);
  const errMax = Math.abs(127) + Math.abs(hi / scale);
  const zpReal = errMin < errMax ? fromMin : fromMax;
  const zp = zpReal < -128 ? -128 : zpReal > 127 ? 127 : roundAway(zpReal);
  return { scale: f32(scale), zp };
}

/** Float tensors of every calibration sample -> per-tensor min/max. */
export function calibrate(g: Graph, samples: Float32Array[][]): { min: number; max: number }[] {
  if (samples.length === 0) throw new InputError("the calibration set is empty", "give at least one input sample (a few hundred representative ones are better)");
  const r = g.tensors.map(() => ({ min: Infinity, max: -Infinity }));
  for (const s of samples) {
    const v = runFloat(g, s);
    v.forEach((x, t) => {
      const e = r[t]!;
      for (let i = 0; i < x.length; i++) {
        const a = x[i]!;
        if (!Number.isFinite(a)) throw new InputError(`calibration produced a non-finite value in tensor ${g.tensors[t]!.name}`);
        if (a < e.min) e.min = a;
        if (a > e.max) e.max = a;
      }
    });
  }
  return r;
}

function quantizeWeights(w: Float32Array, b: Float32Array, channels: number, channelOf: (i: number) => number,
  qdim: number, perChannel: boolean, inScale: number): QWeights {
  const maxAbs = new Float64Array(perChannel ? channels : 1);
  for (let i = 0; i < w.length; i++) {
    const c = perChannel ? channelOf(i) : 0;
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
  }
  const scales = [...maxAbs].map((m) => f32(m > 0 ? m / 127 : 1 / 127));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const v = roundAway(w[i]! / scales[perChannel ? channelOf(i) : 0]!);
    q[i] = v < -127 ? -127 : v > 127 ? 127 : v;
  }
  const bias = new Int32Array(channels);
  const biasScales: number[] = [];
  for (let c = 0; c < channels; c++) {
    const bs = inScale * scales[perChannel ? c : 0]!;
    biasScales.push(f32(bs));
    const v = roundAway(b[c]! / bs);
    bias[c] = Math.max(-2147483647, Math.min(2147483647, v));
  }
  return { q, scales, qdim: perChannel ? qdim : 0, bias, biasScales: perChannel ? biasScales : [biasScales[0]!] };
}

export function quantizeGraph(g: Graph, samples: Float32Array[][], perChannel: boolean): QModel {
  const ranges = calibrate(g, samples);
  // Tensors that must share parameters: union-find over tensor indices.
  const parent = g.tensors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const join = (a: number, b: number) => { parent[find(a)] = find(b); };
  const fixed = new Map<number, QParams>();
  for (const op of g.ops) {
    if (op.kind === "RESHAPE" || op.kind === "MAX_POOL_2D" || op.kind === "AVERAGE_POOL_2D" || op.kind === "CONCATENATION") {
      for (const t of op.in) join(t, op.out);
    }
    if (op.kind === "SOFTMAX" || op.kind === "LOGISTIC") fixed.set(op.out, { scale: f32(1 / 256), zp: -128 });
    if (op.kind === "TANH") fixed.set(op.out, { scale: f32(1 / 128), zp: 0 });
  }
  const groupRange = new Map<number, { min: number; max: number }>();
  const groupFixed = new Map<number, QParams>();
  g.tensors.forEach((_, t) => {
    const root = find(t);
    const r = groupRange.get(root) ?? { min: Infinity, max: -Infinity };
    r.min = Math.min(r.min, ranges[t]!.min);
    r.max = Math.max(r.max, ranges[t]!.max);
    groupRange.set(root, r);
    const f = fixed.get(t);
    if (f) groupFixed.set(root, f);
  });
  const q = g.tensors.map((_, t) => {
    const root = find(t);
    const f = groupFixed.get(root);
    if (f) return f;
    const r = groupRange.get(root)!;
    return Number.isFinite(r.min) ? chooseParams(r.min, r.max) : chooseParams(0, 0);
  });
  const weights = g.ops.map((op) => {
    const inScale = q[op.in[0]!]!.scale;
    switch (op.kind) {
      case "FULLY_CONNECTED":
        return quantizeWeights(op.w, op.b, op.units, (i) => Math.floor(i / op.depth), 0, perChannel, inScale);
      case "CONV_2D": {
        const per = op.w.length / op.wShape[0]!;
        return quantizeWeights(op.w, op.b, op.wShape[0]!, (i) => Math.floor(i / per), 0, perChannel, inScale);
      }
      case "DEPTHWISE_CONV_2D": {
        const oc = op.wShape[3]!;
        return quantizeWeights(op.w, op.b, oc, (i) => i % oc, 3, perChannel, inScale);
      }
      default:
        return undefined;
    }
  });
  return { graph: g, q, weights, ranges, perChannel };
}
