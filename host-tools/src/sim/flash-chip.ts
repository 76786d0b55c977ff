// A serial NOR flash chip on the RP2040's QSPI bus, modelled after the
// W25Q16JV family (2 MiB, JEDEC id EF 40 15): the commands a flash driver and
// an XIP boot stage use, status bits, and busy times. Bits can only be
// programmed from 1 to 0; erase sets whole sectors or blocks back to 0xFF.
// Commands the chip would reject (no write enable, chip busy) are ignored, as
// on the real part, and noted in `notes` so a test can see why.

export interface SpiNorTiming {
  /** 20h, 4 KiB. W25Q16JV: 45 ms typical, 400 ms max. */
  sectorEraseUs: number;
  /** 52h / D8h, 32 / 64 KiB. W25Q16JV: 120 / 150 ms typical. */
  blockEraseUs: number;
  /** 02h, up to 256 bytes. W25Q16JV: 0.4 ms typical. */
  pageProgramUs: number;
  /** C7h / 60h. W25Q16JV: 5 s typical. */
  chipEraseUs: number;
  /** 01h / 31h status register writes. W25Q16JV: 10 ms typical (tW). */
  statusWriteUs: number;
}

/** Shorter than the datasheet's typical times so tests stay quick; pass `typicalTiming` for realism. */
export const fastTiming: SpiNorTiming = { sectorEraseUs: 500, blockEraseUs: 2000, pageProgramUs: 50, chipEraseUs: 20000, statusWriteUs: 100 };
export const typicalTiming: SpiNorTiming = {
  sectorEraseUs: 45000, blockEraseUs: 150000, pageProgramUs: 400, chipEraseUs: 5000000, statusWriteUs: 10000,
};

/** Read commands an XIP transaction may use: 03h, 0Bh fast, 3Bh/BBh dual, 6Bh/EBh quad output/I/O. */
const XIP_READS = new Set([0x03, 0x0b, 0x3b, 0xbb, 0x6b, 0xeb]);
const QUAD_READS = new Set([0x6b, 0xeb]);
/** Status register 2's Quad Enable bit (W25Q16JV 7.1.10): IO2/IO3 are data pins only with it set. */
export const SR2_QE = 0x02;

export interface SpiNorStats {
  commands: number;
  sectorErases: number;
  blockErases: number;
  chipErases: number;
  pagePrograms: number;
  bytesProgrammed: number;
  /** Bytes where a program tried to turn a 0 bit back into 1 (it cannot). */
  bitsNotSet: number;
}

export interface SpiNorOptions {
  jedecId?: number;
  timing?: SpiNorTiming;
  /** Current emulated time in nanoseconds (busy periods are measured in it). */
  now: () => number;
  /** Called after an erase or program changed `length` bytes at `offset`. */
  onChange?: (offset: number, length: number) => void;
  /** Power-loss testing: asked before each erase or page program (numbered from 0) whether
   * the power goes during it. If so the operation does half its work, onChange reports it,
   * then onPowerCut runs (it should stop the emulation for good). */
  powerCut?: (n: number, kind: "erase" | "program", offset: number, length: number) => boolean;
  onPowerCut?: () => void;
}

const STATUS_BUSY = 0x01;
const STATUS_WEL = 0x02;
const PAGE = 256;

export class SpiNorFlash {
  readonly size: number;
  readonly stats: SpiNorStats = {
    commands: 0, sectorErases: 0, blockErases: 0, chipErases: 0, pagePrograms: 0, bytesProgrammed: 0, bitsNotSet: 0,
  };
  /** Commands ignored or not understood, most recent last (capped). */
  readonly notes: string[] = [];
  readonly jedecId: number;
  timing: SpiNorTiming;

  private selected = false;
  private bytes: number[] = [];
  private wel = false;
  private busyUntil = 0;
  private readAddr = 0;
  private pageBuf: number[] = [];
  private readonly uniqueId = [0xd5, 0x61, 0x38, 0x20, 0x2a, 0x77, 0x1c, 0x4e];
  private operations = 0;
  /** Status register 2 (QE in bit 1; non-volatile on the part: it survives chip resets here too). */
  sr2 = 0;
  /**
   * Continuous read mode (W25Q16JV 8.2.8): after an EBh/BBh read whose mode bits had
   * M5-4 = 10b, the next transaction starts with the address (no instruction), until a
   * read with other mode bits or the Continuous Read Mode Reset (FFh) ends it.
   */
  continuous = false;
  /** The transaction under way began while in continuous read mode: ignored as a command. */
  private asAddress = false;

