// The SDK's I2C module (firmware/sdk/i2c.ts) on the device: an app scans the bus, writes and
// reads a register-file device at 0x50 (`--i2c-regs`) one register and in bursts, across the
// pointer's wrap, with a repeated start, and meets the errors (no device, a length past its
// buffer). The same app gives the same lines on the host board and on rp2040-sim, where the
// RP2040's own I2C controller driver (boards/rp2040/src/i2c.c) does the transfers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { missingToolchain } from "../../boards/rp2040/firmware.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { appLogLines } from "../../helpers/app-lines.js";

const APP = `
import { i2c, log } from "SDK";

const DEV = 0x50;
const buf = new StaticArray<u8>(8);
const into = new StaticArray<u8>(4);

function bytes(b: StaticArray<u8>, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += (i ? "," : "") + b[i].toString();
  return s;
}

export function setup(): void {
  let found = "";
  for (let a = 0x08; a < 0x78; a++) if (i2c.probe(a)) found += " 0x" + a.toString(16);
  log.info("scan" + found);
  log.info("write8 " + i2c.writeRegister8(DEV, 0x10, 0xab).toString() + " read8 " + i2c.readRegister8(DEV, 0x10).toString());
  buf[0] = 0x20; buf[1] = 1; buf[2] = 2; buf[3] = 3; buf[4] = 4;
  log.info("burst " + i2c.write(DEV, buf, 5).toString() + " back " + i2c.readRegisters(DEV, 0x20, into).toString() + " " + bytes(into, 4));
  buf[0] = 0xff; buf[1] = 9; buf[2] = 10;
  log.info("wrap " + i2c.write(DEV, buf, 3).toString() + " back " + i2c.readRegisters(DEV, 0xff, into, 2).toString() + " " + bytes(into, 2));
  buf[0] = 0x21;
  log.info("restart " + i2c.writeRead(DEV, buf, 1, into, 3).toString() + " " + bytes(into, 3));
  const none = i2c.readRegister8(0x51, 0);
  log.info("absent " + none.toString() + " " + i2c.statusText(none));
  log.info("too long " + i2c.write(DEV, buf, 9).toString() + " empty " + i2c.read(DEV, into, 0).toString());
  log.info("done");
}
`;

const EXPECTED = [
  "scan 0x50",
  "write8 0 read8 171",
  "burst 0 back 0 1,2,3,4",
  "wrap 0 back 0 9,10",
  "restart 0 2,3,4",
  "absent -4 no acknowledge",
  "too long -1 empty -1",
  "done",
];

async function runOn(kind: "host" | "sim"): Promise<string[]> {
  const all = await appLogLines(kind, APP, { extraArgs: ["--i2c-regs", "0x50"], enough: (l) => l.includes("done") });
  // The device's own lines (which app it loaded) come first.
  return all.slice(Math.max(0, all.findIndex((l) => l.startsWith("scan"))));
}

test("i2c on the host board: scan, registers, bursts, wrap, repeated start and errors", async () => {
  assert.deepEqual(await runOn("host"), EXPECTED);
});

test("i2c on rp2040-sim through the RP2040's I2C controller gives the same lines", { skip: missingToolchain() }, async () => {
  assert.deepEqual(await runOn("sim"), EXPECTED);
});

noUartDropsTest(missingToolchain());
