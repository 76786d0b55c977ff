// Writing slots into a flash image file, as a programmer would before a board boots.
// The slot format is firmware/device/src/slots.h: a 32-byte header, then the payload.
import { closeSync, existsSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { BoardError } from "../lib/errors.js";
import { crc32 } from "../lib/crc32.js";
import type { Board, FlashRegion } from "./registry.js";

export const SLOT_MAGIC = 0x55434d57; // "WMCU"
export const SLOT_HEADER_BYTES = 32;
export enum SlotKind {
  App = 1,
  Model = 2,
}

export function slotHeader(kind: SlotKind, payload: Uint8Array, generation: number): Uint8Array {
  const h = new Uint8Array(SLOT_HEADER_BYTES).fill(0xff);
  const v = new DataView(h.buffer);
  v.setUint32(0, SLOT_MAGIC, true);
  v.setUint16(4, 1, true);
  h[6] = kind;
  h[7] = 0;
  v.setUint32(8, payload.length, true);
  v.setUint32(12, crc32(payload), true);
  v.setUint32(16, generation, true);
  return h;
}

/** Creates an erased flash file of the board's size if there is none (or checks its size). */
export function ensureFlashFile(file: string, board: Board): void {
  if (existsSync(file)) {
    const size = statSync(file).size;
    if (size !== board.flash.size) throw new BoardError(`${file} is ${size} bytes, but ${board.name}'s flash is ${board.flash.size}`);
    return;
  }
  const fd = openSync(file, "w");
  try {
    const erased = new Uint8Array(64 * 1024).fill(0xff);
    for (let off = 0; off < board.flash.size; off += erased.length) writeSync(fd, erased, 0, Math.min(erased.length, board.flash.size - off), off);
  } finally {
    closeSync(fd);
  }
}

/** Puts `payload` into `region` of the flash file as the newest slot (generation above any header in `rivals`). */
export function programSlot(file: string, region: FlashRegion, kind: SlotKind, payload: Uint8Array, rivals: FlashRegion[] = []): void {
  if (payload.length > region.size - SLOT_HEADER_BYTES) {
    throw new BoardError(`${payload.length} bytes do not fit the ${region.name} slot (${region.size - SLOT_HEADER_BYTES} bytes)`);
  }
  const fd = openSync(file, "r+");
  try {
    let generation = 1;
    for (const r of rivals) {
      const h = new Uint8Array(SLOT_HEADER_BYTES);
      readSync(fd, h, 0, SLOT_HEADER_BYTES, r.offset);
      const v = new DataView(h.buffer);
      if (v.getUint32(0, true) === SLOT_MAGIC && h[6] === kind) generation = Math.max(generation, v.getUint32(16, true) + 1);
    }
    const header = slotHeader(kind, payload, generation);
    const erased = new Uint8Array(Math.ceil((SLOT_HEADER_BYTES + payload.length) / 4096) * 4096).fill(0xff);
    erased.set(header, 0);
    erased.set(payload, SLOT_HEADER_BYTES);
    writeSync(fd, erased, 0, erased.length, region.offset);
  } finally {
    closeSync(fd);
  }
}
