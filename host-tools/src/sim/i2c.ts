// I2C target devices on the emulated I2C0 bus. A device model (an INA219, an
// EEPROM...) implements I2cDevice; the bus hands it each transfer addressed to
// its 7-bit address. Transfers complete at once (no bus timing).
import { I2CMode, type RPI2C } from "rp2040js";

export interface I2cDevice {
  /** A start or repeated start addressed this device; false NACKs the address. Default: ACK. */
  start?(read: boolean, repeated: boolean): boolean;
  /** A byte the controller wrote; false NACKs it. */
  write(byte: number): boolean;
  /** The controller reads a byte; `more` is false for the last byte it will ACK. */
  read(more: boolean): number;
  /** Stop condition ending the transfer. */
  stop?(): void;
}

export type I2cDevices = Map<number, I2cDevice> | Record<number, I2cDevice>;

export function deviceMap(devices: I2cDevices | undefined): Map<number, I2cDevice> {
  const map = new Map<number, I2cDevice>();
  if (!devices) return map;
  const entries = devices instanceof Map ? [...devices.entries()] : Object.entries(devices).map(([k, v]) => [Number(k), v] as const);
  for (const [addr, dev] of entries) {
    if (!Number.isInteger(addr) || addr < 0 || addr > 0x7f) {
      throw new Error(`I2C device address ${String(addr)} is not a 7-bit address (0..0x7f)`);
    }
    map.set(addr, dev);
  }
  return map;
}

export interface I2cTraceEntry {
  addr: number;
  read: boolean;
  bytes: number[];
  ack: boolean;
}

/** Connects device models to one rp2040js I2C controller; returns the transfer log. */
export function attachI2cDevices(ctrl: RPI2C, devices: Map<number, I2cDevice>, trace: I2cTraceEntry[]): void {
  let current: I2cDevice | undefined;
  let entry: I2cTraceEntry | undefined;
  let repeated = false;
  ctrl.onStart = (repeatedStart: boolean) => {
    repeated = repeatedStart;
    ctrl.completeStart();
  };
  ctrl.onConnect = (address: number, mode: I2CMode) => {
    const read = mode === I2CMode.Read;
    const dev = devices.get(address & 0x7f);
    const ack = dev !== undefined && (dev.start?.(read, repeated) ?? true);
    entry = { addr: address & 0x7f, read, bytes: [], ack };
    trace.push(entry);
    if (trace.length > 1000) trace.shift();
    current = ack ? dev : undefined;
    ctrl.completeConnect(ack);
  };
  ctrl.onWriteByte = (value: number) => {
    const ack = current?.write(value & 0xff) ?? false;
    entry?.bytes.push(value & 0xff);
    ctrl.completeWrite(ack);
  };
  ctrl.onReadByte = (more: boolean) => {
    const v = (current?.read(more) ?? 0xff) & 0xff;
    entry?.bytes.push(v);
    ctrl.completeRead(v);
  };
  ctrl.onStop = () => {
    current?.stop?.();
    current = undefined;
    ctrl.completeStop();
  };
}

/**
 * A register-file device like many sensors and EEPROMs: the first byte written
 * after a start sets the register pointer, further bytes are stored from there,
 * reads return bytes from the pointer on. Useful as a stand-in and in tests.
 */
export class RegisterFileDevice implements I2cDevice {
  readonly regs: Uint8Array;
  private pointer = 0;
  private first = true;

  constructor(size = 256, init?: Uint8Array) {
    this.regs = new Uint8Array(size);
    if (init) this.regs.set(init.subarray(0, size));
  }

  start(read: boolean): boolean {
    if (!read) this.first = true;
    return true;
  }

  write(byte: number): boolean {
    if (this.first) {
      this.pointer = byte % this.regs.length;
      this.first = false;
    } else {
      this.regs[this.pointer] = byte;
      this.pointer = (this.pointer + 1) % this.regs.length;
    }
    return true;
  }

  read(): number {
    const v = this.regs[this.pointer]!;
    this.pointer = (this.pointer + 1) % this.regs.length;
    return v;
  }
}
