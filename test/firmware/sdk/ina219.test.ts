// The AssemblyScript INA219 driver (firmware/sdk/ina219.ts), compiled with asc and run
// under Node's WebAssembly with the two I2C natives forwarded to the simulated INA219
// (host-tools/src/sim/ina219.ts). Expected values are the datasheet arithmetic.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Ina219Sim } from "../../../host-tools/src/sim/ina219.js";
import { compileSdk, HAL_ERR_NACK, onI2cBus } from "./i2c-harness.js";

const HARNESS = `
import { Ina219, BusRange, Gain, Adc, Mode, calibrationValue, configValue, conversionTimeUs } from "./ina219";
const mon = new Ina219(0x40);
export function cal(r: f64, i: f64): i32 { return calibrationValue(r, i); }
export function config(range: i32, gain: i32, badc: i32, sadc: i32, mode: i32): i32 {
  return configValue(<BusRange>range, <Gain>gain, <Adc>badc, <Adc>sadc, <Mode>mode);
}
export function configure(range: i32, gain: i32, badc: i32, sadc: i32, mode: i32): i32 {
  return mon.configure(<BusRange>range, <Gain>gain, <Adc>badc, <Adc>sadc, <Mode>mode);
}
export function calibrate(r: f64, i: f64): i32 { return mon.calibrate(r, i); }
export function setMode(m: i32): i32 { return mon.setMode(<Mode>m); }
export function reset(): i32 { return mon.reset(); }
export function readReg(r: i32): i32 { return mon.readRegister(r); }
export function bus(): f64 { return mon.busVoltage(); }
export function shunt(): f64 { return mon.shuntVoltage(); }
export function current(): f64 { return mon.current(); }
export function power(): f64 { return mon.power(); }
export function ready(): bool { return mon.conversionReady(); }
export function ovf(): bool { return mon.overflow(); }
export function convTime(): i32 { return mon.conversionTimeUs(); }
export function adcTime(a: i32): i32 { return conversionTimeUs(a); }
export function status(): i32 { return mon.lastStatus; }
`;

interface Driver {
  cal(r: number, i: number): number;
  config(range: number, gain: number, badc: number, sadc: number, mode: number): number;
  configure(range: number, gain: number, badc: number, sadc: number, mode: number): number;
  calibrate(r: number, i: number): number;
  setMode(m: number): number;
  reset(): number;
  readReg(r: number): number;
  bus(): number;
  shunt(): number;
  current(): number;
  power(): number;
  ready(): number;
  ovf(): number;
  convTime(): number;
  adcTime(a: number): number;
  status(): number;
}

let wasm: Uint8Array;

before(async () => {
  wasm = await compileSdk(HARNESS, ["ina219.ts", "i2c.ts"]);
});

/** Instantiates the driver on a bus with a simulated INA219 at 0x40 (nothing else answers). */
async function boot(sim: Ina219Sim): Promise<{ d: Driver; log: string[] }> {
  const log: string[] = [];
  return { d: await onI2cBus<Driver>(wasm, 0x40, sim, log), log };
}

test("calibration value: trunc(0.04096 / (Current_LSB × R)) for 0.1 Ω/3.2 A, 0.1 Ω/0.4 A, 0.01 Ω/20 A; bad inputs refused", async () => {
  const { d } = await boot(new Ina219Sim());
  assert.equal(d.cal(0.1, 3.2), 4194);
  assert.equal(d.cal(0.1, 0.4), 33554);
  assert.equal(d.cal(0.01, 20), 6710);
  // 0.1 Ω with Current_LSB 100 µA (max 3.2768 A): exactly 4096, not 4095 from rounding
  assert.equal(d.cal(0.1, 3.2768), 4096);
  assert.equal(d.cal(0, 1), -100);
  assert.equal(d.cal(1, 1e-9), -100); // > 16 bits
});

