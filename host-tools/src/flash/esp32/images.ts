// The files `wasmcu flash --board esp32` writes: bootloader, partition table and app,
// given one by one or through the flasher_args.json that `idf.py build` writes.
// Each file is checked for its format's magic bytes before anything touches the chip.
import { readFileSync } from "node:fs";
import path from "node:path";
import { ESP_IMAGE_MAGIC } from "../../build/esp-image.js";
import { InputError } from "../../lib/errors.js";

/** "data": any other file flasher_args.json lists (e.g. ota_data_initial.bin), written as is. */
export type ImageRole = "bootloader" | "partitions" | "app" | "data";

export interface FlashImage {
  role: ImageRole;
  /** Flash offset; undefined for a bootloader whose offset depends on the chip detected. */
  offset: number | undefined;
  file: string;
  data: Buffer;
}

/** First byte of an ESP-IDF application or bootloader image (the ROM's format, build/esp-image.ts). */
export { ESP_IMAGE_MAGIC };
/** Every partition table entry starts with AA 50. */
export const PARTITION_MAGIC = [0xaa, 0x50] as const;
export const PARTITION_TABLE_OFFSET = 0x8000;
export const APP_OFFSET = 0x10000;

function readImage(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Throws InputError unless `data` looks like a file of `role`. */
export function checkImage(role: ImageRole, file: string, data: Uint8Array): void {
  if (data.length === 0) throw new InputError(`${file}: the ${role} image is empty`);
  if (role === "data") return;
  if (role === "partitions") {
    if (data[0] !== PARTITION_MAGIC[0] || data[1] !== PARTITION_MAGIC[1]) {
      throw new InputError(`${file}: not a partition table: byte 0-1 are ${hex2(data[0])} ${hex2(data[1])}, expected aa 50`,
        "pass build/partition_table/partition-table.bin from idf.py build");
    }
    if (data.length > APP_OFFSET - PARTITION_TABLE_OFFSET) throw new InputError(`${file}: a partition table of ${data.length} bytes is too large`);
    return;
  }
  if (data[0] !== ESP_IMAGE_MAGIC) {
    throw new InputError(`${file}: not an ESP ${role} image: byte 0 is ${hex2(data[0])}, expected e9`,
      role === "app" ? "pass the app .bin from idf.py build (not the .elf)" : "pass build/bootloader/bootloader.bin from idf.py build");
  }
  if (data.length < 24) throw new InputError(`${file}: ${data.length} bytes is shorter than an ESP image header (24 bytes)`);
}

function hex2(b: number | undefined): string {
  return b === undefined ? "(none)" : b.toString(16).padStart(2, "0");
}

export function parseOffset(s: string, where: string): number {
  const v = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^\d+$/.test(s) ? parseInt(s, 10) : NaN;
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) throw new InputError(`${where}: "${s}" is not a flash offset`);
  return v;
}

/** --bootloader / --partitions / --app-image as given on the command line. */
export function imagesFromFiles(files: { bootloader?: string; partitions?: string; app?: string }): FlashImage[] {
  const out: FlashImage[] = [];
  const add = (role: ImageRole, file: string | undefined, offset: number | undefined) => {
    if (!file) return;
    const data = readImage(file, role);
    checkImage(role, file, data);
    out.push({ role, offset, file, data });
  };
  add("bootloader", files.bootloader, undefined);
  add("partitions", files.partitions, PARTITION_TABLE_OFFSET);
  add("app", files.app, APP_OFFSET);
  return out;
}

export interface FlasherArgs {
  images: FlashImage[];
  /** The chip idf.py built for (extra_esptool_args.chip), if it says. */
  chip: string | undefined;
}

