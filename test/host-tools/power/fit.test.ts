// The power-model fit (host-tools/src/power/fit.ts) on runs measured through the simulated
// INA219, the least-squares solver on its own, RUNS.json parsing, and `wasmcu power fit`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fitPowerModel, leastSquares, parseRuns, type Run } from "../../../host-tools/src/power/fit.js";
import { Ina219Sim } from "../../../host-tools/src/sim/ina219.js";
import { repoRoot } from "../../helpers/paths.js";

const TRUE = { alpha: 5.2e-11, beta: 2.4e-3, gamma: 1.8e-3 };

/**
 * One simulated run: the INA219 sim (0.1 ohm, calibrated for 400 mA, 12-bit single conversions)
 * converts the power model's current with noise; power = mean(current × (bus + shunt voltage)).
 */
function simulatedRun(sim: Ina219Sim, fHz: number, v: number, nPeriph: number, idle: number): Run {
  sim.setLoad({ fHz, vSupply: v, nPeriph, idle });
  const currentLsb = 0.4 / 32768;
  const s16 = (x: number) => (x << 16) >> 16;
  let sum = 0;
  const n = 200;
  for (let k = 0; k < n; k++) {
    sim.advance(1064);
    const amps = s16(sim.peek(4)) * currentLsb;
    const busV = (sim.peek(2) >> 3) * 4e-3;
    const shuntV = s16(sim.peek(1)) * 10e-6;
    sum += amps * (busV + shuntV);
  }
  return { f_hz: fHz, v, n_periph: nPeriph, idle, power_w: sum / n, label: `${fHz / 1e6} MHz ${v} V ${nPeriph}p idle ${idle}`, simulated: true };
}

function simulatedRuns(): Run[] {
  const sim = new Ina219Sim({ model: { ...TRUE, noiseA: 100e-6, seed: 42 } });
  sim.writeBytes([0, 0x01, 0x9f]); // 16 V, PGA /1 (±40 mV: 400 mA on 0.1 ohm), 12-bit, continuous
  sim.writeBytes([5, 33554 >> 8, 33554 & 0xff]); // Cal = trunc(0.04096 / (0.4/32768 × 0.1))
  const runs: Run[] = [];
  for (const f of [12e6, 48e6, 125e6, 200e6]) {
    for (const v of [3.0, 3.3]) {
      for (const n of [0, 3, 6]) runs.push(simulatedRun(sim, f, v, n, 0));
    }
  }
  runs.push(simulatedRun(sim, 125e6, 3.3, 0, 1), simulatedRun(sim, 125e6, 3.0, 2, 0.5));
  return runs;
}

test("the fit recovers alpha, beta, gamma within 2% from noisy runs measured through the simulated INA219", () => {
  const r = fitPowerModel(simulatedRuns());
  const got = Object.fromEntries(r.coefficients.map((c) => [c.term, c]));
  for (const term of ["alpha", "beta", "gamma"] as const) {
    const c = got[term]!;
    const rel = Math.abs(c.value - TRUE[term]) / TRUE[term];
    assert.ok(rel < 0.02, `${term}: ${c.value} vs ${TRUE[term]} (${(rel * 100).toFixed(2)}%)`);
    // The standard error is a real uncertainty: positive and covering the truth within 4 sigma.
    assert.ok(c.stderr > 0 && Math.abs(c.value - TRUE[term]) < 4 * c.stderr + 1e-15, `${term} stderr ${c.stderr}`);
  }
  assert.equal(r.simulated, true);
  assert.ok(r.r2 > 0.999);
  assert.equal(r.residuals.length, 26);
});

test("least squares: exact data gives the exact solution and (XᵀX)⁻¹", () => {
  const X = [[1, 0], [0, 1], [1, 1]];
  const y = [1, 2, 3];
  const s = leastSquares(X, y)!;
  assert.ok(Math.abs(s.beta[0]! - 1) < 1e-12 && Math.abs(s.beta[1]! - 2) < 1e-12);
  // XᵀX = [[2,1],[1,2]] → inverse [[2,-1],[-1,2]]/3
  assert.ok(Math.abs(s.covUnscaled[0]![0]! - 2 / 3) < 1e-12 && Math.abs(s.covUnscaled[0]![1]! + 1 / 3) < 1e-12);
  assert.equal(leastSquares([[1, 2], [2, 4], [3, 6]], [1, 2, 3]), undefined);
});

test("runs that cannot separate the terms are refused with a hint", () => {
  const runs = [0, 1, 2, 3].map((i) => ({ f_hz: 48e6, v: 3.3, n_periph: 2, idle: 0, power_w: 0.03 + i * 1e-4 }));
  assert.throws(() => fitPowerModel(runs), /rank-deficient/);
  assert.throws(() => fitPowerModel(runs.slice(0, 2)), /at least 3 runs/);
});

test("RUNS.json: an array or {runs}, idle as a flag or a fraction, errors say which run and field", () => {
  assert.equal(parseRuns('[{"f_hz":1e6,"v":3.3,"n_periph":1,"idle":true,"power_w":0.01}]')[0]!.idle, 1);
  assert.equal(parseRuns('{"runs":[{"f_hz":1e6,"v":3.3,"power_w":0.01}]}')[0]!.n_periph, 0);
  assert.throws(() => parseRuns('[{"f_hz":1e6,"v":3.3,"power_w":"x"}]', "r.json"), /r\.json: run 0: "power_w" must be a finite number/);
  assert.throws(() => parseRuns('[{"f_hz":1e6,"v":3.3,"power_w":1,"idle":1.5}]'), /"idle" must be a fraction/);
  assert.throws(() => parseRuns("{"), /not valid JSON/);
});

function cli(args: string[]) {
  const code = `const m = await import(${JSON.stringify(path.join(repoRoot, "host-tools/src/cli.ts"))}); process.exitCode = await m.main(["node", "wasmcu", ...${JSON.stringify(args)}]);`;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: repoRoot, encoding: "utf8" });
}

test("wasmcu power fit prints coefficients with standard errors and residuals; --json has the same numbers", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "power-fit-"));
  try {
    const file = path.join(dir, "runs.json");
    const runs = simulatedRuns();
    writeFileSync(file, JSON.stringify(runs));
    const human = cli(["power", "fit", file]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /SIMULATED runs/);
    assert.match(human.stdout, /alpha\s+5\.\d+e-11\s+± \d/);
    assert.match(human.stdout, /residual \(W\)/);
    assert.equal(human.stdout.split("\n").filter((l) => / MHz /.test(l)).length, runs.length);
    const json = cli(["power", "fit", file, "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const r = JSON.parse(json.stdout) as ReturnType<typeof fitPowerModel>;
    assert.deepEqual(r.coefficients, fitPowerModel(runs).coefficients);
    const bad = cli(["power", "fit", path.join(dir, "missing.json")]);
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /cannot read .*missing\.json: no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
