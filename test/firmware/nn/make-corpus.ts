// Writes the committed seed corpus of the fuzz target (test/firmware/nn/corpus):
// one tiny model per supported operator, built with tflite-builder.
//   node --import tsx test/firmware/nn/make-corpus.ts
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  addOptions, buildModel, concatOptions, convOptions, depthwiseOptions, fcOptions, i32, i8, lstmSpec, Op,
  poolOptions, reducerOptions, softmaxOptions, type ModelSpec, type TensorSpec,
} from "./tflite-builder.js";

const q = (shape: number[], zeroPoint = 0, scale = 0.5): TensorSpec => ({ shape, type: "INT8", scale, zeroPoint });

function one(tensors: TensorSpec[], code: number, inputs: number[], outputs: number[], options?: ModelSpec["ops"][number]["options"]): ModelSpec {
  return {
    tensors,
    ops: [{ code, inputs, outputs, options }],
    inputs: inputs.filter((i) => i >= 0 && !tensors[i]!.data),
    outputs,
  };
}

/** The seed models as the builder's specs (the .tflite mutator edits these). */
export function corpusSpecs(): Record<string, ModelSpec> {
  const w9 = i8([1, -2, 3, -4, 5, -6, 7, -8, 9]);
  return {
    fully_connected: one([q([1, 3], -5), { ...q([2, 3]), data: i8([1, 2, 3, -1, -2, -3]) }, { shape: [2], type: "INT32", scale: 0.25, data: i32([10, -10]) }, q([1, 2], 3)],
      Op.FULLY_CONNECTED, [0, 1, 2], [3], fcOptions(1)),
    conv2d: one([q([1, 4, 4, 1], 2), { ...q([1, 3, 3, 1]), data: w9 }, { shape: [1], type: "INT32", scale: 0.25, data: i32([7]) }, q([1, 2, 2, 1], -1)],
      Op.CONV_2D, [0, 1, 2], [3], convOptions({ same: true, stride: [2, 2], activation: 3 })),
    depthwise: one([q([1, 3, 3, 2], 1), { ...q([1, 2, 2, 4]), data: i8([1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8]), scale: [0.5, 0.25, 0.5, 0.25], zeroPoint: [0, 0, 0, 0], quantDim: 3 }, q([1, 2, 2, 4])],
      Op.DEPTHWISE_CONV_2D, [0, 1, -1], [2], depthwiseOptions({ multiplier: 2 })),
    average_pool: one([q([1, 3, 3, 2]), q([1, 2, 2, 2])], Op.AVERAGE_POOL_2D, [0], [1], poolOptions({ same: true, stride: [2, 2], filter: [2, 2] })),
    max_pool: one([q([1, 4, 4, 1]), q([1, 2, 2, 1])], Op.MAX_POOL_2D, [0], [1], poolOptions({ stride: [2, 2], filter: [2, 2] })),
    add: one([q([1, 2, 3], 1), q([3], -1, 0.25), q([1, 2, 3])], Op.ADD, [0, 1], [2], addOptions(1)),
    softmax: one([q([2, 4]), { ...q([2, 4], -128, 1 / 256) }], Op.SOFTMAX, [0], [1], softmaxOptions(1)),
    logistic: one([q([4], 3), q([4], -128, 1 / 256)], Op.LOGISTIC, [0], [1]),
    pad: one([q([1, 2, 2, 1]), { shape: [4, 2], type: "INT32", data: i32([0, 0, 1, 1, 1, 1, 0, 0]) }, q([1, 4, 4, 1])], Op.PAD, [0, 1], [2]),
    transpose: one([q([1, 2, 3, 4]), { shape: [4], type: "INT32", data: i32([0, 2, 3, 1]) }, q([1, 3, 4, 2])], Op.TRANSPOSE, [0, 1], [2]),
    mean: one([q([1, 2, 2, 3], 4), { shape: [2], type: "INT32", data: i32([1, 2]) }, q([1, 1, 1, 3], -2)], Op.MEAN, [0, 1], [2], reducerOptions(true)),
    concatenation: one([q([2, 1]), q([2, 2]), q([2, 3])], Op.CONCATENATION, [0, 1], [2], concatOptions(1)),
    reshape: one([q([2, 3]), { shape: [2], type: "INT32", data: i32([3, 2]) }, q([3, 2])], Op.RESHAPE, [0, 1], [2]),
    quantize: {
      tensors: [{ shape: [4], type: "INT16", scale: 0.25 }, q([4], -2)],
      ops: [{ code: Op.QUANTIZE, inputs: [0], outputs: [1] }], inputs: [0], outputs: [1],
    },
    // LSTM at an ordinary cell scale and at the widest one its tanh computes exactly (2^2: the
    // largest multiplier; the fuzzer's invoke runs it under UBSan), and the int16 TANH table
    // function on a non power-of-two input scale.
    lstm: lstmSpec({ cellScale: 2 ** -11 }),
    lstm_widest_cell: lstmSpec({ cellScale: 4 }),
    tanh_int16: {
      tensors: [{ shape: [1, 8], type: "INT16", scale: 0.001, zeroPoint: 0 }, { shape: [1, 8], type: "INT16", scale: 2 ** -15, zeroPoint: 0 }],
      ops: [{ code: Op.TANH, inputs: [0], outputs: [1] }], inputs: [0], outputs: [1],
    },
    two_ops: {
      tensors: [q([1, 4]), { ...q([4, 4]), data: i8([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]) }, q([1, 4]), q([1, 4], -128, 1 / 256)],
      ops: [
        { code: Op.FULLY_CONNECTED, inputs: [0, 1, -1], outputs: [2], options: fcOptions() },
        { code: Op.SOFTMAX, inputs: [2], outputs: [3], options: softmaxOptions() },
      ],
      inputs: [0], outputs: [3],
    },
  };
}

export function corpus(): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(corpusSpecs()).map(([name, spec]) => [name, buildModel(spec)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus");
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(corpus())) writeFileSync(path.join(dir, `${name}.tflite`), bytes);
}