test("config value packs BRNG, PG, BADC, SADC, MODE as the datasheet's register; power-on is 0x399F", async () => {
  const { d } = await boot(new Ina219Sim());
  assert.equal(d.config(1, 3, 3, 3, 7), 0x399f);
  assert.equal(d.config(0, 0, 3, 3, 7), 0x019f);
  assert.equal(d.config(1, 3, 15, 15, 7), 0x3fff);
  assert.deepEqual([0, 1, 2, 3, 8, 9, 15].map((a) => d.adcTime(a)), [84, 148, 276, 532, 532, 1060, 68100]);
});

test("driver over the simulated chip: 0.1 Ω, 400 mA range reads 250 mA at 5 V (1.25 W), CNVR and OVF", async () => {
  const sim = new Ina219Sim();
  const { d, log } = await boot(sim);
  assert.equal(d.configure(0, 0, 3, 3, 7), 0); // 16 V, ±40 mV, 12-bit, continuous
  assert.equal(d.calibrate(0.1, 0.4), 0);
  assert.equal(sim.peek(5), 33554);
  assert.equal(d.convTime(), 1064);
  sim.setInput(0.025, 5);
  assert.equal(d.ready(), 0);
  sim.advance(1064);
  assert.equal(d.ready(), 1);
  assert.ok(Math.abs(d.shunt() - 0.025) < 1e-12);
  assert.ok(Math.abs(d.bus() - 5) < 1e-12);
  // current register 20479 × 0.4/32768 A; power register 5119 × 20 × 0.4/32768 W
  assert.ok(Math.abs(d.current() - 20479 * (0.4 / 32768)) < 1e-12, `current ${d.current()}`);
  assert.ok(Math.abs(d.power() - 5119 * 20 * (0.4 / 32768)) < 1e-12);
  assert.equal(d.ready(), 0, "reading power clears CNVR");
  assert.equal(d.ovf(), 0);
  // negative current
  sim.setInput(-0.0123, 5);
  sim.advance(1064);
  assert.ok(Math.abs(d.shunt() + 0.0123) < 1e-12);
  assert.ok(d.current() < 0);
  // over range: shunt saturates, OVF set
  sim.setInput(0.06, 5);
  sim.advance(1064);
  assert.equal(d.ovf(), 1);
  assert.ok(Math.abs(d.shunt() - 0.04) < 1e-12);
  // register traffic is pointer-then-read, each write a complete transfer
  assert.equal(log[0], "w 40 0 1 9f");
  assert.equal(log[1], "w 40 5 83 12");
});

test("triggered mode: setMode starts one conversion, CNVR after the configured time", async () => {
  const sim = new Ina219Sim();
  const { d } = await boot(sim);
  sim.setInput(0.01, 3.3);
  assert.equal(d.configure(1, 3, 11, 11, 3), 0); // 8-sample averaging on both, shunt+bus triggered
  assert.equal(d.convTime(), 2 * 4260);
  sim.advance(8519);
  assert.equal(d.ready(), 0);
  sim.advance(1);
  assert.equal(d.ready(), 1);
  sim.setInput(0.02, 3.3);
  sim.advance(100_000);
  assert.ok(Math.abs(d.shunt() - 0.01) < 1e-12, "no new conversion without a trigger");
  assert.equal(d.setMode(3), 0);
  sim.advance(8520);
  assert.ok(Math.abs(d.shunt() - 0.02) < 1e-12);
});

test("bus errors: NaN readings with the status kept; current before calibrate is refused; reset clears calibration", async () => {
  const sim = new Ina219Sim();
  const { d } = await boot(sim);
  assert.ok(Number.isNaN(d.current()));
  assert.equal(d.status(), -100);
  assert.equal(d.calibrate(0.1, 3.2768), 0);
  assert.equal(d.readReg(5), 4096);
  assert.equal(d.reset(), 0);
  assert.equal(d.readReg(5), 0);
  assert.equal(d.readReg(0), 0x399f);
  assert.ok(Number.isNaN(d.power()));
  assert.equal(d.readReg(9), -HAL_ERR_NACK); // no register 9: the chip NACKs the pointer
});
