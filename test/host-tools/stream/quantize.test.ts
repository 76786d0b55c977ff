// Quantization: the half-step error bound (property test over seeded random inputs),
// saturation counting, f32 calibration ranges and calibration files.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ChannelQuantizer, decodeWqs, encodeSamples, loadCalibrationFile, toF32Range } from "../../../host-tools/src/stream/index.js";
import { rng } from "../../firmware/sdk/stream/rng.js";

test("reconstruction error never exceeds half a step for in-range values (10^5 seeded random values, uint8 and int8)", () => {
  const r = rng(42);
  for (let trial = 0; trial < 100; trial++) {
    const mag = 10 ** Math.floor(r() * 12 - 6);
    const a = (r() - 0.7) * mag;
    const { lo, hi } = toF32Range(a, a + (r() + 0.01) * mag);
    const q = new ChannelQuantizer({ lo, hi }, trial % 2 === 0);
    const bound = q.scale / 2;
    for (let i = 0; i < 1000; i++) {
      const x = i === 0 ? lo : i === 1 ? hi : lo + r() * (hi - lo);
      const code = q.quantize(x);
      assert.ok(code >= (q.int8 ? -128 : 0) && code <= (q.int8 ? 127 : 255));
      const err = Math.abs(q.dequantize(code) - x);
      // binary64 rounding of (x - lo) * inv and lo + q * scale: a few ulps of the operands
      assert.ok(err <= bound + 4 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(lo), Math.abs(hi)), `x=${x} [${lo}, ${hi}] err=${err} bound=${bound}`);
    }
    assert.equal(q.saturated, 0, "in-range values never count as saturated");
  }
});

test("the bound also holds through the encoder and decoder", () => {
  const r = rng(9);
  const ch = { name: "v", ...toF32Range(-3.3, 7.7) };
  const samples = Array.from({ length: 3000 }, (_, i) => ({ t: i * 3, values: [-3.3 + r() * 11] }));
  const d = decodeWqs(encodeSamples({ channels: [ch], int8: false, zscore: false, timeExp: -3, blockSamples: 256, window: 0, hop: 0 }, samples));
  const q = new ChannelQuantizer(ch, false);
  let i = 0;
  for (const b of d.blocks) for (let k = 0; k < b.n; k++) {
    assert.ok(Math.abs(q.dequantize(b.q[k]!) - samples[i]!.values[0]!) <= q.scale / 2 + 1e-12);
    i++;
  }
  assert.equal(i, samples.length);
});

test("values outside the range and NaN saturate to the end codes and are counted", () => {
  const q = new ChannelQuantizer({ lo: 0, hi: 10 }, false);
  assert.deepEqual([-1, 0, 10, 11, NaN, 5].map((x) => q.quantize(x)), [0, 0, 255, 255, 0, 128]);
  assert.equal(q.saturated, 3);
  const s = new ChannelQuantizer({ lo: 0, hi: 10 }, true);
  assert.deepEqual([-1, 0, 10, 11].map((x) => s.quantize(x)), [-128, -128, 127, 127]);
});

test("calibration ranges are widened to f32 values that contain the data", () => {
  const { lo, hi } = toF32Range(0.1, 0.7);
  assert.ok(lo <= 0.1 && hi >= 0.7 && Math.fround(lo) === lo && Math.fround(hi) === hi);
  const c = toF32Range(5, 5);
  assert.ok(c.lo < 5 && c.hi > 5, "a constant channel gets a non-empty range");
});

test("a calibration file gives each channel its range; a missing channel is named", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wqs-cal-"));
  const f = path.join(dir, "cal.json");
  writeFileSync(f, JSON.stringify({ channels: { ax: { lo: -2, hi: 2 }, ay: { lo: 0, hi: 0.3 } } }));
  const cal = loadCalibrationFile(f, ["ay", "ax"]);
  assert.deepEqual(cal.map((c) => c.name), ["ay", "ax"]);
  assert.equal(cal[1]!.lo, -2);
  assert.ok(cal[0]!.hi >= 0.3);
  assert.throws(() => loadCalibrationFile(f, ["az"]), /no range for channel "az"/);
  writeFileSync(f, "{oops");
  assert.throws(() => loadCalibrationFile(f, ["ax"]), /calibration file .*cal.json/);
});
