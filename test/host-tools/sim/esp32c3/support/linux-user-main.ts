// Test-only command: runs a static rv32 Linux-user-ABI ELF on our core, like
// `qemu-riscv32 ELF ARGS...`: node --import tsx linux-user-main.ts ELF [ARGS...]
import { readFileSync } from "node:fs";

import { LinuxUserProcess } from "../../../../../host-tools/src/sim/esp32c3/linux-user.js";

const [elf, ...args] = process.argv.slice(2);
if (!elf) {
  process.stderr.write("usage: linux-user-main.ts ELF [ARGS...]\n");
  process.exit(2);
}
const p = new LinuxUserProcess(readFileSync(elf), [elf, ...args]);
const r = p.run();
if (process.env.ESP32C3_COUNTERS) process.stderr.write(`counters: ${r.instructions} ${r.cycles}\n`);
process.exitCode = r.exitCode;
