// A straightforward TypeScript implementation of the TFLite int8 reference
// arithmetic for the ops the converter emits: the same integer operations
// (multipliers from QuantizeMultiplier, double-rounding
// MultiplyByQuantizedMultiplier, gemmlowp fixed-point exp/logistic/tanh for
// SOFTMAX/LOGISTIC/TANH) written plainly, with BigInt where a 64-bit product
// is needed. Used for the accuracy report and to cross-check the C engine.
import type { Act, Graph } from "./graph.js";
import { convolve, numel, padding } from "./graph.js";
import type { QModel, QParams } from "./quantize.js";
import { roundAway } from "./quantize.js";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const wrap = (x: number | bigint): number => Number(BigInt.asIntN(32, BigInt(x)));
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** SaturatingRoundingDoublingHighMul. */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  return wrap((BigInt(a) * BigInt(b) + (1n << 30n)) >> 31n);
}
/** RoundingDivideByPOT: x / 2^e, ties away from zero. */
export function rdbpot(x: number, e: number): number {
  if (e === 0) return x;
  const mask = 2 ** e - 1;
  const rem = Number(BigInt(x) & BigInt(mask));
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return Number(BigInt(x) >> BigInt(e)) + (rem > threshold ? 1 : 0);
}
export function mbqm(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(wrap(BigInt(x) << BigInt(left)), m), right);
}
const satShl = (x: number, e: number): number => {
  const t = 2 ** (31 - e) - 1;
  return x > t ? INT32_MAX : x < -t ? INT32_MIN : wrap(BigInt(x) << BigInt(e));
};

function frexp(m: number): [number, number] {
  let e = Math.floor(Math.log2(m)) + 1;
  let f = m / 2 ** e;
  while (f >= 1) { f /= 2; e++; }
  while (f < 0.5) { f *= 2; e--; }
  return [f, e];
}
/** QuantizeMultiplier: m = q * 2^(shift - 31), q in [2^30, 2^31). */
export function quantizeMultiplier(m: number): [number, number] {
  if (!(m > 0)) return [0, 0];
  let [f, e] = frexp(m);
  let q = roundAway(f * 2 ** 31);
  if (q === 2 ** 31) { q /= 2; e++; }
  if (e < -31) return [0, 0];
  if (e > 31) return [INT32_MAX, 31];
  return [q, e];
}

function actRange(a: Act, q: QParams): [number, number] {
  const quant = (f: number) => q.zp + roundAway(Math.fround(f / q.scale));
  if (a === "RELU") return [Math.max(-128, quant(0)), 127];
  if (a === "RELU6") return [Math.max(-128, quant(0)), Math.min(127, quant(6))];
  return [-128, 127];
}

// gemmlowp fixed-point: exp on [-inf, 0), 1/(1+x), logistic, tanh.
function expQuarter(a: number): number {
  const c = 1895147668, oneThird = 715827883;
  const x = wrap(a + (1 << 28));
  const x2 = srdhm(x, x), x3 = srdhm(x2, x), x4 = srdhm(x2, x2);
  const poly = rdbpot(wrap(srdhm(wrap(rdbpot(x4, 2) + x3), oneThird) + x2), 1);
  return wrap(c + srdhm(c, wrap(x + poly)));
}
export function expOnNegative(a: number, intBits: number): number {
  const mul = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  const frac = 31 - intBits;
  const quarter = 1 << (frac - 2);
  const aModQ = wrap((a & (quarter - 1)) - quarter);
  let r = expQuarter(intBits === 0 ? aModQ : satShl(aModQ, intBits));
  const rem = wrap(aModQ - a);
  for (let k = -2; k <= 4; k++) {
    if (intBits > k && (rem & wrap(2 ** (frac + k))) !== 0) r = srdhm(r, mul[k + 2]!);
  }
  if (intBits > 5 && a < -(2 ** (36 - intBits))) r = 0;
  return a === 0 ? INT32_MAX : r;
}
function reciprocalQ2(half: number): number {
  let x = wrap(1515870810 + srdhm(half, -1010580540));
  for (let i = 0; i < 3; i++) x = wrap(x + satShl(srdhm(x, wrap((1 << 29) - srdhm(half, x))), 2));
  return x;
}
const halfSum = (a: number, b: number) => { const s = a + b; return Math.trunc((s + (s >= 0 ? 1 : -1)) / 2); };
const oneOverOnePlusX = (a: number) => satShl(reciprocalQ2(halfSum(a, INT32_MAX)), 1);
function logisticQ(a: number, intBits: number): number {
  if (a === 0) return 1 << 30;
  const pos = oneOverOnePlusX(expOnNegative(-Math.abs(a), intBits));
  return a > 0 ? pos : wrap(INT32_MAX - pos);
}
function tanhQ(a: number, intBits: number): number {
  if (a === 0) return 0;
  const e = expOnNegative(a < 0 ? a : -a, intBits + 1);
  const t = satShl(wrap(reciprocalQ2(halfSum(e, INT32_MAX)) - (1 << 29)), 2);
  return a < 0 ? -t : t;
}

