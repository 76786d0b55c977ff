// The spec suite again, against wasmcu-vm built with ASan + UBSan in the
// configurations the host build does not use: optimised for size (what a
// device runs: compact memory handlers, no specialised dispatch) and with
// switch dispatch instead of computed goto. Each builds in its own directory;
// a sanitizer report aborts the REPL and fails the run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

import { repoRoot, sharedDir } from "../../helpers/paths.ts";

const configs: [string, string, string[]][] = [
  ["optimised for size (-Os, as on a device)", "asan-runtime-os", ["-DCMAKE_BUILD_TYPE=MinSizeRel"]],
  ["with switch dispatch", "asan-runtime-switch", ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_C_FLAGS=-DWR_COMPUTED_GOTO=0"]],
];

for (const [what, dirName, flags] of configs) {
  test(`the spec suite passes against wasmcu-vm ${what}, under ASan + UBSan`, { timeout: 900_000 }, () => {
    const dir = path.join(repoRoot, "build", dirName);
    for (const args of [
      ["-S", repoRoot, "-B", dir, "-DWASMCU_BOARD=host", "-DWASMCU_PARTS=runtime", "-DWASMCU_WITH_BOARD=OFF",
        "-DWASMCU_SANITIZE=ON", ...flags],
      ["--build", dir, "--target", "wasmcu-vm", "--parallel", "2"],
    ]) {
      const r = spawnSync("cmake", args, { encoding: "utf8" });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
    const runner = path.join(sharedDir, "tools", "spec-repl-runner.mjs");
    const r = spawnSync(process.execPath, [runner, "--cmd", `${path.join(dir, "bin", "wasmcu-vm")} --repl`], {
      cwd: repoRoot, encoding: "utf8", timeout: 600_000,
    });
    const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
    assert.match(last, /^\d+ passed, 0 failed, \d+ skipped$/, r.stdout.split("\n").filter(l => !l.startsWith("ok ")).join("\n"));
    assert.equal(r.status, 0);
  });
}
