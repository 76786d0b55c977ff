// Where things live, computed from this file's location (works from src/ via tsx and from dist/).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The wasmcu package: this repository, or node_modules/wasmcu in a user's project. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const boardsDir = path.join(repoRoot, "boards");
export const appsDir = path.join(repoRoot, "firmware", "apps");
export const sdkDir = path.join(repoRoot, "firmware", "sdk");
export const buildRoot = path.join(repoRoot, "build");

/**
 * True in a clone of the repository (firmware builds go to build/<board>, incremental as
 * CMake makes them); false where the package was installed from npm (they go to the cache).
 */
export const isCheckout = existsSync(path.join(repoRoot, ".git"));

/** Per-machine cache of firmware builds: $WASMCU_CACHE_DIR, else $XDG_CACHE_HOME/wasmcu, else ~/.cache/wasmcu. */
export function cacheRoot(): string {
  if (process.env.WASMCU_CACHE_DIR) return path.resolve(process.env.WASMCU_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache"), "wasmcu");
}

/** What a firmware build reads: the CMake tree, the C libraries and the boards (not the apps or the SDK). */
const FIRMWARE_SOURCES = ["CMakeLists.txt", "cmake", "boards", "firmware/runtime", "firmware/nn", "firmware/ota", "firmware/hal", "firmware/device"];

let sourcesHash: string | undefined;

/** A hash of every file a firmware build reads (names and bytes): the cache key of installed builds. */
export function firmwareSourcesHash(root = repoRoot): string {
  if (root === repoRoot && sourcesHash) return sourcesHash;
  const h = createHash("sha256");
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) h.update(`${r}\0`).update(readFileSync(path.join(root, r))).update("\0");
    }
  };
  for (const s of FIRMWARE_SOURCES) {
    const abs = path.join(root, s);
    if (!existsSync(abs)) continue;
    if (s.includes(".")) h.update(`${s}\0`).update(readFileSync(abs)).update("\0");
    else walk(s);
  }
  const hex = h.digest("hex").slice(0, 16);
  if (root === repoRoot) sourcesHash = hex;
  return hex;
}

/**
 * The CMake build directory of a board's firmware: build/<board> in a checkout; in an
 * installed package <cache>/<board>-<hash of the firmware sources>, so each machine builds a
 * board once and again only when the sources change (another wasmcu version).
 */
export function firmwareBuildDir(board: string): string {
  if (isCheckout) return path.join(buildRoot, board);
  return path.join(cacheRoot(), `${board}-${firmwareSourcesHash()}`);
}

/** Where a compiled app lands: build/apps/<app>/<app>.wasm. */
export function appBuildDir(app: string): string {
  return path.join(buildRoot, "apps", app);
}

/** A path to print: relative to the working directory when it is below it, else absolute (both paste). */
export function displayPath(p: string, cwd = process.cwd()): string {
  const abs = path.resolve(p);
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : abs;
}
