// Flash seen through the cache (TRM "System and Memory": external memory, and "Cache"):
// the MMU table at 0x600C5000 has 128 entries, one per 64 KiB page of the 8 MiB virtual
// window that the I-bus (0x42000000) and the D-bus (0x3C000000) share (entry index =
// (address & 0x7FFFFF) >> 16); an entry holds the physical flash page in bits [7:0] and
// bit 8 marks it invalid (the reset value). An access through an invalid entry faults.
// Timing: a 16 KiB, 8-way, 32-byte-line cache of physical flash lines, least recently
// used replacement; a miss costs FLASH_LINE_FILL cycles (cost.ts). Contents are always
// read from the flash array itself: unlike silicon, the cache never holds stale data
// after a flash write, so the firmware's cache invalidation is not needed here (it is
// accepted and ignored).
import { AccessFault } from "./bus.js";
import { FLASH_LINE_FILL } from "./cost.js";
import type { Peripheral } from "./peripheral.js";

export const IBUS_BASE = 0x42000000;
export const DBUS_BASE = 0x3c000000;
export const BUS_WINDOW = 0x800000;
export const MMU_TABLE_BASE = 0x600c5000;
export const MMU_ENTRIES = 128;
export const MMU_INVALID = 1 << 8;
export const MMU_PAGE = 0x10000;

const LINE = 32;
const WAYS = 8;
const SETS = 16384 / LINE / WAYS;

export class FlashCache implements Peripheral {
  readonly name = "MMU_TABLE";
  readonly mmu = new Uint32Array(MMU_ENTRIES).fill(MMU_INVALID);
  private readonly tags = new Int32Array(SETS * WAYS).fill(-1);
  private readonly used = new Float64Array(SETS * WAYS);
  private clock = 0;
  misses = 0;
  hits = 0;

  /** `onRemap` runs when an entry changes (cached decodes of flash code are then stale). */
  constructor(readonly flash: Uint8Array, private readonly onRemap: () => void) {}

  /** The flash offset behind a bus address in either window, or throws AccessFault. */
  physical(addr: number, kind: "fetch" | "load" | "store"): number {
    const entry = this.mmu[(addr & (BUS_WINDOW - 1)) >>> 16]!;
    if (entry & MMU_INVALID) throw new AccessFault(addr, kind);
    const off = (entry & 0xff) * MMU_PAGE + (addr & (MMU_PAGE - 1));
    if (off >= this.flash.length) throw new AccessFault(addr, kind);
    return off;
  }

  readMapped(addr: number, size: number, kind: "fetch" | "load"): number {
    const off = this.physical(addr, kind);
    const f = this.flash;
    if (size === 1) return f[off]!;
    if (size === 2) return f[off]! | (f[off + 1]! << 8);
    return (f[off]! | (f[off + 1]! << 8) | (f[off + 2]! << 16) | (f[off + 3]! << 24)) >>> 0;
  }

  /** Cycles beyond the base cost for touching the line at `addr` (0 on a hit). */
  touch(addr: number): number {
    let phys: number;
    try {
      phys = this.physical(addr, "fetch");
    } catch {
      return 0; // the access itself will fault
    }
    const tag = (phys / LINE) | 0;
    const set = tag % SETS;
    const first = set * WAYS;
    let victim = first;
    this.clock++;
    for (let w = first; w < first + WAYS; w++) {
      if (this.tags[w] === tag) {
        this.used[w] = this.clock;
        this.hits++;
        return 0;
      }
      if (this.used[w]! < this.used[victim]!) victim = w;
    }
    this.tags[victim] = tag;
    this.used[victim] = this.clock;
    this.misses++;
    return FLASH_LINE_FILL;
  }

  invalidate(): void {
    this.tags.fill(-1);
  }

  read(offset: number): number {
    return offset < 4 * MMU_ENTRIES ? this.mmu[offset >>> 2]! : 0;
  }

  write(offset: number, value: number): void {
    if (offset >= 4 * MMU_ENTRIES) return;
    this.mmu[offset >>> 2] = value & 0x1ff;
    this.onRemap();
  }

  /** Maps virtual page `vpage` (0..127) to flash page `ppage`. */
  map(vpage: number, ppage: number): void {
    this.mmu[vpage] = ppage & 0xff;
    this.onRemap();
  }

  reset(): void {
    this.mmu.fill(MMU_INVALID);
    this.invalidate();
    this.onRemap();
  }
}
