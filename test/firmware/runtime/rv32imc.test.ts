// The runtime as the esp32c3 firmware runs it: RV32IMC code (no FPU: soft-float from
// libgcc) built with riscv64-unknown-elf-gcc and picolibc's rv32im library, as wasmcu-vm
// over a small Linux system-call back end (rv32-linux.c), executed by qemu-riscv32. The
// whole spec suite must pass with the same answers as on the host and on ARM.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { repoRoot } from "../../helpers/paths.ts";
import { checkCrossVm, vmIncludes, vmSources } from "./cross-vm.ts";

const picolibc = "/usr/lib/picolibc/riscv64-unknown-elf";
const backEnd = path.join(repoRoot, "test", "firmware", "runtime", "rv32-linux.c");

function missingTools(): string | undefined {
  for (const tool of ["riscv64-unknown-elf-gcc", "qemu-riscv32"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) return `${tool} is not installed (scripts/apt-packages.txt)`;
  }
  return undefined;
}

test("the spec suite and a float benchmark pass on RV32IMC with soft-float (-O2, qemu-riscv32)", { timeout: 900_000, skip: missingTools() }, () => {
  const elf = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-rv32-")), "wasmcu-vm.elf");
  // picolibc's rv32im build (its rv32imac one uses atomics the ESP32-C3 lacks), linked by hand:
  // picolibc.specs would bring its bare-metal crt0 and memory map, not a Linux process's.
  const cc = spawnSync("riscv64-unknown-elf-gcc", [
    "-march=rv32imc", "-mabi=ilp32", "-nostdlib", "-isystem", path.join(picolibc, "include"),
    `-L${path.join(picolibc, "lib", "rv32im", "ilp32")}`, "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror",
    "-fno-math-errno", ...vmIncludes.map((d) => `-I${d}`), ...vmSources, backEnd,
    "-o", elf, "-Wl,--start-group", "-lc", "-lm", "-lgcc", "-Wl,--end-group",
  ], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  checkCrossVm("qemu-riscv32", elf);
});