/** Reads idf.py's build/flasher_args.json; file paths in it are relative to its folder. */
export function imagesFromFlasherArgs(jsonFile: string): FlasherArgs {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(jsonFile, "utf8"));
  } catch (e) {
    throw new InputError(`cannot read ${jsonFile}: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null) throw new InputError(`${jsonFile}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  const files = o.flash_files;
  if (typeof files !== "object" || files === null || Array.isArray(files)) {
    throw new InputError(`${jsonFile}: no "flash_files" object (offset -> file)`, "pass the flasher_args.json from an idf.py build folder");
  }
  const dir = path.dirname(jsonFile);
  const roleOf = (key: string): ImageRole | undefined => {
    const r = o[key];
    return typeof r === "object" && r !== null ? (key === "partition-table" ? "partitions" : (key as ImageRole)) : undefined;
  };
  const byFile = new Map<string, ImageRole>();
  for (const key of ["bootloader", "partition-table", "app"]) {
    const entry = o[key] as Record<string, unknown> | undefined;
    const role = roleOf(key);
    if (role && typeof entry?.file === "string") byFile.set(path.normalize(entry.file), role);
  }
  const images: FlashImage[] = [];
  for (const [off, rel] of Object.entries(files as Record<string, unknown>)) {
    if (typeof rel !== "string") throw new InputError(`${jsonFile}: flash_files["${off}"] is not a file name`);
    const offset = parseOffset(off, `${jsonFile}: flash_files`);
    const role = byFile.get(path.normalize(rel)) ?? "data";
    const file = path.resolve(dir, rel);
    const data = readImage(file, role);
    checkImage(role, file, data);
    images.push({ role, offset, file, data });
  }
  if (images.length === 0) throw new InputError(`${jsonFile}: "flash_files" is empty`);
  const extra = o.extra_esptool_args as Record<string, unknown> | undefined;
  return { images, chip: typeof extra?.chip === "string" ? extra.chip : undefined };
}

/** boards/esp32c3's merged image: all of the firmware from flash offset 0, where the C3's ROM boots it. */
export function esp32c3MergedImage(file: string): FlasherArgs {
  const data = readImage(file, "firmware image");
  checkImage("app", file, data);
  return { images: [{ role: "app", offset: 0, file, data }], chip: "esp32c3" };
}

export interface PlacedImage extends Omit<FlashImage, "offset"> {
  offset: number;
}

/**
 * Gives the bootloader the chip's offset and checks the regions: sector-aligned, inside
 * flash, not overlapping, the app within `appLimit` bytes (the firmware slot).
 */
export function placeImages(images: FlashImage[], opts: { bootloaderOffset: number; flashSize: number; appLimit?: number; chipName: string }): PlacedImage[] {
  const placed = images.map((im) => {
    const offset = im.offset ?? opts.bootloaderOffset;
    if (im.role === "bootloader" && offset !== opts.bootloaderOffset) {
      throw new InputError(`${im.file}: the bootloader is meant for 0x${offset.toString(16)}, but an ${opts.chipName} boots from 0x${opts.bootloaderOffset.toString(16)}`,
        "build the project for the chip that is connected (idf.py set-target)");
    }
    return { ...im, offset };
  }).sort((a, b) => a.offset - b.offset);
  for (const [i, im] of placed.entries()) {
    const end = im.offset + im.data.length;
    if (im.offset % 0x1000 !== 0) throw new InputError(`${im.file}: offset 0x${im.offset.toString(16)} is not a multiple of 4 KiB`);
    if (end > opts.flashSize) throw new InputError(`${im.file}: ${im.data.length} bytes at 0x${im.offset.toString(16)} run past the end of the ${opts.flashSize / 1048576} MiB flash`);
    if (im.role === "app" && opts.appLimit !== undefined && im.data.length > opts.appLimit) {
      throw new InputError(`${im.file}: the app image is ${im.data.length} bytes, larger than its ${opts.appLimit}-byte partition`);
    }
    const next = placed[i + 1];
    if (next && end > next.offset) {
      throw new InputError(`${im.file} (0x${im.offset.toString(16)}-0x${end.toString(16)}) overlaps ${next.file} at 0x${next.offset.toString(16)}`);
    }
  }
  return placed;
}

/**
 * The images a command line asks for: --flasher-args, or --bootloader/--partitions/--app-image,
 * or else `defaultFlasherArgs` (boards/esp32/build/flasher_args.json after `idf.py build`).
 */
export function imagesFromOptions(o: { flasherArgs?: string; bootloader?: string; partitions?: string; app?: string; defaultFlasherArgs: string; exists: (p: string) => boolean }): FlasherArgs {
  const files = o.bootloader || o.partitions || o.app;
  if (o.flasherArgs && files) throw new InputError("give either --flasher-args or --bootloader/--partitions/--app-image, not both");
  if (files) return { images: imagesFromFiles({ bootloader: o.bootloader, partitions: o.partitions, app: o.app }), chip: undefined };
  const json = o.flasherArgs ?? o.defaultFlasherArgs;
  if (!o.flasherArgs && !o.exists(json)) {
    throw new InputError(`nothing to flash: no --bootloader/--partitions/--app-image and no ${json}`,
      "build the ESP32 firmware with idf.py (see boards/esp32/README.md), or pass the .bin files");
  }
  return imagesFromFlasherArgs(json);
}
