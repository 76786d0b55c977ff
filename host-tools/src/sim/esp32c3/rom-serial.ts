// The ROM's serial download mode on UART0, as esptool's "Serial Protocol" page describes
// it for the ESP32-C3's ROM loader (not the flasher stub): SLIP frames, commands
// (00 op size16 checksum32 data), responses (01 op size16 value32 data status error 00 00,
// 4 status bytes). Commands:
//   SYNC 0x08, WRITE_REG 0x09 (address, value, mask, delay), READ_REG 0x0A, SPI_SET_PARAMS
//   0x0B, SPI_ATTACH 0x0D, CHANGE_BAUDRATE 0x0F, FLASH_BEGIN/DATA/END 0x02/0x03/0x04,
//   MEM_BEGIN/END/DATA 0x05/0x06/0x07, FLASH_DEFL_BEGIN/DATA/END 0x10/0x11/0x12 (zlib data),
//   SPI_FLASH_MD5 0x13 (answered as 32 hex digits, as the ROM does), GET_SECURITY_INFO 0x14.
// ERASE_FLASH 0xD0 / ERASE_REGION 0xD1 / READ_FLASH 0xD2 belong to the stub: the ROM, and
// this model, answer them as invalid (0x05); the ROM erases in FLASH_BEGIN.
// Errors as the ROM gives them: 0x05 invalid message, 0x06 failed to act, 0x07 bad data
// checksum, 0x08 flash write error, 0x09 read error, 0x0A read length error, 0x0B deflate error.
// The loader reads UART0's RX FIFO as bytes arrive in emulated time and answers at once.
import { createHash } from "node:crypto";
import { constants, inflateSync } from "node:zlib";

import { checksum, decodeCommand, encodeResponse, Op, SYNC_PAYLOAD } from "../../flash/esp32/protocol.js";
import { slipEncode, SlipDecoder } from "../../flash/esp32/slip.js";
import { CHIP_ID_ESP32C3 } from "./image.js";

export const ROM_STATUS_BYTES = 4;
const SECTOR = 0x1000;
const ERR_INVALID = 0x05, ERR_FAILED = 0x06, ERR_CHECKSUM = 0x07, ERR_READ_LENGTH = 0x0a, ERR_DEFLATE = 0x0b;
const GET_SECURITY_INFO = 0x14;
/** Compressed blocks are inflated in batches of this many (and at the last block). */
const INFLATE_BATCH = 16;

/** What the loader needs of the chip. */
export interface LoaderChip {
  readonly flash: Uint8Array;
  readonly uart: { takeAll(): number[]; write(offset: number, value: number): void };
  readonly bus: { read(addr: number, size: number): number; write(addr: number, size: number, value: number): void };
  writeFlash(offset: number, bytes: Uint8Array): void;
  eraseFlash(offset: number, length: number): void;
  writeRam(addr: number, bytes: Uint8Array): void;
  romTransmit(bytes: Uint8Array): void;
  /** Leave the loader: boot the flash image (after a software reset when `reset`). */
  leaveToFlash(reset: boolean): void;
  /** Leave the loader: run code loaded with MEM_* at `entry`. */
  leaveToRam(entry: number): void;
}

interface Download {
  kind: "flash" | "deflate" | "mem";
  offset: number;
  size: number;
  blocks: number;
  blockSize: number;
  nextSeq: number;
  compressed: Buffer[];
  inflated: number;
}

export class RomSerialLoader {
  active = false;
  private readonly decoder = new SlipDecoder();
  private download: Download | undefined;
  commands = 0;

  constructor(private readonly chip: LoaderChip) {}

  start(): void {
    this.active = true;
    this.download = undefined;
    this.decoder.reset();
  }

  stop(): void {
    this.active = false;
  }

  /** Reads what arrived in UART0's FIFO and answers every whole frame. */
  poll(): void {
    const bytes = this.chip.uart.takeAll();
    if (!bytes.length) return;
    for (const ev of this.decoder.push(Uint8Array.from(bytes))) {
      if (!this.active) return;
      if (ev.kind !== "frame") continue;
      const cmd = decodeCommand(ev.data);
      if (typeof cmd === "string") continue; // the ROM ignores what it cannot parse
      this.commands++;
      this.handle(cmd.op, cmd.checksum, Buffer.from(cmd.data));
    }
  }

