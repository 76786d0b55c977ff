// The emulated chip's activity as the rig's power model reads it: sleep share, clock and
// peripheral count averaged over a conversion window, and the peripheral-count rule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ActivityLog, IO_PERIPHERALS, countPeripherals } from "../../../host-tools/src/sim/activity.js";
import { Ina219Sim, modelPower, DEFAULT_POWER_MODEL } from "../../../host-tools/src/sim/ina219.js";
import { loadOver } from "../../../host-tools/src/sim/rig.js";

test("ActivityLog averages sleep, clk_sys and peripherals over a window", () => {
  const a = new ActivityLog();
  a.setFrequency(0, 125e6);
  a.setPeripherals(0, 2);
  a.slept(1000, 2000);
  a.slept(2000, 2500); // touching intervals merge
  a.setFrequency(3000, 48e6);
  a.setPeripherals(3000, 4);
  a.advance(4000);
  assert.deepEqual(a.window(0, 2000), { fHz: 125e6, idle: 0.5, nPeriph: 2 });
  assert.deepEqual(a.window(2000, 4000), { fHz: (125e6 + 48e6) / 2, idle: 0.25, nPeriph: 3 });
  a.prune(2600);
  assert.equal(a.window(2000, 2500).idle, 0, "pruned history is gone");
  assert.equal(a.window(3500, 4000).fHz, 48e6, "the step in force survives pruning");
});

test("a peripheral counts only when it is an I/O block the firmware released from reset", () => {
  const uart0 = 1 << IO_PERIPHERALS.uart0!, i2c0 = 1 << IO_PERIPHERALS.i2c0!, timer = 1 << 21;
  // rp2040js starts with RESETS all clear: never-released blocks do not count.
  assert.equal(countPeripherals(0, 0), 0);
  assert.equal(countPeripherals(0, uart0 | i2c0 | timer), 2, "TIMER is not an I/O peripheral in the model");
  assert.equal(countPeripherals(i2c0, uart0 | i2c0), 1, "a block held in reset again does not count");
});

test("the rig's INA219 converts the load of each conversion window, not a fixed load", () => {
  const a = new ActivityLog();
  a.setFrequency(0, 125e6);
  a.setPeripherals(0, 2);
  let now = 0;
  const ina = new Ina219Sim({ model: { noiseA: 0 }, now: () => now, loadFor: (from, to) => loadOver(a, 3.3, from, to) });
  ina.writeBytes([0, 0x00, 0x1f]); // 12-bit shunt, 9-bit bus, continuous
  ina.writeBytes([5, 0x83, 0x34]);
  a.slept(0, 10_000_000); // asleep for the first 10 ms (nanoseconds)
  a.advance(20_000_000);
  now = 5000;
  const asleep = ina.peek(1) * 10e-6 / DEFAULT_POWER_MODEL.shuntOhms;
  now = 15_000;
  const busy = ina.peek(1) * 10e-6 / DEFAULT_POWER_MODEL.shuntOhms;
  const load = { fHz: 125e6, vSupply: 3.3, nPeriph: 2 };
  assert.ok(Math.abs(asleep - modelPower(DEFAULT_POWER_MODEL, { ...load, idle: 1 }) / 3.3) < 1e-4, `asleep ${asleep} A`);
  assert.ok(Math.abs(busy - modelPower(DEFAULT_POWER_MODEL, { ...load, idle: 0 }) / 3.3) < 1e-4, `busy ${busy} A`);
});
