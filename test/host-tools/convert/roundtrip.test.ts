// Round trip of small per-layer TF.js models through `wasmcu convert`:
//  1. the converter's float graph reproduces TensorFlow.js's own predictions
//     (|diff| <= 1e-4: only float32 summation order differs), which pins the
//     model reader, weight layouts, BN folding and the lowering;
//  2. the int8 model run by our C engine (wasmcu-nn) gives exactly the bytes
//     of the TypeScript int8 reference implementation, on every sample;
//  3. the dequantized int8 output stays within a stated bound of TF.js:
//     BOUND_STEPS = 2 output quantization steps per quantized layer on the
//     path. Each requantization rounds by <= 0.5 step of its output; input
//     rounding (<= 0.5 input step per value) and weight rounding (<= 0.5
//     weight step, 1/254 of the channel's largest weight) pass through a
//     layer with these fan-ins (<= 27) and weights in [-0.5, 0.5] as well
//     under one more output step. Measured worst cases are 0.6-1.6 steps.
//     Samples are taken from the calibration set, so no value lies outside
//     its calibrated range (clipping is a calibration matter, not rounding).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { convertInMemory, dequantize, quantizeInput, runFloat, runInt8 } from "../../../host-tools/src/convert/index.js";
import { engineRun, samples, saveModel, seedWeights, tf, tfReady, tmpDir } from "./helpers.js";

const BOUND_STEPS = 2;
type Build = () => { model: tf.LayersModel; layers: number; range?: number };
const S = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]) => x as tf.SymbolicTensor;

const cases: Record<string, { ops: string[]; build: Build; perChannel?: boolean }> = {
  "Dense with fused ReLU": {
    ops: ["FULLY_CONNECTED", "FULLY_CONNECTED"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [12], units: 8, activation: "relu" }));
      m.add(tf.layers.dense({ units: 5 }));
      return { model: m, layers: 2 };
    },
  },
  "Dense per-tensor weights (--no-per-channel)": {
    ops: ["FULLY_CONNECTED", "FULLY_CONNECTED"],
    perChannel: false,
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [10], units: 6, activation: "relu6" }));
      m.add(tf.layers.dense({ units: 3 }));
      return { model: m, layers: 2, range: 4 };
    },
  },
  "Conv1D as CONV_2D between height-1 reshapes (inner reshapes cancel, ReLU fused)": {
    ops: ["RESHAPE", "CONV_2D", "CONV_2D", "RESHAPE"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv1d({ inputShape: [16, 3], filters: 4, kernelSize: 3, strides: 2, activation: "relu" }));
      m.add(tf.layers.conv1d({ filters: 2, kernelSize: 3, padding: "same" }));
      return { model: m, layers: 2 };
    },
  },
  "Conv2D same/valid padding, stride and dilation": {
    ops: ["CONV_2D", "CONV_2D"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [9, 7, 2], filters: 3, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
      m.add(tf.layers.conv2d({ filters: 2, kernelSize: 2, dilationRate: 1, padding: "valid" }));
      return { model: m, layers: 2 };
    },
  },
  "Conv2D and DepthwiseConv2D with per-tensor weights (--no-per-channel)": {
    ops: ["CONV_2D", "DEPTHWISE_CONV_2D"],
    perChannel: false,
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [7, 7, 2], filters: 4, kernelSize: 3, activation: "relu" }));
      m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same" }));
      return { model: m, layers: 2 };
    },
  },
  "Conv2D with dilation": {
    ops: ["CONV_2D"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, dilationRate: 2, padding: "same" }));
      return { model: m, layers: 1 };
    },
  },
  "DepthwiseConv2D with depth multiplier 2 and ReLU6": {
    ops: ["DEPTHWISE_CONV_2D"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.depthwiseConv2d({ inputShape: [6, 6, 3], kernelSize: 3, depthMultiplier: 2, padding: "same", activation: "relu6" }));
      return { model: m, layers: 1, range: 3 };
    },
  },
  "pooling: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D (MEAN)": {
    ops: ["CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: "same", activation: "relu" }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: "same" }));
      m.add(tf.layers.globalAveragePooling2d({}));
      return { model: m, layers: 2 };
    },
  },
  "1D pooling and GlobalMaxPooling": {
    ops: ["RESHAPE", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.maxPooling1d({ inputShape: [12, 3], poolSize: 2 }));
      m.add(tf.layers.averagePooling1d({ poolSize: 3, strides: 1 }));
      m.add(tf.layers.globalMaxPooling1d({}));
      return { model: m, layers: 1 };
    },
  },
  "BatchNormalization folded into Conv2D and Dense": {
    ops: ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, useBias: false }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.activation({ activation: "relu" }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 4 }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.dropout({ rate: 0.5 }));
      return { model: m, layers: 2 };
    },
  },
  "Add (residual) with fused ReLU, Concatenate and a standalone ReLU": {
    ops: ["FULLY_CONNECTED", "FULLY_CONNECTED", "ADD", "FULLY_CONNECTED", "CONCATENATION", "RELU"],
    build: () => {
      const inp = tf.input({ shape: [8] });
      const a = S(tf.layers.dense({ units: 8 }).apply(inp));
      const b = S(tf.layers.dense({ units: 8 }).apply(inp));
      const s = S(tf.layers.reLU().apply(S(tf.layers.add().apply([a, b]))));
      const c = S(tf.layers.dense({ units: 3 }).apply(inp));
      const out = S(tf.layers.reLU().apply(S(tf.layers.concatenate().apply([s, c]))));
      return { model: tf.model({ inputs: inp, outputs: out }), layers: 3 };
    },
  },
  "activations: standalone ReLU6, Tanh, Sigmoid (LOGISTIC), Softmax": {
    ops: ["RELU6", "FULLY_CONNECTED", "TANH", "FULLY_CONNECTED", "LOGISTIC", "FULLY_CONNECTED", "SOFTMAX"],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.reLU({ inputShape: [6], maxValue: 6 }));
      m.add(tf.layers.dense({ units: 8, activation: "tanh" }));
      m.add(tf.layers.dense({ units: 8, activation: "sigmoid" }));
      m.add(tf.layers.dense({ units: 4, activation: "softmax" }));
      return { model: m, layers: 4, range: 8 };
    },
  },
};

