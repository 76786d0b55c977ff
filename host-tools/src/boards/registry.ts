// The boards wasmcu knows: one folder per board under boards/, described by its board.json.
import type { BootLayout } from "../ota/firmware.js";
import type { HostFirmwareFiles } from "../ota/host-firmware.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BoardError } from "../lib/errors.js";
import { EXIT } from "../lib/exit-codes.js";
import { boardsDir } from "../lib/paths.js";

export interface FlashRegion {
  name: string;
  offset: number;
  size: number;
}

export interface SerialSettings {
  baud: number;
  data_bits: number;
  parity: "none" | "even" | "odd";
  stop_bits: number;
}

export interface Board {
  name: string;
  description: string;
  cpu: string;
  clock_hz: number;
  toolchain: string;
  /** `base`: where RAM starts, when one address tells RAM from flash (rp2040); otherwise section names do. */
  ram: { size: number; base?: number };
  flash: { size: number; erase_size: number; write_size: number; xip_base?: number; layout: FlashRegion[]; boot?: BootLayout;
    /** The host board: its firmware banks are files beside the flash file (boards/host/README.md). */
    firmware_files?: HostFirmwareFiles };
  serial: SerialSettings;
  led_pin: number;
  /** The bench app's phase-marker GPIO for a power monitor (firmware reads it; 15 when absent). */
  marker_pin?: number;
  usb?: { vendor_id?: string; product_id?: string; bridges?: string[] };
  uf2_family_id?: string;
  simulator?: string;
  /** What the emulator (`simulator`) models and boots; required with `simulator`. */
  simulator_features?: LocalFeatures;
  /** The board is a process on this machine (the host board): what it models. */
  runs_here?: LocalFeatures;
  outputs: string[];
  buildable_here?: boolean;
  /** Folder holding board.json. */
  dir: string;
}

/**
 * What a board that runs on this machine (an emulator, or the host board's process) can do,
 * declared in board.json so that the CLI asks for a capability, never a board name: a new
 * emulator gets a feature by declaring it.
 */
export interface LocalFeatures {
  /** The build output the emulator boots, by its name's ending (".elf", ".merged.bin"). */
  image?: string;
  /** File types `wasmcu board start --firmware` may boot instead of the build (".elf", ".uf2"). */
  custom_firmware?: string[];
  /** Flash timing (XIP cache, QSPI stalls) counted per flash region: --flash-model. */
  flash_model?: boolean;
  /** The power-measurement rig (sim/rig.ts): a monitor chip reading a simulated INA219. */
  power_rig?: boolean;
  /** An emulated USB host on the board's USB port (CDC-ACM). */
  usb?: boolean;
  /** The I2C device models `--i2c KIND@ADDR` may attach. */
  i2c_models?: string[];
}

export type LocalFeature = "flash_model" | "power_rig" | "usb";

/** A name the CLI accepts for --board: a board folder, or an emulator that runs one. */
export interface BoardTarget {
  board: Board;
  /** True for `rp2040-sim`: the rp2040 firmware running in the emulator. */
  simulated: boolean;
  name: string;
}

function fail(file: string, what: string): never {
  throw new BoardError(`${file}: ${what}`);
}

function requireNumber(o: Record<string, unknown>, key: string, file: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(file, `${where}.${key} must be a non-negative integer`);
  return v;
}

function checkStrings(v: unknown, where: string, file: string): void {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || !x)) fail(file, `${where} must be an array of non-empty strings`);
}

function checkFeatures(raw: unknown, key: string, file: string, emulator: boolean, outputsOf: unknown): void {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(file, `"${key}" must be an object`);
  const f = raw as Record<string, unknown>;
  const known = ["image", "custom_firmware", "flash_model", "power_rig", "usb", "i2c_models"];
  for (const k of Object.keys(f)) if (!known.includes(k)) fail(file, `${key}.${k} is not a known feature (${known.join(", ")})`);
  for (const k of ["flash_model", "power_rig", "usb"]) {
    if (f[k] !== undefined && typeof f[k] !== "boolean") fail(file, `${key}.${k} must be true or false`);
  }
  if (f.custom_firmware !== undefined) checkStrings(f.custom_firmware, `${key}.custom_firmware`, file);
  if (f.i2c_models !== undefined) checkStrings(f.i2c_models, `${key}.i2c_models`, file);
  if (emulator && (typeof f.image !== "string" || !f.image)) fail(file, `${key}.image must name the build output the emulator boots (e.g. ".elf")`);
  if (!emulator && f.image !== undefined) fail(file, `${key}.image is for an emulator (simulator_features)`);
  const outputs = Array.isArray(outputsOf) ? outputsOf : [];
  if (typeof f.image === "string" && !outputs.some((o) => typeof o === "string" && o.endsWith(f.image as string))) {
    fail(file, `${key}.image "${f.image}" ends none of "outputs"`);
  }
}

