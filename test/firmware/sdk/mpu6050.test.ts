// The AssemblyScript MPU-6050 driver (firmware/sdk/mpu6050.ts over firmware/sdk/i2c.ts),
// compiled with asc and run under Node's WebAssembly with the I2C natives forwarded to the
// simulated chip (host-tools/src/sim/mpu6050.ts); then the same driver in an app on
// rp2040-sim, through the RP2040's I2C controller, with the simulated chip on its bus.
// Expected values are the register map's arithmetic.
import assert from "node:assert/strict";
import path from "node:path";
import { before, test } from "node:test";
import type { I2cDevice } from "../../../host-tools/src/sim/i2c.js";
import { Mpu6050Sim, REG, shake } from "../../../host-tools/src/sim/mpu6050.js";
import { missingToolchain } from "../../boards/rp2040/firmware.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { appLogLines } from "../../helpers/app-lines.js";
import { repoRoot } from "../../helpers/paths.js";
import { compileSdk, HAL_ERR_NACK, onI2cBus } from "./i2c-harness.js";

const HARNESS = `
import { Mpu6050, AccelRange, GyroRange, Dlpf, accelLsbPerG, gyroLsbPerDps, sampleRateHz, temperatureC } from "./mpu6050";
const imu = new Mpu6050(0x68);
export function begin(a: i32, g: i32, d: i32, div: i32): i32 { return imu.begin(<AccelRange>a, <GyroRange>g, <Dlpf>d, div); }
export function read(): i32 { return imu.read(); }
export function ready(): bool { return imu.dataReady(); }
export function sleep(on: bool): i32 { return imu.sleep(on); }
export function ax(): f64 { return imu.ax; }
export function ay(): f64 { return imu.ay; }
export function az(): f64 { return imu.az; }
export function gz(): f64 { return imu.gz; }
export function temp(): f64 { return imu.tempC; }
export function raw(i: i32): i32 { return imu.raw[i]; }
export function aLsb(r: i32): f64 { return accelLsbPerG(<AccelRange>r); }
export function gLsb(r: i32): f64 { return gyroLsbPerDps(<GyroRange>r); }
export function rate(d: i32, div: i32): f64 { return sampleRateHz(<Dlpf>d, div); }
export function tempOf(raw: i32): f64 { return temperatureC(raw); }
export function status(): i32 { return imu.lastStatus; }
`;

interface Driver {
  begin(a: number, g: number, d: number, div: number): number;
  read(): number;
  ready(): number;
  sleep(on: number): number;
  ax(): number;
  ay(): number;
  az(): number;
  gz(): number;
  temp(): number;
  raw(i: number): number;
  aLsb(r: number): number;
  gLsb(r: number): number;
  rate(d: number, div: number): number;
  tempOf(raw: number): number;
  status(): number;
}

let wasm: Uint8Array;

before(async () => {
  wasm = await compileSdk(HARNESS, ["mpu6050.ts", "i2c.ts"]);
});

/** The driver on a bus with `dev` at 0x68. */
const boot = (dev: I2cDevice) => onI2cBus<Driver>(wasm, 0x68, dev);

test("scale factors from the register map: 16384/8192/4096/2048 LSB/g, 131/65.5/32.8/16.4 LSB/(°/s), rate and temperature", async () => {
  const d = await boot(new Mpu6050Sim());
  assert.deepEqual([0, 1, 2, 3].map((r) => d.aLsb(r)), [16384, 8192, 4096, 2048]);
  assert.deepEqual([0, 1, 2, 3].map((r) => d.gLsb(r)), [131, 65.5, 32.8, 16.4]);
  assert.equal(d.rate(3, 19), 50); // DLPF on: 1 kHz / 20
  assert.equal(d.rate(0, 7), 1000); // DLPF off: 8 kHz / 8
  assert.equal(d.tempOf(0), 36.53);
  assert.ok(Math.abs(d.tempOf(-3580) - (-3580 / 340 + 36.53)) < 1e-12);
});

