// Energy integration (host-tools/src/power/trace.ts) against current profiles whose
// energy is known in closed form, sampled at jittered times.
import assert from "node:assert/strict";
import { test } from "node:test";
import { integrateWindow, quantile, spread } from "../../../host-tools/src/power/trace.js";
import { sample } from "./synthetic.js";

const relErr = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

test("constant current: energy within 1% of V·I·T over a window inside the trace", () => {
  const s = sample(() => 0.025, () => 3.3, 0, 1_000_000, 1000, 0.4, 11);
  const e = integrateWindow(s, 123_456, 876_543, 5000);
  const want = 3.3 * 0.025 * (876_543 - 123_456) * 1e-6;
  assert.ok(relErr(e.energy_j, want) < 0.01, `${e.energy_j} vs ${want}`);
  assert.ok(relErr(e.charge_c, 0.025 * (876_543 - 123_456) * 1e-6) < 0.01);
  assert.equal(e.coverage, 1);
  assert.deepEqual(e.gaps, []);
});

test("ramps in both current and voltage: energy within 1% of the closed-form integral", () => {
  // i = 0.01 + 0.04·t/T, v = 3.0 + 0.6·t/T over T = 2 s: ∫ i·v dt = T·∫0..1 (0.01+0.04u)(3+0.6u) du
  const T = 2_000_000;
  const s = sample((t) => 0.01 + (0.04 * t) / T, (t) => 3.0 + (0.6 * t) / T, 0, T, 1000, 0.3, 5);
  const e = integrateWindow(s, 0, T, 5000);
  const want = 2 * (0.03 + (0.12 + 0.006) / 2 + 0.024 / 3);
  assert.ok(relErr(e.energy_j, want) < 0.01, `${e.energy_j} vs ${want}`);
});

test("square wave (200 ms period, 1 ms jittered sampling): energy within 1%", () => {
  const P = 200_000;
  const i = (t: number) => ((t % P) < P / 2 ? 0.080 : 0.005);
  const s = sample(i, () => 3.3, 0, 2_000_000, 1000, 0.3, 9);
  const e = integrateWindow(s, 0, 2_000_000, 5000);
  const want = 3.3 * ((0.080 + 0.005) / 2) * 2;
  assert.ok(relErr(e.energy_j, want) < 0.01, `${e.energy_j} vs ${want}`);
});

test("a gap longer than maxGapUs is left out and reported, not bridged", () => {
  const s = sample(() => 0.02, () => 3.3, 0, 1_000_000, 1000, 0, 1).filter((x) => x.t_us < 400_000 || x.t_us > 600_000);
  const e = integrateWindow(s, 0, 1_000_000, 5000);
  assert.equal(e.gaps.length, 1);
  assert.deepEqual(e.gaps[0], { from_us: 400_000 - 1000, to_us: 600_000 + 1000 });
  assert.ok(Math.abs(e.coverage - 0.798) < 1e-9, `coverage ${e.coverage}`);
  assert.ok(relErr(e.energy_j, 3.3 * 0.02 * 0.798) < 1e-9);
});

test("a window past the trace's end is marked endsAfterTrace with the covered fraction", () => {
  const s = sample(() => 0.02, () => 3.3, 0, 500_000, 1000, 0, 1);
  const e = integrateWindow(s, 250_000, 1_000_000, 5000);
  assert.equal(e.endsAfterTrace, true);
  assert.ok(Math.abs(e.coverage - 1 / 3) < 1e-9);
});

test("quantile and spread: median and quartiles interpolate like a sorted list", () => {
  assert.equal(quantile([5, 1, 3], 0.5), 3);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
  assert.deepEqual(spread([10, 20, 30, 40, 50]), { n: 5, median: 30, min: 10, max: 50, p25: 20, p75: 40 });
});
