// Where things live, computed from this file's location (works from src/ via tsx and from dist/).
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const boardsDir = path.join(repoRoot, "boards");
export const appsDir = path.join(repoRoot, "firmware", "apps");
export const sdkDir = path.join(repoRoot, "firmware", "sdk");
export const buildRoot = path.join(repoRoot, "build");

/** The CMake build directory of a board's firmware. */
export function firmwareBuildDir(board: string): string {
  return path.join(buildRoot, board);
}

/** Where a compiled app lands: build/apps/<app>/<app>.wasm. */
export function appBuildDir(app: string): string {
  return path.join(buildRoot, "apps", app);
}