test("begin wakes the chip and writes ranges, filter, rate and DATA_RDY; read converts the burst", async () => {
  const sim = new Mpu6050Sim();
  const d = await boot(sim);
  assert.equal(sim.asleep, true, "the chip powers up asleep");
  assert.equal(d.begin(1, 1, 3, 19), 0); // ±4 g, ±500 °/s, 44 Hz, 50 Hz
  assert.deepEqual([REG.PWR_MGMT_1, REG.CONFIG, REG.SMPLRT_DIV, REG.ACCEL_CONFIG, REG.GYRO_CONFIG, REG.INT_ENABLE].map((r) => sim.regs[r]),
    [0x01, 3, 19, 1 << 3, 1 << 3, 0x01]);
  assert.equal(sim.rateHz, 50);
  assert.equal(d.ready(), 1);
  for (let n = 0; n < 5; n++) {
    assert.equal(d.read(), 0);
    const m = shake(n / 50);
    const q = (v: number, lsb: number) => Math.round(v * lsb) / lsb;
    assert.equal(d.raw(0), Math.round(m.accel[0] * 8192), `sample ${n}`);
    assert.ok(Math.abs(d.ax() - q(m.accel[0], 8192)) < 1e-12);
    assert.equal(d.ay(), 0);
    assert.equal(d.az(), 1);
    assert.ok(Math.abs(d.gz() - q(m.gyro[2], 65.5)) < 1e-12);
    assert.ok(Math.abs(d.temp() - 25) < 0.003, `temperature ${d.temp()}`);
  }
  assert.equal(sim.samples, 5);
  assert.equal(d.sleep(1), 0);
  assert.equal(d.ready(), 0, "asleep: no new samples");
});

test("on a clock, the chip samples at its set rate from when it woke: DATA_RDY once per sample, reads give the latest", async () => {
  let now = 1_000_000;
  const sim = new Mpu6050Sim(shake, () => now);
  const d = await boot(sim);
  assert.equal(d.begin(0, 0, 3, 19), 0); // 50 Hz: a sample every 20 ms from now
  assert.equal(d.ready(), 1);
  assert.equal(d.read(), 0);
  assert.equal(d.raw(0), Math.round(shake(0).accel[0] * 16384));
  assert.equal(d.ready(), 0, "no new sample within 20 ms");
  now += 19_999;
  assert.equal(d.ready(), 0);
  now += 1;
  assert.equal(d.ready(), 1);
  assert.equal(d.read(), 0);
  assert.equal(d.raw(0), Math.round(shake(1 / 50).accel[0] * 16384));
  now += 100_000; // five samples later: the registers hold the latest
  assert.equal(d.read(), 0);
  assert.equal(d.raw(0), Math.round(shake(6 / 50).accel[0] * 16384));
});

test("a chip that is not an MPU-6050 or not there is refused with a status", async () => {
  const other = new Mpu6050Sim();
  other.regs[REG.WHO_AM_I] = 0x70; // an MPU-6500 answers 0x70
  assert.equal((await boot(other)).begin(0, 0, 3, 19), -10);
  assert.equal(other.asleep, true, "nothing was written to it");
  const absent: I2cDevice = { start: () => false, write: () => false, read: () => 0xff };
  const d = await boot(absent);
  assert.equal(d.begin(0, 0, 3, 19), -HAL_ERR_NACK);
  assert.equal(d.read(), -HAL_ERR_NACK);
  assert.equal(d.status(), -HAL_ERR_NACK);
});

const APP = `
import { log, mpu6050, time } from "SDK";
const imu = new mpu6050.Mpu6050();
export function setup(): void {
  log.info("begin " + imu.begin(mpu6050.AccelRange.G2, mpu6050.GyroRange.Dps250, mpu6050.Dlpf.Hz44, 19).toString());
  for (let i = 0; i < 3; i++) {
    while (!imu.dataReady()) time.sleep(1);
    const s = imu.read();
    log.info("sample " + s.toString() + " " + imu.raw[0].toString() + " " + imu.raw[2].toString() + " " + imu.raw[6].toString());
  }
}
`;

test("on rp2040-sim: the driver through the RP2040's I2C controller reads the simulated chip's samples", { skip: missingToolchain() }, async () => {
  const imu = ["--i2c-device", `0x68=${path.join(repoRoot, "host-tools/src/sim/mpu6050.ts")}`];
  const ours = (l: string[]) => l.filter((t) => /^(begin|sample)/.test(t));
  const lines = ours(await appLogLines("sim", APP, { extraArgs: imu, enough: (l) => ours(l).length >= 4 }));
  const want = [0, 1, 2].map((n) => {
    const m = shake(n / 50);
    return `sample 0 ${Math.round(m.accel[0] * 16384)} 16384 ${Math.round(m.gyro[2] * 131)}`;
  });
  assert.deepEqual(lines, ["begin 0", ...want]);
});

noUartDropsTest(missingToolchain());
