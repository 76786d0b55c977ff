// Shared by setup, test and bench scripts: build the host CMake tree.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/** Configure (first time only) and build a board's tree; compiler output is shown only on failure. */
export async function buildBoard(board, dir = `build/${board}`, extra = []) {
  const abs = path.resolve(repoRoot, dir);
  if (!existsSync(path.join(abs, "CMakeCache.txt"))) {
    run("cmake", ["-S", repoRoot, "-B", abs, `-DWASMCU_BOARD=${board}`, "-DCMAKE_BUILD_TYPE=Release", ...extra]);
  }
  run("cmake", ["--build", abs, "--parallel", String(Math.max(2, os.availableParallelism()))]);
  return abs;
}

/** Configure (first time only) and build the host tree; compiler output is shown only on failure. */
export async function buildHost(dir = "build/host", extra = []) {
  const abs = path.resolve(repoRoot, dir);
  if (!existsSync(path.join(abs, "CMakeCache.txt"))) {
    run("cmake", ["-S", repoRoot, "-B", abs, "-DWASMCU_BOARD=host", "-DCMAKE_BUILD_TYPE=Release", ...extra]);
  }
  run("cmake", ["--build", abs, "--parallel", String(Math.max(2, os.availableParallelism()))]);
  return abs;
}
