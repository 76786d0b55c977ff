// The firmware image format the C3's ROM boots (esptool documentation, "Firmware Image
// Format"), read and checked the way the ROM loader does before it runs anything:
//   header (8 bytes)     0 magic 0xE9, 1 segment count, 2 SPI mode, 3 flash size/frequency,
//                        4-7 entry point
//   extended (16 bytes)  0 WP pin, 1-3 SPI pin drive, 4-5 chip id (5 = ESP32-C3),
//                        6 min revision (old), 7-8 min revision, 9-10 max revision,
//                        11-14 reserved, 15 hash appended (1: a SHA-256 follows the checksum)
//   segments             each: load address (4), length (4), data
//   footer               zero padding to one byte short of a 16-byte boundary, then the
//                        checksum byte (0xEF XOR every data byte), then the SHA-256 of
//                        everything before it if the hash flag is set
// Every field is checked against the image and the chip before use; problems are
// reported as ImageError with the ROM's own wording where the ROM has one.
import { createHash } from "node:crypto";

export const IMAGE_MAGIC = 0xe9;
export const CHIP_ID_ESP32C3 = 5;
export const MAX_SEGMENTS = 16;
const HEADER_BYTES = 24;
const CHECKSUM_SEED = 0xef;

export interface ImageSegment {
  addr: number;
  /** Offset of the segment's data in the image. */
  dataOffset: number;
  length: number;
}

export interface EspImage {
  entry: number;
  spiMode: number;
  flashSizeFreq: number;
  chipId: number;
  minRevision: number;
  maxRevision: number;
  hashAppended: boolean;
  segments: ImageSegment[];
  /** Image length including checksum and hash. */
  length: number;
}

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Where a segment may be loaded: `ram` regions are copied, `flash` regions are mapped. */
export interface LoadRegions {
  isRam(addr: number, length: number): boolean;
  isFlashMapped(addr: number, length: number): boolean;
}

/** Parses and checks the image at `at` in `flash` (checksum, SHA-256, chip id, segment bounds). */
export function parseImage(flash: Uint8Array, at: number, regions: LoadRegions): EspImage {
  if (at + HEADER_BYTES > flash.length) throw new ImageError(`invalid header: image at ${hex(at)} runs past the end of flash`);
  if (flash[at] !== IMAGE_MAGIC) throw new ImageError(`invalid header: ${hex(u32(flash, at))}`);
  const count = flash[at + 1]!;
  if (count === 0 || count > MAX_SEGMENTS) throw new ImageError(`invalid segment count ${count} (1..${MAX_SEGMENTS})`);
  const chipId = u16(flash, at + 12);
  if (chipId !== CHIP_ID_ESP32C3) throw new ImageError(`chip id ${chipId} in the image is not the ESP32-C3's (${CHIP_ID_ESP32C3})`);
  const hashFlag = flash[at + 23]!;
  if (hashFlag > 1) throw new ImageError(`hash appended flag ${hashFlag} is neither 0 nor 1`);
  const segments = readSegments(flash, at, count, regions);
  const end = segments.length ? segments[segments.length - 1]!.dataOffset + segments[segments.length - 1]!.length : at + HEADER_BYTES;
  const checksumAt = at + ((end - at) | 15); // padded to one byte short of a 16-byte boundary
  if (checksumAt >= flash.length) throw new ImageError("image truncated before its checksum");
  checkChecksum(flash, segments, checksumAt);
  let length = checksumAt + 1 - at;
  if (hashFlag) {
    checkSha256(flash, at, checksumAt + 1);
    length += 32;
  }
  return {
    entry: u32(flash, at + 4), spiMode: flash[at + 2]!, flashSizeFreq: flash[at + 3]!, chipId,
    minRevision: u16(flash, at + 15), maxRevision: u16(flash, at + 17), hashAppended: hashFlag === 1, segments, length,
  };
}

function readSegments(flash: Uint8Array, at: number, count: number, regions: LoadRegions): ImageSegment[] {
  const segments: ImageSegment[] = [];
  let p = at + HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (p + 8 > flash.length) throw new ImageError(`segment ${i}: header past the end of flash`);
    const addr = u32(flash, p);
    const length = u32(flash, p + 4);
    if (p + 8 + length > flash.length) throw new ImageError(`segment ${i}: ${length} bytes at ${hex(addr)} run past the end of flash`);
    if (length % 4 !== 0) throw new ImageError(`segment ${i}: length ${length} is not a multiple of 4`);
    if (!regions.isRam(addr, length) && !regions.isFlashMapped(addr, length)) {
      throw new ImageError(`segment ${i}: ${length} bytes at ${hex(addr)} are outside RAM and the flash windows`);
    }
    segments.push({ addr, dataOffset: p + 8, length });
    p += 8 + length;
  }
  return segments;
}

function checkChecksum(flash: Uint8Array, segments: ImageSegment[], checksumAt: number): void {
  let sum = CHECKSUM_SEED;
  for (const s of segments) for (let i = s.dataOffset; i < s.dataOffset + s.length; i++) sum ^= flash[i]!;
  if (flash[checksumAt] !== sum) {
    throw new ImageError(`checksum failure: calculated 0x${sum.toString(16).padStart(2, "0")}, stored 0x${flash[checksumAt]!.toString(16).padStart(2, "0")}`);
  }
}

function checkSha256(flash: Uint8Array, from: number, to: number): void {
  if (to + 32 > flash.length) throw new ImageError("image truncated before its SHA-256");
  const digest = createHash("sha256").update(flash.subarray(from, to)).digest();
  const stored = flash.subarray(to, to + 32);
  if (!digest.equals(stored)) throw new ImageError("SHA-256 of the image does not match the appended digest");
}

/** The checksum byte the format wants for these segment data (for writers and tests). */
export function imageChecksum(data: Uint8Array[]): number {
  let sum = CHECKSUM_SEED;
  for (const d of data) for (const b of d) sum ^= b;
  return sum;
}
