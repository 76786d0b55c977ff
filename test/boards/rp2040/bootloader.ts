// The wasmcu bootloader on rp2040-sim (boards/rp2040/boot): the bootloader and the two bank
// builds of the device firmware come from the default rp2040 tree (build/rp2040, built by
// `npm test`); firmware files are signed here with the development key the default build
// trusts. Emulated flash files are written directly, as a first install (UF2) leaves them.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { ensureFlashFile } from "../../../host-tools/src/boards/flash-image.js";
import { firstInstallChunks, parseFirmwareFile, signFirmware, type BootLayout } from "../../../host-tools/src/ota/firmware.js";
import { signImage } from "../../../host-tools/src/ota/image.js";
import { uf2FromChunks, RP2040_FAMILY_ID } from "../../../host-tools/src/build/uf2.js";
import { devSigner, type Signer } from "../../helpers/ota.js";
import { rp2040Elf } from "../../helpers/paths.js";

export const target = resolveBoard("rp2040-sim");
export const boot: BootLayout = target.board.flash.boot!;
const bin = (name: string) => path.join(path.dirname(rp2040Elf()), name);
/** The bootloader's ELF: what the emulator is started with (it rewrites only the bootloader's sectors). */
export const bootloaderElf = () => bin("wasmcu-rp2040-boot.elf");

/** A firmware file (both banks) of version 1.`minor`.0 with security counter `counter`. */
export function firmwareFile(minor: number, counter: number, signer: Signer = devSigner()): Buffer {
  return signFirmware({
    payloads: [readFileSync(bin("wasmcu-rp2040-fw_a.bin")), readFileSync(bin("wasmcu-rp2040-fw_b.bin"))], boot,
    version: { major: 1, minor, patch: 0 }, securityCounter: counter, privateKey: signer.privateKey, rawPublicKey: signer.raw,
  });
}

/** The first-install UF2 (boot2 + bootloader + fw_a's image). */
export function firstInstallUf2(file: Buffer): Uint8Array {
  const images = parseFirmwareFile(file, boot, "firmware");
  return uf2FromChunks(firstInstallChunks(readFileSync(bin("wasmcu-rp2040-boot.bin")), images, boot), { familyId: RP2040_FAMILY_ID });
}

/** An emulated flash as the first-install UF2 leaves it. */
export function installedFlash(flashFile: string, file: Buffer): void {
  ensureFlashFile(flashFile, target.board);
  const flash = readFileSync(flashFile);
  const images = parseFirmwareFile(file, boot, "firmware");
  for (const c of firstInstallChunks(readFileSync(bin("wasmcu-rp2040-boot.bin")), images, boot)) {
    flash.set(c.data, c.address - 0x10000000);
  }
  writeFileSync(flashFile, flash);
}

/**
 * A signed firmware image for `bank` that faults at once: its reset handler is `udf`, its
 * HardFault handler `b .` (it never feeds the watchdog the bootloader armed for its trial).
 */
export function faultingFirmware(bank: "fw_a" | "fw_b", counter: number, minor: number, signer: Signer = devSigner()): Buffer {
  const payload = Buffer.alloc(128 + 0xc0 + 4);
  const code = 0x10000000 + boot[bank].offset + 256 + 0xc0;
  payload.writeUInt32LE(0x20040000, 128); // initial SP
  payload.writeUInt32LE(code | 1, 128 + 4); // reset: udf #0
  for (let v = 2; v < 48; v++) payload.writeUInt32LE((code + 2) | 1, 128 + 4 * v); // everything else: b .
  payload.writeUInt16LE(0xde00, 128 + 0xc0); // udf #0
  payload.writeUInt16LE(0xe7fe, 128 + 0xc2); // b .
  return signImage({ kind: "firmware", payload, version: { major: 1, minor, patch: 0 }, securityCounter: counter,
    privateKey: signer.privateKey, rawPublicKey: signer.raw });
}
