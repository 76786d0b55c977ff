// A model of an ESP32 ROM serial loader, written from esptool's "Serial Protocol" page:
// SLIP packets, SYNC, READ_REG (chip magic), SPI_ATTACH, SPI_SET_PARAMS, FLASH_BEGIN/DATA/END,
// the DEFL variants (inflated with node:zlib), SPI_FLASH_MD5 (hex answer, as the ROM gives)
// and CHANGE_BAUDRATE, over a NOR flash array (erase sets 0xFF, writes can only clear bits).
// It boots into download mode only when the modem lines do what a dev board's auto-reset
// circuit needs, and it can be told to misbehave: corrupt data, go silent, never sync.
import { createHash } from "node:crypto";
import { constants, inflateSync } from "node:zlib";
import {
  checksum, decodeCommand, encodeResponse, Op, SYNC_PAYLOAD,
} from "../../../host-tools/src/flash/esp32/protocol.js";
import { slipEncode, SlipDecoder } from "../../../host-tools/src/flash/esp32/slip.js";

export interface RomModelOptions {
  /** Chip-detect magic (default ESP32's). */
  magic?: number;
  flashSize?: number;
  /** In download mode from the start (true for a pty, which carries no modem lines). */
  startInBootloader?: boolean;
  /** How DTR/RTS reach EN and IO0: a dev board's transistor pair, or Espressif's USB-serial/JTAG. */
  wiring?: "classic" | "usb-jtag";
  /** EN is wired but IO0 is not: every reset boots the app (which prints its boot log). */
  io0NotWired?: boolean;
  /** Never answer anything (a chip that is not there, or held in its app). */
  neverSync?: boolean;
  /** The first N *_DATA packets arrive with one byte flipped (as line noise would). */
  corruptDataPackets?: number;
  /** Stop answering after this many commands (SYNC included). */
  silentAfterCommands?: number;
  /** Flash keeps a stuck-at-zero bit at this offset: the write "succeeds" but MD5 differs. */
  stuckZeroAt?: number;
  /** No compressed writes (an old ROM): DEFL commands are answered as invalid. */
  noDeflate?: boolean;
  /** FLASH_BEGIN takes a fifth word (encrypted write), as the ESP32-C3's and S2/S3's ROMs do. */
  beginHasEncryptedWord?: boolean;
}

export const ROM_STATUS_LEN = 4;
const ESP32_MAGIC = 0x00f01d83;
const BANNER = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
const APP_BANNER = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nI (29) boot: ESP-IDF v5.2 2nd stage bootloader\r\n";

interface WriteState {
  deflate: boolean;
  offset: number;
  eraseSize: number;
  blocks: number;
  blockSize: number;
  nextSeq: number;
  compressed: Buffer[];
  inflated: number;
}

export class Esp32RomModel {
  readonly flash: Uint8Array;
  inDownloadMode: boolean;
  baud = 115200;
  attached = false;
  /** Every command the model received, by name of its op byte, in order. */
  readonly received: number[] = [];
  /** DATA packets whose checksum did not match (after any injected corruption). */
  checksumErrors = 0;
  boots = 0;
  private readonly decoder = new SlipDecoder();
  private write: WriteState | undefined;
  private corruptLeft: number;
  private dtr = false;
  private rts = false;
  private io0Requested = false;
  /** Bytes the model sends to the host. */
  onSend: (bytes: Buffer) => void = () => {};
  /** Called with the new rate after a CHANGE_BAUDRATE answer has been sent. */
  onBaud: (baud: number) => void = () => {};

  constructor(readonly opts: RomModelOptions = {}) {
    this.flash = new Uint8Array(opts.flashSize ?? 4 * 1024 * 1024).fill(0xff);
    this.inDownloadMode = opts.startInBootloader ?? false;
    this.corruptLeft = opts.corruptDataPackets ?? 0;
  }

  /** The modem lines as the host set them; drives EN and IO0 through the board's wiring. */
  setSignals(lines: { dtr?: boolean; rts?: boolean }): void {
    const enLow = (d: boolean, r: boolean) => r && !d;
    const io0Low = (d: boolean, r: boolean) => d && !r;
    const wasInReset = enLow(this.dtr, this.rts);
    this.dtr = lines.dtr ?? this.dtr;
    this.rts = lines.rts ?? this.rts;
    if (io0Low(this.dtr, this.rts)) this.io0Requested = true;
    if (enLow(this.dtr, this.rts)) {
      this.inDownloadMode = false;
      return;
    }
    if (wasInReset) {
      // EN released: the ROM samples IO0 (the USB-serial/JTAG peripheral latches the request).
      const download = this.opts.wiring === "usb-jtag" ? this.io0Requested : io0Low(this.dtr, this.rts);
      this.io0Requested = false;
      this.boot(download && !this.opts.io0NotWired);
    }
  }

  private boot(download: boolean): void {
    this.boots++;
    this.baud = 115200;
    this.onBaud(this.baud);
    this.attached = false;
    this.write = undefined;
    this.decoder.reset();
    this.inDownloadMode = download && !this.opts.neverSync;
    if (!this.opts.neverSync) this.onSend(Buffer.from(download ? BANNER : APP_BANNER, "latin1"));
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    for (const ev of this.decoder.push(bytes)) {
      if (ev.kind !== "frame" || !this.inDownloadMode) continue;
      const cmd = decodeCommand(ev.data);
      if (typeof cmd === "string") continue; // the ROM ignores what it cannot parse
      this.received.push(cmd.op);
      if (this.opts.silentAfterCommands !== undefined && this.received.length > this.opts.silentAfterCommands) continue;
      this.handle(cmd.op, cmd.checksum, Buffer.from(cmd.data));
    }
  }

