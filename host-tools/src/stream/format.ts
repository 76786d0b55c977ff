// The .wqs file header: fields, encoder and validating parser (byte layout in FORMAT.md).
import { InputError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";

export const MAGIC = [0x57, 0x51, 0x53] as const; // "WQS"
export const VERSION = 1;
export const BLOCK_SYNC = [0x57, 0x42] as const; // "WB"
export const BLOCK_HEADER_BYTES = 16;
export const MAX_CHANNELS = 16;
export const MAX_BLOCK_SAMPLES = 4096;
export const MAX_NAME_BYTES = 63;
export const FLAG_INT8 = 1;
export const FLAG_ZSCORE = 2;

export interface ChannelCalibration {
  name: string;
  /** Range in sensor units (z units when z-scored); stored as f32, so these are f32-exact. */
  lo: number;
  hi: number;
}

export interface StreamHeader {
  channels: ChannelCalibration[];
  /** int8 codes (-128..127) instead of uint8 (0..255). */
  int8: boolean;
  zscore: boolean;
  /** One timestamp tick is 10^timeExp seconds. */
  timeExp: number;
  blockSamples: number;
  /** 0 = not windowed. */
  window: number;
  hop: number;
}

/** Largest payload a block of n samples may have: 10-byte timestamp tokens, 9-bit deltas. */
export function maxPayload(n: number, channels: number): number {
  return n * 10 + channels + Math.ceil((n - 1) / 8) * (((channels + 1) >> 1) + 9 * channels);
}

export function validateHeader(h: StreamHeader): void {
  const c = h.channels.length;
  if (c < 1 || c > MAX_CHANNELS) throw new InputError(`a stream has 1..${MAX_CHANNELS} channels, not ${c}`);
  if (!Number.isInteger(h.timeExp) || h.timeExp < -128 || h.timeExp > 127) throw new InputError(`time exponent ${h.timeExp} is not an int8`);
  if (!Number.isInteger(h.blockSamples) || h.blockSamples < 1 || h.blockSamples > MAX_BLOCK_SAMPLES) {
    throw new InputError(`block length ${h.blockSamples} is outside 1..${MAX_BLOCK_SAMPLES}`);
  }
  if (h.window !== 0) {
    if (h.window !== h.blockSamples) throw new InputError(`window ${h.window} must equal the block length ${h.blockSamples}`);
    if (!Number.isInteger(h.hop) || h.hop < 1 || h.hop > 0xffff) throw new InputError(`window hop ${h.hop} is outside 1..65535`);
  } else if (h.hop !== 0) {
    throw new InputError("a hop without a window");
  }
  h.channels.forEach((ch, i) => {
    if (!Number.isFinite(ch.lo) || !Number.isFinite(ch.hi) || !(ch.hi > ch.lo)) {
      throw new InputError(`channel ${i} (${ch.name || "unnamed"}): calibration range [${ch.lo}, ${ch.hi}] is empty or not finite`);
    }
    if (Math.fround(ch.lo) !== ch.lo || Math.fround(ch.hi) !== ch.hi) {
      throw new InputError(`channel ${i} (${ch.name || "unnamed"}): calibration bounds must be f32 values (use toF32Range)`);
    }
    if (Buffer.byteLength(ch.name, "utf8") > MAX_NAME_BYTES) throw new InputError(`channel name "${ch.name}" is longer than ${MAX_NAME_BYTES} bytes`);
  });
}

export function encodeHeader(h: StreamHeader): Uint8Array {
  validateHeader(h);
  const names = h.channels.map((c) => Buffer.from(c.name, "utf8"));
  const len = 16 + names.reduce((s, n) => s + 9 + n.length, 0) + 4;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[3] = VERSION;
  dv.setUint16(4, len, true);
  out[6] = h.channels.length;
  out[7] = (h.int8 ? FLAG_INT8 : 0) | (h.zscore ? FLAG_ZSCORE : 0);
  dv.setInt8(8, h.timeExp);
  out[9] = 0;
  dv.setUint16(10, h.blockSamples, true);
  dv.setUint16(12, h.window, true);
  dv.setUint16(14, h.hop, true);
  let p = 16;
  h.channels.forEach((c, i) => {
    dv.setFloat32(p, c.lo, true);
    dv.setFloat32(p + 4, c.hi, true);
    out[p + 8] = names[i]!.length;
    out.set(names[i]!, p + 9);
    p += 9 + names[i]!.length;
  });
  dv.setUint32(p, crc32(out.subarray(0, p)), true);
  return out;
}

/**
 * Parses a header at the start of buf. Returns null when buf is too short to tell yet;
 * throws InputError (with the byte offset) when the header is invalid.
 */
export function parseHeader(buf: Uint8Array): { header: StreamHeader; length: number } | null {
  if (buf.length < 6) return null;
  if (buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1] || buf[2] !== MAGIC[2]) {
    throw new InputError("not a .wqs stream: bytes 0..2 are not \"WQS\"");
  }
  if (buf[3] !== VERSION) throw new InputError(`unsupported .wqs version ${buf[3]} at byte 3 (this tool reads version ${VERSION})`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = dv.getUint16(4, true);
  if (len < 16 + 9 + 4 || len > 16 + MAX_CHANNELS * (9 + MAX_NAME_BYTES) + 4) {
    throw new InputError(`header length ${len} at byte 4 is impossible`);
  }
  if (buf.length < len) return null;
  const stored = dv.getUint32(len - 4, true);
  const actual = crc32(buf.subarray(0, len - 4));
  if (stored !== actual) {
    throw new InputError(`header CRC mismatch at byte ${len - 4} (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}): the header is damaged`);
  }
  const c = buf[6]!;
  const flags = buf[7]!;
  if (flags & ~(FLAG_INT8 | FLAG_ZSCORE)) throw new InputError(`unknown header flags 0x${flags.toString(16)} at byte 7`);
  if (buf[9] !== 0) throw new InputError("reserved header byte 9 is not 0");
  const channels: ChannelCalibration[] = [];
  let p = 16;
  for (let i = 0; i < c; i++) {
    if (p + 9 > len - 4) throw new InputError(`channel ${i} record at byte ${p} runs past the header end (${len - 4})`);
    const lo = dv.getFloat32(p, true);
    const hi = dv.getFloat32(p + 4, true);
    const nl = buf[p + 8]!;
    if (nl > MAX_NAME_BYTES || p + 9 + nl > len - 4) throw new InputError(`channel ${i} name length ${nl} at byte ${p + 8} is out of range`);
    const name = new TextDecoder("utf-8", { fatal: false }).decode(buf.subarray(p + 9, p + 9 + nl));
    channels.push({ name, lo, hi });
    p += 9 + nl;
  }
  if (p !== len - 4) throw new InputError(`header has ${len - 4 - p} stray bytes before its CRC at byte ${p}`);
  const header: StreamHeader = {
    channels,
    int8: (flags & FLAG_INT8) !== 0,
    zscore: (flags & FLAG_ZSCORE) !== 0,
    timeExp: dv.getInt8(8),
    blockSamples: dv.getUint16(10, true),
    window: dv.getUint16(12, true),
    hop: dv.getUint16(14, true),
  };
  try {
    validateHeader(header);
  } catch (e) {
    throw new InputError(`invalid .wqs header: ${(e as Error).message}`);
  }
  return { header, length: len };
}
