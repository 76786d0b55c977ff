// UART0 (TRM "UART Controller (UART)", base 0x60000000): what a driver uses.
//   0x00 FIFO       read pops the RX FIFO; write sends a byte (out at once: TX never fills)
//   0x04 INT_RAW    0x08 INT_ST (RAW & ENA)    0x0C INT_ENA    0x10 INT_CLR
//        bits: 0 RXFIFO_FULL (RX count >= CONF1.RXFIFO_FULL_THRHD), 1 TXFIFO_EMPTY
//        (TX count <= CONF1.TXFIFO_EMPTY_THRHD), 4 RXFIFO_OVF (a byte arrived to a full
//        FIFO: dropped), 8 RXFIFO_TOUT (RX idle for MEM_CONF.RX_TOUT_THRHD bit times with
//        data in the FIFO, when CONF1.RX_TOUT_EN)
//   0x14 CLKDIV     integer [11:0], fraction [23:20]: baud = 80 MHz / (div + frac/16)
//   0x1C STATUS     RXFIFO_CNT [9:0], TXFIFO_CNT [25:16] (always 0)
//   0x20 CONF0      RXFIFO_RST bit 17 empties the RX FIFO
//   0x24 CONF1      RXFIFO_FULL_THRHD [8:0], TXFIFO_EMPTY_THRHD [17:9], RX_TOUT_EN bit 21
//   0x60 MEM_CONF   RX_TOUT_THRHD [26:17]
//   0x7C DATE, 0x80 ID
// Bytes from the host arrive at the baud rate CLKDIV sets, in emulated time, into a
// 128-byte RX FIFO; one that finds it full is dropped and counted, as on the chip.
import { APB_HZ, CPU_HZ } from "./clock.js";
import type { Peripheral } from "./peripheral.js";

export const UART0_BASE = 0x60000000;
export const UART_FIFO_SIZE = 128;

const FIFO = 0x00, INT_RAW = 0x04, INT_ST = 0x08, INT_ENA = 0x0c, INT_CLR = 0x10, CLKDIV = 0x14;
const STATUS = 0x1c, CONF0 = 0x20, CONF1 = 0x24, MEM_CONF = 0x60, DATE = 0x7c, ID = 0x80;

export const UART_INT_RXFIFO_FULL = 1 << 0;
export const UART_INT_TXFIFO_EMPTY = 1 << 1;
export const UART_INT_RXFIFO_OVF = 1 << 4;
export const UART_INT_RXFIFO_TOUT = 1 << 8;

const CONF0_RESET = 0x1000001c;
const CONF1_RESET = 0x0000c060; // RX full threshold 0x60, TX empty threshold 0x60
const MEM_CONF_RESET = 0x00140000 | (10 << 17); // RX timeout: 10 bit times
/** CLKDIV the ROM leaves: 115200 baud from the 80 MHz APB clock. */
const ROM_CLKDIV = 694 | (7 << 20);

export interface UartHooks {
  now(): number;
  transmit(byte: number): void;
  setInterrupt(asserted: boolean): void;
  /** A byte from the host found the RX FIFO full. */
  dropped?(total: number): void;
}

export class Uart implements Peripheral {
  readonly name = "UART0";
  readonly rx: number[] = [];
  /** Bytes from the host not yet on the wire (they arrive one per character time). */
  private readonly incoming: number[] = [];
  private nextArrival = Infinity;
  private lastArrival = 0;
  private intRaw = 0;
  private intEna = 0;
  private clkdiv = ROM_CLKDIV;
  private conf0 = CONF0_RESET;
  private conf1 = CONF1_RESET;
  private memConf = MEM_CONF_RESET;
  droppedTotal = 0;

  constructor(private readonly hooks: UartHooks) {}

  /** Emulated cycles one bit takes at the current CLKDIV. */
  private bitCycles(): number {
    const div = (this.clkdiv & 0xfff) + ((this.clkdiv >>> 20) & 0xf) / 16;
    return (Math.max(div, 1) * CPU_HZ) / APB_HZ;
  }

