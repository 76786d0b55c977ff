// A conversation with an ESP ROM serial loader: reset into download mode, SYNC, detect
// the chip, attach flash, change baud, write regions (plain or deflated) and check MD5.
import { createHash } from "node:crypto";
import { constants as zlibConstants, createInflate, deflateSync } from "node:zlib";
import { DeviceError } from "../../lib/errors.js";
import { CHIP_DETECT_MAGIC_REG, chipFromMagic, type EspChip } from "./chips/index.js";
import {
  checksum, dataPayload, decodeResponse, encodeCommand, Op, opName, ROM_ERR_BAD_CHECKSUM, romErrorText,
  SYNC_PAYLOAD, words, type Response,
} from "./protocol.js";
import { bootloaderSequences, hardReset, type ResetSequence } from "./reset.js";
import type { FrameTransport } from "./transport.js";
import { Cmd } from "../../link/constants.js";
import { encodeFrame, FrameDecoder } from "../../link/frame.js";

/** The ROM loader's block size for FLASH_DATA / FLASH_DEFL_DATA. */
export const ROM_BLOCK_SIZE = 0x400;
export const SECTOR_SIZE = 0x1000;
/** Erasing is slow: the ROM erases the whole region inside FLASH_BEGIN before answering. */
const ERASE_MS_PER_MB = 30_000;
/** Writing (and, for DEFL blocks, inflating) is answered only once the block is in flash. */
const WRITE_MS_PER_MB = 40_000;

/**
 * How many bytes each block of a zlib stream inflates to: a 1 KiB block of a long 0xFF run
 * can become a megabyte of flash writes, and its answer takes as long to come.
 */
