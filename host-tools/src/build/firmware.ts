// Builds a board's firmware with CMake into build/<board>/.
import { existsSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BoardError, BuildError } from "../lib/errors.js";
import { displayPath, firmwareBuildDir, isCheckout, repoRoot } from "../lib/paths.js";
import { run } from "../lib/proc.js";
import { parseMapFile, type MemoryUse } from "./mapfile.js";
import { esp32c3Images } from "./esp-image.js";
import type { BootLayout } from "../ota/firmware.js";
import { writeBootloaderOutputs } from "./firmware-image.js";
import { toRp2040Uf2 } from "./uf2.js";

export interface FirmwareBuild {
  board: string;
  dir: string;
  artifacts: string[];
  memory?: MemoryUse;
}

/**
 * What building reads of a board: the fields of its board.json this file uses (a
 * boards/registry.ts Board has them all). The build knows boards only by this shape, so
 * boards/, which builds firmware before it launches a board, can depend on build/.
 */
export interface FirmwareBoard {
  name: string;
  /** Folder holding board.json. */
  dir: string;
  clock_hz: number;
  outputs: string[];
  buildable_here?: boolean;
  flash: { xip_base?: number; boot?: BootLayout };
  ram?: { base?: number };
}

const CMAKE_HINT = "apt-get install cmake (or run `npm run setup`)";

/** The interesting lines of a failed build: compiler errors with a little context, at most 60 lines. */
export function summariseBuildLog(log: string): string {
  const lines = log.split("\n");
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (/error|Error|undefined reference|No such file|CMake Error/.test(l)) {
      for (let k = Math.max(0, i - 2); k <= Math.min(lines.length - 1, i + 4); k++) keep.add(k);
    }
  });
  const picked = keep.size ? [...keep].sort((a, b) => a - b).map((i) => lines[i]!) : lines.slice(-40);
  return picked.slice(0, 60).join("\n");
}

/**
 * Installed packages build into a per-machine cache keyed by the hash of the sources
 * (lib/paths.ts), which any project with the same wasmcu may share. A finished build leaves
 * a stamp there and is used as it is from then on: the sources it was made from are the same.
 */
export function cachedBuildDone(dir: string, what: string): boolean {
  return !isCheckout && existsSync(path.join(dir, `.wasmcu-built-${what}`));
}

export function markCachedBuild(dir: string, what: string): void {
  if (!isCheckout) writeFileSync(path.join(dir, `.wasmcu-built-${what}`), `${new Date().toISOString()}\n`);
}

/**
 * A cached build tree that another copy of the same sources configured (another project's
 * node_modules/wasmcu, perhaps gone since) is configured again for this one: CMake keeps the
 * source folder in its cache and will not change it in place.
 */
export function adoptBuildDir(dir: string): void {
  const cache = path.join(dir, "CMakeCache.txt");
  if (isCheckout || !existsSync(cache)) return;
  const home = /^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$/m.exec(readFileSync(cache, "utf8"))?.[1];
  const same = home !== undefined && existsSync(home) && realpathSync(home) === realpathSync(repoRoot);
  if (!same) {
    rmSync(cache, { force: true });
    rmSync(path.join(dir, "CMakeFiles"), { recursive: true, force: true });
  }
}

/**
 * Builds a board's firmware. `clockHz` builds it for another clk_sys (boards that support
 * it: rp2040, see boards/rp2040/src/clocks.c), in its own tree next to the default one.
 */
/** Where a firmware build is, from CMake's own lines: Makefiles' "[ 45%] Building C object x.c.o"
 * or Ninja's "[12/80] Building C object x.c.o". Only compile and link steps count (an
 * up-to-date tree reports none). */
export interface BuildProgress {
  percent: number;
  what: string;
}

export function parseBuildProgress(line: string): BuildProgress | undefined {
  const m = /^\[\s*(?:(\d+)%|(\d+)\/(\d+))\]\s+((?:Building|Linking)\b.*)$/.exec(line.trim());
  if (!m) return undefined;
  const percent = m[1] !== undefined ? Number(m[1]) : Math.floor((Number(m[2]) * 100) / Math.max(1, Number(m[3])));
  const what = m[4]!.replace(/^(Building \w+ object|Linking \w+ executable|Linking \w+ static library)\s+/, "").replace(/\.(c|s|S)\.o(bj)?$/, ".$1");
  return { percent, what: path.basename(what) };
}

