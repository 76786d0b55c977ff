// Link frames: COBS(type u8 | flags u8 | seq u16le | payload | crc32 u32le) 0x00.
// The layout is shared with firmware/device/link.def (numbers) and firmware/device/src/link.h; see README.md beside this file.
import { crc32 } from "../lib/crc32.js";
import { cobsDecode, cobsEncode } from "./cobs.js";
import { CRC_BYTES, HEADER_BYTES, MAX_PAYLOAD } from "./constants.js";

export { FrameType, MAX_PAYLOAD, PROTOCOL_VERSION } from "./constants.js";

export interface Frame {
  type: number;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

export function encodeFrame(f: Frame): Uint8Array {
  const end = HEADER_BYTES + f.payload.length;
  const body = new Uint8Array(end + CRC_BYTES);
  const view = new DataView(body.buffer);
  body[0] = f.type;
  body[1] = f.flags;
  view.setUint16(2, f.seq, true);
  body.set(f.payload, HEADER_BYTES);
  view.setUint32(end, crc32(body.subarray(0, end)), true);
  const enc = cobsEncode(body);
  const wire = new Uint8Array(enc.length + 1);
  wire.set(enc);
  return wire;
}

/** Decodes a block found between delimiters, or explains why it is not a frame. */
export function decodeFrame(block: Uint8Array): Frame | { error: string } {
  const body = cobsDecode(block);
  if (!body) return { error: "bad COBS encoding" };
  const overhead = HEADER_BYTES + CRC_BYTES;
  if (body.length < overhead) return { error: `frame too short (${body.length} bytes)` };
  if (body.length - overhead > MAX_PAYLOAD) return { error: `payload of ${body.length - overhead} bytes exceeds ${MAX_PAYLOAD}` };
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const end = body.length - CRC_BYTES;
  const want = view.getUint32(end, true);
  const got = crc32(body.subarray(0, end));
  if (want !== got) return { error: `CRC mismatch (frame says ${want.toString(16)}, bytes give ${got.toString(16)})` };
  return { type: body[0]!, flags: body[1]!, seq: view.getUint16(2, true), payload: body.slice(HEADER_BYTES, end) };
}

export type StreamItem = { kind: "frame"; frame: Frame } | { kind: "text"; text: string } | { kind: "garbage"; bytes: number; reason: string };

/**
 * Splits a byte stream into frames. Bytes that do not form a valid frame are passed on
 * as text when they look like text (a boot banner, a fault report printed before the
 * link is up) and reported as garbage otherwise.
 */
export class FrameDecoder {
  private buf: number[] = [];
  private static readonly MAX_BLOCK = 2 * (MAX_PAYLOAD + 16);

  push(chunk: Uint8Array): StreamItem[] {
    const items: StreamItem[] = [];
    for (const byte of chunk) {
      if (byte !== 0) {
        this.buf.push(byte);
        if (this.buf.length > FrameDecoder.MAX_BLOCK) items.push(...this.flushAsText("overlong block"));
        continue;
      }
      if (this.buf.length === 0) continue;
      const block = Uint8Array.from(this.buf);
      this.buf = [];
      const r = decodeFrame(block);
      if ("error" in r) items.push(...FrameDecoder.textThenFrame(block) ?? FrameDecoder.asTextOrGarbage(block, r.error));
      else items.push({ kind: "frame", frame: r });
    }
    // Text with no frame delimiter yet: pass complete lines on at once.
    const nl = this.buf.lastIndexOf(0x0a);
    if (nl >= 0 && isText(Uint8Array.from(this.buf.slice(0, nl + 1)))) {
      const text = Buffer.from(this.buf.slice(0, nl + 1)).toString("utf8");
      this.buf = this.buf.slice(nl + 1);
      items.push({ kind: "text", text });
    }
    return items;
  }

  /**
   * Text lines and a frame read in one go with no delimiter between them: a boot ROM's banner
   * (the ESP32-C3's) right before the firmware's first frame. The frame's CRC tells where it starts.
   */
  private static textThenFrame(block: Uint8Array): StreamItem[] | undefined {
    for (let nl = block.indexOf(0x0a); nl >= 0; nl = block.indexOf(0x0a, nl + 1)) {
      const head = block.subarray(0, nl + 1);
      if (!isText(head)) return undefined;
      const r = decodeFrame(block.subarray(nl + 1));
      if (!("error" in r)) return [{ kind: "text", text: Buffer.from(head).toString("utf8") }, { kind: "frame", frame: r }];
    }
    return undefined;
  }

  private flushAsText(reason: string): StreamItem[] {
    const block = Uint8Array.from(this.buf);
    this.buf = [];
    return FrameDecoder.asTextOrGarbage(block, reason);
  }

  private static asTextOrGarbage(block: Uint8Array, reason: string): StreamItem[] {
    if (isText(block)) return [{ kind: "text", text: Buffer.from(block).toString("utf8") }];
    return [{ kind: "garbage", bytes: block.length, reason }];
  }
}

function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let printable = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
  return printable === bytes.length;
}
