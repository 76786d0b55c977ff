#!/usr/bin/env node
// `npm run demo`: the blink app (AssemblyScript) built with asc, run by our WebAssembly
// runtime inside the device firmware: first on the host board (a Linux process), then
// on the emulated RP2040 (rp2040js, the real Cortex-M0+ image). Logs and GPIO changes
// come back over each board's UART, a pseudo-terminal opened with serialport.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "host-tools", "bin", "wasmcu.js");
const steps = [
  ["blink on the host board (3 s)", ["run", "--board", "host", "--app", "blink", "--for", "3"]],
  ["blink on the emulated RP2040 (3 s of wall time; GPIO stamped with emulated cycles)", ["run", "--board", "rp2040-sim", "--app", "blink", "--for", "3"]],
];
for (const [title, args] of steps) {
  process.stdout.write(`\n== ${title}\n$ wasmcu ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
