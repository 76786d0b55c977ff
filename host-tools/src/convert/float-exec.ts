// Float reference executor over the converter's graph (plain Float32Arrays,
// no TensorFlow.js at run time): used to calibrate activation ranges and as
// the float side of the accuracy report.
import type { Act, GOp, Graph } from "./graph.js";
import { convolve, numel, padding } from "./graph.js";

function act(v: number, a: Act): number {
  if (a === "RELU") return v < 0 ? 0 : v;
  if (a === "RELU6") return v < 0 ? 0 : v > 6 ? 6 : v;
  return v;
}

/** Runs the graph; returns every tensor's value (activations only; weights live in the ops). */
export function runFloat(g: Graph, inputs: Float32Array[]): Float32Array[] {
  const v: Float32Array[] = g.tensors.map(() => new Float32Array(0));
  g.inputs.forEach((t, i) => {
    const x = inputs[i]!;
    if (x.length !== numel(g.tensors[t]!.shape)) throw new Error(`input ${i} has ${x.length} values, the model needs ${numel(g.tensors[t]!.shape)}`);
    v[t] = x;
  });
  for (const op of g.ops) v[op.out] = floatOp(g, op, v);
  return v;
}

function floatOp(g: Graph, op: GOp, v: Float32Array[]): Float32Array {
  const shape = (t: number) => g.tensors[t]!.shape;
  const x = v[op.in[0]!]!;
  const os = shape(op.out);
  const y = new Float32Array(numel(os));
  switch (op.kind) {
    case "FULLY_CONNECTED":
      for (let o = 0; o < op.units; o++) {
        let s = op.b[o]!;
        for (let i = 0; i < op.depth; i++) s += x[i]! * op.w[o * op.depth + i]!;
        y[o] = act(s, op.act);
      }
      return y;
    case "CONV_2D":
    case "DEPTHWISE_CONV_2D": {
      convolve(op, shape(op.in[0]!), os, x, op.w, op.b, 0, (i, _oc, s) => { y[i] = act(s, op.act); });
      return y;
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D": {
      const [, H, W, C] = shape(op.in[0]!) as [number, number, number, number];
      const [, OH, OW] = os as [number, number, number, number];
      const ph = padding(op.same, H, op.filter[0], op.stride[0], 1).pad;
      const pw = padding(op.same, W, op.filter[1], op.stride[1], 1).pad;
      for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
        let s = op.kind === "MAX_POOL_2D" ? -Infinity : 0;
        let n = 0;
        for (let fy = 0; fy < op.filter[0]; fy++) for (let fx = 0; fx < op.filter[1]; fx++) {
          const iy = oy * op.stride[0] - ph + fy, ix = ox * op.stride[1] - pw + fx;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          const val = x[(iy * W + ix) * C + c]!;
          s = op.kind === "MAX_POOL_2D" ? Math.max(s, val) : s + val;
          n++;
        }
        y[(oy * OW + ox) * C + c] = act(op.kind === "MAX_POOL_2D" ? s : s / n, op.act);
      }
      return y;
    }
    case "MEAN": {
      const is = shape(op.in[0]!);
      const C = is[is.length - 1]!;
      const n = x.length / C;
      for (let i = 0; i < x.length; i++) y[i % C] = y[i % C]! + x[i]!;
      for (let c = 0; c < C; c++) y[c] = y[c]! / n;
      return y;
    }
    case "RESHAPE":
      y.set(x);
      return y;
    case "ADD": {
      const z = v[op.in[1]!]!;
      for (let i = 0; i < y.length; i++) y[i] = act(x[i]! + z[i]!, op.act);
      return y;
    }
    case "CONCATENATION": {
      const outer = numel(os.slice(0, op.axis));
      let off = 0;
      const rowOut = numel(os.slice(op.axis));
      for (const t of op.in) {
        const row = numel(shape(t).slice(op.axis));
        const src = v[t]!;
        for (let o = 0; o < outer; o++) y.set(src.subarray(o * row, (o + 1) * row), o * rowOut + off);
        off += row;
      }
      return y;
    }
    case "SOFTMAX": {
      const d = os[os.length - 1]!;
      for (let r = 0; r < y.length; r += d) {
        let m = -Infinity;
        for (let i = 0; i < d; i++) m = Math.max(m, x[r + i]!);
        let s = 0;
        for (let i = 0; i < d; i++) s += (y[r + i] = Math.exp(x[r + i]! - m));
        for (let i = 0; i < d; i++) y[r + i] = y[r + i]! / s;
      }
      return y;
    }
    case "LOGISTIC":
      for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
      return y;
    case "TANH":
      for (let i = 0; i < y.length; i++) y[i] = Math.tanh(x[i]!);
      return y;
    case "RELU":
    case "RELU6":
      for (let i = 0; i < y.length; i++) y[i] = act(x[i]!, op.kind);
      return y;
  }
}
