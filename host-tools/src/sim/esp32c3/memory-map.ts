// The C3's address space (TRM "System and Memory", and esptool's ESP32-C3 memory map):
//   0x3C000000-0x3C7FFFFF  D-bus flash window (through the MMU, read-only)
//   0x3FC80000-0x3FCDFFFF  DRAM: SRAM1 seen by the data bus            } same 384 KiB
//   0x40380000-0x403DFFFF  IRAM: SRAM1 seen by the instruction bus     }
//   0x4037C000-0x4037FFFF  SRAM0 (16 KiB, instruction bus only)
//   0x40000000-0x4005FFFF  ROM (instruction bus), 0x3FF00000-0x3FF1FFFF ROM (data bus)
//   0x42000000-0x427FFFFF  I-bus flash window (through the MMU)
//   0x50000000-0x50001FFF  RTC fast memory (8 KiB)
//   0x60000000-0x600FFFFF  peripherals, one 4 KiB block each
// SRAM is the core's fast RAM (cpu.ts); this bus serves everything else. A byte or
// halfword access to a peripheral reads the whole register and picks its bytes; a
// narrow write passes the bytes shifted into place (the other bytes as 0). Peripheral
// blocks that are not modelled keep what is written and read it back.
import { AccessFault, type Bus, type FastRam } from "./bus.js";
import { BUS_WINDOW, DBUS_BASE, IBUS_BASE, type FlashCache } from "./flash-cache.js";
import { PlainRegisters, type Peripheral } from "./peripheral.js";

export const SRAM_IBUS_BASE = 0x4037c000;
export const SRAM_BYTES = 0x64000;
export const SRAM1_IBUS_BASE = 0x40380000;
export const DRAM_BASE = 0x3fc80000;
export const DRAM_BYTES = 0x60000;
export const ROM_IBUS_BASE = 0x40000000;
export const ROM_BYTES = 0x60000;
export const ROM_DBUS_BASE = 0x3ff00000;
export const ROM_DBUS_BYTES = 0x20000;
export const RTC_FAST_BASE = 0x50000000;
export const RTC_FAST_BYTES = 0x2000;
export const PERIPH_BASE = 0x60000000;
export const PERIPH_BYTES = 0x100000;
/** Where esptool reads the chip-detect magic (in ROM); the value of ESP32-C3 ECO3. */
export const CHIP_DETECT_MAGIC_ADDR = 0x40001000;
export const CHIP_DETECT_MAGIC = 0x1b31506f;

/** SRAM windows for the core: the whole 400 KiB at its I-bus address, SRAM1 again at the D-bus alias. */
export function sramLayout(ram: Uint8Array): FastRam {
  return {
    ram,
    codeBase: SRAM_IBUS_BASE,
    windows: [
      { base: SRAM_IBUS_BASE, length: SRAM_BYTES, offset: 0 },
      { base: DRAM_BASE, length: DRAM_BYTES, offset: SRAM1_IBUS_BASE - SRAM_IBUS_BASE },
    ],
  };
}

const inRange = (addr: number, base: number, bytes: number) => addr - base >= 0 && addr - base < bytes;

export class ChipBus implements Bus {
  readonly rom = new Uint8Array(ROM_BYTES);
  readonly rtcFast = new Uint8Array(RTC_FAST_BYTES);
  private readonly blocks = new Map<number, Peripheral>();

  constructor(private readonly cache: FlashCache) {
    new DataView(this.rom.buffer).setUint32(CHIP_DETECT_MAGIC_ADDR - ROM_IBUS_BASE, CHIP_DETECT_MAGIC, true);
  }

  /** Puts a peripheral at its block address (a multiple of 4 KiB). */
  attach(base: number, p: Peripheral): void {
    this.blocks.set(base >>> 12, p);
  }

  private block(addr: number): Peripheral {
    const key = addr >>> 12;
    let p = this.blocks.get(key);
    if (!p) {
      p = new PlainRegisters(`unmodelled 0x${(key << 12 >>> 0).toString(16)}`);
      this.blocks.set(key, p);
    }
    return p;
  }

  fetchPenalty(addr: number): number {
    return inRange(addr, IBUS_BASE, BUS_WINDOW) ? this.cache.touch(addr) : 0;
  }

  read(addr: number, size: number): number {
    if (inRange(addr, DBUS_BASE, BUS_WINDOW) || inRange(addr, IBUS_BASE, BUS_WINDOW)) {
      if (inRange(addr, DBUS_BASE, BUS_WINDOW)) this.charge?.(this.cache.touch(addr));
      return this.cache.readMapped(addr, size, "load");
    }
    if (inRange(addr, PERIPH_BASE, PERIPH_BYTES)) {
      const word = this.block(addr).read(addr & 0xffc) >>> 0;
      const shift = 8 * (addr & 3);
      return size === 4 ? word : (word >>> shift) & (size === 2 ? 0xffff : 0xff);
    }
    const mem = this.memoryAt(addr);
    if (!mem) throw new AccessFault(addr, "load");
    return readLe(mem.bytes, mem.offset, size);
  }

  write(addr: number, size: number, value: number): void {
    if (inRange(addr, PERIPH_BASE, PERIPH_BYTES)) {
      this.block(addr).write(addr & 0xffc, size === 4 ? value >>> 0 : (value << (8 * (addr & 3))) >>> 0);
      return;
    }
    if (inRange(addr, RTC_FAST_BASE, RTC_FAST_BYTES)) {
      writeLe(this.rtcFast, addr - RTC_FAST_BASE, size, value);
      return;
    }
    throw new AccessFault(addr, "store");
  }

  /** Takes the extra cycles of a D-bus flash load that missed the cache (the chip adds them to the CPU's count). */
  charge?: (cycles: number) => void;

  private memoryAt(addr: number): { bytes: Uint8Array; offset: number } | undefined {
    if (inRange(addr, ROM_IBUS_BASE, ROM_BYTES)) return { bytes: this.rom, offset: addr - ROM_IBUS_BASE };
    if (inRange(addr, ROM_DBUS_BASE, ROM_DBUS_BYTES)) return { bytes: this.rom, offset: addr - ROM_DBUS_BASE + 0x40000 };
    if (inRange(addr, RTC_FAST_BASE, RTC_FAST_BYTES)) return { bytes: this.rtcFast, offset: addr - RTC_FAST_BASE };
    return undefined;
  }
}

function readLe(b: Uint8Array, o: number, size: number): number {
  if (o + size > b.length) return 0;
  if (size === 1) return b[o]!;
  if (size === 2) return b[o]! | (b[o + 1]! << 8);
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function writeLe(b: Uint8Array, o: number, size: number, v: number): void {
  for (let i = 0; i < size && o + i < b.length; i++) b[o + i] = (v >>> (8 * i)) & 0xff;
}
