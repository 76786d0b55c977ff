// The signed image format (firmware/ota/README.md): a 128-byte header, then the payload.
// Bytes 0..63 of the header (which include the payload's SHA-256) are signed with Ed25519.
import { createHash, sign, verify, type KeyObject } from "node:crypto";
import { InputError } from "../lib/errors.js";

export const IMAGE_MAGIC = 0x41544f57; // "WOTA"
export const IMAGE_VERSION = 1;
export const HEADER_SIZE = 128;
const SIGNED_BYTES = 64;

/** firmware: a board's firmware linked for one bank, run by its bootloader (boards/rp2040/boot). */
export type PayloadKind = "app" | "model" | "bundle" | "firmware";
export const KIND_CODES: Record<PayloadKind, number> = { app: 1, model: 2, bundle: 3, firmware: 4 };

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

export interface ImageHeader {
  kind: PayloadKind;
  version: SemVer;
  securityCounter: number;
  payloadLength: number;
  keyId: number;
  /** Bundle only: bytes of .wasm at the payload's start (the .tflite follows). */
  appLength: number;
  payloadSha256: Buffer;
  signature: Buffer;
}

/** The key id in image headers: the first 4 bytes of SHA-256(raw public key), little-endian. */
export function keyIdOf(rawPublicKey: Uint8Array): number {
  return createHash("sha256").update(rawPublicKey).digest().readUInt32LE(0);
}

export function parseSemVer(text: string): SemVer {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`version "${text}" is not MAJOR.MINOR.PATCH`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major > 255 || minor > 255 || patch > 65535) {
    throw new InputError(`version ${text} out of range: major and minor up to 255, patch up to 65535`);
  }
  return { major, minor, patch };
}

export function formatSemVer(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** What a payload is, from its first bytes: "\0asm" is WebAssembly, "TFL3" at offset 4 a TFLite flatbuffer. */
export function detectKind(bytes: Uint8Array): "app" | "model" | undefined {
  if (bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return "app";
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(4, 8)).toString("latin1") === "TFL3") return "model";
  return undefined;
}

/** A bundle's .tflite starts at the first multiple of this after the .wasm (zero padding
 * between): the device's engine reads the flatbuffer in place and needs it aligned. */
export const BUNDLE_MODEL_ALIGN = 16;

export function bundleModelOffset(appLength: number): number {
  return Math.ceil(appLength / BUNDLE_MODEL_ALIGN) * BUNDLE_MODEL_ALIGN;
}

/** The payload of a bundle: the app, padding, the model. */
export function bundlePayload(wasm: Uint8Array, tflite: Uint8Array): { payload: Buffer; appLength: number } {
  const pad = bundleModelOffset(wasm.length) - wasm.length;
  return { payload: Buffer.concat([wasm, Buffer.alloc(pad), tflite]), appLength: wasm.length };
}

export interface SignOptions {
  kind: PayloadKind;
  /** For a bundle: the .wasm followed by the .tflite. */
  payload: Uint8Array;
  appLength?: number;
  version: SemVer;
  securityCounter: number;
  privateKey: KeyObject;
  rawPublicKey: Uint8Array;
}

/** Builds header + payload and signs header bytes 0..63 with the Ed25519 private key. */
export function signImage(o: SignOptions): Buffer {
  if (o.payload.length === 0) throw new InputError("the payload is empty");
  if (o.payload.length > 0xffffffff - HEADER_SIZE) throw new InputError("the payload is too large for a 32-bit length");
  if (!Number.isInteger(o.securityCounter) || o.securityCounter < 0 || o.securityCounter > 0xffffffff) {
    throw new InputError(`security counter ${o.securityCounter} must be an integer 0..4294967295`);
  }
  const appLength = o.kind === "bundle" ? o.appLength ?? 0 : 0;
  if (o.kind === "bundle" && (appLength <= 0 || bundleModelOffset(appLength) >= o.payload.length)) {
    throw new InputError("a bundle needs both a .wasm and a .tflite part");
  }
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt32LE(IMAGE_MAGIC, 0);
  h.writeUInt16LE(IMAGE_VERSION, 4);
  h.writeUInt16LE(HEADER_SIZE, 6);
  h[8] = KIND_CODES[o.kind];
  h[9] = o.version.major;
  h[10] = o.version.minor;
  h[11] = 0; // flags
  h.writeUInt16LE(o.version.patch, 12);
  h.writeUInt32LE(o.securityCounter, 16);
  h.writeUInt32LE(o.payload.length, 20);
  h.writeUInt32LE(keyIdOf(o.rawPublicKey), 24);
  h.writeUInt32LE(appLength, 28);
  createHash("sha256").update(o.payload).digest().copy(h, 32);
  sign(null, h.subarray(0, SIGNED_BYTES), o.privateKey).copy(h, 64);
  return Buffer.concat([h, o.payload]);
}

/** Parses and range-checks a header, like the device's ota_image_parse(). */
export function parseImage(img: Uint8Array, what = "image"): ImageHeader {
  const b = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  if (b.length < HEADER_SIZE) throw new InputError(`${what}: ${b.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  if (b.readUInt32LE(0) !== IMAGE_MAGIC) throw new InputError(`${what}: bad magic at offset 0 (not a signed wasmcu image)`);
  if (b.readUInt16LE(4) !== IMAGE_VERSION) throw new InputError(`${what}: format version ${b.readUInt16LE(4)} at offset 4 is not supported`);
  if (b.readUInt16LE(6) !== HEADER_SIZE) throw new InputError(`${what}: header size ${b.readUInt16LE(6)} at offset 6, expected ${HEADER_SIZE}`);
  const kind = (Object.keys(KIND_CODES) as PayloadKind[]).find((k) => KIND_CODES[k] === b[8]);
  if (!kind) throw new InputError(`${what}: payload kind ${b[8]} at offset 8 is not 1 (app), 2 (model), 3 (bundle) or 4 (firmware)`);
  if (b[11] !== 0 || b.readUInt16LE(14) !== 0) throw new InputError(`${what}: reserved header bytes are not zero`);
  const payloadLength = b.readUInt32LE(20);
  const appLength = b.readUInt32LE(28);
  if (kind === "bundle" ? appLength === 0 || bundleModelOffset(appLength) >= payloadLength : appLength !== 0) {
    throw new InputError(`${what}: app length ${appLength} at offset 28 does not fit a ${kind} of ${payloadLength} payload bytes`);
  }
  if (payloadLength !== b.length - HEADER_SIZE) {
    throw new InputError(`${what}: header says ${payloadLength} payload bytes, file has ${b.length - HEADER_SIZE}`);
  }
  return {
    kind,
    version: { major: b[9]!, minor: b[10]!, patch: b.readUInt16LE(12) },
    securityCounter: b.readUInt32LE(16),
    payloadLength,
    keyId: b.readUInt32LE(24),
    appLength,
    payloadSha256: Buffer.from(b.subarray(32, 64)),
    signature: Buffer.from(b.subarray(64, 128)),
  };
}

/** Host-side check with Node's Ed25519 (the device does the same in C). */
export function verifyImage(img: Uint8Array, publicKey: KeyObject): boolean {
  const h = parseImage(img);
  const digest = createHash("sha256").update(img.subarray(HEADER_SIZE)).digest();
  if (!digest.equals(h.payloadSha256)) return false;
  return verify(null, img.subarray(0, SIGNED_BYTES), publicKey, h.signature);
}
