// Where tests find the repo, the shared reference data and the host build.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** ../shared beside the repo: the spec suite and reference models (read-only). */
export const sharedDir = process.env.WASMCU_SHARED ?? path.resolve(repoRoot, "../shared");
/** The host CMake build that scripts/test.mjs makes before any test runs. */
export const hostBuildDir = path.resolve(repoRoot, process.env.WASMCU_HOST_BUILD ?? "build/host");

/** Path of a host executable built by CMake; throws with a clear message if it is missing. */
export function hostBin(name: string): string {
  const p = path.join(hostBuildDir, "bin", name);
  if (!existsSync(p)) {
    throw new Error(`${p} is missing: build the host firmware first (npm test does, or: node scripts/build-host.mjs)`);
  }
  return p;
}

/** The rp2040 firmware with the device code, built by scripts/test.mjs into build/rp2040. */
export function rp2040Elf(): string {
  const p = path.resolve(repoRoot, process.env.WASMCU_RP2040_BUILD ?? "build/rp2040", "bin", "wasmcu-rp2040.elf");
  if (!existsSync(p)) throw new Error(`${p} is missing: npm test builds it (or: node scripts/build-host.mjs)`);
  return p;
}

/** The esp32c3 firmware with the device code, built by scripts/test.mjs into build/esp32c3. */
export function esp32c3Elf(): string {
  const p = path.resolve(repoRoot, process.env.WASMCU_ESP32C3_BUILD ?? "build/esp32c3", "bin", "wasmcu-esp32c3.elf");
  if (!existsSync(p)) throw new Error(`${p} is missing: npm test builds it (cmake -DWASMCU_BOARD=esp32c3)`);
  return p;
}

/** The esp32c3 merged flash image (the ROM image at 0, mapped code at 0x10000) esp32c3-sim boots. */
export function esp32c3Merged(): string {
  return esp32c3Elf().replace(/\.elf$/, ".merged.bin");
}
