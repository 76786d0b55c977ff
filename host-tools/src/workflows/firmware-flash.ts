// `wasmcu flash --board rp2040 --port P FIRMWARE.wimg|DELTA.wdlt`: a new firmware over the link
// of the running firmware. The board runs from one bank; the image linked for the other bank
// (or the delta patch from the running bank's image to it) goes through the signed-update path
// (OTA_BEGIN/DATA/FINISH, resumable), the board resets, its bootloader boots it on trial and
// the firmware confirms itself after its self-check.
import { DeviceError } from "../lib/errors.js";
import { DeviceLink } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { imageForOtherBank, type Bank, type FirmwareImage } from "../ota/firmware.js";
import { patchForRunningBank, type FirmwarePatch } from "../ota/firmware-delta.js";
import { otaStatus, pushUpdate, type PushOptions, type PushResult } from "./ota-push.js";

/** A firmware file (one image per bank) or a firmware delta (one patch per running bank). */
export type FirmwareUpdate = { mode: "image"; images: FirmwareImage[] } | { mode: "patch"; patches: FirmwarePatch[] };

/** The bank the board's firmware runs from, as the wasmcu bootloader started it. */
async function runningBank(link: DeviceLink): Promise<Bank> {
  const fw = (await otaStatus(link)).firmware;
  if (!fw?.signed || (fw.slot !== "fw_a" && fw.slot !== "fw_b")) {
    throw new DeviceError("the board's firmware was not started by the wasmcu bootloader, so it cannot take a firmware image",
      "rp2040: install the bootloader once from its UF2 (wasmcu build --board rp2040 writes it); host: start the board with a signed firmware image (wasmcu board start --board host --firmware FW.wimg); then update over serial");
  }
  return fw.slot;
}

export async function flashFirmwareOverLink(link: DeviceLink, update: FirmwareImage[] | FirmwareUpdate, what: string,
  opts: PushOptions = {}): Promise<PushResult & { bank: Bank }> {
  const u: FirmwareUpdate = Array.isArray(update) ? { mode: "image", images: update } : update;
  const running = await runningBank(link);
  const bank: Bank = running === "fw_a" ? "fw_b" : "fw_a";
  if (u.mode === "patch") {
    const p = patchForRunningBank(u.patches, running);
    return { ...await pushUpdate(link, { mode: "patch", header: p.header, bytes: p.bytes }, opts), bank };
  }
  const img = imageForOtherBank(u.images, running, what);
  return { ...await pushUpdate(link, { mode: "image", header: img.header, bytes: img.bytes }, opts), bank };
}

/** How long a board gets to answer the link before it is taken to be in its bootloader's recovery already. */
const PROBE_MS = 5_000;

/**
 * `wasmcu flash --recovery` on a board whose firmware is alive: asked over the link, the
 * firmware resets into the bootloader's serial recovery. False when nothing answers the link
 * (the board is in recovery already, or its firmware is dead); a firmware that answers and
 * refuses (not started by the bootloader, on trial) is an error.
 */
export async function askForRecovery(port: string, baud: number): Promise<boolean> {
  const link = new DeviceLink(await openSerial(port, baud), { timeoutMs: 2000, attempts: 2 });
  try {
    try {
      await link.connect(PROBE_MS);
    } catch (e) {
      if (e instanceof DeviceError) return false;
      throw e;
    }
    await link.recovery();
    return true;
  } finally {
    await link.close().catch(() => {});
  }
}
