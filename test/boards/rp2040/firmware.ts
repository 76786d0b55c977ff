// Builds the rp2040 self-test firmware once for the tests that run it (in
// build/rp2040-selftest, HAL only, so it does not depend on firmware/device),
// and the OTA benchmark image (build/rp2040-otabench, HAL and firmware/ota).
// Test files run in parallel: a lock directory keeps two builds apart.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repoRoot } from "../../helpers/paths.js";

export const selftestBuildDir = path.resolve(repoRoot, process.env.WASMCU_RP2040_SELFTEST_BUILD ?? "build/rp2040-selftest");
export const otabenchBuildDir = path.resolve(repoRoot, process.env.WASMCU_RP2040_OTABENCH_BUILD ?? "build/rp2040-otabench");

/** Why the rp2040 firmware cannot be built here, or undefined when it can. */
export function missingToolchain(): string | undefined {
  const r = spawnSync("arm-none-eabi-gcc", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? undefined : "arm-none-eabi-gcc is not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)";
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
}

async function withLock<T>(buildDir: string, fn: () => T): Promise<T> {
  const lock = `${buildDir}.lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 10 minutes belongs to a run that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 600_000) rmdirSync(lock);
      if (waited > 600_000) throw new Error(`${lock} held for 10 minutes`);
      await sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Path of the self-test ELF (built or brought up to date first); .bin/.uf2/.map sit beside it.
 * `boot2` other than the default (quad) builds in a directory of its own.
 */
export async function selftestElf(boot2: "quad" | "03h" = "quad"): Promise<string> {
  const dir = boot2 === "quad" ? selftestBuildDir : `${selftestBuildDir}-${boot2}`;
  return withLock(dir, () => {
    if (!existsSync(path.join(dir, "CMakeCache.txt"))) {
      run("cmake", ["-S", repoRoot, "-B", dir, "-DWASMCU_BOARD=rp2040", "-DWASMCU_PARTS=hal", `-DWASMCU_RP2040_BOOT2=${boot2}`]);
    }
    run("cmake", ["--build", dir, "-j2", "--target", "wasmcu-rp2040-selftest"]);
    return path.join(dir, "bin", "wasmcu-rp2040-selftest.elf");
  });
}

/** Path of the OTA benchmark ELF (boards/rp2040/otabench, built or brought up to date first); .bin beside it. */
export async function otabenchElf(): Promise<string> {
  return withLock(otabenchBuildDir, () => {
    if (!existsSync(path.join(otabenchBuildDir, "CMakeCache.txt"))) {
      run("cmake", ["-S", repoRoot, "-B", otabenchBuildDir, "-DWASMCU_BOARD=rp2040", "-DWASMCU_PARTS=hal;ota",
        "-DCMAKE_BUILD_TYPE=Release"]);
    }
    run("cmake", ["--build", otabenchBuildDir, "-j2", "--target", "wasmcu-rp2040-otabench"]);
    return path.join(otabenchBuildDir, "bin", "wasmcu-rp2040-otabench.elf");
  });
}

/**
 * Path of the device firmware built for another UART0 baud rate (-DWASMCU_RP2040_BAUD), in
 * build/rp2040-BAUD: the tree `npm run bench -- 60-link` builds too, so either reuses the other's build.
 */
export async function rp2040BaudElf(baud: number): Promise<string> {
  const dir = path.resolve(repoRoot, `build/rp2040-${baud}`);
  return withLock(dir, () => {
    if (!existsSync(path.join(dir, "CMakeCache.txt"))) {
      run("cmake", ["-S", repoRoot, "-B", dir, "-DWASMCU_BOARD=rp2040", "-DCMAKE_BUILD_TYPE=Release", `-DWASMCU_RP2040_BAUD=${baud}`]);
    }
    run("cmake", ["--build", dir, "-j2", "--target", "wasmcu-rp2040"]);
    return path.join(dir, "bin", "wasmcu-rp2040.elf");
  });
}