let seed = 100;
for (const [name, c] of Object.entries(cases)) {
  const mySeed = seed++;
  test(`round trip: ${name} — float graph equals TF.js, engine bytes equal the TS int8 reference, int8 within ${BOUND_STEPS} steps/layer`, async () => {
    await tfReady();
    const { model, layers, range = 1 } = c.build();
    seedWeights(model, mySeed);
    const dir = tmpDir("rt");
    const file = await saveModel(model, dir);
    const inShape = model.inputs[0]!.shape.slice(1) as number[];
    const elements = inShape.reduce((a, b) => a * b, 1);
    const calib = samples(64, elements, mySeed + 1, range);
    // Evaluated on calibration samples: the bound is about rounding, not about inputs beyond the calibrated ranges.
    const evalSet = calib.slice(0, 24);
    const conv = convertInMemory(file, { file: "calibration", samples: calib }, { perChannel: c.perChannel ?? true });
    assert.deepEqual(conv.ops, c.ops);
    const tflite = path.join(dir, "model.tflite");
    writeFileSync(tflite, conv.bytes);
    const g = conv.graph, q = conv.quantized;
    const inQ = q.q[g.inputs[0]!]!, outT = g.outputs[0]!, outQ = q.q[outT]!;
    const qin = evalSet.map((x) => quantizeInput(x, inQ));
    const engine = engineRun(tflite, qin, dir);
    let worst = 0;
    evalSet.forEach((x, i) => {
      const ref = runInt8(q, [qin[i]!])[outT]!;
      assert.deepEqual([...engine[i]!], [...ref], `sample ${i}: engine vs TypeScript int8 reference`);
      const tfOut = (model.predict(tf.tensor(x, [1, ...inShape])) as tf.Tensor).dataSync() as Float32Array;
      const fl = runFloat(g, [x])[outT]!;
      for (let j = 0; j < tfOut.length; j++) assert.ok(Math.abs(fl[j]! - tfOut[j]!) <= 1e-4 * Math.max(1, Math.abs(tfOut[j]!)), `float graph vs TF.js at ${j}: ${fl[j]} vs ${tfOut[j]}`);
      const d = dequantize(ref, outQ);
      for (let j = 0; j < d.length; j++) worst = Math.max(worst, Math.abs(d[j]! - tfOut[j]!) / outQ.scale);
    });
    assert.ok(worst <= BOUND_STEPS * layers, `int8 vs float: ${worst.toFixed(2)} output steps > ${BOUND_STEPS * layers}`);
  });
}