/** Quantizes a float input the way TFLite's QUANTIZE does (float division, std::round). */
export function quantizeInput(x: Float32Array, q: QParams): Int8Array {
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = clamp(roundAway(Math.fround(x[i]! / q.scale)) + q.zp, -128, 127);
  return out;
}
export const dequantize = (x: Int8Array, q: QParams): Float32Array => Float32Array.from(x, (v) => Math.fround(q.scale * (v - q.zp)));

/** Runs the int8 graph: inputs are int8 tensors (already quantized); returns every tensor. */
export function runInt8(m: QModel, inputs: Int8Array[]): Int8Array[] {
  const g: Graph = m.graph;
  const v: Int8Array[] = g.tensors.map(() => new Int8Array(0));
  g.inputs.forEach((t, i) => { v[t] = inputs[i]!; });
  const shape = (t: number) => g.tensors[t]!.shape;
  g.ops.forEach((op, oi) => {
    const x = v[op.in[0]!]!;
    const qi = m.q[op.in[0]!]!, qo = m.q[op.out]!;
    const os = shape(op.out);
    const y = new Int8Array(numel(os));
    v[op.out] = y;
    switch (op.kind) {
      case "FULLY_CONNECTED":
      case "CONV_2D":
      case "DEPTHWISE_CONV_2D": {
        const w = m.weights[oi]!;
        const [lo, hi] = actRange(op.act, qo);
        const OC = op.kind === "FULLY_CONNECTED" ? op.units : op.kind === "CONV_2D" ? op.wShape[0]! : op.wShape[3]!;
        const mult = Array.from({ length: OC }, (_, c) => {
          const ws = w.scales[w.scales.length > 1 ? c : 0]!;
          // The per-tensor FC multiplier multiplies the two float scales in float first.
          const eff = op.kind === "FULLY_CONNECTED" && w.scales.length === 1 ? Math.fround(qi.scale * ws) / qo.scale : (qi.scale * ws) / qo.scale;
          return quantizeMultiplier(eff);
        });
        const fin = (acc: number, c: number) => clamp(mbqm(wrap(acc), mult[c]![0], mult[c]![1]) + qo.zp, lo, hi);
        if (op.kind === "FULLY_CONNECTED") {
          for (let o = 0; o < op.units; o++) {
            let acc = w.bias[o]!;
            for (let i = 0; i < op.depth; i++) acc += (x[i]! - qi.zp) * w.q[o * op.depth + i]!;
            y[o] = fin(acc, o);
          }
          return;
        }
        convolve(op, shape(op.in[0]!), os, x, w.q, w.bias, qi.zp, (i, oc, acc) => { y[i] = fin(acc, oc); });
        return;
      }
      case "AVERAGE_POOL_2D":
      case "MAX_POOL_2D": {
        const [lo, hi] = actRange(op.act, qo);
        const [, H, W, C] = shape(op.in[0]!) as [number, number, number, number];
        const [, OH, OW] = os as [number, number, number, number];
        const ph = padding(op.same, H, op.filter[0], op.stride[0], 1).pad;
        const pw = padding(op.same, W, op.filter[1], op.stride[1], 1).pad;
        for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
          let s = op.kind === "MAX_POOL_2D" ? -128 : 0, n = 0;
          for (let fy = 0; fy < op.filter[0]; fy++) for (let fx = 0; fx < op.filter[1]; fx++) {
            const iy = oy * op.stride[0] - ph + fy, ix = ox * op.stride[1] - pw + fx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const val = x[(iy * W + ix) * C + c]!;
            s = op.kind === "MAX_POOL_2D" ? Math.max(s, val) : s + val;
            n++;
          }
          const r = op.kind === "MAX_POOL_2D" ? s : s > 0 ? Math.trunc((s + Math.trunc(n / 2)) / n) : Math.trunc((s - Math.trunc(n / 2)) / n);
          y[(oy * OW + ox) * C + c] = clamp(r, lo, hi);
        }
        return;
      }
      case "MEAN": {
        const C = os[os.length - 1]!;
        const count = x.length / C;
        let [mult, sh] = quantizeMultiplier(qi.scale / qo.scale);
        let shift = Math.min(32, Math.floor(Math.log2(count)), 31 + sh);
        while (2 ** shift > count) shift--; // exact floor(log2)
        shift = Math.min(shift, 31 + sh);
        mult = Number((BigInt(mult) << BigInt(shift)) / BigInt(count));
        sh -= shift;
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let i = c; i < x.length; i += C) s += x[i]!;
          y[c] = clamp(mbqm(s - qi.zp * count, mult, sh) + qo.zp, -128, 127);
        }
        return;
      }
      case "RESHAPE":
        y.set(x);
        return;
      case "CONCATENATION": {
        const outer = numel(os.slice(0, op.axis)), rowOut = numel(os.slice(op.axis));
        let off = 0;
        for (const t of op.in) {
          const row = numel(shape(t).slice(op.axis));
          for (let o = 0; o < outer; o++) y.set(v[t]!.subarray(o * row, (o + 1) * row), o * rowOut + off);
          off += row;
        }
        return;
      }
      case "ADD": {
        const q2 = m.q[op.in[1]!]!;
        const z = v[op.in[1]!]!;
        const [lo, hi] = actRange(op.act, qo);
        const twiceMax = 2 * Math.max(qi.scale, q2.scale);
        const [m1, s1] = quantizeMultiplier(qi.scale / twiceMax);
        const [m2, s2] = quantizeMultiplier(q2.scale / twiceMax);
        const [mo, so] = quantizeMultiplier(twiceMax / (2 ** 20 * qo.scale));
        for (let i = 0; i < y.length; i++) {
          const a = mbqm((x[i]! - qi.zp) * 2 ** 20, m1, s1);
          const b = mbqm((z[i]! - q2.zp) * 2 ** 20, m2, s2);
          y[i] = clamp(mbqm(wrap(a + b), mo, so) + qo.zp, lo, hi);
        }
        return;
      }
      case "RELU":
      case "RELU6": {
        const [lo, hi] = actRange(op.kind, qo);
        const [mm, ss] = quantizeMultiplier(qi.scale / qo.scale);
        for (let i = 0; i < y.length; i++) y[i] = clamp(qo.zp + mbqm(x[i]! - qi.zp, mm, ss), lo, hi);
        return;
      }
      case "LOGISTIC":
      case "TANH": {
        const [f, e0] = frexp(qi.scale * 2 ** 27);
        const r = roundAway(f * 2 ** 31);
        const mult = r >= 2 ** 31 ? INT32_MIN : r;
        const shift = clamp(e0, -31, 31);
        const radius = Math.min(INT32_MAX, Math.trunc((15 * 2 ** 27) / 2 ** shift));
        for (let i = 0; i < y.length; i++) {
          const d = x[i]! - qi.zp;
          if (d <= -radius) y[i] = -128;
          else if (d >= radius) y[i] = 127;
          else {
            const q4 = rdbpot(srdhm(wrap(BigInt(d) << BigInt(Math.max(shift, 0))), mult), Math.max(-shift, 0));
            y[i] = op.kind === "LOGISTIC" ? clamp(rdbpot(logisticQ(q4, 4), 23) - 128, -128, 127) : clamp(rdbpot(tanhQ(q4, 4), 24), -128, 127);
          }
        }
        return;
      }
      case "SOFTMAX": {
        const depth = os[os.length - 1]!;
        const real = Math.min(INT32_MAX, qi.scale * 2 ** 26);
        const [mult, shift] = quantizeMultiplier(real);
        const diffMin = -Math.floor((31 * 2 ** 26) / 2 ** shift);
        const sexp = (d: number) => expOnNegative(srdhm(wrap(BigInt(d) << BigInt(shift)), mult), 5);
        for (let r0 = 0; r0 < y.length; r0 += depth) {
          let max = -128;
          for (let c = 0; c < depth; c++) max = Math.max(max, x[r0 + c]!);
          let sum = 0;
          for (let c = 0; c < depth; c++) {
            const d = x[r0 + c]! - max;
            if (d >= diffMin) sum = wrap(sum + rdbpot(sexp(d), 12));
          }
          // GetReciprocal: normalise the Q12.19 sum into [1, 2) and invert.
          const headroom = sum === 0 ? 32 : Math.clz32(sum);
          const bitsOverUnit = 12 - headroom;
          const recip = headroom >= 32 ? INT32_MAX : oneOverOnePlusX(wrap(BigInt(BigInt.asUintN(32, BigInt(sum) << BigInt(headroom))) - (1n << 31n)));
          const exponent = bitsOverUnit + 31 - 8;
          for (let c = 0; c < depth; c++) {
            const d = x[r0 + c]! - max;
            let val = -128;
            if (d >= diffMin) {
              const prod = srdhm(recip, sexp(d));
              const unsat = exponent <= 31 ? rdbpot(prod, Math.max(exponent, 0)) : 0;
              val = clamp(unsat - 128, -128, 127);
            }
            y[r0 + c] = val;
          }
        }
        return;
      }
    }
  });
  return v;
}