/** Feeds output chunks, calls `onProgress` for each progress line. */
function progressLines(onProgress: (p: BuildProgress) => void): (chunk: string) => void {
  let rest = "";
  return (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) {
      const p = parseBuildProgress(l);
      if (p) onProgress(p);
    }
  };
}

export async function buildFirmware(board: FirmwareBoard, opts: { onOutput?: (s: string) => void; onProgress?: (p: BuildProgress) => void; buildDir?: string; clockHz?: number } = {}): Promise<FirmwareBuild> {
  if (opts.onProgress) {
    const feed = progressLines(opts.onProgress);
    const user = opts.onOutput;
    opts = { ...opts, onOutput: (s) => { user?.(s); feed(s); } };
  }
  if (board.buildable_here === false) {
    throw new BoardError(`the ${board.name} firmware is built with its vendor toolchain, not here`,
      `see ${displayPath(path.join(board.dir, "README.md"))} for the idf.py steps`);
  }
  const clock = opts.clockHz !== undefined && opts.clockHz !== board.clock_hz ? opts.clockHz : undefined;
  const dir = opts.buildDir ?? (clock ? `${firmwareBuildDir(board.name)}-${clock / 1e6}mhz` : firmwareBuildDir(board.name));
  if (!cachedBuildDone(dir, "all")) await cmakeBuild(board, dir, clock, opts.onOutput);
  return firmwareResult(board, dir);
}

async function cmakeBuild(board: FirmwareBoard, dir: string, clock: number | undefined, onOutput?: (s: string) => void): Promise<void> {
  adoptBuildDir(dir);
  if (!existsSync(path.join(dir, "CMakeCache.txt"))) {
    const extra = clock ? [`-DWASMCU_CLOCK_HZ_OVERRIDE=${clock}`] : [];
    const cfg = await run("cmake", ["-S", repoRoot, "-B", dir, `-DWASMCU_BOARD=${board.name}`, "-DCMAKE_BUILD_TYPE=Release", ...extra],
      { onOutput, installHint: CMAKE_HINT });
    if (cfg.code !== 0) throw new BuildError(`configuring the ${board.name} firmware failed`, summariseBuildLog(cfg.stdout + cfg.stderr));
  }
  const b = await run("cmake", ["--build", dir, "--parallel", "2"], { onOutput, installHint: CMAKE_HINT });
  if (b.code !== 0) throw new BuildError(`building the ${board.name} firmware failed`, summariseBuildLog(b.stdout + b.stderr));
  const bin = path.join(dir, "bin");
  // CMake writes the .uf2 with the repository's tsx; an installed package has none, so it is made here.
  for (const uf2 of board.outputs.filter((o) => o.endsWith(".uf2")).map((o) => path.join(bin, o))) {
    const elf = uf2.replace(/\.uf2$/, ".elf");
    if (existsSync(elf) && (!existsSync(uf2) || statSync(uf2).mtimeMs < statSync(elf).mtimeMs)) writeFileSync(uf2, toRp2040Uf2(readFileSync(elf)));
  }
  // Likewise the ESP32-C3's ROM image and merged image (boards/esp32c3/tools/elf2image.ts in a checkout).
  for (const merged of board.outputs.filter((o) => o.endsWith(".merged.bin")).map((o) => path.join(bin, o))) {
    const elf = merged.replace(/\.merged\.bin$/, ".elf");
    if (existsSync(elf) && (!existsSync(merged) || statSync(merged).mtimeMs < statSync(elf).mtimeMs)) {
      const images = esp32c3Images(readFileSync(elf));
      writeFileSync(merged.replace(/\.merged\.bin$/, ".bin"), images.rom);
      writeFileSync(merged, images.merged);
    }
  }
  writeBootloaderOutputs(board, bin);
  markCachedBuild(dir, "all");
}

function firmwareResult(board: FirmwareBoard, dir: string): FirmwareBuild {
  const bin = path.join(dir, "bin");
  const artifacts = board.outputs.map((o) => path.join(bin, o)).filter((p) => existsSync(p));
  // The map of the main image: named like the board's first output (wasmcu-rp2040.elf → wasmcu-rp2040.map).
  const main = board.outputs[0]?.replace(/\.(elf|bin|uf2)$/, "");
  const mapFile = main && existsSync(path.join(bin, `${main}.map`)) ? `${main}.map` : undefined;
  const ramStart = board.ram?.base;
  const memory = mapFile ? parseMapFile(readFileSync(path.join(bin, mapFile), "utf8"), ramStart) : undefined;
  return { board: board.name, dir, artifacts, memory };
}
