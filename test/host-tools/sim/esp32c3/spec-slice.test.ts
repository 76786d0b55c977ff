// The end goal of checking the core: wasmcu-vm built for rv32imc (picolibc's rv32im
// library, our Linux system-call back end in programs/linux/) runs WebAssembly spec files
// under qemu-riscv32 and on our core (sim/esp32c3/linux-user.ts) with the same answers,
// all passing. A bounded slice here; ESP32C3_SPEC_FILES=a,b,c (or "all") runs others.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { vmIncludes, vmSources } from "../../../firmware/runtime/cross-vm.js";
import { repoRoot, sharedDir } from "../../../helpers/paths.js";
import { buildRv32Linux, gccMissing, qemuUserMissing } from "./support/toolchain.js";

const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
const skip = gccMissing() || qemuUserMissing() || (existsSync(runner) ? false : `no spec runner at ${runner}`);
const FILES = process.env.ESP32C3_SPEC_FILES ?? "i32,i64,br_table,call_indirect,memory_grow,conversions";

function runSpec(cmd: string): { lines: string[]; last: string; status: number | null } {
  const r = spawnSync(process.execPath, [runner, "--cmd", cmd, "--start-timeout", "120", "--timeout", "60",
    ...(FILES === "all" ? [] : ["--files", FILES])], { cwd: repoRoot, encoding: "utf8", timeout: 1_800_000 });
  const out = (r.stdout ?? "").trim().split("\n");
  // Per-file result lines and failures; not the timing line, nor the line naming the command.
  return { lines: out.filter((l) => !/ files in [\d.]+ s;/.test(l) && !l.startsWith("runtime:")), last: out.at(-1) ?? "", status: r.status };
}

test(`wasmcu-vm (rv32imc) gives the same spec answers on our core as under qemu-riscv32 (${FILES})`, { skip }, () => {
  // The same sources and includes as every other cross build of wasmcu-vm (cross-vm.ts).
  const elf = buildRv32Linux("wasmcu-vm", vmSources, vmIncludes);
  const qemu = runSpec(`qemu-riscv32 ${elf} --repl`);
  assert.match(qemu.last, /^\d+ passed, 0 failed, \d+ skipped$/, qemu.lines.join("\n"));
  const main = path.join(repoRoot, "test/host-tools/sim/esp32c3/support/linux-user-main.ts");
  const ours = runSpec(`${process.execPath} --import tsx ${main} ${elf} --repl`);
  assert.match(ours.last, /^\d+ passed, 0 failed, \d+ skipped$/, ours.lines.join("\n"));
  assert.deepEqual(ours.lines, qemu.lines);
  assert.equal(ours.status, 0);
});
