// Per-operator behaviour of the engine on tiny models built here, with
// expectations worked out by hand from the TFLite int8 arithmetic:
// MultiplyByQuantizedMultiplier rounds twice (a doubling high multiply that
// rounds half up, then a shift that rounds half away from zero), so some
// results differ from a single rounding of the real value, on purpose.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Act, addOptions, buildModel, concatOptions, convOptions, depthwiseOptions, fcOptions, i16, i32, i8,
  Op, poolOptions, reducerOptions, softmaxOptions, type TensorSpec,
} from "./tflite-builder.js";
import { runInt8, runModel } from "./nn-run.js";

/** One-op model: tensors, the op's inputs/outputs; graph input = listed inputs without data. */
function oneOp(tensors: TensorSpec[], code: number, inputs: number[], outputs: number[], options?: ReturnType<typeof fcOptions>) {
  const graphInputs = inputs.filter((i) => i >= 0 && !tensors[i]!.data);
  return buildModel({ tensors, ops: [{ code, inputs, outputs, options }], inputs: graphInputs, outputs });
}

describe("FULLY_CONNECTED", () => {
  test("computes a dot product rescaled to the output", () => {
    const m = oneOp([
      { shape: [1, 2], type: "INT8", scale: 0.5, zeroPoint: 0 },
      { shape: [1, 2], type: "INT8", scale: 1, data: i8([1, 2]) },
      { shape: [1], type: "INT32", scale: 0.5, data: i32([0]) },
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.FULLY_CONNECTED, [0, 1, 2], [3], fcOptions());
    // 0.5 * (4*1 + 6*2) = 8
    assert.deepEqual(runInt8(m, [[4, 6]]), [8]);
    // 0.5 * (127 + 254) = 190.5 saturates at 127; 0.5 * -384 = -192 at -128
    assert.deepEqual(runInt8(m, [[127, 127]]), [127]);
    assert.deepEqual(runInt8(m, [[-128, -128]]), [-128]);
  });

  test("rounds twice like TFLM: half up in the high multiply, then half away from zero", () => {
    // multiplier 0.25 -> (2^30, shift -1): acc * 0.5 rounded half up, then / 2 rounded away.
    const m = oneOp([
      { shape: [10, 1], type: "INT8", scale: 0.25, zeroPoint: 0 },
      { shape: [1, 1], type: "INT8", scale: 1, data: i8([1]) },
      { shape: [10, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.FULLY_CONNECTED, [0, 1, -1], [2], fcOptions());
    // acc:      5   -5   6   -6   2   -2   3   -3   1   -1
    // exact:  1.25 -1.25 1.5 -1.5 0.5 -0.5 0.75 -0.75 0.25 -0.25
    assert.deepEqual(runInt8(m, [[5, -5, 6, -6, 2, -2, 3, -3, 1, -1]]), [2, -1, 2, -2, 1, -1, 1, -1, 1, 0]);
  });

  test("uses the input zero point at both ends of the int8 range", () => {
    for (const zp of [-128, 127]) {
      const m = oneOp([
        { shape: [1, 2], type: "INT8", scale: 1, zeroPoint: zp },
        { shape: [1, 2], type: "INT8", scale: 0.5, data: i8([2, -2]) },
        { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      ], Op.FULLY_CONNECTED, [0, 1, -1], [2], fcOptions());
      // real input (x - zp); output = (x0 - zp) - (x1 - zp) = x0 - x1
      assert.deepEqual(runInt8(m, [[zp, zp]]), [0], `zp ${zp}`);
      const a = zp === -128 ? -100 : 100, b = zp === -128 ? -120 : 90;
      assert.deepEqual(runInt8(m, [[a, b]]), [a - b], `zp ${zp}`);
    }
  });

  test("clamps to the fused RELU range of the output zero point", () => {
    const m = oneOp([
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 1], type: "INT8", scale: 1, data: i8([1]) },
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 10 },
    ], Op.FULLY_CONNECTED, [0, 1, -1], [2], fcOptions(Act.RELU));
    assert.deepEqual(runInt8(m, [[-50]]), [10]); // real -50 -> 0 -> q = zp
    assert.deepEqual(runInt8(m, [[50]]), [60]);
  });

  test("reads weights stored after the FlatBuffer through Buffer.offset/size", () => {
    const m = oneOp([
      { shape: [1, 2], type: "INT8", scale: 0.5, zeroPoint: 0 },
      { shape: [1, 2], type: "INT8", scale: 1, data: i8([1, 2]), external: true },
      { shape: [1], type: "INT32", scale: 0.5, data: i32([0]), external: true },
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.FULLY_CONNECTED, [0, 1, 2], [3], fcOptions());
    assert.deepEqual(runInt8(m, [[4, 6]]), [8]);
  });

  test("applies per-channel weight scales", () => {
    const m = oneOp([
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [2, 1], type: "INT8", scale: [1, 0.5], data: i8([3, 3]), quantDim: 0 },
      { shape: [1, 2], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.FULLY_CONNECTED, [0, 1, -1], [2], fcOptions());
    assert.deepEqual(runInt8(m, [[10]]), [30, 15]);
  });
});

/** 4x4 single-channel input 1..16 (zero point zp: stored values shifted by zp). */
function grid4(zp = 0): number[] {
  return Array.from({ length: 16 }, (_, i) => i + 1 + zp);
}

describe("CONV_2D", () => {
  const ones9 = i8(Array(9).fill(1));
  function conv(opts: Parameters<typeof convOptions>[0], out: number[], zp = 0) {
    return oneOp([
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: zp },
      { shape: [1, 3, 3, 1], type: "INT8", scale: 1, data: ones9 },
      { shape: [1], type: "INT32", scale: 1, data: i32([0]) },
      { shape: [1, out[0]!, out[1]!, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.CONV_2D, [0, 1, 2], [3], convOptions(opts));
  }

  test("SAME padding skips taps outside the image (any input zero point)", () => {
    const expect = [14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54].map((v) => Math.min(v, 127));
    for (const zp of [0, -7]) {
      assert.deepEqual(runInt8(conv({ same: true }, [4, 4], zp), [grid4(zp)]), expect, `zp ${zp}`);
    }
  });

  test("SAME padding with stride 2 pads only after the image", () => {
    // total padding 1 goes to the bottom/right: windows start at rows/cols 0 and 2
    assert.deepEqual(runInt8(conv({ same: true, stride: [2, 2] }, [2, 2]), [grid4()]), [54, 45, 72, 54]);
  });

  test("VALID padding with dilation 2 samples every other pixel", () => {
    const m = oneOp([
      { shape: [1, 5, 5, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 2, 2, 1], type: "INT8", scale: 1, data: i8([1, 1, 1, 1]) },
      { shape: [1, 3, 3, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.CONV_2D, [0, 1, -1], [2], convOptions({ dilation: [2, 2] }));
    const x = Array.from({ length: 25 }, (_, i) => i);
    const at = (y: number, c: number) => x[y * 5 + c]!;
    const expect: number[] = [];
    for (let y = 0; y < 3; y++) for (let c = 0; c < 3; c++) expect.push(at(y, c) + at(y, c + 2) + at(y + 2, c) + at(y + 2, c + 2));
    assert.deepEqual(runInt8(m, [x]), expect);
  });

  test("RELU6 clamps at the quantized 6", () => {
    const m = oneOp([
      { shape: [1, 1, 1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 1, 1, 1], type: "INT8", scale: 1, data: i8([1]) },
      { shape: [1, 1, 1, 1], type: "INT8", scale: 0.5, zeroPoint: 0 },
    ], Op.CONV_2D, [0, 1, -1], [2], convOptions({ activation: Act.RELU6 }));
    assert.deepEqual(runInt8(m, [[5]]), [10]);
    assert.deepEqual(runInt8(m, [[9]]), [12]); // 6 / 0.5
    assert.deepEqual(runInt8(m, [[-3]]), [0]);
  });
});

describe("DEPTHWISE_CONV_2D", () => {
  test("depth multiplier 2 gives each input channel two filters", () => {
    // input 1x2x2x2, filter 1x2x2x4 (channels c*2+m), VALID -> 1x1x1x4
    const x = [1, 10, 2, 20, 3, 30, 4, 40]; // (y,x,c) c fastest
    const f = [1, 0, 1, 0, /*tap(0,0)*/ 0, 1, 0, 1, /*(0,1)*/ 1, 1, 1, 1, /*(1,0)*/ 2, 0, 0, 2 /*(1,1)*/];
    const m = oneOp([
      { shape: [1, 2, 2, 2], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 2, 2, 4], type: "INT8", scale: 1, data: i8(f), quantDim: 3 },
      { shape: [1, 1, 1, 4], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.DEPTHWISE_CONV_2D, [0, 1, -1], [2], depthwiseOptions({ multiplier: 2 }));
    // out[c*2+m] = sum_taps f[tap][c*2+m] * x[tap][c]
    const xs = (t: number, c: number) => x[t * 2 + c]!;
    const expect = [0, 1, 2, 3].map((o) => [0, 1, 2, 3].reduce((s, t) => s + f[t * 4 + o]! * xs(t, o >> 1), 0));
    assert.deepEqual(runInt8(m, [x]), expect.map((v) => Math.min(v, 127)));
  });

  test("SAME border windows count only taps inside the image", () => {
    const m = oneOp([
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: 3 },
      { shape: [1, 3, 3, 1], type: "INT8", scale: 1, data: i8(Array(9).fill(1)), quantDim: 3 },
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.DEPTHWISE_CONV_2D, [0, 1, -1], [2], depthwiseOptions({ same: true, multiplier: 1 }));
    const expect = [14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54].map((v) => Math.min(v, 127));
    assert.deepEqual(runInt8(m, [grid4(3)]), expect);
  });
});

describe("pooling", () => {
  test("AVERAGE_POOL_2D rounds half away from zero", () => {
    const m = oneOp([
      { shape: [1, 1, 2, 4], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 1, 1, 4], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.AVERAGE_POOL_2D, [0], [1], poolOptions({ stride: [1, 2], filter: [1, 2] }));
    // pairs per channel: (1,2)->1.5->2  (-1,-2)->-1.5->-2  (1,1)->1  (2,3)->2.5->3
    assert.deepEqual(runInt8(m, [[1, -1, 1, 2, 2, -2, 1, 3]]), [2, -2, 1, 3]);
  });

  test("AVERAGE_POOL_2D with SAME padding divides by the taps inside", () => {
    const m = oneOp([
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.AVERAGE_POOL_2D, [0], [1], poolOptions({ same: true, stride: [1, 1], filter: [3, 3] }));
    // corner: (1+2+5+6)/4 = 3.5 -> 4; centre (1,1): 54/9 = 6
    const out = runInt8(m, [grid4()]);
    assert.equal(out[0], 4);
    assert.equal(out[5], 6);
  });

  test("MAX_POOL_2D takes the window maximum", () => {
    const m = oneOp([
      { shape: [1, 4, 4, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 2, 2, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.MAX_POOL_2D, [0], [1], poolOptions({ stride: [2, 2], filter: [2, 2] }));
    assert.deepEqual(runInt8(m, [grid4()]), [6, 8, 14, 16]);
  });
});

describe("elementwise", () => {
  test("ADD broadcasts a single value and saturates", () => {
    const m = oneOp([
      { shape: [1, 4], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [1, 4], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.ADD, [0, 1], [2], addOptions());
    assert.deepEqual(runInt8(m, [[3, -3, 120, -120], [10]]), [13, 7, 127, -110]);
  });

  test("ADD rescales inputs with different scales and zero points", () => {
    const m = oneOp([
      { shape: [3], type: "INT8", scale: 0.5, zeroPoint: -10 },
      { shape: [3], type: "INT8", scale: 0.25, zeroPoint: 4 },
      { shape: [3], type: "INT8", scale: 1, zeroPoint: 1 },
    ], Op.ADD, [0, 1], [2], addOptions());
    // real a = (x+10)/2, b = (y-4)/4; out = a + b + 1
    assert.deepEqual(runInt8(m, [[-10, 0, 10], [4, 8, 24]]), [1, 7, 16]);
  });

  test("LOGISTIC of zero is one half (q = 0 at scale 1/256, zp -128)", () => {
    const m = oneOp([
      { shape: [3], type: "INT8", scale: 0.1, zeroPoint: 0 },
      { shape: [3], type: "INT8", scale: 1 / 256, zeroPoint: -128 },
    ], Op.LOGISTIC, [0], [1]);
    const [z, hi, lo] = runInt8(m, [[0, 127, -128]]);
    assert.equal(z, 0);
    assert.equal(hi, 127); // sigmoid(12.7) rounds to 1.0 and saturates
    assert.equal(lo, -128);
  });

  test("SOFTMAX of equal logits splits probability evenly", () => {
    const m = oneOp([
      { shape: [1, 4], type: "INT8", scale: 0.1, zeroPoint: 0 },
      { shape: [1, 4], type: "INT8", scale: 1 / 256, zeroPoint: -128 },
    ], Op.SOFTMAX, [0], [1], softmaxOptions());
    assert.deepEqual(runInt8(m, [[5, 5, 5, 5]]), [-64, -64, -64, -64]); // 0.25 * 256 - 128
    const [big, small] = runInt8(m, [[127, -128, -128, -128]]);
    assert.equal(big, 127);
    assert.equal(small, -128);
  });

  test("QUANTIZE requantizes int16 to int8 with rounding and saturation", () => {
    const m = buildModel({
      tensors: [
        { shape: [4], type: "INT16", scale: 0.25, zeroPoint: 0 },
        { shape: [4], type: "INT8", scale: 1, zeroPoint: -2 },
      ],
      ops: [{ code: Op.QUANTIZE, inputs: [0], outputs: [1] }],
      inputs: [0], outputs: [1],
    });
    const r = runModel(m, [i16([8, 6, -6, 4000])]);
    assert.equal(r.status, 0, r.stderr);
    // 8/4=2 -> 0; 6/4=1.5 -> 2 -> 0; -1.5 -> -2 -> -4; 1000 -> 127
    assert.deepEqual(Array.from(new Int8Array(r.outputs[0]!)), [0, 0, -4, 127]);
  });
});

describe("shape ops", () => {
  test("PAD fills with the output zero point", () => {
    const m = oneOp([
      { shape: [1, 2, 1], type: "INT8", scale: 1, zeroPoint: 5 },
      { shape: [3, 2], type: "INT32", data: i32([0, 0, 1, 2, 0, 1]) },
      { shape: [1, 5, 2], type: "INT8", scale: 1, zeroPoint: 5 },
    ], Op.PAD, [0, 1], [2]);
    assert.deepEqual(runInt8(m, [[7, 8]]), [5, 5, 7, 5, 8, 5, 5, 5, 5, 5]);
  });

  test("TRANSPOSE permutes NCHW to NHWC", () => {
    const m = oneOp([
      { shape: [1, 2, 2, 3], type: "INT8", scale: 1 },
      { shape: [4], type: "INT32", data: i32([0, 2, 3, 1]) },
      { shape: [1, 2, 3, 2], type: "INT8", scale: 1 },
    ], Op.TRANSPOSE, [0, 1], [2]);
    const x = Array.from({ length: 12 }, (_, i) => i); // [c][h][w]
    const expect: number[] = [];
    for (let h = 0; h < 2; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) expect.push(x[c * 6 + h * 3 + w]!);
    assert.deepEqual(runInt8(m, [x]), expect);
  });

  test("MEAN over height and width rounds its integer division", () => {
    const m = oneOp([
      { shape: [1, 2, 2, 2], type: "INT8", scale: 1, zeroPoint: 0 },
      { shape: [2], type: "INT32", data: i32([1, 2]) },
      { shape: [1, 1, 1, 2], type: "INT8", scale: 1, zeroPoint: 0 },
    ], Op.MEAN, [0, 1], [2], reducerOptions(true));
    // channel 0: (1+2+3+4)/4 = 2.5 -> 3 ; channel 1: (-1-2-3-4)/4 = -2.5 -> -3
    assert.deepEqual(runInt8(m, [[1, -1, 2, -2, 3, -3, 4, -4]]), [3, -3]);
  });

  test("CONCATENATION joins along the last axis", () => {
    const m = oneOp([
      { shape: [2, 1], type: "INT8", scale: 1 },
      { shape: [2, 2], type: "INT8", scale: 1 },
      { shape: [2, 3], type: "INT8", scale: 1 },
    ], Op.CONCATENATION, [0, 1], [2], concatOptions(-1));
    assert.deepEqual(runInt8(m, [[1, 2], [3, 4, 5, 6]]), [1, 3, 4, 2, 5, 6]);
  });

  test("RESHAPE passes bytes through unchanged", () => {
    const m = oneOp([
      { shape: [2, 3], type: "INT8", scale: 1 },
      { shape: [2], type: "INT32", data: i32([3, 2]) },
      { shape: [3, 2], type: "INT8", scale: 1 },
    ], Op.RESHAPE, [0, 1], [2]);
    assert.deepEqual(runInt8(m, [[1, 2, 3, 4, 5, 6]]), [1, 2, 3, 4, 5, 6]);
  });
});
