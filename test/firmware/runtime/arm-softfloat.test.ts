// The runtime as a device runs it: 32-bit ARM Thumb code with software
// floating point (libgcc), built with arm-none-eabi-gcc and newlib, as
// wasmcu-vm over semihosting, executed by qemu-arm. The whole spec suite must
// pass, at -Os (compact memory handlers, computed goto) and at -O2
// (specialised dispatch, and the aligned-or-bytewise memory accesses of the
// Cortex-M0+ build, WR_STRICT_ALIGN), so soft-float arithmetic, conversions,
// 32-bit pointers and unaligned wasm accesses are checked, not only compiled.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { repoRoot, sharedDir } from "../../helpers/paths.ts";

const runtime = path.join(repoRoot, "firmware", "runtime");
// Every source of the library (whatever its files are), plus the wasmcu-vm host program.
const sources = readdirSync(path.join(runtime, "src")).filter((f) => f.endsWith(".c")).sort()
  .map((f) => path.join(runtime, "src", f))
  .concat(["main", "repl", "spectest", "natives", "alloc"].map((s) => path.join(runtime, "host", `${s}.c`)));
const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-arm-"));

for (const opt of ["-Os", "-O2 -DWR_STRICT_ALIGN=1"]) {
  test(`the spec suite and a float benchmark pass on 32-bit ARM Thumb with soft-float (${opt}, qemu-arm)`, { timeout: 900_000 }, () => {
    const elf = path.join(out, `wasmcu-vm${opt.split(" ")[0]}.elf`);
    const cc = spawnSync("arm-none-eabi-gcc", [
      "-mthumb", "-mcpu=arm926ej-s", "-mfloat-abi=soft", "--specs=rdimon.specs", ...opt.split(" "), "-std=c11",
      "-Wall", "-Wextra", "-Werror", "-fno-math-errno", `-I${path.join(runtime, "include")}`, `-I${path.join(runtime, "host")}`,
      ...sources, "-o", elf, "-lm",
    ], { encoding: "utf8" });
    assert.equal(cc.status, 0, cc.stderr);
    const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
    const r = spawnSync(process.execPath, [runner, "--cmd", `qemu-arm ${elf} --repl`, "--timeout", "60"], {
      cwd: repoRoot, encoding: "utf8", timeout: 900_000,
    });
    const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
    assert.match(last, /^\d+ passed, 0 failed, \d+ skipped$/, r.stdout.split("\n").filter((l) => !l.startsWith("ok ")).join("\n"));
    assert.equal(r.status, 0);
    // the float32 sensor pipeline's published checksum, computed in soft-float
    const b = spawnSync("qemu-arm", [elf, "--func", "run", path.join(sharedDir, "bench-wasm", "sensor.wasm")], {
      encoding: "utf8", timeout: 600_000,
    });
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout, `i32:${0xd000628b | 0}\n`);
  });
}
