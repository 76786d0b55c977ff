// Signed firmware images for the host board (boards/host/README.md, "Firmware files"): one
// image of kind "firmware" whose payload is a wasmcu-host executable. The host board's banks
// are files and an executable runs from either, so one image serves both banks: the board
// writes it into the bank it does not run from.
import type { KeyObject } from "node:crypto";
import { InputError } from "../lib/errors.js";
import { BANKS, type FirmwareImage } from "./firmware.js";
import { HEADER_SIZE, signImage, parseImage, type SemVer } from "./image.js";

/** The host board's firmware files (board.json flash.firmware_files). */
export interface HostFirmwareFiles {
  bank_size: number;
  state: { offset: number; size: number };
}

/** ET_EXEC or ET_DYN, as the board's boot step checks before it runs one (boards/host/fw_banks.c). */
function checkExecutable(payload: Buffer, what: string): void {
  if (payload.length < 64 || payload.readUInt32BE(0) !== 0x7f454c46) {
    throw new InputError(`${what}: not an executable (no ELF magic at offset 0)`, "give a wasmcu-host build (build/host/bin/wasmcu-host)");
  }
  const type = payload[5] === 2 ? payload.readUInt16BE(16) : payload.readUInt16LE(16);
  if (type !== 2 && type !== 3) throw new InputError(`${what}: an ELF file of type ${type}, not an executable`);
}

/** Signs a wasmcu-host executable as the host board's firmware image. */
export function signHostFirmware(o: { payload: Buffer; files: HostFirmwareFiles; version: SemVer; securityCounter: number;
  privateKey: KeyObject; rawPublicKey: Uint8Array; what: string }): Buffer {
  checkExecutable(o.payload, o.what);
  if (HEADER_SIZE + o.payload.length > o.files.bank_size) {
    throw new InputError(`${o.what}: ${o.payload.length} bytes do not fit a firmware file of ${o.files.bank_size} bytes with its header`);
  }
  return signImage({ kind: "firmware", payload: o.payload, version: o.version, securityCounter: o.securityCounter,
    privateKey: o.privateKey, rawPublicKey: o.rawPublicKey });
}

/** A host firmware file, checked: one signed image of kind firmware, an executable, fitting a bank; offered for either bank. */
export function parseHostFirmwareFile(bytes: Buffer, files: HostFirmwareFiles, what: string): FirmwareImage[] {
  const header = parseImage(bytes, what);
  if (header.kind !== "firmware") throw new InputError(`${what}: a signed ${header.kind} image, not firmware`);
  if (bytes.length !== HEADER_SIZE + header.payloadLength) {
    throw new InputError(`${what}: ${bytes.length} bytes, but its header says ${HEADER_SIZE + header.payloadLength}`,
      "a host firmware file holds one image (the rp2040's holds one per bank)");
  }
  if (bytes.length > files.bank_size) throw new InputError(`${what}: ${bytes.length} bytes do not fit a firmware file of ${files.bank_size} bytes`);
  checkExecutable(bytes.subarray(HEADER_SIZE), `${what} (payload)`);
  return BANKS.map((bank) => ({ bank, header, bytes }));
}
