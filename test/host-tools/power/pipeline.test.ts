// End to end on the simulation: a phase loop drives the simulated INA219's power model,
// a 1 ms monitor reads its registers as the power-monitor app would, and analyzeBench
// gets back each phase's energy as the model defines it. All figures here are simulated.
import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzeBench, type PhaseMarker } from "../../../host-tools/src/power/analysis.js";
import type { CurrentSample } from "../../../host-tools/src/power/trace.js";
import { Ina219Sim, modelPower, type Load } from "../../../host-tools/src/sim/ina219.js";

test("simulated INA219 sampled every 1 ms: per-phase average power within 1% of the power model", () => {
  let now = 0;
  const sim = new Ina219Sim({ now: () => now, model: { noiseA: 100e-6, seed: 5 } });
  sim.writeBytes([0, 0x01, 0x9f]); // 16 V, ±40 mV, 12-bit, continuous
  sim.writeBytes([5, 33554 >> 8, 33554 & 0xff]); // 0.1 Ω, 400 mA
  const lsb = 0.4 / 32768;
  const s16 = (x: number) => (x << 16) >> 16;
  const phases: { name: string; ms: number; load: Load }[] = [
    { name: "gpio", ms: 60, load: { fHz: 125e6, vSupply: 3.3, nPeriph: 1, idle: 0 } },
    { name: "idle", ms: 100, load: { fHz: 125e6, vSupply: 3.3, nPeriph: 0, idle: 1 } },
    { name: "infer:kws", ms: 150, load: { fHz: 125e6, vSupply: 3.3, nPeriph: 2, idle: 0 } },
  ];
  const samples: CurrentSample[] = [];
  const markers: PhaseMarker[] = [];
  const sampleUntil = (t: number) => {
    while (now + 1000 <= t) {
      now += 1000;
      const amps = s16(sim.peek(4)) * lsb;
      const bus = (sim.peek(2) >> 3) * 4e-3 + s16(sim.peek(1)) * 10e-6; // supply side: bus + shunt
      samples.push({ t_us: now, current_a: amps, bus_v: bus });
    }
    now = t;
  };
  sim.setLoad({ fHz: 125e6, vSupply: 3.3, nPeriph: 0, idle: 1 });
  sampleUntil(20_000);
  for (let run = 0; run < 3; run++) {
    for (const p of phases) {
      // The load starts a conversion cycle (~1 ms) before the marker's window settles: give it 2 ms.
      sim.setLoad(p.load);
      sampleUntil(now + 2000);
      markers.push({ t_us: now, phase: p.name, edge: "start" });
      sampleUntil(now + p.ms * 1000);
      markers.push({ t_us: now, phase: p.name, edge: "end" });
    }
  }
  sampleUntil(now + 5000);
  const a = analyzeBench({ samples, markers });
  assert.deepEqual(a.issues, []);
  for (const p of phases) {
    const s = a.phases.find((x) => x.phase === p.name)!;
    const want = modelPower(sim.model, p.load);
    const rel = Math.abs(s.avg_power_w! - want) / want;
    assert.ok(rel < 0.01, `${p.name}: ${s.avg_power_w} W vs model ${want} W (${(rel * 100).toFixed(2)}%)`);
    assert.equal(s.latency_us.median, p.ms * 1000);
  }
});
