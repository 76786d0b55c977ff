// What the core sees of the rest of the chip: loads and stores outside its
// fast RAM windows go through a Bus. A bus refuses an access by throwing
// AccessFault; the core turns that into the RISC-V access-fault trap.

export interface Bus {
  /** Unsigned value of `size` bytes (1, 2 or 4) at `addr`. */
  read(addr: number, size: number): number;
  write(addr: number, size: number, value: number): void;
  /** Emulated cycles an instruction fetch from `addr` costs beyond the base cost (a cache
   * miss on flash), asked once per 32-byte line the core enters. */
  fetchPenalty?(addr: number): number;
}

/** A load, store or fetch the bus does not serve (unmapped, read-only, misaligned). */
export class AccessFault extends Error {
  constructor(readonly addr: number, readonly kind: "fetch" | "load" | "store") {
    super(`${kind} access fault at 0x${(addr >>> 0).toString(16).padStart(8, "0")}`);
  }
}

/** A RAM array the core reaches without the bus: addresses [base, base+length) are
 * bytes [offset, offset+length) of `ram`, and code fetched there is cached by its
 * address in `codeBase + offset` (the executable alias of the same bytes). */
export interface RamWindow {
  base: number;
  length: number;
  offset: number;
}

export interface FastRam {
  ram: Uint8Array;
  /** Address at which ram[0] executes (IRAM on the C3). */
  codeBase: number;
  windows: RamWindow[];
}
