// The gesture app with the demo model (models/gesture.tflite) on the host board or an
// emulated one: its first classification lines, for comparing boards line for line.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../host-tools/src/build/app.js";
import { launchHostBoard, launchSimBoard, type LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../host-tools/src/boards/registry.js";
import { DeviceLink } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { hostBin, repoRoot } from "./paths.js";
import type { SimBoard } from "./sim-boards.js";

const model = path.join(repoRoot, "models", "gesture.tflite");

/** The first `n` classification lines (and the heading), without the timing part; `sim` undefined: the host board. */
/** `image`: another build of the app to run (its .waot on the emulated RP2040). */
export async function classify(sim: SimBoard | undefined, n: number, extraArgs: string[] = [], image?: string): Promise<string[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-gesture-${sim?.name ?? "host"}-`));
  const app = image ?? (await buildApp("gesture")).wasm;
  const flashFile = path.join(tmp, "flash.bin");
  const board: LaunchedBoard = sim === undefined
    ? await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app, model, flashFile, waitForHost: true })
    : await launchSimBoard(sim.target, { firmware: sim.firmware(), app, model, flashFile, waitForHost: true, speed: Infinity, extraArgs });
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  const lines: string[] = [];
  link.onEvent((e) => {
    if (e.kind === "log" && (e.text.startsWith("gesture #") || e.text.startsWith("gesture: classifying"))) {
      lines.push(e.text.replace(/ \(\d+%, \d+ us\)/, ""));
    }
  });
  try {
    await link.connect(60_000);
    const t0 = Date.now();
    while (lines.length < n + 1 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await link.close();
    await board.stop();
  }
  return lines.slice(0, n + 1);
}

/** The gesture tests on `sim`: seeded windows as on the host board, then windows from a simulated MPU-6050. */
export function gestureSuite(sim: SimBoard): void {
  test(`gesture: the int8 model classifies simulated IMU windows, identically on host and ${sim.name}`, async () => {
    const [host, emulated] = await Promise.all([classify(undefined, 8), classify(sim, 8)]);
    assert.equal(host.length, 9, host.join("\n"));
    assert.match(host[0]!, /simulated IMU windows/);
    const right = Number(/; (\d+)\/8 right$/.exec(host[8]!)![1]);
    assert.ok(right >= 7, host.join("\n"));
    assert.deepEqual(emulated, host);
  });

  test(`gesture: with an MPU-6050 on ${sim.name}'s I2C bus the windows come from it, and a 5 Hz shake reads as shake`, async () => {
    const imu = `0x68=${path.join(repoRoot, "host-tools/src/sim/mpu6050.ts")}`;
    const lines = await classify(sim, 3, ["--i2c-device", imu]);
    assert.deepEqual(lines, [
      "gesture: classifying MPU-6050 windows (0x68, 50 Hz) of 64x3 samples with the int8 model",
      "gesture #1: IMU window -> model says shake",
      "gesture #2: IMU window -> model says shake",
      "gesture #3: IMU window -> model says shake",
    ]);
  });
}
