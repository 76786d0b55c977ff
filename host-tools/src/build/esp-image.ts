// The flash image format Espressif's mask ROMs boot (esptool's "Firmware Image Format"),
// written by us from that documentation: an 8-byte header (magic 0xE9, segment count, SPI
// mode, flash size and frequency, entry point), a 16-byte extended header (WP pin, SPI pin
// drive, chip id, chip revisions, hash flag), segments (load address, length, bytes), zero
// padding to one byte short of a 16-byte boundary, a checksum byte (0xEF xor every segment
// byte) and, when the hash flag is set, the SHA-256 of everything before it.
// Multi-byte fields are little-endian.
import { createHash } from "node:crypto";
import { parseElf } from "./elf.js";

export const ESP_IMAGE_MAGIC = 0xe9;
export const ESP_CHECKSUM_SEED = 0xef;
export const ESP_HEADER_SIZE = 8;
export const ESP_EXT_HEADER_SIZE = 16;
export const ESP_SEGMENT_HEADER_SIZE = 8;
export const ESP_SHA256_SIZE = 32;
/** The extended header's WP pin byte when the flash pins are not set in eFuse. */
export const ESP_WP_PIN_DISABLED = 0xee;
export const ESP32C3_CHIP_ID = 5;

export const ESP_SPI_MODE = { qio: 0, qout: 1, dio: 2, dout: 3 } as const;
export type EspSpiMode = keyof typeof ESP_SPI_MODE;
/** High nibble of header byte 3. */
export const ESP_FLASH_SIZE_CODE: Readonly<Record<number, number>> = {
  [1 << 20]: 0, [2 << 20]: 1, [4 << 20]: 2, [8 << 20]: 3, [16 << 20]: 4,
};
/** Low nibble of header byte 3 (the ESP32-C3's values: 80 MHz is 0xF). */
export const ESP_FLASH_FREQ_CODE = { "40m": 0x0, "26m": 0x1, "20m": 0x2, "80m": 0xf } as const;
export type EspFlashFreq = keyof typeof ESP_FLASH_FREQ_CODE;

export class EspImageError extends Error {
  constructor(message: string) {
    super(`ESP image: ${message}`);
    this.name = "EspImageError";
  }
}

export interface EspSegment {
  addr: number;
  data: Uint8Array;
}

export interface EspImageOptions {
  chipId: number;
  spiMode: EspSpiMode;
  flashSize: number;
  flashFreq: EspFlashFreq;
  /** Chip revisions as major * 100 + minor (v0.3 is 3). */
  minChipRevFull: number;
  maxChipRevFull: number;
  appendSha256: boolean;
}

export interface EspImage {
  spiMode: number;
  flashSizeCode: number;
  flashFreqCode: number;
  entry: number;
  wpPin: number;
  spiDrive: [number, number, number];
  chipId: number;
  minChipRev: number;
  minChipRevFull: number;
  maxChipRevFull: number;
  hashAppended: boolean;
  segments: EspSegment[];
  checksum: number;
  /** The checksum computed from the segments: equal to `checksum` in a sound image. */
  computedChecksum: number;
  sha256?: Uint8Array;
  /** The SHA-256 of the image before the digest: equal to `sha256` in a sound image. */
  computedSha256?: Uint8Array;
  /** Bytes of the image up to and including the digest. */
  length: number;
}

function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new EspImageError(message);
}

export function espChecksum(segments: EspSegment[]): number {
  let sum = ESP_CHECKSUM_SEED;
  for (const s of segments) for (const b of s.data) sum ^= b;
  return sum;
}

/** Segment lengths are whole words: the ROM copies 32 bits at a time. */
function padToWord(data: Uint8Array): Uint8Array {
  if (data.length % 4 === 0) return data;
  const out = new Uint8Array(data.length + (4 - (data.length % 4)));
  out.set(data);
  return out;
}

function checkOptions(opts: EspImageOptions): number {
  const sizeCode = ESP_FLASH_SIZE_CODE[opts.flashSize];
  need(sizeCode !== undefined, `flash size ${opts.flashSize} has no header code (1, 2, 4, 8 or 16 MiB)`);
  need(Number.isInteger(opts.chipId) && opts.chipId >= 0 && opts.chipId <= 0xffff, `chip id ${opts.chipId} is not 16 bits`);
  for (const r of [opts.minChipRevFull, opts.maxChipRevFull]) {
    need(Number.isInteger(r) && r >= 0 && r <= 0xffff, `chip revision ${r} is not 16 bits`);
  }
  return sizeCode;
}

