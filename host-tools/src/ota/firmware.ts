// Signed firmware images for boards with the wasmcu bootloader (boards/rp2040/boot/README.md).
// The firmware runs in place, so it is linked once per bank; a firmware file (.wimg) holds one
// signed image per bank, fw_a's then fw_b's, each a complete image of kind "firmware"
// (firmware/ota/README.md). The host sends the one for the bank the board is not running.
import type { KeyObject } from "node:crypto";
import { InputError } from "../lib/errors.js";
import { HEADER_SIZE, IMAGE_MAGIC, KIND_CODES, parseImage, signImage, type ImageHeader, type SemVer } from "./image.js";

/** A board whose bootloader runs signed firmware images from two banks (boards/rp2040/boot). */
export interface BootLayout {
  bootloader: { offset: number; size: number };
  fw_a: { offset: number; size: number };
  fw_b: { offset: number; size: number };
  /** The banks' state records (firmware/ota's state area). */
  state: { offset: number; size: number };
}

export type Bank = "fw_a" | "fw_b";
export const BANKS: readonly Bank[] = ["fw_a", "fw_b"];
/** The vector table is this far into a bank: the image header, then 128 bytes of pad. */
export const VECTORS_IN_BANK = 256;
const XIP_BASE = 0x10000000;

export interface FirmwareImage {
  bank: Bank;
  header: ImageHeader;
  bytes: Buffer;
}

/** The bank a firmware payload (a bank build's .bin) was linked for, from its reset vector. */
export function bankOfPayload(payload: Uint8Array, boot: BootLayout, what: string): Bank {
  const at = VECTORS_IN_BANK - HEADER_SIZE;
  if (payload.length < at + 8) throw new InputError(`${what}: ${payload.length} bytes, too short for a firmware image (no vector table at ${at})`);
  const reset = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).readUInt32LE(at + 4) & ~1;
  for (const b of BANKS) {
    const start = XIP_BASE + boot[b].offset + VECTORS_IN_BANK;
    if (reset >= start && reset < XIP_BASE + boot[b].offset + HEADER_SIZE + payload.length) {
      if (HEADER_SIZE + payload.length > boot[b].size) {
        throw new InputError(`${what}: ${HEADER_SIZE + payload.length} bytes do not fit bank ${b} (${boot[b].size} bytes)`);
      }
      return b;
    }
  }
  throw new InputError(`${what}: reset vector 0x${reset.toString(16)} at offset ${at + 4} is in neither firmware bank`,
    "give the .bin of a bank build (wasmcu-rp2040-fw_a.bin, wasmcu-rp2040-fw_b.bin)");
}

/** Signs both bank builds with one version and counter: the firmware file. */
export function signFirmware(o: { payloads: Uint8Array[]; boot: BootLayout; version: SemVer; securityCounter: number;
  privateKey: KeyObject; rawPublicKey: Uint8Array; what?: string[] }): Buffer {
  const banks = o.payloads.map((p, i) => bankOfPayload(p, o.boot, o.what?.[i] ?? `payload ${i + 1}`));
  if (banks.length !== 2 || banks[0] === banks[1]) {
    throw new InputError(`a firmware file holds one build per bank; got ${banks.join(" and ")}`, "give fw_a's and fw_b's .bin");
  }
  const ordered = banks[0] === "fw_a" ? o.payloads : [o.payloads[1]!, o.payloads[0]!];
  return Buffer.concat(ordered.map((payload) => signImage({ kind: "firmware", payload, version: o.version,
    securityCounter: o.securityCounter, privateKey: o.privateKey, rawPublicKey: o.rawPublicKey })));
}

/** A signed image of kind firmware at the start: a firmware file (not checked further). */
export function isFirmwareFile(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.length >= HEADER_SIZE && b.readUInt32LE(0) === IMAGE_MAGIC && b[8] === KIND_CODES.firmware;
}

/** Splits and checks a firmware file: images of kind firmware, one per bank (or just one). */
export function parseFirmwareFile(bytes: Uint8Array, boot: BootLayout, what: string): FirmwareImage[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: FirmwareImage[] = [];
  for (let off = 0; off < b.length;) {
    if (b.length - off < HEADER_SIZE) throw new InputError(`${what}: ${b.length - off} stray bytes at offset ${off}`);
    const len = HEADER_SIZE + b.readUInt32LE(off + 20);
    if (len > b.length - off) throw new InputError(`${what}: the image at offset ${off} says ${len} bytes, ${b.length - off} left`);
    const img = b.subarray(off, off + len);
    const header = parseImage(img, `${what} at offset ${off}`);
    if (header.kind !== "firmware") throw new InputError(`${what} at offset ${off}: a signed ${header.kind} image, not firmware`);
    const bank = bankOfPayload(img.subarray(HEADER_SIZE), boot, `${what} at offset ${off}`);
    if (out.some((f) => f.bank === bank)) throw new InputError(`${what}: two images for bank ${bank}`);
    out.push({ bank, header, bytes: img });
    off += len;
  }
  if (out.length === 0) throw new InputError(`${what}: empty`);
  return out;
}

/** The image to send to a board running from `running`: the one for the other bank. */
export function imageForOtherBank(images: FirmwareImage[], running: Bank, what: string): FirmwareImage {
  const want: Bank = running === "fw_a" ? "fw_b" : "fw_a";
  const img = images.find((f) => f.bank === want);
  if (!img) throw new InputError(`${what} has no image for bank ${want} (the board runs from ${running})`, "sign both bank builds into one file");
  return img;
}

/** The flash contents of a first install: the bootloader (with boot2) at 0, the image for fw_a in its bank. */
export function firstInstallChunks(bootloaderBin: Uint8Array, images: FirmwareImage[], boot: BootLayout): { address: number; data: Uint8Array }[] {
  if (bootloaderBin.length > boot.bootloader.size) {
    throw new InputError(`the bootloader is ${bootloaderBin.length} bytes, over its ${boot.bootloader.size}-byte region`);
  }
  const a = images.find((f) => f.bank === "fw_a");
  if (!a) throw new InputError("the firmware file has no image for bank fw_a");
  return [{ address: XIP_BASE + boot.bootloader.offset, data: bootloaderBin }, { address: XIP_BASE + boot.fw_a.offset, data: a.bytes }];
}
