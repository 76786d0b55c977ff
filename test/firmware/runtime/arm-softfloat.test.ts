// The runtime as a device runs it: 32-bit ARM Thumb code with software
// floating point (libgcc), built with arm-none-eabi-gcc and newlib, as
// wasmcu-vm over semihosting, executed by qemu-arm. The whole spec suite must
// pass, at -Os (compact memory handlers, computed goto) and at -O2
// (specialised dispatch, and the aligned-or-bytewise memory accesses of the
// Cortex-M0+ build, WR_STRICT_ALIGN), so soft-float arithmetic, conversions,
// 32-bit pointers and unaligned wasm accesses are checked, not only compiled.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { checkCrossVm, vmIncludes, vmSources } from "./cross-vm.ts";

const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-arm-"));

for (const opt of ["-Os", "-O2 -DWR_STRICT_ALIGN=1"]) {
  test(`the spec suite and a float benchmark pass on 32-bit ARM Thumb with soft-float (${opt}, qemu-arm)`, { timeout: 900_000 }, () => {
    const elf = path.join(out, `wasmcu-vm${opt.split(" ")[0]}.elf`);
    const cc = spawnSync("arm-none-eabi-gcc", [
      "-mthumb", "-mcpu=arm926ej-s", "-mfloat-abi=soft", "--specs=rdimon.specs", ...opt.split(" "), "-std=c11",
      "-Wall", "-Wextra", "-Werror", "-fno-math-errno", ...vmIncludes.map((d) => `-I${d}`),
      ...vmSources, "-o", elf, "-lm",
    ], { encoding: "utf8" });
    assert.equal(cc.status, 0, cc.stderr);
    checkCrossVm("qemu-arm", elf);
  });
}