/** The ROM's image of `segments`, entered at `entry`. */
export function buildEspImage(entry: number, segments: EspSegment[], opts: EspImageOptions): Uint8Array {
  const sizeCode = checkOptions(opts);
  need(segments.length > 0 && segments.length <= 16, `${segments.length} segments (the ROM takes 1 to 16)`);
  const segs = segments.map((s) => {
    need(s.addr % 4 === 0 && s.addr >= 0 && s.addr <= 0xffffffff, `segment address 0x${s.addr.toString(16)} is not word aligned`);
    return { addr: s.addr, data: padToWord(s.data) };
  });
  const body = segs.reduce((n, s) => n + ESP_SEGMENT_HEADER_SIZE + s.data.length, ESP_HEADER_SIZE + ESP_EXT_HEADER_SIZE);
  const withChecksum = body + (15 - (body % 16)) + 1; // padded to 15 mod 16, then the checksum byte
  const out = new Uint8Array(withChecksum + (opts.appendSha256 ? ESP_SHA256_SIZE : 0));
  const v = new DataView(out.buffer);
  out[0] = ESP_IMAGE_MAGIC;
  out[1] = segs.length;
  out[2] = ESP_SPI_MODE[opts.spiMode];
  out[3] = (sizeCode << 4) | ESP_FLASH_FREQ_CODE[opts.flashFreq];
  v.setUint32(4, entry >>> 0, true);
  out[8] = ESP_WP_PIN_DISABLED;
  // bytes 9..11: SPI pin drive settings, 0 (the ROM's defaults)
  v.setUint16(12, opts.chipId, true);
  out[14] = 0; // the deprecated 8-bit minimum revision
  v.setUint16(15, opts.minChipRevFull, true);
  v.setUint16(17, opts.maxChipRevFull, true);
  // bytes 19..22 reserved, 0
  out[23] = opts.appendSha256 ? 1 : 0;
  let at = ESP_HEADER_SIZE + ESP_EXT_HEADER_SIZE;
  for (const s of segs) {
    v.setUint32(at, s.addr, true);
    v.setUint32(at + 4, s.data.length, true);
    out.set(s.data, at + ESP_SEGMENT_HEADER_SIZE);
    at += ESP_SEGMENT_HEADER_SIZE + s.data.length;
  }
  out[withChecksum - 1] = espChecksum(segs);
  if (opts.appendSha256) out.set(createHash("sha256").update(out.subarray(0, withChecksum)).digest(), withChecksum);
  return out;
}

/** Reads an image back, every length checked against the bytes: what the ROM would see. */
export function parseEspImage(bytes: Uint8Array): EspImage {
  need(bytes.length >= ESP_HEADER_SIZE + ESP_EXT_HEADER_SIZE + 16, `${bytes.length} bytes is too short for an image`);
  need(bytes[0] === ESP_IMAGE_MAGIC, `magic 0x${bytes[0]!.toString(16)}, not 0xe9`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes[1]!;
  const segments: EspSegment[] = [];
  let at = ESP_HEADER_SIZE + ESP_EXT_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    need(at + ESP_SEGMENT_HEADER_SIZE <= bytes.length, `segment ${i}: header past the end`);
    const addr = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    need(len <= bytes.length - at - ESP_SEGMENT_HEADER_SIZE, `segment ${i}: ${len} bytes past the end`);
    segments.push({ addr, data: bytes.subarray(at + ESP_SEGMENT_HEADER_SIZE, at + ESP_SEGMENT_HEADER_SIZE + len) });
    at += ESP_SEGMENT_HEADER_SIZE + len;
  }
  const checksumAt = at + (15 - (at % 16));
  need(checksumAt < bytes.length, "the checksum byte is past the end");
  const hashAppended = bytes[23] === 1;
  const image: EspImage = {
    spiMode: bytes[2]!, flashSizeCode: bytes[3]! >> 4, flashFreqCode: bytes[3]! & 0xf, entry: v.getUint32(4, true),
    wpPin: bytes[8]!, spiDrive: [bytes[9]!, bytes[10]!, bytes[11]!], chipId: v.getUint16(12, true), minChipRev: bytes[14]!,
    minChipRevFull: v.getUint16(15, true), maxChipRevFull: v.getUint16(17, true), hashAppended, segments,
    checksum: bytes[checksumAt]!, computedChecksum: espChecksum(segments), length: checksumAt + 1,
  };
  if (hashAppended) {
    need(checksumAt + 1 + ESP_SHA256_SIZE <= bytes.length, "the SHA-256 digest is past the end");
    image.sha256 = Uint8Array.from(bytes.subarray(checksumAt + 1, checksumAt + 1 + ESP_SHA256_SIZE));
    image.computedSha256 = new Uint8Array(createHash("sha256").update(bytes.subarray(0, checksumAt + 1)).digest());
    image.length += ESP_SHA256_SIZE;
  }
  return image;
}