/** Checks a parsed board.json: required fields and a flash layout that fits and does not overlap. */
export function validateBoard(raw: unknown, file: string): Omit<Board, "dir"> {
  if (typeof raw !== "object" || raw === null) fail(file, "not a JSON object");
  const o = raw as Record<string, unknown>;
  for (const key of ["name", "description", "cpu", "toolchain"]) {
    if (typeof o[key] !== "string" || !(o[key] as string)) fail(file, `"${key}" must be a non-empty string`);
  }
  requireNumber(o, "clock_hz", file, "board");
  const flash = o.flash as Record<string, unknown> | undefined;
  if (!flash || typeof flash !== "object") fail(file, `"flash" is missing`);
  const flashSize = requireNumber(flash, "size", file, "flash");
  const erase = requireNumber(flash, "erase_size", file, "flash");
  if (!Array.isArray(flash.layout) || flash.layout.length === 0) fail(file, "flash.layout must be a non-empty array");
  const regions = (flash.layout as Record<string, unknown>[]).map((r, i) => {
    const where = `flash.layout[${i}]`;
    if (typeof r?.name !== "string" || !/^[a-z][a-z0-9_]*$/.test(r.name)) fail(file, `${where}.name must be a lower-case identifier`);
    const offset = requireNumber(r, "offset", file, where);
    const size = requireNumber(r, "size", file, where);
    if (erase > 0 && (offset % erase !== 0 || size % erase !== 0)) {
      fail(file, `${where} (${r.name}) must start and end on a ${erase}-byte erase boundary`);
    }
    if (offset + size > flashSize) fail(file, `${where} (${r.name}) ends at ${offset + size}, past the flash size ${flashSize}`);
    return { name: r.name, offset, size };
  });
  const sorted = [...regions].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.offset + prev.size > cur.offset) fail(file, `flash regions ${prev.name} and ${cur.name} overlap`);
  }
  for (const needed of ["firmware", "app_a", "app_b", "model", "settings"]) {
    if (!regions.some((r) => r.name === needed)) fail(file, `flash.layout has no "${needed}" region`);
  }
  const ram = o.ram as Record<string, unknown> | undefined;
  if (!ram) fail(file, `"ram" is missing`);
  requireNumber(ram, "size", file, "ram");
  const serial = o.serial as Record<string, unknown> | undefined;
  if (!serial) fail(file, `"serial" is missing`);
  requireNumber(serial, "baud", file, "serial");
  if (o.simulator !== undefined && (typeof o.simulator !== "string" || !o.simulator)) fail(file, `"simulator" must be a non-empty string`);
  if (o.simulator !== undefined && o.simulator_features === undefined) fail(file, `"simulator_features" is missing (what ${o.simulator} models and boots)`);
  if (o.simulator_features !== undefined) checkFeatures(o.simulator_features, "simulator_features", file, true, o.outputs);
  if (o.runs_here !== undefined) checkFeatures(o.runs_here, "runs_here", file, false, o.outputs);
  return o as unknown as Omit<Board, "dir">;
}

export function loadBoard(dir: string): Board {
  const file = path.join(dir, "board.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BoardError(`${file}: ${(e as Error).message}`);
  }
  const board = validateBoard(raw, file);
  if (board.name !== path.basename(dir)) fail(file, `"name" is "${board.name}" but the folder is "${path.basename(dir)}"`);
  return { ...board, dir };
}

/** Every board under boards/, sorted by name. */
export function listBoards(root = boardsDir): Board[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "board.json")))
    .map((d) => loadBoard(path.join(root, d.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Resolves a --board value: a board folder name, or the simulator name of one (rp2040-sim). */
export function resolveBoard(name: string, root = boardsDir): BoardTarget {
  const boards = listBoards(root);
  const direct = boards.find((b) => b.name === name);
  if (direct) return { board: direct, simulated: false, name };
  const sim = boards.find((b) => b.simulator === name);
  if (sim) return { board: sim, simulated: true, name };
  const known = [...boards.map((b) => b.name), ...boards.flatMap((b) => (b.simulator ? [b.simulator] : []))];
  throw new BoardError(`unknown board "${name}"`, `known boards: ${known.join(", ")} (see wasmcu boards)`, EXIT.USAGE);
}

/** What the target does when run on this machine; undefined for a board that must be plugged in. */
export function localFeatures(target: BoardTarget): LocalFeatures | undefined {
  return target.simulated ? target.board.simulator_features : target.board.runs_here;
}

/** True when wasmcu starts the target itself (an emulator or the host board's process). */
export function runsHere(target: BoardTarget): boolean {
  return localFeatures(target) !== undefined;
}

/** True when the target runs on this machine with `feature` (board.json declares it). */
export function hasFeature(target: BoardTarget, feature: LocalFeature): boolean {
  return localFeatures(target)?.[feature] === true;
}

/** The --board names that have `feature` (or pass the test), for hints ("rp2040-sim"). */
export function targetsWith(feature: LocalFeature | ((f: LocalFeatures) => boolean), root = boardsDir): string[] {
  const has = typeof feature === "function" ? feature : (f: LocalFeatures) => f[feature] === true;
  return listBoards(root).flatMap((board) => [
    ...(board.runs_here && has(board.runs_here) ? [board.name] : []),
    ...(board.simulator && board.simulator_features && has(board.simulator_features) ? [board.simulator] : []),
  ]);
}

/** "--board a or --board b": the targets with `feature`, as a hint spells them. */
export function boardChoices(feature: Parameters<typeof targetsWith>[0]): string {
  return targetsWith(feature).map((n) => `--board ${n}`).join(" or ");
}

/** The host board's firmware files (board.json flash.firmware_files). */
export function hostFirmwareFiles(board: Board): HostFirmwareFiles {
  const f = board.flash.firmware_files;
  if (!f) throw new BoardError(`board ${board.name} keeps no firmware files (flash.firmware_files in its board.json)`);
  return f;
}

export function region(board: Board, name: string): FlashRegion {
  const r = board.flash.layout.find((x) => x.name === name);
  if (!r) throw new BoardError(`board ${board.name} has no flash region "${name}"`);
  return r;
}
