// The committed demo model (models/, made by `npm run models`): it is what
// `wasmcu convert` makes from the committed TF.js files and calibration
// split, our engine reproduces its test vectors, the engine's bytes equal
// the TypeScript int8 reference on the whole held-out set, and int8 keeps
// the float model's accuracy.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { convertInMemory, quantizeInput, runFloat, runInt8 } from "../../../host-tools/src/convert/index.js";
import { CLASSES, makeDataset, SPLITS } from "../../../models/gestures.js";
import { repoRoot } from "../../helpers/paths.js";
import { engineRun, tf, tfReady, tmpDir } from "./helpers.js";

const models = path.join(repoRoot, "models");
const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i; return b; };

function reconvert() {
  const cal = makeDataset(SPLITS.calibration.perClass, SPLITS.calibration.seed);
  return convertInMemory(path.join(models, "gesture", "model.json"), { file: "calibration split", samples: cal.x });
}

test("gesture.tflite is exactly what wasmcu convert makes from models/gesture/ and the calibration split", () => {
  const c = reconvert();
  assert.ok(Buffer.from(c.bytes).equals(readFileSync(path.join(models, "gesture.tflite"))), "models/gesture.tflite is stale: run npm run models");
});

test("gesture-vectors: the engine and the TypeScript int8 reference reproduce every expected output", () => {
  const c = reconvert();
  const v = JSON.parse(readFileSync(path.join(models, "gesture-vectors", "vectors.json"), "utf8")) as { vectors: { class: string; input: string; expected: string; label: number }[] };
  assert.deepEqual(v.vectors.map((x) => x.class), [...CLASSES]);
  const dir = tmpDir("gesture");
  const inputs = v.vectors.map((x) => new Int8Array(Uint8Array.from(readFileSync(path.join(models, "gesture-vectors", x.input))).buffer));
  const engine = engineRun(path.join(models, "gesture.tflite"), inputs, dir);
  v.vectors.forEach((x, i) => {
    const expected = [...new Int8Array(Uint8Array.from(readFileSync(path.join(models, "gesture-vectors", x.expected))).buffer)];
    assert.deepEqual([...engine[i]!], expected, `${x.class}: engine`);
    assert.deepEqual([...runInt8(c.quantized, [inputs[i]!])[c.graph.outputs[0]!]!], expected, `${x.class}: TypeScript reference`);
    assert.equal(argmax(expected), x.label, `${x.class} is classified as ${CLASSES[argmax(expected)]}`);
  });
});

test("held-out set: engine bytes equal the TypeScript int8 reference and int8 accuracy is within 2 points of float", () => {
  const c = reconvert();
  const g = c.graph, q = c.quantized;
  const held = makeDataset(SPLITS.heldout.perClass, SPLITS.heldout.seed);
  const inQ = q.q[g.inputs[0]!]!, outT = g.outputs[0]!;
  const qin = held.x.map((x) => quantizeInput(x, inQ));
  const engine = engineRun(path.join(models, "gesture.tflite"), qin, tmpDir("gesture-held"));
  let floatOk = 0, int8Ok = 0;
  held.x.forEach((x, i) => {
    const ref = runInt8(q, [qin[i]!])[outT]!;
    assert.deepEqual([...engine[i]!], [...ref], `held-out window ${i}`);
    if (argmax(runFloat(g, [x])[outT]!) === held.y[i]) floatOk++;
    if (argmax(ref) === held.y[i]) int8Ok++;
  });
  const n = held.x.length;
  assert.ok(floatOk / n >= 0.9, `float accuracy ${floatOk / n}`);
  assert.ok(Math.abs(int8Ok - floatOk) / n <= 0.02, `int8 ${int8Ok / n} vs float ${floatOk / n}`);
});

test("the float figures are TF.js's: our float executor matches TF.js predictions of models/gesture on held-out windows", async () => {
  await tfReady();
  const j = JSON.parse(readFileSync(path.join(models, "gesture", "model.json"), "utf8"));
  const bin = readFileSync(path.join(models, "gesture", j.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
  }));
  const g = reconvert().graph;
  const held = makeDataset(SPLITS.heldout.perClass, SPLITS.heldout.seed);
  for (const x of held.x.slice(0, 40)) {
    const want = (model.predict(tf.tensor(x, [1, 64, 3])) as tf.Tensor).dataSync();
    const got = runFloat(g, [x])[g.outputs[0]!]!;
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(got[k]! - want[k]!) <= 1e-4, `${got[k]} vs ${want[k]}`);
  }
});
