// `npm run models`: trains the demo gesture classifier with TensorFlow.js
// (pure JS CPU backend, seeded: same files on every run), saves it in TF.js
// Layers format, converts it with `wasmcu convert` to int8 .tflite, runs the
// held-out set through our engine, and writes test vectors and README.md.
//
// Environment: WASMCU_NN=path/to/wasmcu-nn to use an existing engine build
// (default: the CLI builds build/host's wasmcu-nn on demand).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { convertModel } from "../host-tools/src/convert/index.js";
import { quantizeInput } from "../host-tools/src/convert/int8-exec.js";
import { writeLayersArtifacts } from "../host-tools/src/convert/tfjs-save.js";
import { ensureHostTool } from "../host-tools/src/host/tools.js";
import { AXES, CLASSES, makeDataset, SEED, SPLITS, WINDOW } from "./gestures.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const EPOCHS = 20;

tf.env().set("PROD", true); // quiet: no hint about tfjs-node
await tf.setBackend("cpu");

function buildModel(): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: SEED + s });
  const m = tf.sequential({ name: "gesture" });
  m.add(tf.layers.conv1d({ inputShape: [WINDOW, AXES], filters: 8, kernelSize: 5, strides: 2, activation: "relu", kernelInitializer: init(1), name: "conv1" }));
  m.add(tf.layers.conv1d({ filters: 16, kernelSize: 3, strides: 2, useBias: false, kernelInitializer: init(2), name: "conv2" }));
  m.add(tf.layers.batchNormalization({ name: "bn2" }));
  m.add(tf.layers.reLU({ name: "relu2" }));
  m.add(tf.layers.maxPooling1d({ poolSize: 2, name: "pool" }));
  m.add(tf.layers.flatten({ name: "flatten" }));
  m.add(tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: init(3), name: "fc1" }));
  m.add(tf.layers.dense({ units: CLASSES.length, activation: "softmax", kernelInitializer: init(4), name: "out" }));
  return m;
}