  /** 10 bit times: start, 8 data, stop. */
  private charCycles(): number {
    return 10 * this.bitCycles();
  }

  /** Bytes the host sent; they reach the FIFO at the baud rate from now on. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.incoming.push(b);
    if (this.nextArrival === Infinity && this.incoming.length) this.nextArrival = this.hooks.now() + this.charCycles();
  }

  get pendingFromHost(): number {
    return this.incoming.length;
  }

  private timeoutCycles(): number {
    return ((this.memConf >>> 17) & 0x3ff) * this.bitCycles();
  }

  private timeoutArmed(): boolean {
    return (this.conf1 & (1 << 21)) !== 0 && this.rx.length > 0 && !(this.intRaw & UART_INT_RXFIFO_TOUT);
  }

  nextEvent(): number {
    return Math.min(this.nextArrival, this.timeoutArmed() ? this.lastArrival + this.timeoutCycles() : Infinity);
  }

  advance(now: number): void {
    while (this.nextArrival <= now) {
      const b = this.incoming.shift()!;
      if (this.rx.length < UART_FIFO_SIZE) this.rx.push(b);
      else {
        this.intRaw |= UART_INT_RXFIFO_OVF;
        this.droppedTotal++;
        this.hooks.dropped?.(this.droppedTotal);
      }
      this.lastArrival = this.nextArrival;
      this.nextArrival = this.incoming.length ? this.nextArrival + this.charCycles() : Infinity;
    }
    if (this.timeoutArmed() && this.lastArrival + this.timeoutCycles() <= now) this.intRaw |= UART_INT_RXFIFO_TOUT;
    this.update();
  }

  /** Level conditions re-assert their raw bits whenever they hold. */
  private update(): void {
    if (this.rx.length >= (this.conf1 & 0x1ff) && (this.conf1 & 0x1ff) > 0) this.intRaw |= UART_INT_RXFIFO_FULL;
    this.intRaw |= UART_INT_TXFIFO_EMPTY; // TX count is 0: always at or below the threshold
    this.hooks.setInterrupt((this.intRaw & this.intEna) !== 0);
  }

  read(offset: number): number {
    switch (offset) {
      case FIFO: {
        const b = this.rx.shift() ?? 0;
        this.update();
        return b;
      }
      case INT_RAW: return this.intRaw;
      case INT_ST: return this.intRaw & this.intEna;
      case INT_ENA: return this.intEna;
      case CLKDIV: return this.clkdiv;
      case STATUS: return ((this.rx.length & 0x3ff) | (1 << 15) | (1 << 31)) >>> 0; // RXD and TXD idle high
      case CONF0: return this.conf0;
      case CONF1: return this.conf1;
      case MEM_CONF: return this.memConf;
      case DATE: return 0x2008270;
      case ID: return 0x500;
      default: return 0;
    }
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case FIFO: this.hooks.transmit(value & 0xff); break;
      case INT_ENA: this.intEna = value & 0x7ffff; break;
      case INT_CLR: this.intRaw &= ~value; break;
      case CLKDIV: this.clkdiv = value & 0xf00fff; break;
      case CONF0:
        if (value & (1 << 17)) this.rx.length = 0;
        this.conf0 = value & ~((1 << 17) | (1 << 18));
        break;
      case CONF1: this.conf1 = value; break;
      case MEM_CONF: this.memConf = value; break;
      default: break;
    }
    this.update();
  }

  /** A chip reset empties the FIFO and restores the registers (bytes still on the wire keep coming). */
  reset(): void {
    this.rx.length = 0;
    this.intRaw = 0;
    this.intEna = 0;
    this.clkdiv = ROM_CLKDIV;
    this.conf0 = CONF0_RESET;
    this.conf1 = CONF1_RESET;
    this.memConf = MEM_CONF_RESET;
    this.update();
  }

  /** The ROM's serial loader reads the FIFO itself (download mode). */
  takeAll(): number[] {
    return this.rx.splice(0, this.rx.length);
  }
}
