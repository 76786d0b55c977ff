// Deploying an app (and optionally a model) to a running board over its link.
import { readInput } from "../lib/files.js";
import { InputError } from "../lib/errors.js";
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

/** Reads and sanity-checks a .wasm file (the device validates it fully before running it). */
export function readWasm(file: string): Uint8Array {
  return readImage(file, "WebAssembly module", [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
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
