// I2C0 as a master (TRM "I2C Controller (I2C)", base 0x60013000) driving the device
// models of ../i2c.ts. The firmware fills the TX FIFO (DATA), writes a command list
// (COMD0..7: opcode [13:11] RSTART 6, WRITE 1, READ 3, STOP 2, END 4; ack value bit 10,
// expected ack bit 9, check ack bit 8, byte count [7:0]; bit 31 reads 1 once done) and
// sets CTR.TRANS_START; the list runs at once (no bus timing). Interrupt bits:
// 3 END_DETECT, 7 TRANS_COMPLETE, 10 NACK. SR: RX FIFO count [13:8], TX FIFO count [23:18].
import type { I2cDevice } from "../i2c.js";
import type { Peripheral } from "./peripheral.js";

export const I2C0_BASE = 0x60013000;

const CTR = 0x04, SR = 0x08, FIFO_CONF = 0x18, DATA = 0x1c, INT_RAW = 0x20, INT_CLR = 0x24, INT_ENA = 0x28, INT_STATUS = 0x2c;
const COMD0 = 0x58, COMMANDS = 8;
const CTR_TRANS_START = 1 << 5;
const FIFO_CONF_RX_RST = 1 << 12, FIFO_CONF_TX_RST = 1 << 13;
const INT_END_DETECT = 1 << 3, INT_TRANS_COMPLETE = 1 << 7, INT_NACK = 1 << 10;
const OP_WRITE = 1, OP_STOP = 2, OP_READ = 3, OP_END = 4, OP_RSTART = 6;
const FIFO_DEPTH = 32;

export class I2c0 implements Peripheral {
  readonly name = "I2C0";
  private readonly tx: number[] = [];
  private readonly rx: number[] = [];
  private readonly comd = new Uint32Array(COMMANDS);
  private readonly other = new Map<number, number>();
  private intRaw = 0;
  private intEna = 0;
  private ctr = 0;
  /** The addressed device, and whether the next written byte is an address. */
  private current: I2cDevice | undefined;
  private expectAddress = false;
  private started = false;

  constructor(private readonly devices: Map<number, I2cDevice>, private readonly setInterrupt: (on: boolean) => void) {}

  read(offset: number): number {
    if (offset >= COMD0 && offset < COMD0 + 4 * COMMANDS) return this.comd[(offset - COMD0) >>> 2]!;
    switch (offset) {
      case CTR: return this.ctr;
      case SR: return ((this.rx.length & 0x3f) << 8) | ((this.tx.length & 0x3f) << 18);
      case DATA: return this.rx.shift() ?? 0;
      case INT_RAW: return this.intRaw;
      case INT_ENA: return this.intEna;
      case INT_STATUS: return this.intRaw & this.intEna;
      default: return this.other.get(offset) ?? 0;
    }
  }

  write(offset: number, value: number): void {
    if (offset >= COMD0 && offset < COMD0 + 4 * COMMANDS) { this.comd[(offset - COMD0) >>> 2] = value & 0x3fff; return; }
    switch (offset) {
      case CTR:
        this.ctr = value & ~CTR_TRANS_START;
        if (value & CTR_TRANS_START) this.runCommands();
        break;
      case DATA: if (this.tx.length < FIFO_DEPTH) this.tx.push(value & 0xff); break;
      case FIFO_CONF:
        if (value & FIFO_CONF_RX_RST) this.rx.length = 0;
        if (value & FIFO_CONF_TX_RST) this.tx.length = 0;
        this.other.set(offset, value & ~(FIFO_CONF_RX_RST | FIFO_CONF_TX_RST));
        break;
      case INT_CLR: this.intRaw &= ~value; break;
      case INT_ENA: this.intEna = value; break;
      default: this.other.set(offset, value >>> 0);
    }
    this.setInterrupt((this.intRaw & this.intEna) !== 0);
  }

  private runCommands(): void {
    for (let i = 0; i < COMMANDS; i++) {
      const c = this.comd[i]!;
      const op = (c >>> 11) & 7;
      const ok = this.runCommand(op, c);
      this.comd[i] = c | (1 << 31);
      if (!ok) { this.raise(INT_NACK); this.stopBus(); return; }
      if (op === OP_END) { this.raise(INT_END_DETECT); return; }
      if (op === OP_STOP) { this.raise(INT_TRANS_COMPLETE); return; }
    }
  }

  /** False when a checked ACK did not come. */
  private runCommand(op: number, c: number): boolean {
    const count = c & 0xff;
    const checkAck = (c & (1 << 8)) !== 0;
    const expected = (c >>> 9) & 1;
    switch (op) {
      case OP_RSTART:
        this.expectAddress = true;
        return true;
      case OP_WRITE:
        for (let i = 0; i < count; i++) {
          const acked = this.writeByte(this.tx.shift() ?? 0xff);
          if (checkAck && (acked ? 0 : 1) !== expected) return false;
        }
        return true;
      case OP_READ:
        for (let i = 0; i < count; i++) {
          const more = ((c >>> 10) & 1) === 0; // the ack the master sends: ACK asks for more
          const v = this.current ? this.current.read(more) & 0xff : 0xff;
          if (this.rx.length < FIFO_DEPTH) this.rx.push(v);
        }
        return true;
      case OP_STOP:
        this.stopBus();
        return true;
      default:
        return true;
    }
  }

  private writeByte(b: number): boolean {
    if (!this.expectAddress) return this.current?.write(b) ?? false;
    this.expectAddress = false;
    const read = (b & 1) === 1;
    const dev = this.devices.get(b >>> 1);
    const ack = dev !== undefined && (dev.start?.(read, this.started) ?? true);
    this.current = ack ? dev : undefined;
    this.started = true;
    return ack;
  }

  private stopBus(): void {
    this.current?.stop?.();
    this.current = undefined;
    this.started = false;
    this.expectAddress = false;
  }

  private raise(bit: number): void {
    this.intRaw |= bit;
  }

  reset(): void {
    this.tx.length = 0;
    this.rx.length = 0;
    this.comd.fill(0);
    this.other.clear();
    this.intRaw = this.intEna = this.ctr = 0;
    this.stopBus();
    this.setInterrupt(false);
  }
}
