// The emulator's simulated INA219 (host-tools/src/sim/ina219.ts), driven byte by byte
// through its I2cDevice interface, against the shared datasheet vectors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { adcTimeUs, Ina219Sim, modelPower } from "../../../host-tools/src/sim/ina219.js";
import { runScriptLine, vectors, type ScriptTarget } from "../../boards/host/ina219-vectors.js";

function target(sim: Ina219Sim): ScriptTarget {
  return {
    input: (s, b) => sim.setInput(s, b),
    load: (fHz, vSupply, nPeriph, idle) => sim.setLoad({ fHz, vSupply, nPeriph, idle }),
    advance: (us) => sim.advance(us),
    write: (bytes) => sim.writeBytes(bytes),
    read: (n) => [...sim.readBytes(n)],
  };
}

for (const v of vectors) {
  test(`TS model: ${v.name}`, () => {
    const t = target(new Ina219Sim());
    const out: string[] = [];
    const expected: string[] = [];
    for (const s of v.steps) {
      const r = runScriptLine(t, typeof s === "string" ? s : s[0]);
      if (r !== undefined) out.push(r);
      if (typeof s !== "string") expected.push(s[1]);
    }
    assert.deepEqual(out, expected);
  });
}

test("TS model: conversion times follow the datasheet table (532 us at 12 bit, 68.10 ms at 128 samples)", () => {
  assert.deepEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15].map(adcTimeUs),
    [84, 148, 276, 532, 532, 1060, 2130, 4260, 8510, 17020, 34050, 68100]);
});

test("TS model: the power model's current follows P/V, idle removes the switching term, noise averages down", () => {
  const sim = new Ina219Sim({ model: { noiseA: 200e-6, seed: 7 } });
  sim.writeBytes([5, 0x10, 0x00]); // Cal 4096: 100 uA per count on 0.1 ohm
  const mean = (n: number, step: number) => {
    let s = 0, q = 0;
    for (let i = 0; i < n; i++) {
      sim.advance(step);
      const c = (sim.peek(4) << 16) >> 16;
      s += c;
      q += c * c;
    }
    return { mean: s / n, sd: Math.sqrt(q / n - (s / n) ** 2) };
  };
  sim.setLoad({ fHz: 125e6, vSupply: 3.3, nPeriph: 2, idle: 0 });
  const active = mean(4000, 1064);
  assert.ok(Math.abs(active.mean - 214.68) < 0.1, `mean ${active.mean}`);
  assert.ok(Math.abs(active.sd - 2) < 0.15, `sd ${active.sd}`);
  sim.setLoad({ fHz: 125e6, vSupply: 3.3, nPeriph: 2, idle: 1 });
  const idle = mean(2000, 1064);
  const expectIdle = (modelPower(sim.model, { fHz: 125e6, vSupply: 3.3, nPeriph: 2, idle: 1 }) / 3.3) / 100e-6;
  assert.ok(Math.abs(idle.mean - expectIdle) < 0.15, `idle mean ${idle.mean} vs ${expectIdle}`);
  sim.writeBytes([0, 0x3f, 0xff]);
  sim.setLoad({ fHz: 125e6, vSupply: 3.3, nPeriph: 2, idle: 0 });
  assert.ok(mean(400, 136200).sd < 0.5);
});

test("TS model: bad model values and loads are refused", () => {
  assert.throws(() => new Ina219Sim({ model: { shuntOhms: 0 } }), /shunt/);
  assert.throws(() => new Ina219Sim().setLoad({ fHz: 1e6, vSupply: 3.3, nPeriph: 0, idle: 2 }), /idle/);
});
