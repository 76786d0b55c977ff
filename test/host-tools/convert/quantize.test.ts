// The TFLite int8 quantization rules the converter applies.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Graph } from "../../../host-tools/src/convert/graph.js";
import { mbqm, quantizeMultiplier } from "../../../host-tools/src/convert/int8-exec.js";
import { chooseParams, quantizeGraph } from "../../../host-tools/src/convert/quantize.js";

test("activation params: the range is widened to contain 0 and real 0 is exactly representable", () => {
  for (const [lo, hi] of [[-1, 3], [0.5, 2], [-4, -1], [-0.001, 100]] as const) {
    const p = chooseParams(lo, hi);
    assert.ok(p.zp >= -128 && p.zp <= 127);
    assert.equal(p.scale, Math.fround(p.scale));
    const min = Math.min(lo, 0), max = Math.max(hi, 0);
    assert.ok(Math.abs(p.scale - (max - min) / 255) <= 1e-7 * p.scale + 1e-12);
    // Both ends are within one step of the representable range.
    assert.ok(p.scale * (-128 - p.zp) <= min + p.scale && p.scale * (127 - p.zp) >= max - p.scale);
  }
  assert.equal(chooseParams(0, 2).zp, -128);
  assert.equal(chooseParams(-2, 0).zp, 127);
});

test("weights: symmetric per-channel int8 in [-127, 127] with zero point 0, bias scale = input scale x weight scale", () => {
  const w = Float32Array.from([0.5, -0.2, 0.1, 0.03, -0.04, 0.01]); // 2 channels x 3 (no rounding ties)
  const g: Graph = {
    tensors: [{ name: "x", shape: [1, 3] }, { name: "y", shape: [1, 2] }],
    ops: [{ kind: "FULLY_CONNECTED", in: [0], out: 1, w, b: Float32Array.from([0.3, -0.01]), units: 2, depth: 3, act: "NONE", layer: "d" }],
    inputs: [0], outputs: [1],
  };
  const s = [[Float32Array.from([1, -1, 0.5])], [Float32Array.from([-0.5, 1, 1])]];
  const pc = quantizeGraph(g, s, true).weights[0]!;
  assert.deepEqual([...pc.q], [127, -51, 25, 95, -127, 32]);
  assert.equal(pc.scales.length, 2);
  assert.equal(pc.scales[0], Math.fround(0.5 / 127));
  assert.equal(pc.scales[1], Math.fround(0.04 / 127));
  const inScale = quantizeGraph(g, s, true).q[0]!.scale;
  assert.equal(pc.bias[0], Math.round(0.3 / (inScale * pc.scales[0]!)));
  const pt = quantizeGraph(g, s, false).weights[0]!;
  assert.equal(pt.scales.length, 1);
  assert.deepEqual([...pt.q], [127, -51, 25, 8, -10, 3]);
});

test("QuantizeMultiplier and MultiplyByQuantizedMultiplier match hand-computed values", () => {
  assert.deepEqual(quantizeMultiplier(0.5), [2 ** 30, 0]);
  assert.deepEqual(quantizeMultiplier(1), [2 ** 30, 1]);
  assert.deepEqual(quantizeMultiplier(0.75), [1610612736, 0]);
  const [m, s] = quantizeMultiplier(0.001);
  assert.equal(s, -9);
  assert.equal(mbqm(1000, m, s), 1);
  assert.equal(mbqm(1500, m, s), 2); // 1.5 rounds away from zero
  assert.equal(mbqm(-1500, m, s), -2);
  assert.equal(mbqm(1499, m, s), 1);
});
