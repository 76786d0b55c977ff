// Packets of Espressif's serial ROM bootloader protocol, as documented in esptool's
// "Serial Protocol" page: command/response layout, the XOR checksum, status bytes
// and the ROM loader's error codes. Pure functions; no I/O here.

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export function opName(op: number): string {
  for (const [name, v] of Object.entries(Op)) if (v === op) return name;
  return `command 0x${op.toString(16).padStart(2, "0")}`;
}

/** Error values the ROM loader puts after a failure status. */
export const ROM_ERRORS: Record<number, string> = {
  0x05: "received message is invalid (parameters or length field)",
  0x06: "failed to act on received message",
  0x07: "invalid CRC in message (data checksum mismatch)",
  0x08: "flash write error (read-back check failed)",
  0x09: "flash read error",
  0x0a: "flash read length error",
  0x0b: "deflate error (compressed data could not be inflated)",
};
export const ROM_ERR_BAD_CHECKSUM = 0x07;

export function romErrorText(code: number): string {
  return ROM_ERRORS[code] ?? `unknown error 0x${code.toString(16).padStart(2, "0")}`;
}

/** SYNC's payload: 07 07 12 20 then 32 bytes of 0x55 (the 0x55s let the ROM detect the baud rate). */
export const SYNC_PAYLOAD: Buffer = Buffer.concat([Buffer.from([0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);

export const CHECKSUM_SEED = 0xef;

/** XOR of every byte with seed 0xEF; used only by the *_DATA commands, over the data to write. */
export function checksum(data: Uint8Array): number {
  let c = CHECKSUM_SEED;
  for (const b of data) c ^= b;
  return c;
}

export const HEADER_LEN = 8;
export const MAX_PACKET_DATA = 0xffff;

/** A command packet (before SLIP): 00, op, size16, checksum32, data. */
export function encodeCommand(op: number, data: Uint8Array, chk = 0): Buffer {
  if (data.length > MAX_PACKET_DATA) throw new RangeError(`${opName(op)}: ${data.length} bytes of data exceed the 16-bit size field`);
  const out = Buffer.alloc(HEADER_LEN + data.length);
  out[0] = 0x00;
  out[1] = op;
  out.writeUInt16LE(data.length, 2);
  out.writeUInt32LE(chk >>> 0, 4);
  out.set(data, HEADER_LEN);
  return out;
}

export interface Command {
  op: number;
  checksum: number;
  data: Buffer;
}

/** Parses a command packet (the ROM model's side); returns a reason string when malformed. */
export function decodeCommand(p: Buffer): Command | string {
  if (p.length < HEADER_LEN) return `packet of ${p.length} bytes is shorter than the 8-byte header`;
  if (p[0] !== 0x00) return `direction byte is 0x${p[0]!.toString(16)}, expected 0x00 for a command`;
  const size = p.readUInt16LE(2);
  if (size !== p.length - HEADER_LEN) return `size field says ${size} bytes but ${p.length - HEADER_LEN} follow the header`;
  return { op: p[1]!, checksum: p.readUInt32LE(4), data: p.subarray(HEADER_LEN) };
}

export interface Response {
  op: number;
  value: number;
  /** Payload before the status bytes. */
  body: Buffer;
  status: number;
  error: number;
}

/**
 * Parses a response packet: 01, op, size16, value32, data whose last `statusLen` bytes are
 * status (0 ok / 1 failed) and error. Returns a reason string when the frame is not one.
 */
export function decodeResponse(p: Buffer, statusLen: number): Response | string {
  if (p.length < HEADER_LEN) return `frame of ${p.length} bytes is shorter than the 8-byte header`;
  if (p[0] !== 0x01) return `direction byte 0x${p[0]!.toString(16)} is not a response`;
  const size = p.readUInt16LE(2);
  if (size !== p.length - HEADER_LEN) return `size field says ${size} bytes but ${p.length - HEADER_LEN} follow the header`;
  if (size < statusLen) return `${size} data bytes cannot hold ${statusLen} status bytes`;
  const data = p.subarray(HEADER_LEN);
  const s = data.length - statusLen;
  return { op: p[1]!, value: p.readUInt32LE(4), body: data.subarray(0, s), status: data[s]!, error: data[s + 1] ?? 0 };
}

/** A response packet (the ROM model's side). */
export function encodeResponse(op: number, value: number, body: Uint8Array, status: number, error: number, statusLen: number): Buffer {
  const st = Buffer.alloc(statusLen);
  st[0] = status;
  if (statusLen > 1) st[1] = error;
  const data = Buffer.concat([body, st]);
  const out = Buffer.alloc(HEADER_LEN + data.length);
  out[0] = 0x01;
  out[1] = op;
  out.writeUInt16LE(data.length, 2);
  out.writeUInt32LE(value >>> 0, 4);
  out.set(data, HEADER_LEN);
  return out;
}

/** Little-endian 32-bit words, the shape of every command's parameters. */
export function words(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

/** Payload of a *_DATA command: length, sequence, 0, 0, then the data. */
export function dataPayload(seq: number, data: Uint8Array): Buffer {
  return Buffer.concat([words(data.length, seq, 0, 0), data]);
}
