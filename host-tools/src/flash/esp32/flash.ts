// `wasmcu flash --board esp32` as a library call: connect to the ROM loader, check the
// chip against the images, write each region and verify its MD5, then reset the chip.
import { DeviceError } from "../../lib/errors.js";
import { chipById } from "./chips/index.js";
import { placeImages, type FlashImage, type ImageRole } from "./images.js";
import { EspLoader, type LoaderOptions, type RegionResult } from "./loader.js";
import type { FrameTransport } from "./transport.js";

export const ROM_BAUD = 115200;

export interface FlashOptions extends LoaderOptions {
  /** Baud rate for the writes (the ROM starts at 115200; CHANGE_BAUDRATE switches). */
  baud?: number;
  /** Deflate the data (the default); false sends it plain. */
  compress?: boolean;
  flashSize: number;
  /** Largest app image the firmware partition holds. */
  appLimit?: number;
  /** The chip the images were built for ("esp32"); a different chip is refused. */
  expectChip?: string;
  /** Leave the chip in the loader instead of resetting it afterwards. */
  noResetAfter?: boolean;
  onEvent?: (e: FlashEvent) => void;
}

export type FlashEvent =
  | { kind: "log"; text: string }
  | { kind: "region"; role: ImageRole; file: string; offset: number; size: number; compressed: boolean }
  | { kind: "progress"; role: ImageRole; written: number; total: number }
  | { kind: "verified"; role: ImageRole; result: RegionResult };

export interface FlashSummary {
  port: string;
  chip: string;
  baud: number;
  regions: (RegionResult & { role: ImageRole; file: string })[];
  bytes: number;
  wireBytes: number;
  seconds: number;
  /** True when the chip was reset to run the new firmware. */
  reset: boolean;
  /** How: an EN pulse through RTS, or (no modem lines) FLASH_END asking the ROM to reboot. */
  resetBy: "dtr-rts" | "flash-end" | "none";
  /** Why DTR/RTS were not used, when they were not. */
  signalProblem?: string;
}

export async function flashEsp32(port: FrameTransport, images: FlashImage[], opts: FlashOptions): Promise<FlashSummary> {
  const emit = opts.onEvent ?? (() => {});
  const started = Date.now();
  const loader = new EspLoader(port, { ...opts, log: (text) => emit({ kind: "log", text }) });
  await loader.connect();
  const chip = await loader.detectChip();
  emit({ kind: "log", text: `chip: ${chip.name}` });
  if (opts.expectChip) {
    const want = chipById(opts.expectChip);
    if (want && want.id !== chip.id) {
      throw new DeviceError(`${port.name}: the images are built for ${want.name} but the chip is an ${chip.name}`,
        "build for the connected chip (idf.py set-target) or connect the right board");
    }
  }
  const placed = placeImages(images, { bootloaderOffset: chip.bootloaderOffset, flashSize: opts.flashSize, appLimit: opts.appLimit, chipName: chip.name });
  await loader.attachFlash();
  await loader.setFlashParams(opts.flashSize);
  let baud = ROM_BAUD;
  if (opts.baud && opts.baud !== ROM_BAUD) {
    emit({ kind: "log", text: `changing baud rate to ${opts.baud}` });
    await loader.changeBaud(opts.baud);
    baud = opts.baud;
  }
  const regions: FlashSummary["regions"] = [];
  for (const im of placed) {
    const compress = opts.compress ?? true;
    emit({ kind: "region", role: im.role, file: im.file, offset: im.offset, size: im.data.length, compressed: compress && chip.romSupportsDeflate });
    const result = await loader.writeRegion(im.offset, im.data, {
      compress,
      label: `${im.role} at 0x${im.offset.toString(16)}`,
      onProgress: (p) => emit({ kind: "progress", role: im.role, ...p }),
    });
    emit({ kind: "verified", role: im.role, result });
    regions.push({ ...result, role: im.role, file: im.file });
  }
  let resetBy: FlashSummary["resetBy"] = "none";
  if (!opts.noResetAfter) {
    if (await loader.hardReset()) resetBy = "dtr-rts";
    else if (await loader.rebootViaLoader(regions.at(-1)?.compressed ?? false)) resetBy = "flash-end";
  }
  const reset = resetBy !== "none";
  return {
    port: port.name,
    chip: chip.name,
    baud,
    regions,
    bytes: regions.reduce((s, r) => s + r.size, 0),
    wireBytes: regions.reduce((s, r) => s + r.wireBytes, 0),
    seconds: (Date.now() - started) / 1000,
    reset,
    resetBy,
    ...(loader.signalProblem ? { signalProblem: loader.signalProblem } : {}),
  };
}