  /** `mem` is the chip's array; its length (a power of two) is the capacity. */
  constructor(readonly mem: Uint8Array, private readonly opts: SpiNorOptions) {
    if (mem.length === 0 || (mem.length & (mem.length - 1)) !== 0) {
      throw new Error(`flash chip size ${mem.length} is not a power of two`);
    }
    this.size = mem.length;
    this.jedecId = opts.jedecId ?? 0xef4015;
    this.timing = opts.timing ?? fastTiming;
  }

  get busy(): boolean {
    return this.opts.now() < this.busyUntil;
  }

  get status(): number {
    if (this.busy) return STATUS_BUSY | STATUS_WEL; // WEL stays set until the operation ends
    return this.wel ? STATUS_WEL : 0;
  }

  get isSelected(): boolean {
    return this.selected;
  }

  private note(msg: string): void {
    this.notes.push(msg);
    if (this.notes.length > 100) this.notes.shift();
  }

  select(): void {
    if (this.selected) return;
    this.selected = true;
    this.bytes = [];
    this.pageBuf = [];
    this.asAddress = false;
  }

  /** The bootrom's exit from continuous read mode before it loads boot2 (a chip reset does not reset the flash). */
  exitContinuous(): void {
    this.continuous = false;
  }

  /** Why an XIP transaction with this command (undefined: no instruction) would not be answered, or "". */
  xipProblem(cmd: number | undefined): string {
    if (cmd === undefined) return this.continuous ? "" : "no instruction is sent but the flash is not in continuous read mode";
    if (this.continuous) return `the flash is in continuous read mode and would take instruction 0x${cmd.toString(16)} for an address`;
    if (!XIP_READS.has(cmd)) return `0x${cmd.toString(16)} is not a read command`;
    if (QUAD_READS.has(cmd) && !(this.sr2 & SR2_QE)) return `quad read 0x${cmd.toString(16)} with QE (status register 2) clear`;
    return "";
  }

  /**
   * A read the SSI runs in EEPROM mode (boot2 and the flash driver entering continuous read
   * mode): `cmd` undefined when no instruction is sent. Returns `length` bytes, or
   * undefined (noted) when the chip would not answer.
   */
  xipRead(cmd: number | undefined, addr: number, mode: number, length: number): Uint8Array | undefined {
    const problem = this.busy ? "the chip is busy" : this.xipProblem(cmd);
    if (problem) {
      this.note(`XIP read: ${problem}`);
      return undefined;
    }
    const c = cmd ?? 0xeb;
    if (c === 0xeb || c === 0xbb) this.continuous = (mode & 0x30) === 0x20;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.mem[(addr + i) & (this.size - 1)]!;
    return out;
  }

  /** Chip select released: erase and program commands take effect now. */
  deselect(): void {
    if (!this.selected) return;
    this.selected = false;
    const b = this.bytes;
    if (b.length === 0 || this.asAddress) return;
    this.stats.commands++;
    const cmd = b[0]!;
    if (this.busy && cmd !== 0x05) {
      this.note(`command 0x${cmd.toString(16)} while busy: ignored`);
      return;
    }
    const addr = b.length >= 4 ? ((b[1]! << 16) | (b[2]! << 8) | b[3]!) & (this.size - 1) : -1;
    switch (cmd) {
      case 0x06: this.wel = true; return;
      case 0x04: this.wel = false; return;
      case 0x20: this.erase(addr, 4096, b.length === 4, this.timing.sectorEraseUs, "sector"); return;
      case 0x52: this.erase(addr, 32768, b.length === 4, this.timing.blockEraseUs, "block"); return;
      case 0xd8: this.erase(addr, 65536, b.length === 4, this.timing.blockEraseUs, "block"); return;
      case 0xc7: case 0x60: this.erase(0, this.size, b.length === 1, this.timing.chipEraseUs, "chip"); return;
      case 0x02: this.program(addr, b.length); return;
      case 0x31: this.writeStatus2(b.length === 2 ? b[1]! : undefined); return;
      case 0x01: this.writeStatus2(b.length === 3 ? b[2]! : undefined); return;
      default: return;
    }
  }

  /** 31h (one byte) or 01h with two (SR1, SR2): only SR2's QE is kept; protection bits are not modelled. */
  private writeStatus2(value: number | undefined): void {
    if (value === undefined) return;
    if (!this.wel) {
      this.note("status register write without write enable: ignored");
      return;
    }
    this.sr2 = value & SR2_QE;
    this.startBusy(this.timing.statusWriteUs);
  }

  private startBusy(us: number): void {
    this.busyUntil = this.opts.now() + us * 1000;
    this.wel = false;
  }

