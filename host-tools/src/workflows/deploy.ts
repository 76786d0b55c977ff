// Deploying an app (and optionally a model) to a running board over its link.
import { checkAotImage, isAotImage } from "../build/aot.js";
import { readInput } from "../lib/files.js";
import { InputError, UsageError } from "../lib/errors.js";
import { Target } from "../link/constants.js";
import type { DeviceLink, WriteStats } from "../link/session.js";

export interface DeployResult {
  app?: { bytes: number; stats: WriteStats };
  model?: { bytes: number; stats: WriteStats };
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Commands sent again during the whole deploy (handshakes included): 0 on a clean line. */
  retransmissions: number;
}

function readImage(file: string, what: string, magic: number[] | undefined, magicAt = 0): Uint8Array {
  const bytes: Uint8Array = readInput(file, `the ${what}`); // "-": stdin
  if (bytes.length === 0) throw new InputError(`the ${what} ${file} is empty`);
  if (magic && !magic.every((b, i) => bytes[magicAt + i] === b)) {
    throw new InputError(`${file} is not a ${what} (its first bytes are not the ${what}'s magic number)`);
  }
  return bytes;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** An app for the device's app slot: a .wasm (the interpreter runs it) or a .waot (AOT code
 * with its .wasm inside), read from `file`; a .waot is checked whole here, before anything is
 * sent or signed. `module` is the .wasm the app runs (what its debug info is keyed by). */
export function readAppImage(file: string): { bytes: Uint8Array; module: Uint8Array; engine: "interp" | "aot" } {
  const bytes = readImage(file, "app (.wasm or .waot)", undefined);
  if (isAotImage(bytes)) return { bytes, module: checkAotImage(bytes, file).module, engine: "aot" };
  if (!WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new InputError(`${file} is neither a WebAssembly module nor a .waot image (its first bytes are neither magic number)`);
  }
  return { bytes, module: bytes, engine: "interp" };
}

/** Reads and sanity-checks a .tflite file ("TFL3" at byte 4). */
export function readTflite(file: string): Uint8Array {
  return readImage(file, "TensorFlow Lite model", [0x54, 0x46, 0x4c, 0x33], 4);
}

/**
 * Writes the model (if any) and then the app into the device's inactive areas, verifies
 * each, and activates them; the device restarts the app from the new slot. If anything
 * fails before activation, the previously active app keeps running.
 */
export async function deploy(link: DeviceLink, images: { app?: Uint8Array; model?: Uint8Array },
  onProgress?: (what: "app" | "model", sent: number, total: number) => void): Promise<DeployResult> {
  const retransmitted = link.retransmissions;
  const before = await link.info();
  // AOT code is Cortex-M0+ Thumb: another board would take the image and refuse to run it
  if (images.app && isAotImage(images.app) && !String(before.cpu ?? "").includes("Cortex-M0+")) {
    throw new UsageError(`this board (${String(before.board)}, ${String(before.cpu)}) does not run AOT code, which is Cortex-M0+ Thumb: nothing was sent`,
      "deploy the app's .wasm (--engine interp)");
  }
  const result: DeployResult = { before, after: before, retransmissions: 0 };
  if (images.model) {
    const stats = await link.writeImage(Target.Model, images.model, (p) => onProgress?.("model", p.sent, p.total));
    result.model = { bytes: images.model.length, stats };
  }
  if (images.app) {
    const stats = await link.writeImage(Target.App, images.app, (p) => onProgress?.("app", p.sent, p.total));
    result.app = { bytes: images.app.length, stats };
  }
  result.after = await link.info();
  result.retransmissions = link.retransmissions - retransmitted;
  return result;
}
