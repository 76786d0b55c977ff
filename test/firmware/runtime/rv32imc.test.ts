// The runtime as the esp32c3 firmware runs it: RV32IMC code (no FPU: soft-float from
// libgcc) built with riscv64-unknown-elf-gcc and picolibc's rv32im library, as wasmcu-vm
// over a small Linux system-call back end (rv32-linux.c), executed by qemu-riscv32. The
// whole spec suite must pass with the same answers as on the host and on ARM.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { repoRoot, sharedDir } from "../../helpers/paths.ts";

const runtime = path.join(repoRoot, "firmware", "runtime");
const picolibc = "/usr/lib/picolibc/riscv64-unknown-elf";
const sources = readdirSync(path.join(runtime, "src")).filter((f) => f.endsWith(".c")).sort()
  .map((f) => path.join(runtime, "src", f))
  .concat(["main", "repl", "spectest", "natives", "alloc"].map((s) => path.join(runtime, "host", `${s}.c`)))
  .concat([path.join(repoRoot, "test", "firmware", "runtime", "rv32-linux.c")]);

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
    "-fno-math-errno", `-I${path.join(runtime, "include")}`, `-I${path.join(runtime, "host")}`, ...sources, "-o", elf,
    "-Wl,--start-group", "-lc", "-lm", "-lgcc", "-Wl,--end-group",
  ], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
  const r = spawnSync(process.execPath, [runner, "--cmd", `qemu-riscv32 ${elf} --repl`, "--timeout", "60"], {
    cwd: repoRoot, encoding: "utf8", timeout: 900_000,
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  assert.match(last, /^\d+ passed, 0 failed, \d+ skipped$/, r.stdout.split("\n").filter((l) => !l.startsWith("ok ")).join("\n"));
  assert.equal(r.status, 0);
  // the same count as the host build's spec test: no file skipped on this target
  assert.ok(Number(last.split(" ")[0]) >= 27437, last);
  // the float32 sensor pipeline's published checksum, computed in soft-float
  const b = spawnSync("qemu-riscv32", [elf, "--func", "run", path.join(sharedDir, "bench-wasm", "sensor.wasm")], {
    encoding: "utf8", timeout: 600_000,
  });
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, `i32:${0xd000628b | 0}\n`);
});
