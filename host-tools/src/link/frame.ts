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

/** The longest frame on the wire, its delimiter left out: a full body and its COBS code bytes. */
const MAX_BODY = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES;
export const MAX_WIRE = MAX_BODY + Math.ceil(MAX_BODY / 254) + 1;
/** The shortest: an empty payload's 8-byte body and one code byte. */
const MIN_WIRE = HEADER_BYTES + CRC_BYTES + 1;

/**
 * A good frame that ends a block which, whole, is none: a frame whose delimiter a noise
 * burst destroyed glues onto the next one, and text printed before the link was up glues
 * onto the first frame. Only starts whose COBS code chain lands exactly on the block's end
 * can begin a frame that ends there; they are found in one pass from the end, and only
 * those get a CRC, the earliest first. The search covers the last MAX_WIRE bytes, so the
 * work is bounded by the largest frame whatever the block. A wrong frame out of damaged
 * bytes needs its chain to land and its 32-bit CRC to match by chance: about one in 4·10⁹
 * per candidate, the same odds the link accepts for any damaged frame it decodes, and the
 * command/acknowledgement layer above checks seq and type as well.
 */
export function frameAtEnd(block: Uint8Array): { start: number; frame: Frame } | undefined {
  const n = block.length;
  const first = Math.max(1, n - MAX_WIRE);
  // lands[i]: the chain of code bytes from i ends exactly at n (every byte is non-zero here).
  const lands = new Uint8Array(n + 1);
  lands[n] = 1;
  for (let i = n - 1; i >= first; i--) {
    const next = i + block[i]!;
    lands[i] = next <= n ? lands[next]! : 0;
  }
  for (let s = first; s <= n - MIN_WIRE; s++) {
    if (!lands[s]) continue;
    const r = decodeFrame(block.subarray(s));
    if (!("error" in r)) return { start: s, frame: r };
  }
  return undefined;
}

export type StreamItem = { kind: "frame"; frame: Frame } | { kind: "text"; text: string } | { kind: "garbage"; bytes: number; reason: string };

/**
 * Splits a byte stream into frames. Bytes that do not form a valid frame are passed on
 * as text when they look like text (a boot banner, a fault report printed before the
 * link is up) and reported as garbage otherwise. A block that is no frame but ends in
 * one (see frameAtEnd) gives its head as text or garbage, then the frame.
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
      if ("error" in r) items.push(...FrameDecoder.resync(block, r.error));
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

  /** A block that is no frame: its head as text or garbage, then the good frame it ends in, if any. */
  private static resync(block: Uint8Array, error: string): StreamItem[] {
    const tail = frameAtEnd(block);
    if (!tail) return FrameDecoder.asTextOrGarbage(block, error);
    const head = block.subarray(0, tail.start);
    return [...FrameDecoder.asTextOrGarbage(head, "damaged bytes before a good frame (a delimiter lost)"), { kind: "frame", frame: tail.frame }];
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