  private send(op: number, value: number, body: Uint8Array, status: number, error: number): void {
    this.chip.romTransmit(slipEncode(encodeResponse(op, value, body, status, error, ROM_STATUS_BYTES)));
  }

  private ok(op: number, value = 0, body: Uint8Array = Buffer.alloc(0)): void {
    this.send(op, value, body, 0, 0);
  }

  private fail(op: number, error: number): void {
    this.send(op, 0, Buffer.alloc(0), 1, error);
  }

  private handle(op: number, chk: number, d: Buffer): void {
    const w = (i: number) => d.readUInt32LE(i * 4);
    switch (op) {
      case Op.SYNC:
        if (!d.equals(SYNC_PAYLOAD)) return this.fail(op, ERR_INVALID);
        for (let i = 0; i < 8; i++) this.ok(op); // the ROM answers a SYNC several times over
        return;
      case Op.READ_REG:
        if (d.length !== 4) return this.fail(op, ERR_INVALID);
        return this.ok(op, this.readReg(w(0)));
      case Op.WRITE_REG:
        if (d.length % 16 !== 0 || d.length === 0) return this.fail(op, ERR_INVALID);
        for (let i = 0; i < d.length / 16; i++) this.writeReg(w(4 * i), w(4 * i + 1), w(4 * i + 2));
        return this.ok(op);
      case Op.SPI_ATTACH:
        return d.length === 8 ? this.ok(op) : this.fail(op, ERR_INVALID);
      case Op.SPI_SET_PARAMS:
        return d.length === 24 ? this.ok(op) : this.fail(op, ERR_INVALID);
      case Op.CHANGE_BAUDRATE:
        return this.changeBaud(op, d);
      case Op.FLASH_BEGIN: case Op.FLASH_DEFL_BEGIN: case Op.MEM_BEGIN:
        return this.begin(op, d);
      case Op.FLASH_DATA: case Op.FLASH_DEFL_DATA: case Op.MEM_DATA:
        return this.data(op, chk, d);
      case Op.FLASH_END: case Op.FLASH_DEFL_END:
        return this.flashEnd(op, d);
      case Op.MEM_END:
        return this.memEnd(op, d);
      case Op.SPI_FLASH_MD5:
        return this.md5(op, d);
      case GET_SECURITY_INFO:
        return this.ok(op, 0, securityInfo());
      default:
        return this.fail(op, ERR_INVALID);
    }
  }

  private readReg(addr: number): number {
    try {
      return this.chip.bus.read(addr, 4) >>> 0;
    } catch {
      return 0;
    }
  }

  private writeReg(addr: number, value: number, mask: number): void {
    try {
      const old = mask === 0xffffffff ? 0 : this.chip.bus.read(addr, 4);
      this.chip.bus.write(addr, 4, ((old & ~mask) | (value & mask)) >>> 0);
    } catch {
      // an address nothing answers: the ROM writes into the void too
    }
  }

  private changeBaud(op: number, d: Buffer): void {
    if (d.length !== 8) return this.fail(op, ERR_INVALID);
    const baud = d.readUInt32LE(0);
    if (baud < 300 || baud > 5_000_000) return this.fail(op, ERR_INVALID);
    this.ok(op);
    const div = 80_000_000 / baud;
    this.chip.uart.write(0x14, (Math.floor(div) & 0xfff) | ((Math.round((div % 1) * 16) & 0xf) << 20));
  }

  private begin(op: number, d: Buffer): void {
    const isMem = op === Op.MEM_BEGIN;
    if (d.length !== 16 && !(d.length === 20 && !isMem)) return this.fail(op, ERR_INVALID);
    const [size, blocks, blockSize, offset] = [0, 1, 2, 3].map((i) => d.readUInt32LE(4 * i)) as [number, number, number, number];
    if (blockSize === 0 || blockSize > 0x4000 || blocks * blockSize < (op === Op.FLASH_DEFL_BEGIN ? 0 : size)) return this.fail(op, ERR_INVALID);
    if (!isMem) {
      if (offset % SECTOR !== 0 || offset + size > this.chip.flash.length) return this.fail(op, ERR_INVALID);
      const end = Math.min(this.chip.flash.length, Math.ceil((offset + size) / SECTOR) * SECTOR);
      this.chip.eraseFlash(offset, end - offset);
    }
    const kind = isMem ? "mem" : op === Op.FLASH_DEFL_BEGIN ? "deflate" : "flash";
    this.download = { kind, offset, size, blocks, blockSize, nextSeq: 0, compressed: [], inflated: 0 };
    this.ok(op);
  }

