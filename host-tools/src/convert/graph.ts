// The converter's float graph: TFLite-shaped operators over NHWC tensors
// (batch 1), weights already in TFLite layout. The TF.js reader lowers Keras
// layers into it; the float executor, the quantizer and the writer read it.

export type Act = "NONE" | "RELU" | "RELU6";

export interface GTensor {
  name: string;
  /** Full shape including the batch dimension (always 1). */
  shape: number[];
}

export type GOp =
  | { kind: "FULLY_CONNECTED"; in: number[]; out: number; w: Float32Array; b: Float32Array; units: number; depth: number; act: Act; layer: string }
  | { kind: "CONV_2D"; in: number[]; out: number; w: Float32Array; b: Float32Array; wShape: number[]; stride: [number, number]; dilation: [number, number]; same: boolean; act: Act; layer: string }
  | { kind: "DEPTHWISE_CONV_2D"; in: number[]; out: number; w: Float32Array; b: Float32Array; wShape: number[]; mult: number; stride: [number, number]; dilation: [number, number]; same: boolean; act: Act; layer: string }
  | { kind: "AVERAGE_POOL_2D" | "MAX_POOL_2D"; in: number[]; out: number; filter: [number, number]; stride: [number, number]; same: boolean; act: Act; layer: string }
  | { kind: "MEAN"; in: number[]; out: number; axes: number[]; layer: string }
  | { kind: "RESHAPE"; in: number[]; out: number; layer: string }
  | { kind: "ADD"; in: number[]; out: number; act: Act; layer: string }
  | { kind: "CONCATENATION"; in: number[]; out: number; axis: number; layer: string }
  | { kind: "SOFTMAX" | "LOGISTIC" | "TANH" | "RELU" | "RELU6"; in: number[]; out: number; layer: string };

export type OpKind = GOp["kind"];

export interface Graph {
  tensors: GTensor[];
  ops: GOp[];
  inputs: number[];
  outputs: number[];
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Same-padding amounts as TFLite computes them (extra padding goes after). */
export type ConvOp = Extract<GOp, { kind: "CONV_2D" | "DEPTHWISE_CONV_2D" }>;

/**
 * Walks every output of a CONV_2D or DEPTHWISE_CONV_2D (NHWC, batch 1): acc = bias[oc] +
 * Σ (x − xZero)·w over the window, padding skipped, then emit(output index, oc, acc). The
 * float and the int8 reference executors share it, so both read the same window.
 */
export function convolve(op: ConvOp, inShape: readonly number[], outShape: readonly number[], x: ArrayLike<number>,
  w: ArrayLike<number>, bias: ArrayLike<number>, xZero: number, emit: (index: number, oc: number, acc: number) => void): void {
  const [, H, W, C] = inShape as [number, number, number, number];
  const [, OH, OW, OC] = outShape as [number, number, number, number];
  const [, KH, KW] = op.wShape as [number, number, number, number];
  const ph = padding(op.same, H, KH, op.stride[0], op.dilation[0]).pad;
  const pw = padding(op.same, W, KW, op.stride[1], op.dilation[1]).pad;
  const mult = op.kind === "DEPTHWISE_CONV_2D" ? op.mult : 0;
  for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let oc = 0; oc < OC; oc++) {
    let acc = bias[oc]!;
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * op.stride[0] - ph + ky * op.dilation[0];
      if (iy < 0 || iy >= H) continue;
      for (let kx = 0; kx < KW; kx++) {
        const ix = ox * op.stride[1] - pw + kx * op.dilation[1];
        if (ix < 0 || ix >= W) continue;
        const base = (iy * W + ix) * C;
        if (mult) acc += (x[base + Math.floor(oc / mult)]! - xZero) * w[(ky * KW + kx) * OC + oc]!;
        else for (let c = 0; c < C; c++) acc += (x[base + c]! - xZero) * w[((oc * KH + ky) * KW + kx) * C + c]!;
      }
    }
    emit((oy * OW + ox) * OC + oc, oc, acc);
  }
}

export function padding(same: boolean, inSize: number, filter: number, stride: number, dilation: number): { out: number; pad: number } {
  const eff = (filter - 1) * dilation + 1;
  if (!same) return { out: Math.floor((inSize - eff + stride) / stride), pad: 0 };
  const out = Math.floor((inSize + stride - 1) / stride);
  return { out, pad: Math.max(0, Math.floor(((out - 1) * stride + eff - inSize) / 2)) };
}
