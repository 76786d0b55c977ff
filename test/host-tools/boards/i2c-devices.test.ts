// `wasmcu run --i2c KIND@ADDR`: parsing, the arguments each local board gets, and the errors.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { i2cDeviceArgs, parseI2cSpec } from "../../../host-tools/src/boards/i2c-devices.js";
import { UsageError } from "../../../host-tools/src/lib/errors.js";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot } from "../../helpers/paths.js";

test("KIND@ADDRESS parses hex and decimal 7-bit addresses; anything else is a usage error", () => {
  assert.deepEqual(parseI2cSpec("mpu6050@0x68"), { kind: "mpu6050", address: 0x68 });
  assert.deepEqual(parseI2cSpec("REGS@80"), { kind: "regs", address: 80 });
  for (const bad of ["mpu6050", "bme280@0x76", "regs@0x80", "regs@0x03", "regs@", "@0x50"]) {
    assert.throws(() => parseI2cSpec(bad), UsageError, bad);
  }
});

test("each board gets the device models it has, and says which it lacks", () => {
  const specs = ["regs@0x50", "ina219@0x40"].map(parseI2cSpec);
  assert.deepEqual(i2cDeviceArgs("host", specs), ["--i2c-regs", "0x50", "--ina219", "0x40"]);
  assert.deepEqual(i2cDeviceArgs("rp2040-sim", [parseI2cSpec("mpu6050@0x68"), parseI2cSpec("regs@0x50")]),
    ["--i2c-device", `0x68=${path.join(repoRoot, "host-tools/src/sim/mpu6050.ts")}`, "--i2c-regs", "0x50"]);
  assert.throws(() => i2cDeviceArgs("host", [parseI2cSpec("mpu6050@0x68")]), /the host board has no mpu6050 model/);
  assert.throws(() => i2cDeviceArgs("rp2040-sim", [parseI2cSpec("ina219@0x40")]), /the rp2040-sim board has no ina219 model/);
  assert.throws(() => i2cDeviceArgs("host", [parseI2cSpec("regs@0x50"), parseI2cSpec("ina219@0x50")]), /two devices at 0x50/);
});

test("esp32c3-sim takes the same device options as rp2040-sim (the MPU-6050 model, register files)", () => {
  assert.deepEqual(i2cDeviceArgs("esp32c3-sim", [parseI2cSpec("mpu6050@0x68"), parseI2cSpec("regs@0x50")]),
    ["--i2c-device", `0x68=${path.join(repoRoot, "host-tools/src/sim/mpu6050.ts")}`, "--i2c-regs", "0x50"]);
  assert.throws(() => i2cDeviceArgs("esp32c3-sim", [parseI2cSpec("ina219@0x40")]), /the esp32c3-sim board has no ina219 model/);
});

test("wasmcu run --i2c with a device the board cannot simulate exits 2 before starting anything", async () => {
  const r = await wasmcu(["run", "--board", "host", "--i2c", "mpu6050@0x68", "--for", "1"], { timeoutMs: 60_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the host board has no mpu6050 model/);
  assert.match(r.stderr, /--board rp2040-sim/);
});
