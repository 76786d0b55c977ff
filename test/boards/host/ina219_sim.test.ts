// The host board's simulated INA219 (boards/host/ina219_sim.c), built with cc into a
// temp dir with a small script driver, against the shared datasheet vectors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { repoRoot } from "../../helpers/paths.js";
import { vectors } from "./ina219-vectors.js";

let dir = "";
let driver = "";

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ina219-sim-"));
  driver = path.join(dir, "ina219_sim_driver");
  const r = spawnSync("cc", [
    "-std=c11", "-Wall", "-Wextra", "-Werror", "-O1",
    "-I", path.join(repoRoot, "boards/host"), "-I", path.join(repoRoot, "firmware/hal/include"),
    path.join(repoRoot, "test/boards/host/ina219_sim_driver.c"), path.join(repoRoot, "boards/host/ina219_sim.c"),
    "-lm", "-o", driver,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, `cc failed:\n${r.stderr}`);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function run(lines: string[]): string[] {
  const r = spawnSync(driver, [], { input: lines.join("\n") + "\n", encoding: "utf8" });
  assert.equal(r.status, 0, `driver failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

for (const v of vectors) {
  test(`C model: ${v.name}`, () => {
    const lines = v.steps.map((s) => (typeof s === "string" ? s : s[0]));
    const expected = v.steps.filter((s): s is [string, string] => typeof s !== "string").map((s) => s[1]);
    assert.deepEqual(run(lines), expected);
  });
}

test("C model: the power model's mean current matches P/V and noise averages down with 128 samples", () => {
  // alpha 4.4e-11, 125 MHz, 3.3 V, 2 peripherals, active: P = 0.0598950 + 0.006 + 0.00495 = 0.0708450 W,
  // I = 21.468 mA = 214.68 counts of 100 uA (Cal 4096 on 0.1 ohm).
  const [single, averaged] = run([
    "model 4.4e-11 3e-3 1.5e-3 200e-6 7 0.1", "load 125e6 3.3 2 0", "avgcur 4000 1064 4096",
    "w 0 0x3fff", "avgcur 400 136200 4096",
  ]).map((l) => l.split(" ").map(Number));
  assert.ok(Math.abs(single![0]! - 214.68) < 0.1, `mean ${single![0]}`);
  assert.ok(Math.abs(single![1]! - 2.0) < 0.15, `sd ${single![1]} (200 uA = 2 counts expected)`);
  assert.ok(averaged![1]! < 0.5, `sd with 128 samples ${averaged![1]}`);
});

test("C and TS models agree: the same seed and load give the same noisy current readings", async () => {
  const { Ina219Sim } = await import("../../../host-tools/src/sim/ina219.js");
  const c = run(["model 4.4e-11 3e-3 1.5e-3 200e-6 99 0.1", "load 48e6 3.0 1 0.25", "avgcur 500 1064 4096"])[0]!.split(" ").map(Number);
  const sim = new Ina219Sim({ model: { alpha: 4.4e-11, beta: 3e-3, gamma: 1.5e-3, noiseA: 200e-6, seed: 99, shuntOhms: 0.1 } });
  sim.setLoad({ fHz: 48e6, vSupply: 3.0, nPeriph: 1, idle: 0.25 });
  sim.writeBytes([5, 0x10, 0x00]);
  let s = 0, q = 0;
  for (let i = 0; i < 500; i++) {
    sim.advance(1064);
    const v = (sim.peek(4) << 16) >> 16;
    s += v;
    q += v * v;
  }
  const mean = s / 500;
  assert.equal(mean.toFixed(6), c[0]!.toFixed(6));
  assert.equal(Math.sqrt(q / 500 - mean * mean).toFixed(6), c[1]!.toFixed(6));
});
