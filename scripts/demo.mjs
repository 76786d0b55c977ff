#!/usr/bin/env node
// `npm run demo`: AssemblyScript apps built with asc and run by our WebAssembly runtime
// inside the device firmware, with int8 inference by our engine: blink, then the gesture
// classifier (models/gesture.tflite, trained and converted in TypeScript) on the host
// board (a Linux process), then on the emulated RP2040 (rp2040js running the real
// Cortex-M0+ image), and there again reading a simulated MPU-6050 over the RP2040's I2C
// controller instead of simulating windows, then on the emulated ESP32-C3 (esp32c3-sim
// booting the real RV32IMC image through its ROM). Everything comes back over each board's
// UART, a pseudo-terminal opened with serialport, as it would from a real board.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "host-tools", "bin", "wasmcu.js");
const model = path.join("models", "gesture.tflite");
const steps = [
  ["blink on the host board: log lines and GPIO writes (2 s)", ["run", "--board", "host", "--app", "blink", "--for", "2"]],
  ["gesture: the int8 model classifies simulated accelerometer windows, host board (4 s)",
    ["run", "--board", "host", "--app", "gesture", "--model", model, "--for", "4"]],
  ["gesture on the emulated RP2040 (4 s of wall time; times are emulated, not silicon)",
    ["run", "--board", "rp2040-sim", "--app", "gesture", "--model", model, "--for", "4"]],
  ["gesture reading an MPU-6050 on the emulated RP2040's I2C bus (simulated chip, shaken at 5 Hz; 5 s)",
    ["run", "--board", "rp2040-sim", "--app", "gesture", "--model", model, "--i2c", "mpu6050@0x68", "--no-trace-gpio", "--for", "5"]],
  ["gesture on the emulated ESP32-C3 (esp32c3-sim, RV32IMC; 4 s of wall time; times are emulated, not silicon)",
    ["run", "--board", "esp32c3-sim", "--app", "gesture", "--model", model, "--for", "4"]],
];
for (const [title, args] of steps) {
  process.stdout.write(`\n== ${title}\n$ wasmcu ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
