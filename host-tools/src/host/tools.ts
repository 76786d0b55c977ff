// Host builds of firmware parts that run as commands (wasmcu-vm, wasmcu-nn, wasmcu-host).
import { existsSync } from "node:fs";
import path from "node:path";
import { BuildError } from "../lib/errors.js";
import { firmwareBuildDir, repoRoot } from "../lib/paths.js";
import { run } from "../lib/proc.js";
import { adoptBuildDir, cachedBuildDone, markCachedBuild, summariseBuildLog } from "../build/firmware.js";

const CMAKE_HINT = "apt-get install cmake gcc (or run `npm run setup`)";

/**
 * Builds one CMake target of the host tree (incrementally; quick when up to date) and returns
 * the executable's path. Build output never reaches stdout: on failure it is in the error.
 */
export async function ensureHostTool(target: string, buildDir = firmwareBuildDir("host")): Promise<string> {
  const exe = path.join(buildDir, "bin", target);
  if (existsSync(exe) && (cachedBuildDone(buildDir, target) || cachedBuildDone(buildDir, "all"))) return exe;
  adoptBuildDir(buildDir);
  if (!existsSync(path.join(buildDir, "CMakeCache.txt"))) {
    const cfg = await run("cmake", ["-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=host", "-DCMAKE_BUILD_TYPE=Release"],
      { installHint: CMAKE_HINT });
    if (cfg.code !== 0) throw new BuildError("configuring the host build failed", summariseBuildLog(cfg.stdout + cfg.stderr));
  }
  const b = await run("cmake", ["--build", buildDir, "--target", target, "--parallel", "2"], { installHint: CMAKE_HINT });
  if (b.code !== 0) throw new BuildError(`building ${target} failed`, summariseBuildLog(b.stdout + b.stderr));
  if (!existsSync(exe)) throw new BuildError(`${target} was built but ${exe} is missing`);
  markCachedBuild(buildDir, target);
  return exe;
}
