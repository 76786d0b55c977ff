// Sample files for --calibration / --eval: JSON (nested arrays, labels),
// raw float32, and windowed .wqs sensor streams.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { readSamples } from "../../../host-tools/src/convert/data.js";
import { InputError } from "../../../host-tools/src/lib/errors.js";
import { quantizeFile } from "../../../host-tools/src/stream/pipeline.js";
import { rng, tmpDir } from "./helpers.js";

test("JSON samples: nested arrays are flattened row-major and labels are kept", () => {
  const dir = tmpDir("data");
  const f = path.join(dir, "s.json");
  writeFileSync(f, JSON.stringify({ samples: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], labels: [1, 0] }));
  const s = readSamples(f, 4);
  assert.deepEqual(s.samples.map((x) => [...x]), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.deepEqual(s.labels, [1, 0]);
  writeFileSync(f, JSON.stringify({ samples: [[1, 2, 3, 4]], labels: [0, 1] }));
  assert.throws(() => readSamples(f, 4), (e: unknown) => e instanceof InputError && /one non-negative integer class per sample/.test(e.message));
});

test("raw float32 samples: the file size must be whole samples", () => {
  const dir = tmpDir("data");
  const f = path.join(dir, "s.f32");
  writeFileSync(f, Buffer.from(Float32Array.from([0.5, -1, 2, 3, 4, 5]).buffer));
  assert.deepEqual(readSamples(f, 3).samples.map((x) => [...x]), [[0.5, -1, 2], [3, 4, 5]]);
  assert.throws(() => readSamples(f, 4), /24 bytes is not a whole number of float32 samples of 4 values/);
});

test(".wqs windows become samples, dequantized within half a code step of the recording", async () => {
  const dir = tmpDir("data");
  const csv = path.join(dir, "rec.csv");
  const r = rng(5);
  const rows = ["t,ax,ay,az"];
  const values: number[][] = [];
  for (let i = 0; i < 40; i++) {
    const v = [Math.sin(i / 5) + 0.1 * r(), Math.cos(i / 7), 1 + 0.2 * r()];
    values.push(v);
    rows.push(`${i * 20},${v.join(",")}`);
  }
  writeFileSync(csv, rows.join("\n") + "\n");
  const wqs = path.join(dir, "rec.wqs");
  await quantizeFile({ input: csv, output: wqs, window: 8, hop: 8, int8: true, timeExp: -3 });
  const s = readSamples(wqs, 24);
  assert.equal(s.samples.length, 5);
  const span = [0, 1, 2].map((c) => Math.max(...values.map((v) => v[c]!)) - Math.min(...values.map((v) => v[c]!)));
  s.samples.forEach((x, w) => {
    for (let i = 0; i < 8; i++) for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(x[i * 3 + c]! - values[w * 8 + i]![c]!) <= span[c]! / 255 / 2 + 1e-6, `window ${w} sample ${i} channel ${c}`);
    }
  });
  assert.throws(() => readSamples(wqs, 30), /windows of 8 samples x 3 channels are 24 values, the model input has 30/);
});