// ---------------------------------------------------------------- the esp32c3 board's images

/** Where the C3 sees memory (TRM, system and memory chapter). */
export const ESP32C3_MAP = {
  dram: { start: 0x3fc80000, end: 0x3fce0000 },
  iram: { start: 0x40380000, end: 0x403e0000 },
  drom: { start: 0x3c000000, end: 0x3c800000 },
  irom: { start: 0x42000000, end: 0x42800000 },
} as const;
/** The first flash page holds the ROM's image; the cache-mapped code starts at the second. */
export const ESP32C3_CODE_OFFSET = 0x10000;

export const ESP32C3_IMAGE_OPTIONS: EspImageOptions = {
  chipId: ESP32C3_CHIP_ID, spiMode: "dio", flashSize: 4 << 20, flashFreq: "40m",
  // Any revision: RAM-loaded segments are what every C3 ROM boots (v0.0 to v1.99).
  minChipRevFull: 0, maxChipRevFull: 199, appendSha256: true,
};

export interface Esp32c3Images {
  /** The ROM's image (RAM segments only), for flash offset 0. */
  rom: Uint8Array;
  /** Flash from offset 0: the ROM's image, 0xFF, then the mapped code and constants. */
  merged: Uint8Array;
  ramSegments: EspSegment[];
  /** Cache-mapped parts by flash offset. */
  flashSegments: { offset: number; data: Uint8Array }[];
}

function inRange(a: number, len: number, r: { start: number; end: number }): boolean {
  return a >= r.start && a + len <= r.end;
}

/** Splits a firmware ELF into the ROM-loaded image and the flash the MMU maps, and merges both. */
export function esp32c3Images(elfBytes: Uint8Array, opts: EspImageOptions = ESP32C3_IMAGE_OPTIONS): Esp32c3Images {
  const elf = parseElf(elfBytes);
  const ramSegments: EspSegment[] = [];
  const flashSegments: { offset: number; data: Uint8Array }[] = [];
  for (const s of elf.segments) {
    if (s.data.length === 0) continue; // .bss and the stack: zeroed by the start-up code
    const a = s.vaddr;
    if (inRange(a, s.data.length, ESP32C3_MAP.dram) || inRange(a, s.data.length, ESP32C3_MAP.iram)) {
      ramSegments.push({ addr: a, data: s.data });
    } else if (inRange(a, s.data.length, ESP32C3_MAP.irom) || inRange(a, s.data.length, ESP32C3_MAP.drom)) {
      const offset = a - (a >= ESP32C3_MAP.irom.start ? ESP32C3_MAP.irom.start : ESP32C3_MAP.drom.start);
      need(offset >= ESP32C3_CODE_OFFSET, `mapped segment at 0x${a.toString(16)} overlaps the ROM image's flash page`);
      flashSegments.push({ offset, data: s.data });
    } else {
      throw new EspImageError(`segment at 0x${a.toString(16)} (${s.data.length} bytes) is neither SRAM nor mapped flash`);
    }
  }
  const rom = buildEspImage(elf.entry, ramSegments, opts);
  need(rom.length <= ESP32C3_CODE_OFFSET, `the ROM image is ${rom.length} bytes, more than the first ${ESP32C3_CODE_OFFSET}`);
  const end = flashSegments.reduce((m, s) => Math.max(m, s.offset + s.data.length), rom.length);
  need(end <= opts.flashSize, `the firmware ends at flash offset ${end}, past the ${opts.flashSize}-byte flash`);
  const merged = new Uint8Array(end).fill(0xff);
  merged.set(rom, 0);
  const sorted = [...flashSegments].sort((a, b) => a.offset - b.offset);
  sorted.forEach((s, i) => {
    const prev = sorted[i - 1];
    need(!prev || prev.offset + prev.data.length <= s.offset, `mapped segments overlap at flash offset 0x${s.offset.toString(16)}`);
    merged.set(s.data, s.offset);
  });
  return { rom, merged, ramSegments, flashSegments };
}