  private reply(op: number, body: Uint8Array = Buffer.alloc(0), value = 0): void {
    this.onSend(slipEncode(encodeResponse(op, value, body, 0, 0, ROM_STATUS_LEN)));
  }

  private fail(op: number, error: number): void {
    this.onSend(slipEncode(encodeResponse(op, 0, Buffer.alloc(0), 1, error, ROM_STATUS_LEN)));
  }

  private handle(op: number, chk: number, d: Buffer): void {
    const word = (i: number) => d.readUInt32LE(i * 4);
    const need = (n: number) => d.length === n;
    switch (op) {
      case Op.SYNC:
        if (!d.equals(SYNC_PAYLOAD)) return this.fail(op, 0x05);
        // The ROM answers a SYNC several times over.
        for (let i = 0; i < 8; i++) this.reply(op);
        return;
      case Op.READ_REG:
        if (!need(4)) return this.fail(op, 0x05);
        return this.reply(op, undefined, word(0) === 0x40001000 ? (this.opts.magic ?? ESP32_MAGIC) : 0);
      case Op.SPI_ATTACH:
        if (!need(8)) return this.fail(op, 0x05); // ROM: config word plus a zero word
        this.attached = true;
        return this.reply(op);
      case Op.SPI_SET_PARAMS:
        if (!need(24)) return this.fail(op, 0x05);
        return this.reply(op);
      case Op.CHANGE_BAUDRATE: {
        if (!need(8) || word(0) < 9600) return this.fail(op, 0x05);
        this.reply(op);
        this.baud = word(0);
        this.onBaud(this.baud);
        return;
      }
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN: {
        const deflate = op === Op.FLASH_DEFL_BEGIN;
        if (deflate && this.opts.noDeflate) return this.fail(op, 0x05);
        if (!need(this.opts.beginHasEncryptedWord ? 20 : 16)) return this.fail(op, 0x05);
        if (!this.attached) return this.fail(op, 0x06); // flash commands need SPI_ATTACH first
        const [eraseSize, blocks, blockSize, offset] = [word(0), word(1), word(2), word(3)];
        if (offset % 0x1000 !== 0 || offset + eraseSize > this.flash.length || blockSize === 0 || blockSize > 0x4000) return this.fail(op, 0x05);
        const end = Math.min(this.flash.length, Math.ceil((offset + eraseSize) / 0x1000) * 0x1000);
        this.flash.fill(0xff, offset, end);
        this.write = { deflate, offset, eraseSize, blocks, blockSize, nextSeq: 0, compressed: [], inflated: 0 };
        return this.reply(op);
      }
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA: {
        const w = this.write;
        if (!w || w.deflate !== (op === Op.FLASH_DEFL_DATA) || d.length < 16) return this.fail(op, 0x05);
        const [len, seq] = [word(0), word(1)];
        const data = Buffer.from(d.subarray(16));
        if (len !== data.length || len > w.blockSize) return this.fail(op, 0x05);
        if (this.corruptLeft > 0 && data.length > 0) {
          this.corruptLeft--;
          const i = data.length >> 1;
          data[i] = data[i]! ^ 0x10;
        }
        if (checksum(data) !== (chk & 0xff)) {
          this.checksumErrors++;
          return this.fail(op, 0x07);
        }
        if (seq !== w.nextSeq || seq >= w.blocks) return this.fail(op, 0x05);
        w.nextSeq++;
        if (!w.deflate) {
          if (data.length !== w.blockSize) return this.fail(op, 0x05); // the last block comes padded
          this.program(w.offset + seq * w.blockSize, data, w.offset + w.eraseSize);
          return this.reply(op);
        }
        w.compressed.push(data);
        let out: Buffer;
        try {
          out = inflateSync(Buffer.concat(w.compressed), { finishFlush: constants.Z_SYNC_FLUSH });
        } catch {
          return this.fail(op, 0x0b);
        }
        if (out.length > w.eraseSize) return this.fail(op, 0x0b);
        this.program(w.offset + w.inflated, out.subarray(w.inflated), w.offset + w.eraseSize);
        w.inflated = out.length;
        return this.reply(op);
      }
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        if (!need(4)) return this.fail(op, 0x05);
        this.write = undefined;
        this.reply(op);
        this.boot(false); // 0: reboot, 1: run user code; either way the loader is left
        return;
      case Op.SPI_FLASH_MD5: {
        if (!need(16)) return this.fail(op, 0x05);
        const [addr, size] = [word(0), word(1)];
        if (addr + size > this.flash.length) return this.fail(op, 0x0a);
        const md5 = createHash("md5").update(this.flash.subarray(addr, addr + size)).digest("hex");
        return this.reply(op, Buffer.from(md5, "latin1"));
      }
      default:
        return this.fail(op, 0x05);
    }
  }

  /** NOR programming: bits only go from 1 to 0; writes past the erased region are refused silently. */
  private program(at: number, data: Uint8Array, limit: number): void {
    for (let i = 0; i < data.length && at + i < limit; i++) this.flash[at + i]! &= data[i]!;
    const s = this.opts.stuckZeroAt;
    if (s !== undefined && s >= at && s < at + data.length) this.flash[s]! &= 0xfe;
  }
}