  private erase(addr: number, span: number, lengthOk: boolean, us: number, kind: "sector" | "block" | "chip"): void {
    if (!lengthOk) {
      this.note(`${kind} erase with ${this.bytes.length} command bytes: ignored`);
      return;
    }
    if (!this.wel) {
      this.note(`${kind} erase at 0x${addr.toString(16)} without write enable: ignored`);
      return;
    }
    const start = addr - (addr % span);
    const cut = this.opts.powerCut?.(this.operations++, "erase", start, span) ?? false;
    this.mem.fill(0xff, start, start + (cut ? span / 2 : span));
    if (cut) return this.cutNow(start, span);
    if (kind === "sector") this.stats.sectorErases++;
    else if (kind === "block") this.stats.blockErases++;
    else this.stats.chipErases++;
    this.startBusy(us);
    this.opts.onChange?.(start, span);
  }

  private program(addr: number, len: number): void {
    if (len < 5) {
      this.note(`page program with ${len} command bytes (no data): ignored`);
      return;
    }
    if (!this.wel) {
      this.note(`page program at 0x${addr.toString(16)} without write enable: ignored`);
      return;
    }
    // Data wraps inside the 256-byte page; more than 256 bytes keeps the last 256.
    const page = addr - (addr % PAGE);
    const data = this.pageBuf.length > PAGE ? this.pageBuf.slice(-PAGE) : this.pageBuf;
    const first = this.pageBuf.length > PAGE ? (addr + this.pageBuf.length - PAGE) % PAGE : addr % PAGE;
    const cut = this.opts.powerCut?.(this.operations++, "program", page + first, data.length) ?? false;
    for (let i = 0; i < (cut ? data.length >> 1 : data.length); i++) {
      const at = page + ((first + i) % PAGE);
      const old = this.mem[at]!;
      const v = old & data[i]!;
      if (v !== data[i]) this.stats.bitsNotSet++;
      this.mem[at] = v;
    }
    if (cut) return this.cutNow(page, PAGE);
    this.stats.pagePrograms++;
    this.stats.bytesProgrammed += data.length;
    this.startBusy(this.timing.pageProgramUs);
    this.opts.onChange?.(page, PAGE);
  }

  private cutNow(offset: number, length: number): void {
    this.opts.onChange?.(offset, length);
    this.opts.onPowerCut?.();
  }

  /** One byte each way while selected; MISO is the return value (0xFF when nothing drives it). */
  transfer(out: number): number {
    if (!this.selected) return 0xff;
    const b = this.bytes;
    const n = b.length;
    b.push(out & 0xff);
    if (n === 0 && this.continuous) {
      // In continuous read mode the first byte is address, not a command; FFh (the reset) ends the mode.
      this.asAddress = true;
      if (out === 0xff) this.continuous = false;
      else this.note(`command 0x${out.toString(16)} while in continuous read mode: taken as an address`);
    }
    if (this.asAddress) return 0xff;
    if (n === 0) return 0xff; // the command byte itself
    const cmd = b[0]!;
    if (cmd === 0x05) return this.status;
    if (this.busy) return 0xff;
    switch (cmd) {
      case 0x35: return this.sr2; // status 2: QE, no protection
      case 0x15: return 0x60; // status 3: default drive strength
      case 0x9f: return n <= 3 ? (this.jedecId >> (8 * (3 - n))) & 0xff : 0xff;
      case 0xab: return n >= 4 ? (this.jedecId & 0xff) - 1 : 0xff; // device id 0x14 for capacity 0x15
      case 0x4b: return n >= 5 && n <= 12 ? this.uniqueId[n - 5]! : 0xff;
      case 0x03: case 0x0b: {
        const dataStart = cmd === 0x03 ? 4 : 5;
        if (n === 3) this.readAddr = ((b[1]! << 16) | (b[2]! << 8) | b[3]!) & (this.size - 1);
        if (n < dataStart) return 0xff;
        const v = this.mem[this.readAddr]!;
        this.readAddr = (this.readAddr + 1) & (this.size - 1);
        return v;
      }
      case 0x02:
        if (n >= 4) this.pageBuf.push(out & 0xff);
        return 0xff;
      case 0x06: case 0x04: case 0x20: case 0x52: case 0xd8: case 0xc7: case 0x60: case 0x01: case 0x31:
      case 0x66: case 0x99: case 0xb9: case 0xff:
        return 0xff;
      default:
        if (n === 1) this.note(`unsupported command 0x${cmd.toString(16)}`);
        return 0xff;
    }
  }
}
