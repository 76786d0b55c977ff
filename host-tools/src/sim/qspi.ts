// The RP2040's flash interface, modelled so a firmware's own flash driver can
// run against the flash-chip model: the SSI (XIP_SSI, 0x18000000) in direct
// mode, the chip-select override in IO_QSPI (0x40018000), and the XIP cache
// control block (0x14000000). rp2040js's own SSI only answers boot stages.
//
// What is modelled: SSI registers, 8/16/32-bit frames in transmit+receive or
// transmit-only mode, the receive FIFO, chip select by the SS output override
// or (approximately) one frame per transaction under SSI control, and whether
// the SSI is set up for execute-in-place. Timing of SPI transfers is not.
import { BasePeripheral, type RP2040 } from "rp2040js";

import type { SpiNorFlash } from "./flash-chip.js";
import type { FlashTimingModel } from "./xip-timing.js";

/** State the SSI and IO_QSPI share: who drives chip select. */
export class QspiBus {
  /** GPIO_QSPI_SS_CTRL.OUTOVER: 0 SSI drives CS, 1 inverted, 2 forced low (selected), 3 forced high. */
  csOverride = 0;
  /** Called when something that decides whether XIP reads work changed. */
  onXipChange: () => void = () => {};

  constructor(readonly chip: SpiNorFlash) {}
}

const CTRLR0 = 0x00, CTRLR1 = 0x04, SSIENR = 0x08, SER = 0x10, BAUDR = 0x14;
const TXFLR = 0x20, RXFLR = 0x24, SR = 0x28, IDR = 0x58, VERSION = 0x5c;
const DR0 = 0x60, DR_LAST = 0xec, SPI_CTRLR0 = 0xf4;
const SR_TFNF = 0x02, SR_TFE = 0x04, SR_RFNE = 0x08, SR_RFF = 0x10;
const FIFO_DEPTH = 16;

/** The value the bootrom leaves the SSI in: serial 03h reads, enough to fetch boot2 and vectors. */
export const XIP_03H = {
  ctrlr0: (31 << 16) | (3 << 8),
  spiCtrlr0: (0x03 << 24) | (2 << 8) | (6 << 2),
  baudr: 4,
};

export class SsiModel extends BasePeripheral {
  ctrlr0 = XIP_03H.ctrlr0;
  ctrlr1 = 0;
  ssienr = 1;
  ser = 1;
  baudr = XIP_03H.baudr;
  spiCtrlr0 = XIP_03H.spiCtrlr0;
  private regs = new Map<number, number>();
  private rx: number[] = [];
  /** Frames shifted in direct mode. */
  frames = 0;

  constructor(rp2040: RP2040, private readonly bus: QspiBus) {
    super(rp2040, "SSI");
  }

  get tmod(): number {
    return (this.ctrlr0 >>> 8) & 3;
  }

  get frameBits(): number {
    return ((this.ctrlr0 >>> 16) & 31) + 1;
  }

  /** True when an XIP access would reach the flash the way boot2 set it up. */
  get xipReady(): boolean {
    return this.ssienr === 1 && this.tmod === 3 && this.bus.csOverride === 0 && !this.bus.chip.busy &&
      this.bus.chip.xipProblem(this.xipCmd) === "";
  }

  /** The instruction an XIP access sends (SPI_CTRLR0.XIP_CMD), undefined when INST_L is 0 (continuous read). */
  get xipCmd(): number | undefined {
    return (this.spiCtrlr0 >>> 8) & 3 ? this.spiCtrlr0 >>> 24 : undefined;
  }

  /** Why XIP would not work now, for error messages. */
  get xipProblem(): string {
    if (this.ssienr !== 1) return "the SSI is disabled";
    if (this.tmod !== 3) return `the SSI is in direct mode (TMOD=${this.tmod}), not XIP (EEPROM read)`;
    if (this.bus.csOverride !== 0) return "chip select is overridden in IO_QSPI";
    if (this.bus.chip.busy) return "the flash chip is busy erasing or programming";
    return this.bus.chip.xipProblem(this.xipCmd);
  }

