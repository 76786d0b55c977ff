// `wasmcu flash --board rp2040 --port P FIRMWARE.wimg`: a new firmware over the link of the
// running firmware. The board runs from one bank; the image linked for the other bank goes
// through the signed-update path (OTA_BEGIN/DATA/FINISH, resumable), the board resets, its
// bootloader boots it on trial and the firmware confirms itself after its self-check.
import { DeviceError } from "../lib/errors.js";
import type { DeviceLink } from "../link/session.js";
import { imageForOtherBank, type Bank, type FirmwareImage } from "../ota/firmware.js";
import { otaStatus, pushUpdate, type PushOptions, type PushResult } from "./ota-push.js";

export async function flashFirmwareOverLink(link: DeviceLink, images: FirmwareImage[], what: string,
  opts: PushOptions = {}): Promise<PushResult & { bank: Bank }> {
  const fw = (await otaStatus(link)).firmware;
  if (!fw?.signed || (fw.slot !== "fw_a" && fw.slot !== "fw_b")) {
    throw new DeviceError("the board's firmware was not started by the wasmcu bootloader, so it cannot take a firmware image",
      "install the bootloader once from its UF2 (wasmcu build --board rp2040 writes it), then update over serial");
  }
  const img = imageForOtherBank(images, fw.slot, what);
  const r = await pushUpdate(link, { mode: "image", header: img.header, bytes: img.bytes }, opts);
  return { ...r, bank: img.bank };
}
