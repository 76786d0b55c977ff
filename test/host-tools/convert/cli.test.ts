// `wasmcu convert` from the command line, and the --report figures.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { convertModel } from "../../../host-tools/src/convert/index.js";
import { wasmcu } from "../../helpers/cli.js";
import { hostBin } from "../../helpers/paths.js";
import { samples, saveModel, seedWeights, tf, tfReady, tmpDir, writeSamplesJson } from "./helpers.js";

async function fixture() {
  await tfReady();
  const m = tf.sequential();
  m.add(tf.layers.conv1d({ inputShape: [10, 3], filters: 4, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.globalAveragePooling1d({}));
  m.add(tf.layers.dense({ units: 3, activation: "softmax" }));
  seedWeights(m, 11, 1);
  const dir = tmpDir("cli");
  const model = await saveModel(m, dir);
  const cal = writeSamplesJson(path.join(dir, "cal.json"), samples(32, 30, 12));
  const x = samples(40, 30, 13);
  // Labels from the float model itself: float accuracy is 100 % by construction.
  const labels = x.map((v) => (m.predict(tf.tensor(v, [1, 10, 3])) as tf.Tensor).argMax(-1).dataSync()[0]!);
  const evalFile = writeSamplesJson(path.join(dir, "eval.json"), x, labels);
  return { dir, model, cal, evalFile };
}

test("wasmcu convert --json writes the .tflite and describes ops and int8 input/output", async () => {
  const f = await fixture();
  const out = path.join(f.dir, "m.tflite");
  const r = await wasmcu(["convert", f.model, "-o", out, "--calibration", f.cal, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.ops, ["RESHAPE", "CONV_2D", "RESHAPE", "MEAN", "FULLY_CONNECTED", "SOFTMAX"]);
  assert.equal(j.io, "int8");
  assert.equal(j.per_channel, true);
  assert.equal(j.calibration_samples, 32);
  assert.deepEqual(j.inputs[0].shape, [1, 10, 3]);
  assert.equal(j.outputs[0].zero_point, -128);
  assert.equal(j.bytes, readFileSync(out).length);
});

test("wasmcu convert without --calibration is a usage error and writes nothing", async () => {
  const f = await fixture();
  const out = path.join(f.dir, "m.tflite");
  const r = await wasmcu(["convert", f.model, "-o", out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--calibration/);
  assert.equal(existsSync(out), false);
});

test("convert --report: float vs int8 accuracy on a held-out set, per-output error, size, arena and engine agreement", async () => {
  const f = await fixture();
  for (const inputs of ["int8", "float32"] as const) {
    const out = path.join(f.dir, `m-${inputs}.tflite`);
    const r = await convertModel({ model: f.model, output: out, calibration: f.cal, evalData: f.evalFile, report: true, inputs, engine: hostBin("wasmcu-nn") });
    const p = r.report!;
    assert.equal(p.held_out, true);
    assert.equal(p.samples, 40);
    assert.equal(p.float_accuracy, 1);
    assert.ok(p.int8_accuracy! >= 0.9, `int8 accuracy ${p.int8_accuracy}`);
    assert.equal(p.engine_accuracy, p.int8_accuracy);
    assert.equal(p.engine_matches_reference, true, `${inputs}: engine differs on ${p.engine_mismatched_samples} samples`);
    // A softmax output: error in steps of 1/256, a few at most after three layers.
    assert.ok(p.outputs[0]!.max_error_lsb <= 6, `max error ${p.outputs[0]!.max_error_lsb} steps`);
    assert.equal(p.model_bytes, readFileSync(out).length);
    assert.ok(p.arena_bytes !== null && p.arena_bytes > 0);
    assert.deepEqual(p.engine_unsupported_ops, []);
    assert.equal(r.ops[0], inputs === "float32" ? "QUANTIZE" : "RESHAPE");
    assert.equal(r.ops.at(-1), inputs === "float32" ? "DEQUANTIZE" : "SOFTMAX");
  }
});