  override readUint32(offset: number): number {
    if (offset >= DR0 && offset <= DR_LAST) {
      if (this.rx.length === 0) {
        this.warn("DR0 read with the receive FIFO empty");
        return 0;
      }
      return this.rx.shift()!;
    }
    switch (offset) {
      case CTRLR0: return this.ctrlr0;
      case CTRLR1: return this.ctrlr1;
      case SSIENR: return this.ssienr;
      case SER: return this.ser;
      case BAUDR: return this.baudr;
      case TXFLR: return 0; // frames leave at once in the model
      case RXFLR: return this.rx.length;
      case SR: return SR_TFNF | SR_TFE | (this.rx.length ? SR_RFNE : 0) | (this.rx.length >= FIFO_DEPTH ? SR_RFF : 0);
      case IDR: return 0x51535049;
      case VERSION: return 0x3430312a;
      case SPI_CTRLR0: return this.spiCtrlr0;
      default: return this.regs.get(offset) ?? 0;
    }
  }

  override writeUint32(offset: number, value: number): void {
    if (offset >= DR0 && offset <= DR_LAST) {
      this.shift(value >>> 0);
      return;
    }
    switch (offset) {
      case CTRLR0: this.ctrlr0 = value >>> 0; break;
      case CTRLR1: this.ctrlr1 = value >>> 0; break;
      case SSIENR:
        this.ssienr = value & 1;
        if (!this.ssienr) this.rx = this.eeprom = []; // disabling flushes both FIFOs
        break;
      case SER: this.ser = value & 1; break;
      case BAUDR: this.baudr = value & 0xffff; break;
      case SPI_CTRLR0: this.spiCtrlr0 = value >>> 0; break;
      default:
        // Thresholds, masks, DMA, sample delay...: stored so they read back, no effect here.
        this.regs.set(offset, value >>> 0);
        return;
    }
    this.bus.onXipChange();
  }

  private eeprom: number[] = [];

  /**
   * EEPROM-read mode driven through DR0 (datasheet 4.10.8): the instruction frame (when
   * INST_L is not 0), then the address frame (its low 8 bits are the mode bits when
   * ADDR_L is 32 bits), after which the SSI reads CTRLR1+1 data frames.
   */
  private eepromFrame(value: number): void {
    this.eeprom.push(value);
    const cmd = this.xipCmd === undefined ? undefined : this.eeprom[0]! & 0xff;
    if (this.eeprom.length < (cmd === undefined ? 1 : 2)) return;
    const addrWord = this.eeprom[this.eeprom.length - 1]!;
    this.eeprom = [];
    const addrBits = ((this.spiCtrlr0 >>> 2) & 0xf) * 4;
    const address = addrBits > 24 ? addrWord >>> (addrBits - 24) : addrWord;
    const mode = addrBits > 24 ? addrWord & 0xff : 0;
    const frameBytes = this.frameBits >>> 3;
    const frames = (this.ctrlr1 & 0xffff) + 1;
    const data = this.bus.chip.xipRead(cmd, address, mode, frames * frameBytes);
    this.frames++;
    for (let f = 0; f < frames && this.rx.length < FIFO_DEPTH; f++) {
      let word = 0;
      for (let i = 0; i < frameBytes; i++) word = ((word << 8) | (data ? data[f * frameBytes + i]! : 0xff)) >>> 0;
      this.rx.push(word);
    }
    this.bus.onXipChange();
  }

  private shift(value: number): void {
    if (!this.ssienr) {
      this.warn("DR0 written while the SSI is disabled: ignored");
      return;
    }
    const tmod = this.tmod;
    if (tmod === 3) {
      this.eepromFrame(value);
      return;
    }
    if (tmod > 1) {
      this.warn(`DR0 written in TMOD ${tmod}: only transmit+receive (0) and transmit-only (1) are modelled`);
      return;
    }
    const bits = this.frameBits;
    if (bits % 8 !== 0) {
      this.warn(`${bits}-bit SSI frames are not modelled (8, 16, 24 or 32)`);
      return;
    }
    const { chip } = this.bus;
    // Under SSI control CS is asserted for the frame only (its FIFO empties at once here).
    const auto = this.bus.csOverride === 0 && this.ser !== 0;
    if (auto) chip.select();
    let result = 0;
    for (let shiftBits = bits - 8; shiftBits >= 0; shiftBits -= 8) {
      result = ((result << 8) | chip.transfer((value >>> shiftBits) & 0xff)) >>> 0;
    }
    if (auto) chip.deselect();
    this.frames++;
    if (tmod === 0) {
      if (this.rx.length >= FIFO_DEPTH) this.warn("SSI receive FIFO overflow: frame lost");
      else this.rx.push(result);
    }
  }
}