const t0 = Date.now();
const train = makeDataset(SPLITS.train.perClass, SPLITS.train.seed); // 800 windows
const calib = makeDataset(SPLITS.calibration.perClass, SPLITS.calibration.seed); // 200 windows, calibration only
const held = makeDataset(SPLITS.heldout.perClass, SPLITS.heldout.seed); // 400 windows, never seen in training or calibration
const toX = (d: { x: Float32Array[] }) => tf.tensor3d(Float32Array.from(d.x.flatMap((v) => [...v])), [d.x.length, WINDOW, AXES]);
const model = buildModel();
model.compile({ optimizer: tf.train.adam(0.01), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
const xs = toX(train), ys = tf.tensor1d(train.y, "float32");
const h = await model.fit(xs, ys, { epochs: EPOCHS, batchSize: 32, shuffle: false, verbose: 0 });
const trainAcc = (h.history.acc ?? h.history.accuracy)!.at(-1) as number;
process.stderr.write(`trained ${EPOCHS} epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s, training accuracy ${(100 * trainAcc).toFixed(1)} %\n`);

// TF.js Layers files.
const tfjsDir = path.join(here, "gesture");
rmSync(tfjsDir, { recursive: true, force: true });
let modelJson = "";
await model.save(tf.io.withSaveHandler(async (a) => {
  modelJson = writeLayersArtifacts(tfjsDir, a as Parameters<typeof writeLayersArtifacts>[1], "gesture.weights.bin");
  return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
}));

// Convert (the same library call as `wasmcu convert ... --report --eval`).
const tmp = path.join(os.tmpdir(), `wasmcu-models-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const asJson = (d: { x: Float32Array[]; y: number[] }, f: string) => {
  writeFileSync(f, JSON.stringify({ samples: d.x.map((v) => Array.from(v)), labels: d.y }));
  return f;
};
const calibFile = asJson(calib, path.join(tmp, "calibration.json"));
const heldFile = asJson(held, path.join(tmp, "heldout.json"));
const engine = process.env.WASMCU_NN ?? (await ensureHostTool("wasmcu-nn"));
const tflite = path.join(here, "gesture.tflite");
const r = await convertModel({ model: modelJson, output: tflite, calibration: calibFile, evalData: heldFile, report: true, engine });
const rep = r.report!;
if (!rep.engine_matches_reference) throw new Error("the engine disagrees with the TypeScript int8 reference");

// Test vectors: the first held-out window of each class, int8 in, engine bytes out.
const vecDir = path.join(here, "gesture-vectors");
rmSync(vecDir, { recursive: true, force: true });
mkdirSync(vecDir, { recursive: true });
const inQ = { scale: r.inputs[0]!.scale, zp: r.inputs[0]!.zero_point };
const vectors = CLASSES.map((name, c) => {
  const i = held.y.indexOf(c);
  const q = quantizeInput(held.x[i]!, inQ);
  const inFile = path.join(vecDir, `${name}.input.bin`);
  writeFileSync(inFile, q);
  execFileSync(engine, ["run", tflite, "--input", inFile, "--output-prefix", path.join(tmp, name)]);
  const out = readFileSync(path.join(tmp, `${name}.out0.bin`));
  writeFileSync(path.join(vecDir, `${name}.expected.bin`), out);
  const probs = [...new Int8Array(out.buffer, out.byteOffset, out.length)].map((v) => (v + 128) / 256);
  return { class: name, label: c, input: `${name}.input.bin`, expected: `${name}.expected.bin`, output_probabilities: probs };
});
writeFileSync(path.join(vecDir, "vectors.json"), `${JSON.stringify({
  model: "gesture.tflite",
  input: { shape: r.inputs[0]!.shape, type: "int8", scale: inQ.scale, zero_point: inQ.zp, units: "g (standard gravity), 50 Hz" },
  output: { shape: r.outputs[0]!.shape, type: "int8", scale: r.outputs[0]!.scale, zero_point: r.outputs[0]!.zero_point, classes: CLASSES },
  vectors,
}, null, 2)}\n`);
rmSync(tmp, { recursive: true, force: true });

const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(2)} %`);
const ops = Object.entries(r.op_counts).map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ");
writeFileSync(path.join(here, "README.md"), `# Demo models

Generated by \`npm run models\` (models/build.ts); do not edit the generated files by hand.
Everything is seeded (seed ${SEED}): a rerun writes the same bytes.

## gesture.tflite — accelerometer gesture classifier

- **Input**: one window of 64 samples × 3 axes (x, y, z) of acceleration in g at 50 Hz
  (1.28 s), int8, scale ${inQ.scale.toPrecision(7)}, zero point ${inQ.zp}
  (q = round(a / scale) + zero point, clamped to [-128, 127]).
- **Output**: 4 class scores (softmax), int8, scale 1/256, zero point -128:
  ${CLASSES.map((c, i) => `${i} = ${c}`).join(", ")}.
- **Data**: synthetic, from models/gestures.ts — gravity from a random device orientation,
  per-axis bias, sensor noise and the gesture's motion (idle; shake 3–8 Hz, 0.6–2 g along a
  random axis; tilt of 35–90° once; circle 0.8–2 Hz, 0.25–0.7 g in a random plane).
  800 training windows, 200 calibration windows, 400 held-out windows (separate seeds).
- **Model** (TensorFlow.js Layers, models/gesture/): Conv1D(8, k5, s2, ReLU) → Conv1D(16, k3, s2)
  → BatchNormalization → ReLU → MaxPooling1D(2) → Flatten → Dense(16, ReLU) → Dense(4, softmax);
  trained ${EPOCHS} epochs with Adam (training accuracy ${pct(trainAcc)}).
- **Conversion**: \`node --import tsx models/gestures.ts DATA\` writes the calibration and held-out
  splits as DATA/calibration.json and DATA/heldout.json (with labels), then
  \`wasmcu convert models/gesture/model.json -o models/gesture.tflite --calibration DATA/calibration.json --eval DATA/heldout.json\`
  gives this file and these figures (per-channel int8 weights, int8 input/output; batch
  normalisation folded into conv2, both ReLUs fused, Conv1D's inner reshapes cancelled).
  Operators: ${ops}.

| held-out set (400 windows) | top-1 accuracy |
| --- | --- |
| float model (TF.js weights, float executor) | ${pct(rep.float_accuracy)} |
| int8 model (TypeScript int8 reference) | ${pct(rep.int8_accuracy)} |
| int8 model (wasmcu-nn, our C engine, host build) | ${pct(rep.engine_accuracy)} |

- int8 and float agree on the top class for ${pct(rep.top1_agreement)} of held-out windows.
  Class probabilities differ by ${rep.outputs[0]!.rms_error.toFixed(4)} RMS; the largest difference is
  ${rep.outputs[0]!.max_abs_error.toFixed(4)} (${rep.outputs[0]!.max_error_lsb.toFixed(1)} output steps of 1/256): where two classes are close,
  softmax turns a small error in the logits into a large change of probability.
- The engine's output bytes equal the TypeScript int8 reference on all 400 windows.
- Model file ${rep.model_bytes} bytes (weights and biases ${rep.weight_bytes} bytes, read in place from flash);
  tensor arena ${rep.arena_bytes} bytes (\`wasmcu-nn info --json\`, our memory planner).

Regenerate with \`npm run models\` (about a minute on two cores; set WASMCU_NN=path/to/wasmcu-nn to use
an existing engine build, otherwise the host build's wasmcu-nn is built on demand).
These accuracies are on synthetic data; they say the conversion keeps the float model's
behaviour, not how well the model recognises real gestures.

## gesture-vectors/

For each class, the first held-out window of that class: \`NAME.input.bin\` (192 int8 bytes,
the quantized window) and \`NAME.expected.bin\` (4 int8 bytes, our engine's output for it);
vectors.json lists them with the quantization parameters.
`);
process.stderr.write(`wrote ${path.relative(process.cwd(), tflite)} (${r.bytes} B): float ${pct(rep.float_accuracy)}, int8 ${pct(rep.int8_accuracy)}, engine ${pct(rep.engine_accuracy)} on ${rep.samples} held-out windows, arena ${rep.arena_bytes} B\n`);