async function inflatedPerBlock(payload: Buffer, blockSize: number, total: number): Promise<number[]> {
  const inf = createInflate();
  let produced = 0;
  inf.on("data", (d: Buffer) => {
    produced += d.length;
  });
  const sizes: number[] = [];
  let prev = 0;
  for (let i = 0; i < payload.length; i += blockSize) {
    inf.write(payload.subarray(i, i + blockSize));
    await new Promise<void>((resolve) => inf.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    sizes.push(produced - prev);
    prev = produced;
  }
  inf.destroy();
  // Should the count ever come out short, assume the worst for every block.
  return produced === total ? sizes : sizes.map(() => total);
}

export interface LoaderOptions {
  /** Timeout of an ordinary command's answer. */
  commandTimeoutMs?: number;
  /** Timeout of each SYNC attempt. */
  syncTimeoutMs?: number;
  /** SYNC packets sent after each reset sequence. */
  syncAttemptsPerReset?: number;
  /** Times the list of reset sequences is walked before giving up. */
  connectRounds?: number;
  /** Resends of a data block the ROM rejected for a bad checksum. */
  blockRetries?: number;
  /** After a failed sync: how long to wait for a wasmcu board to answer a link INFO probe. */
  probeMs?: number;
  /** Skip the DTR/RTS reset (chip already in download mode). */
  noReset?: boolean;
  /** The port is Espressif's USB-serial/JTAG: try its reset sequence first. */
  usbJtagSerial?: boolean;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Progress chatter (one line per step). */
  log?: (line: string) => void;
}

export interface WriteProgress {
  written: number;
  total: number;
}

export interface RegionResult {
  offset: number;
  /** Bytes written (after padding to 4). */
  size: number;
  /** Bytes sent over the wire for the data itself (compressed size when deflated). */
  wireBytes: number;
  compressed: boolean;
  md5: string;
  /** Data blocks resent after the ROM reported a checksum error. */
  retries: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The bytes a region holds in flash: the image padded with 0xFF to a multiple of 4. */
export function padImage(data: Uint8Array): Buffer {
  const pad = (4 - (data.length % 4)) % 4;
  return Buffer.concat([data, Buffer.alloc(pad, 0xff)]);
}

export class EspLoader {
  chip: EspChip | undefined;
  private statusLen = 4;
  private readonly o: Required<Omit<LoaderOptions, "log" | "sleep">>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (line: string) => void;
  /** Why DTR/RTS could not be driven, if they could not (a pty, for example). */
  signalProblem: string | undefined;

  constructor(readonly port: FrameTransport, opts: LoaderOptions = {}) {
    this.o = {
      commandTimeoutMs: opts.commandTimeoutMs ?? 3000,
      syncTimeoutMs: opts.syncTimeoutMs ?? 100,
      syncAttemptsPerReset: opts.syncAttemptsPerReset ?? 5,
      connectRounds: opts.connectRounds ?? 2,
      blockRetries: opts.blockRetries ?? 3,
      probeMs: opts.probeMs ?? 500,
      noReset: opts.noReset ?? false,
      usbJtagSerial: opts.usbJtagSerial ?? false,
    };
    this.sleep = opts.sleep ?? realSleep;
    this.log = opts.log ?? (() => {});
  }

  private where(): string {
    return this.port.name;
  }

  /**
   * Sends one command and waits for the answer with the same command byte, skipping other
   * frames (the ROM answers SYNC several times; boot text can look like frames).
   * Throws DeviceError on timeout; returns the response even if its status is a failure.
   */
  async exchange(op: number, data: Uint8Array, opts: { chk?: number; timeoutMs?: number; what?: string } = {}): Promise<Response> {
    const timeoutMs = opts.timeoutMs ?? this.o.commandTimeoutMs;
    await this.port.writePacket(encodeCommand(op, data, opts.chk ?? 0));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const frame = left > 0 ? await this.port.readFrame(left) : undefined;
      if (!frame) {
        throw new DeviceError(`${this.where()}: no answer to ${opts.what ?? opName(op)} within ${timeoutMs} ms`,
          "the chip stopped answering: check the cable and power, then run the flash again");
      }
      const r = decodeResponse(frame, this.statusLen);
      if (typeof r === "string" || r.op !== op) continue;
      return r;
    }
  }

  /** exchange() that turns a failure status into a DeviceError naming the ROM's error. */
  async command(op: number, data: Uint8Array, opts: { chk?: number; timeoutMs?: number; what?: string } = {}): Promise<Response> {
    const r = await this.exchange(op, data, opts);
    if (r.status !== 0) {
      throw new DeviceError(`${this.where()}: the ROM loader refused ${opts.what ?? opName(op)}: ${romErrorText(r.error)} (status ${r.status}, error 0x${r.error.toString(16).padStart(2, "0")})`);
    }
    return r;
  }

  private async runSequence(seq: ResetSequence): Promise<void> {
    for (const step of seq.steps) {
      await this.port.setSignals(step.lines);
      if (step.delayMs > 0) await this.sleep(step.delayMs);
    }
  }

  private async trySync(): Promise<boolean> {
    for (let i = 0; i < this.o.syncAttemptsPerReset; i++) {
      try {
        const r = await this.exchange(Op.SYNC, SYNC_PAYLOAD, { timeoutMs: this.o.syncTimeoutMs });
        if (r.status === 0) {
          // The ROM answers one SYNC several times; let the echoes arrive and drop them.
          await this.sleep(20);
          for (;;) if (!(await this.port.readFrame(10))) break;
          return true;
        }
      } catch (e) {
        if (!(e instanceof DeviceError) || !/no answer/.test(e.message)) throw e;
      }
    }
    return false;
  }

  /** Resets the chip into its serial loader and synchronises, trying each reset sequence in turn. */
  async connect(): Promise<void> {
    const tried: string[] = [];
    const sequences: (ResetSequence | undefined)[] = this.o.noReset || !this.port.canSetSignals
      ? [undefined]
      : bootloaderSequences(this.o.usbJtagSerial);
    if (!this.o.noReset && !this.port.canSetSignals) this.signalProblem = "the port has no DTR/RTS lines";
    let noise = "";
    let heard = ""; // everything the port said outside SLIP frames, for telling a wasmcu board
    for (let round = 0; round < this.o.connectRounds; round++) {
      for (const seq of sequences) {
        if (seq && !this.signalProblem) {
          try {
            this.log(`resetting into the ROM loader (${seq.name})`);
            await this.runSequence(seq);
          } catch (e) {
            // Pseudo-terminals and some adapters have no modem lines: still try to talk.
            this.signalProblem = (e as Error).message;
          }
        }
        const label = seq && !this.signalProblem ? seq.name : "no reset";
        if (!tried.includes(label)) tried.push(label);
        this.port.flushInput();
        if (await this.trySync()) {
          this.log(`synchronised with the ROM loader on ${this.where()}`);
          return;
        }
        noise ||= this.port.noise.trim();
        if (heard.length < 16384) heard += this.port.noise;
      }
    }
    if (await this.wasmcuAnswers(heard)) {
      throw new DeviceError(`${this.where()}: this board runs wasmcu firmware (it answers in wasmcu link frames), not the ESP ROM loader`,
        "update its app or model with wasmcu deploy or wasmcu ota push; to flash new firmware, put the chip in its ROM loader: " +
        "hold BOOT (IO0) down, press and release EN/RESET, release BOOT, then run again with --before no-reset");
    }
    const attempts = this.o.connectRounds * sequences.length * this.o.syncAttemptsPerReset;
    const lines = [
      `${this.where()}: no ESP ROM loader answered ${attempts} SYNC attempts`,
      `  reset sequences tried: ${tried.join(", ")}`,
    ];
    if (this.signalProblem) lines.push(`  DTR/RTS could not be driven: ${this.signalProblem}`);
    if (noise) lines.push(`  the port said (not the loader): ${JSON.stringify(noise.slice(0, 200))}`);
    throw new DeviceError(lines.join("\n"),
      "hold BOOT (IO0) down, press and release EN/RESET, release BOOT, then run again with --before no-reset; " +
      "check that the port is the ESP32's and that no monitor holds it");
  }

  /**
   * Whether the other end speaks the wasmcu link: frames in what it already said, or an answer
   * to a link INFO command sent now (a running wasmcu board ignores the ROM's SLIP packets).
   */
  private async wasmcuAnswers(heard: string): Promise<boolean> {
    const hasFrame = (latin1: string) =>
      new FrameDecoder().push(Buffer.from(latin1 + "\0", "latin1")).some((i) => i.kind === "frame");
    if (hasFrame(heard)) return true;
    try {
      this.port.flushInput();
      await this.port.writeRaw(encodeFrame({ type: Cmd.Info, flags: 0, seq: 1, payload: new Uint8Array(0) }));
      for (let waited = 0; waited < this.o.probeMs; waited += 50) {
        await this.sleep(50);
        if (hasFrame(this.port.noise)) return true;
      }
    } catch {
      // a port that cannot even take the probe: the sync failure says enough
    }
    return false;
  }

  /** Reads the magic register and identifies the chip. */
  async detectChip(): Promise<EspChip> {
    const r = await this.command(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG), { what: "READ_REG (chip detect)" });
    const d = chipFromMagic(r.value);
    if ("chip" in d) {
      this.chip = d.chip;
      this.statusLen = d.chip.statusLen;
      return d.chip;
    }
    if ("unsupported" in d) throw new DeviceError(`${this.where()}: found an ${d.unsupported}`);
    throw new DeviceError(`${this.where()}: unknown chip: magic register 0x${CHIP_DETECT_MAGIC_REG.toString(16)} reads 0x${d.unknown.toString(16).padStart(8, "0")}`,
      "this flasher knows ESP32, ESP32-S2, ESP32-S3 and ESP32-C3");
  }

  private need(): EspChip {
    if (!this.chip) throw new Error("EspLoader: detectChip() must run first");
    return this.chip;
  }

  /** Attaches the default SPI flash (the ROM loader needs this before any flash command). */
  async attachFlash(): Promise<void> {
    const chip = this.need();
    await this.command(Op.SPI_ATTACH, chip.attachHasRomWord ? words(0, 0) : words(0));
  }

  /** Tells the ROM the flash geometry (sizes beyond the total are fixed values). */
  async setFlashParams(totalSize: number): Promise<void> {
    await this.command(Op.SPI_SET_PARAMS, words(0, totalSize, 64 * 1024, SECTOR_SIZE, 256, 0xffff));
  }

  /** Switches both ends to `baud`: the ROM answers at the old rate, then changes. */
  async changeBaud(baud: number): Promise<void> {
    if (!this.need().romSupportsBaudChange) throw new DeviceError(`${this.need().name} ROM cannot change baud rate`);
    await this.command(Op.CHANGE_BAUDRATE, words(baud, 0));
    await this.port.setBaudRate(baud);
    await this.sleep(50);
    this.port.flushInput();
  }

  /**
   * Writes `image` at `offset`, deflated when `compress` and the ROM can inflate, then checks
   * the region's MD5 against the bytes we meant to write.
   */
  async writeRegion(offset: number, image: Uint8Array, opts: { compress: boolean; label?: string; onProgress?: (p: WriteProgress) => void }): Promise<RegionResult> {
    const chip = this.need();
    if (offset % SECTOR_SIZE !== 0) throw new DeviceError(`${opts.label ?? "region"}: offset 0x${offset.toString(16)} is not a multiple of the 4 KiB sector`);
    const data = padImage(image);
    const compress = opts.compress && chip.romSupportsDeflate;
    const payload = compress ? deflateSync(data, { level: 9 }) : data;
    const blocks = Math.max(1, Math.ceil(payload.length / ROM_BLOCK_SIZE));
    // The ROM erases in FLASH_BEGIN; it wants the erase size rounded up to whole sectors for DEFL.
    const eraseSize = compress ? Math.ceil(data.length / SECTOR_SIZE) * SECTOR_SIZE : data.length;
    const label = opts.label ?? `0x${offset.toString(16)}`;
    const begin = [eraseSize, blocks, ROM_BLOCK_SIZE, offset, ...(chip.beginHasEncryptedWord ? [0] : [])];
    const eraseTimeout = Math.max(this.o.commandTimeoutMs, Math.ceil((ERASE_MS_PER_MB * eraseSize) / (1024 * 1024)));
    await this.command(compress ? Op.FLASH_DEFL_BEGIN : Op.FLASH_BEGIN, words(...begin), { timeoutMs: eraseTimeout, what: `${compress ? "FLASH_DEFL_BEGIN" : "FLASH_BEGIN"} (${label})` });
    const dataOp = compress ? Op.FLASH_DEFL_DATA : Op.FLASH_DATA;
    const perBlock = compress ? await inflatedPerBlock(payload, ROM_BLOCK_SIZE, data.length) : undefined;
    let retries = 0;
    for (let seq = 0; seq < blocks; seq++) {
      let block = payload.subarray(seq * ROM_BLOCK_SIZE, (seq + 1) * ROM_BLOCK_SIZE);
      // Plain writes pad the last block to the block size with 0xFF, as the ROM expects.
      if (!compress && block.length < ROM_BLOCK_SIZE) block = Buffer.concat([block, Buffer.alloc(ROM_BLOCK_SIZE - block.length, 0xff)]);
      const what = `${opName(dataOp)} block ${seq + 1}/${blocks} of ${label}`;
      for (let attempt = 0; ; attempt++) {
        const written = perBlock ? (perBlock[seq] ?? data.length) : block.length;
        const timeoutMs = Math.max(this.o.commandTimeoutMs, Math.ceil((WRITE_MS_PER_MB * written) / (1024 * 1024)));
        const r = await this.exchange(dataOp, dataPayload(seq, block), { chk: checksum(block), what, timeoutMs });
        if (r.status === 0) break;
        if (r.error === ROM_ERR_BAD_CHECKSUM && attempt < this.o.blockRetries) {
          retries++;
          this.log(`${what}: the ROM saw a bad checksum, resending`);
          continue;
        }
        throw new DeviceError(`${this.where()}: ${what} failed${attempt > 0 ? ` after ${attempt + 1} attempts` : ""}: ${romErrorText(r.error)}`,
          r.error === ROM_ERR_BAD_CHECKSUM ? "the serial line is corrupting data: try a lower --baud or another cable" : undefined);
      }
      opts.onProgress?.({ written: Math.min(data.length, Math.round(((seq + 1) / blocks) * data.length)), total: data.length });
    }
    const md5 = await this.flashMd5(offset, data.length, label);
    const want = createHash("md5").update(data).digest("hex");
    if (md5 !== want) {
      throw new DeviceError(`${this.where()}: verification failed for ${label}: flash MD5 ${md5}, expected ${want}`,
        "the flash did not keep what was written: run the flash again; if it persists the flash chip may be worn or write-protected");
    }
    return { offset, size: data.length, wireBytes: payload.length, compressed: compress, md5, retries };
  }

  /** MD5 of a flash region as the ROM computes it (32 hex characters). */
  async flashMd5(offset: number, size: number, label = `0x${offset.toString(16)}`): Promise<string> {
    if (!this.need().romSupportsMd5) throw new DeviceError(`${this.need().name} ROM cannot compute MD5`);
    const timeoutMs = Math.max(this.o.commandTimeoutMs, Math.ceil((8000 * size) / (1024 * 1024)));
    const r = await this.command(Op.SPI_FLASH_MD5, words(offset, size, 0, 0), { timeoutMs, what: `SPI_FLASH_MD5 (${label})` });
    // The ROM answers in hex text; a stub would send 16 raw bytes.
    if (r.body.length === 32) {
      const hex = r.body.toString("latin1");
      if (/^[0-9a-fA-F]{32}$/.test(hex)) return hex.toLowerCase();
    } else if (r.body.length === 16) return r.body.toString("hex");
    throw new DeviceError(`${this.where()}: SPI_FLASH_MD5 answer for ${label} is malformed (${r.body.length} bytes)`);
  }

  /**
   * Leaves the loader without modem lines: FLASH_END / FLASH_DEFL_END with 0 asks the ROM to
   * reboot (esptool avoids it only because it wants to stay in the loader). The ROM may
   * reboot before its answer is out, so a missing answer is not an error.
   */
  async rebootViaLoader(compressed: boolean): Promise<boolean> {
    try {
      const r = await this.exchange(compressed ? Op.FLASH_DEFL_END : Op.FLASH_END, words(0), { timeoutMs: 500 });
      return r.status === 0;
    } catch (e) {
      if (e instanceof DeviceError && /no answer/.test(e.message)) return true;
      throw e;
    }
  }

  /** Leaves the loader: pulses EN through RTS so the new firmware boots. */
  async hardReset(): Promise<boolean> {
    if (!this.port.canSetSignals || this.signalProblem) return false;
    try {
      await this.runSequence(hardReset());
      return true;
    } catch (e) {
      // Everything is written and verified; a port without modem lines only means no reset.
      this.signalProblem = (e as Error).message;
      return false;
    }
  }
}