const SS_CTRL = 0x0c;

export class IoQspiModel extends BasePeripheral {
  private regs = new Map<number, number>();

  constructor(rp2040: RP2040, private readonly bus: QspiBus) {
    super(rp2040, "IO_QSPI");
  }

  override readUint32(offset: number): number {
    return this.regs.get(offset) ?? 0;
  }

  override writeUint32(offset: number, value: number): void {
    this.regs.set(offset, value >>> 0);
    if (offset !== SS_CTRL) return;
    const over = (value >>> 8) & 3;
    this.bus.csOverride = over;
    // CS is active low: forced low or inverted-idle selects the chip.
    if (over === 2 || over === 1) this.bus.chip.select();
    else this.bus.chip.deselect();
    this.bus.onXipChange();
  }
}

const XIP_CTRL = 0x00, XIP_FLUSH = 0x04, XIP_STAT = 0x08, CTR_HIT = 0x0c, CTR_ACC = 0x10;
const STREAM_ADDR = 0x14, STREAM_CTR = 0x18, STREAM_FIFO = 0x1c;
const STAT_FLUSH_READY = 0x1, STAT_FIFO_EMPTY = 0x2;

/**
 * XIP_CTRL (datasheet 2.6.3): cache enable, flush, the hit/access counters (with the
 * flash timing model on; 0 without), and the streaming path: STREAM_ADDR/STREAM_CTR
 * start a background read of STREAM_CTR words that STREAM_FIFO hands out (bypassing
 * the cache; with the model its transfers overlap the core and cost it nothing).
 */
export class XipCtrlModel extends BasePeripheral {
  ctrl = 0x3;
  flushes = 0;
  private hitBase = 0;
  private accBase = 0;
  private streamAddr = 0;
  private streamCtr = 0;

  constructor(rp2040: RP2040, private readonly timing?: FlashTimingModel, private readonly stallCore: (cycles: number) => void = () => {}) {
    super(rp2040, "XIP_CTRL");
  }

  override readUint32(offset: number): number {
    switch (offset) {
      case XIP_CTRL: return this.ctrl;
      case XIP_FLUSH: return 0;
      case XIP_STAT: return STAT_FLUSH_READY | (this.streamCtr === 0 ? STAT_FIFO_EMPTY : 0);
      case CTR_HIT: return this.timing ? (this.timing.totals.hits - this.hitBase) >>> 0 : 0;
      case CTR_ACC: return this.timing ? (this.timing.totals.accesses - this.accBase) >>> 0 : 0;
      case STREAM_ADDR: return this.streamAddr;
      case STREAM_CTR: return this.streamCtr;
      case STREAM_FIFO: return this.streamWord();
      default: return 0;
    }
  }

  override writeUint32(offset: number, value: number): void {
    switch (offset) {
      case XIP_CTRL:
        this.ctrl = value >>> 0;
        // POWER_DOWN (bit 3) forces EN off.
        if (this.timing) this.timing.enabled = (this.ctrl & 1) !== 0 && (this.ctrl & 8) === 0;
        break;
      case XIP_FLUSH:
        if (!(value & 1)) break;
        this.flushes++;
        if (this.timing) this.stallCore(this.timing.flush());
        break;
      case CTR_HIT: this.hitBase = this.timing?.totals.hits ?? 0; break;
      case CTR_ACC: this.accBase = this.timing?.totals.accesses ?? 0; break;
      case STREAM_ADDR: this.streamAddr = value & 0xfffffffc; break;
      case STREAM_CTR: this.streamCtr = value & 0x3fffff; break;
      default: break;
    }
  }

  private streamWord(): number {
    if (this.streamCtr === 0) return 0;
    const f = this.rp2040.flash; // not through the bus: the stream does not stall the core
    const o = this.streamAddr & 0xfffffc;
    const v = (f[o]! | (f[o + 1]! << 8) | (f[o + 2]! << 16) | (f[o + 3]! << 24)) >>> 0;
    if (this.timing) this.timing.streamedBytes += 4;
    this.streamAddr = (this.streamAddr + 4) >>> 0;
    this.streamCtr--;
    return v;
  }
}
