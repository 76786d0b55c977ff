// GPIO (TRM "IO MUX and GPIO Matrix (GPIO, IO MUX)", base 0x60004000), the plain
// output/input part for GPIO0..21:
//   0x04 OUT, 0x08 OUT_W1TS, 0x0C OUT_W1TC        output levels
//   0x20 ENABLE, 0x24 ENABLE_W1TS, 0x28 ENABLE_W1TC output enables
//   0x38 STRAP   the strapping pins latched at reset: bit 3 (GPIO9) set for SPI flash boot,
//                clear for download boot (esptool reads it the same way)
//   0x3C IN      pin levels: driven outputs, else what the outside world drives (default 0)
// A driven pin's level change is reported with its emulated cycle. Pin interrupts, the
// GPIO matrix's signal routing and the IO MUX are not modelled (writes are kept).
import type { Peripheral } from "./peripheral.js";

export const GPIO_BASE = 0x60004000;
export const GPIO_PINS = 22;
const PIN_MASK = (1 << GPIO_PINS) - 1;

const OUT = 0x04, OUT_W1TS = 0x08, OUT_W1TC = 0x0c, ENABLE = 0x20, ENABLE_W1TS = 0x24, ENABLE_W1TC = 0x28;
const STRAP = 0x38, IN = 0x3c;
const STRAP_SPI_BOOT = 1 << 3;

export interface GpioHooks {
  now(): number;
  onChange?(pin: number, level: number, cycle: number): void;
}

export class Gpio implements Peripheral {
  readonly name = "GPIO";
  private out = 0;
  private enable = 0;
  /** Levels the outside drives on pins that are not outputs. */
  external = 0;
  downloadBoot = false;
  private readonly other = new Map<number, number>();

  constructor(private readonly hooks: GpioHooks) {}

  /** Levels as the pins see them. */
  levels(): number {
    return ((this.out & this.enable) | (this.external & ~this.enable)) & PIN_MASK;
  }

  read(offset: number): number {
    switch (offset) {
      case OUT: return this.out;
      case ENABLE: return this.enable;
      case STRAP: return this.downloadBoot ? 0 : STRAP_SPI_BOOT;
      case IN: return this.levels();
      default: return this.other.get(offset) ?? 0;
    }
  }

  write(offset: number, value: number): void {
    const before = this.levels() & this.enable;
    const beforeEnable = this.enable;
    switch (offset) {
      case OUT: this.out = value & PIN_MASK; break;
      case OUT_W1TS: this.out |= value & PIN_MASK; break;
      case OUT_W1TC: this.out &= ~value; break;
      case ENABLE: this.enable = value & PIN_MASK; break;
      case ENABLE_W1TS: this.enable |= value & PIN_MASK; break;
      case ENABLE_W1TC: this.enable &= ~value; break;
      default: this.other.set(offset, value >>> 0); return;
    }
    this.report(before, beforeEnable);
  }

  /** Reports driven pins whose level changed, and pins that just became outputs. */
  private report(before: number, beforeEnable: number): void {
    const after = this.levels() & this.enable;
    const changed = ((before ^ after) & this.enable) | (this.enable & ~beforeEnable);
    if (!changed || !this.hooks.onChange) return;
    const cycle = this.hooks.now();
    for (let pin = 0; pin < GPIO_PINS; pin++) {
      if ((changed >>> pin) & 1) this.hooks.onChange(pin, (after >>> pin) & 1, cycle);
    }
  }

  reset(): void {
    this.out = 0;
    this.enable = 0;
    this.other.clear();
  }
}
