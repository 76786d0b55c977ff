// wasmcu-vm built for a device's instruction set and run by a QEMU user-mode emulator
// (qemu-arm, qemu-riscv32): the sources it is built from, and the two checks every such
// build must pass, the whole spec suite and the soft-float sensor checksum.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

import { repoRoot, sharedDir } from "../../helpers/paths.ts";

export const runtimeDir = path.join(repoRoot, "firmware", "runtime");

/** Every source of the library (whatever its files are: C, and assembly that is empty where its
 * instruction set is not), plus the wasmcu-vm host program (which checks AOT images with the OTA
 * library's SHA-256). */
export const vmSources = readdirSync(path.join(runtimeDir, "src")).filter((f) => f.endsWith(".c") || f.endsWith(".S")).sort()
  .map((f) => path.join(runtimeDir, "src", f))
  .concat(["main", "repl", "spectest", "natives", "alloc", "load"].map((s) => path.join(runtimeDir, "host", `${s}.c`)))
  .concat([path.join(repoRoot, "firmware", "ota", "src", "sha256.c")]);
/** The include folders vmSources need. */
export const vmIncludes = [path.join(runtimeDir, "include"), path.join(runtimeDir, "host"), path.join(repoRoot, "firmware", "ota", "include")];

/** `qemu` runs `elf`: every runnable spec command passes, and sensor.wasm gives its published checksum. */
export function checkCrossVm(qemu: string, elf: string): void {
  const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
  const r = spawnSync(process.execPath, [runner, "--cmd", `${qemu} ${elf} --repl`, "--timeout", "60"], {
    cwd: repoRoot, encoding: "utf8", timeout: 900_000,
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  assert.match(last, /^\d+ passed, 0 failed, \d+ skipped$/, r.stdout.split("\n").filter((l) => !l.startsWith("ok ")).join("\n"));
  assert.equal(r.status, 0);
  // the same count as the host build's spec test: no file skipped on this target
  assert.ok(Number(last.split(" ")[0]) >= 27437, last);
  // the float32 sensor pipeline's published checksum, computed in soft-float
  const b = spawnSync(qemu, [elf, "--func", "run", path.join(sharedDir, "bench-wasm", "sensor.wasm")], {
    encoding: "utf8", timeout: 600_000,
  });
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, `i32:${0xd000628b | 0}\n`);
}
