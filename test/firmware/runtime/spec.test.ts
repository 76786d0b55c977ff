// The WebAssembly 2.0 spec suite (no SIMD), through wasmcu-vm --repl and the
// independent runner in the shared spec pack: every runnable binary command
// must pass.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

import { hostBin, repoRoot, sharedDir } from "../../helpers/paths.ts";

test("wasmcu-vm --repl passes every runnable command of the WebAssembly 2.0 spec suite", () => {
  const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
  const r = spawnSync(process.execPath, [runner, "--cmd", `${hostBin("wasmcu-vm")} --repl`], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 600_000,
  });
  const out = r.stdout ?? "";
  const last = out.trim().split("\n").pop() ?? "";
  assert.match(last, /^\d+ passed, 0 failed, \d+ skipped$/, out.split("\n").filter(l => !l.startsWith("ok ")).join("\n"));
  assert.equal(r.status, 0);
  // the pack has 27,437 runnable commands; a shrinking count would mean files were skipped
  assert.ok(Number(last.split(" ")[0]) >= 27437, last);
});
