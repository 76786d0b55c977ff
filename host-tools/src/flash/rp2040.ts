// `wasmcu flash --board rp2040`: an RP2040 held in BOOTSEL shows up as a USB drive with an
// INFO_UF2.TXT; copying a UF2 file onto it programs the flash and reboots the board.
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseUf2, RP2040_FAMILY_ID, Uf2Error, uf2FlashChunks } from "../build/uf2.js";
import { BoardError, InputError } from "../lib/errors.js";

export interface BootDrive {
  dir: string;
  /** Model line of INFO_UF2.TXT ("Raspberry Pi RP2"). */
  model: string;
  /** Board-ID line ("RPI-RP2"). */
  boardId: string;
}

/** Where desktops and people mount USB drives: /media/USER/LABEL, /run/media/USER/LABEL, /mnt/LABEL. */
export function defaultMountRoots(): { dir: string; depth: number }[] {
  return [
    { dir: "/media", depth: 2 },
    { dir: "/run/media", depth: 2 },
    { dir: "/mnt", depth: 1 },
    // Some systems mount straight under /media.
    { dir: "/media", depth: 1 },
  ];
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** Parses INFO_UF2.TXT's "Key: value" lines; undefined unless it is an RP2040 boot drive. */
export function readBootDrive(dir: string): BootDrive | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, "INFO_UF2.TXT"), "latin1");
  } catch {
    return undefined;
  }
  const field = (k: string) => new RegExp(`^${k}:\\s*(.+?)\\s*$`, "mi").exec(text)?.[1] ?? "";
  const boardId = field("Board-ID");
  const model = field("Model");
  // RP2040's bootrom says Board-ID: RPI-RP2; the RP2350 (another family) says RP2350.
  if (!/^RPI-RP2\b/i.test(boardId)) return undefined;
  return { dir, model, boardId };
}

/** Every mounted RP2040 boot drive under the usual mount points (and `extra`, if given). */
export function findBootDrives(roots = defaultMountRoots()): BootDrive[] {
  const seen = new Set<string>();
  const out: BootDrive[] = [];
  for (const { dir, depth } of roots) {
    let level = [dir];
    for (let d = 0; d < depth; d++) level = level.flatMap(subdirs);
    for (const cand of level) {
      if (seen.has(cand)) continue;
      seen.add(cand);
      const drive = readBootDrive(cand);
      if (drive) out.push(drive);
    }
  }
  return out;
}

const BOOTSEL_HINT =
  "put the Pico in BOOTSEL mode: unplug it, hold the BOOTSEL button while plugging the USB cable back in, then release it; " +
  "a drive named RPI-RP2 appears (if your system does not mount it by itself, mount it and pass --drive DIR)";

/** The one drive to write to: `--drive` when given (checked), else the only mounted one. */
export function pickBootDrive(drive: string | undefined, roots = defaultMountRoots()): BootDrive {
  if (drive) {
    if (!existsSync(drive) || !statSync(drive).isDirectory()) throw new BoardError(`--drive ${drive}: no such folder`, BOOTSEL_HINT);
    const d = readBootDrive(drive);
    if (!d) throw new BoardError(`--drive ${drive}: not an RP2040 boot drive (no INFO_UF2.TXT with Board-ID RPI-RP2)`, BOOTSEL_HINT);
    return d;
  }
  const found = findBootDrives(roots);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new BoardError(`no RP2040 boot drive is mounted (looked in ${[...new Set(roots.map((r) => r.dir))].join(", ")})`, BOOTSEL_HINT);
  }
  throw new BoardError(`${found.length} RP2040 boot drives are mounted: ${found.map((d) => d.dir).join(", ")}`, "choose one with --drive DIR");
}

/** Checks that `file` is a UF2 with RP2040 flash blocks; returns its size in flash bytes. */
export function checkRp2040Uf2(file: string): { blocks: number; flashBytes: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      "build the firmware first: wasmcu build --board rp2040");
  }
  try {
    const blocks = parseUf2(bytes);
    const chunks = uf2FlashChunks(bytes, RP2040_FAMILY_ID);
    if (chunks.length === 0) throw new InputError(`${file}: no block of this UF2 is for the RP2040 (family 0x${RP2040_FAMILY_ID.toString(16)})`);
    return { blocks: blocks.length, flashBytes: chunks.reduce((s, c) => s + c.data.length, 0) };
  } catch (e) {
    if (e instanceof Uf2Error) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

export interface Rp2040FlashResult {
  uf2: string;
  drive: string;
  boardId: string;
  bytes: number;
  blocks: number;
}

/** Copies the UF2 onto the boot drive; the bootrom programs it and reboots into it. */
export function flashRp2040(uf2: string, drive: string | undefined, roots = defaultMountRoots()): Rp2040FlashResult {
  const info = checkRp2040Uf2(uf2);
  const target = pickBootDrive(drive, roots);
  const dest = path.join(target.dir, path.basename(uf2));
  try {
    copyFileSync(uf2, dest);
  } catch (e) {
    throw new BoardError(`cannot copy ${uf2} to ${target.dir}: ${(e as Error).message}`, "check that the drive is mounted writable");
  }
  return { uf2, drive: target.dir, boardId: target.boardId, bytes: statSync(uf2).size, blocks: info.blocks };
}
