// What `wasmcu build --board rp2040` adds for a board with the wasmcu bootloader
// (board.json flash.boot; boards/rp2040/boot/README.md): the first-install UF2 (boot2 and the
// bootloader, fw_a's signed image in its bank) and the firmware file for updates over serial
// (both bank builds signed). Both are signed with the public development key, which the
// default firmware trusts; products sign their bank builds with `wasmcu sign --kind firmware`.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { firstInstallChunks, parseFirmwareFile, signFirmware, type BootLayout } from "../ota/firmware.js";
import { parseSemVer } from "../ota/image.js";
import { DEV_KEY_NAME, storeFor } from "../ota/keys.js";
import { repoRoot } from "../lib/paths.js";
import { RP2040_FAMILY_ID, uf2FromChunks } from "./uf2.js";

export const INSTALL_UF2 = "wasmcu-rp2040-install.uf2";
export const FIRMWARE_FILE = "wasmcu-rp2040-firmware.wimg";

/** Writes the two files beside the bank builds in `bin`; returns their paths (none without a bootloader). */
export function writeBootloaderOutputs(board: { flash: { boot?: BootLayout } }, bin: string): string[] {
  const boot = board.flash.boot;
  const names = ["wasmcu-rp2040-boot.bin", "wasmcu-rp2040-fw_a.bin", "wasmcu-rp2040-fw_b.bin"].map((n) => path.join(bin, n));
  if (!boot || !names.every((n) => existsSync(n))) return [];
  const { store } = storeFor(DEV_KEY_NAME);
  const key = store.get(DEV_KEY_NAME);
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version?: string };
  const file = signFirmware({ payloads: [readFileSync(names[1]!), readFileSync(names[2]!)], boot,
    version: parseSemVer(pkg.version ?? "0.0.0"), securityCounter: 0,
    privateKey: store.privateKey(DEV_KEY_NAME), rawPublicKey: key.rawPublicKey, what: names.slice(1) });
  const images = parseFirmwareFile(file, boot, FIRMWARE_FILE);
  const out = [path.join(bin, INSTALL_UF2), path.join(bin, FIRMWARE_FILE)];
  writeWhole(out[0]!, uf2FromChunks(firstInstallChunks(readFileSync(names[0]!), images, boot), { familyId: RP2040_FAMILY_ID }));
  writeWhole(out[1]!, file);
  return out;
}

/** Written beside and renamed: a build running at the same time never reads half a file. */
function writeWhole(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}
