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
export function padding(same: boolean, inSize: number, filter: number, stride: number, dilation: number): { out: number; pad: number } {
  const eff = (filter - 1) * dilation + 1;
  if (!same) return { out: Math.floor((inSize - eff + stride) / stride), pad: 0 };
  const out = Math.floor((inSize + stride - 1) / stride);
  return { out, pad: Math.max(0, Math.floor(((out - 1) * stride + eff - inSize) / 2)) };
}