  private data(op: number, chk: number, d: Buffer): void {
    const dl = this.download;
    const kind = op === Op.MEM_DATA ? "mem" : op === Op.FLASH_DEFL_DATA ? "deflate" : "flash";
    if (!dl || dl.kind !== kind || d.length < 16) return this.fail(op, ERR_INVALID);
    const len = d.readUInt32LE(0);
    const seq = d.readUInt32LE(4);
    const data = d.subarray(16);
    if (len !== data.length || len > dl.blockSize) return this.fail(op, ERR_INVALID);
    if (checksum(data) !== (chk & 0xff)) return this.fail(op, ERR_CHECKSUM);
    if (seq !== dl.nextSeq || seq >= dl.blocks) return this.fail(op, ERR_INVALID);
    dl.nextSeq++;
    if (kind === "mem") {
      this.chip.writeRam((dl.offset + seq * dl.blockSize) >>> 0, data);
      return this.ok(op);
    }
    if (kind === "flash") {
      const at = dl.offset + seq * dl.blockSize;
      this.chip.writeFlash(at, data.subarray(0, Math.max(0, Math.min(data.length, this.chip.flash.length - at))));
      return this.ok(op);
    }
    dl.compressed.push(Buffer.from(data));
    if (dl.compressed.length % INFLATE_BATCH === 0 || seq === dl.blocks - 1) {
      const err = this.inflatePending(dl);
      if (err) return this.fail(op, err);
    }
    this.ok(op);
  }

  /** Inflates what came so far and programs the new part; an error code if the data is bad. */
  private inflatePending(dl: Download): number {
    let out: Buffer;
    try {
      out = inflateSync(Buffer.concat(dl.compressed), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return ERR_DEFLATE;
    }
    if (out.length > dl.size) return ERR_DEFLATE;
    if (out.length > dl.inflated) this.chip.writeFlash(dl.offset + dl.inflated, out.subarray(dl.inflated));
    dl.inflated = out.length;
    return 0;
  }

  private flashEnd(op: number, d: Buffer): void {
    if (d.length !== 4) return this.fail(op, ERR_INVALID);
    const dl = this.download;
    if (op === Op.FLASH_DEFL_END && dl?.kind === "deflate" && dl.compressed.length % INFLATE_BATCH !== 0) {
      const err = this.inflatePending(dl);
      if (err) return this.fail(op, err);
    }
    this.download = undefined;
    this.ok(op);
    this.stop();
    this.chip.leaveToFlash(d.readUInt32LE(0) === 0);
  }

  private memEnd(op: number, d: Buffer): void {
    if (d.length !== 8) return this.fail(op, ERR_INVALID);
    if (this.download?.kind !== "mem") return this.fail(op, ERR_FAILED);
    this.download = undefined;
    this.ok(op);
    if (d.readUInt32LE(0) === 0) {
      this.stop();
      this.chip.leaveToRam(d.readUInt32LE(4));
    }
  }

  private md5(op: number, d: Buffer): void {
    if (d.length !== 16) return this.fail(op, ERR_INVALID);
    const addr = d.readUInt32LE(0);
    const size = d.readUInt32LE(4);
    if (addr + size > this.chip.flash.length) return this.fail(op, ERR_READ_LENGTH);
    const hex = createHash("md5").update(this.chip.flash.subarray(addr, addr + size)).digest("hex");
    this.ok(op, 0, Buffer.from(hex, "latin1"));
  }
}

/** GET_SECURITY_INFO's answer: flags, flash crypt count, 7 key purposes, chip id, API version (all off). */
function securityInfo(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(CHIP_ID_ESP32C3, 12);
  return b;
}
