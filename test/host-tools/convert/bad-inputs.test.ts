// Bad inputs to `wasmcu convert`: each is a typed error that names what is
// wrong and where, and no output file (partial or temporary) is left behind.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { convertModel } from "../../../host-tools/src/convert/index.js";
import { InputError } from "../../../host-tools/src/lib/errors.js";
import { samples, saveModel, seedWeights, tf, tfReady, tmpDir, writeSamplesJson } from "./helpers.js";

async function fixture(build?: () => tf.LayersModel): Promise<{ dir: string; model: string; cal: string; out: string }> {
  await tfReady();
  const m = build ? build() : (() => {
    const s = tf.sequential();
    s.add(tf.layers.dense({ inputShape: [4], units: 3, activation: "relu" }));
    s.add(tf.layers.dense({ units: 2 }));
    return s;
  })();
  seedWeights(m, 3);
  const dir = tmpDir("bad");
  const model = await saveModel(m, dir);
  const inShape = m.inputs[0]!.shape.slice(1) as number[];
  const cal = writeSamplesJson(path.join(dir, "cal.json"), samples(8, inShape.reduce((a, b) => a * b, 1), 4));
  return { dir, model, cal, out: path.join(dir, "out.tflite") };
}

async function rejects(f: { dir: string; model: string; cal: string; out: string }, pattern: RegExp): Promise<void> {
  writeFileSync(f.out, "stale bytes from an earlier run");
  rmSync(f.out); // start clean: the converter must not create it
  await assert.rejects(convertModel({ model: f.model, output: f.out, calibration: f.cal }), (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(existsSync(f.out), false, "no output file");
  assert.deepEqual(readdirSync(f.dir).filter((n) => n.includes(".tmp-")), [], "no temporary file");
}

test("convert: a good model converts (the fixtures below differ from it by one defect)", async () => {
  const f = await fixture();
  const r = await convertModel({ model: f.model, output: f.out, calibration: f.cal });
  assert.deepEqual(r.ops, ["FULLY_CONNECTED", "FULLY_CONNECTED"]);
  assert.equal(readFileSync(f.out).subarray(4, 8).toString(), "TFL3");
});

test("convert: a missing weight shard is an error naming the shard file", async () => {
  const f = await fixture();
  rmSync(path.join(f.dir, "weights.bin"));
  await rejects(f, /weight shard .*weights\.bin .*does not exist/);
});

test("convert: a truncated shard is an error with the byte counts", async () => {
  const f = await fixture();
  truncateSync(path.join(f.dir, "weights.bin"), 20);
  await rejects(f, /shards .* hold 20 bytes, but the manifest needs at least/);
});

test("convert: a weight whose shape does not fit its layer names the layer, weight and both shapes", async () => {
  const f = await fixture();
  const j = JSON.parse(readFileSync(f.model, "utf8"));
  // Make the first Dense's kernel [3, 4] instead of [4, 3] (same byte count).
  const w = j.weightsManifest[0].weights.find((x: { name: string }) => x.name.endsWith("/kernel"));
  w.shape = [3, 4];
  writeFileSync(f.model, JSON.stringify(j));
  await rejects(f, /layer dense_Dense\d+: weight dense_Dense\d+\/kernel has shape \[3, 4\], the layer needs \[4, 3\]/);
});

test("convert: an empty calibration set is an error", async () => {
  const f = await fixture();
  writeFileSync(f.cal, "[]");
  await rejects(f, /calibration set .* is empty/);
});

test("convert: a calibration sample of the wrong size names the sample", async () => {
  const f = await fixture();
  writeFileSync(f.cal, JSON.stringify([[1, 2, 3, 4], [1, 2, 3]]));
  await rejects(f, /sample 1 has 3 values, the model input has 4/);
});

test("convert: an unsupported layer is named with its class", async () => {
  const f = await fixture(() => {
    const s = tf.sequential();
    s.add(tf.layers.dense({ inputShape: [4], units: 3 }));
    s.add(tf.layers.leakyReLU({ alpha: 0.1 }));
    return s;
  });
  await rejects(f, /layer leaky_re_lu_LeakyReLU\d+ \(LeakyReLU\) is not supported/);
});

test("convert: an unsupported activation is named with its layer", async () => {
  const f = await fixture(() => {
    const s = tf.sequential();
    s.add(tf.layers.dense({ inputShape: [4], units: 3, activation: "elu" }));
    return s;
  });
  await rejects(f, /layer dense_Dense\d+: activation "elu" is not supported/);
});

test("convert: a graph (not layers) model.json is refused with a hint", async () => {
  const f = await fixture();
  writeFileSync(f.model, JSON.stringify({ format: "graph-model", modelTopology: { node: [] }, weightsManifest: [] }));
  await rejects(f, /only TF\.js "layers-model" files can be converted/);
});
