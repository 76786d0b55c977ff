// What every memory-mapped peripheral block of the emulated C3 implements: 32-bit
// register reads and writes at an offset inside its 4 KiB block (narrower accesses
// are widened by the bus, memory-map.ts), and, for blocks with a sense of time, the
// next emulated cycle at which something happens without the CPU's help.

export interface Peripheral {
  readonly name: string;
  read(offset: number): number;
  write(offset: number, value: number): void;
  /** The emulated cycle of this block's next timed event (an alarm, a watchdog stage), or Infinity. */
  nextEvent?(now: number): number;
  /** Brings the block's state up to cycle `now` (fires what was due). */
  advance?(now: number): void;
  /** Back to the power-on/reset state (a system reset, after a watchdog). */
  reset?(): void;
}

/** A register bank of plain read/write words, for blocks where storing is all that is modelled. */
export class PlainRegisters implements Peripheral {
  private readonly words = new Map<number, number>();
  constructor(readonly name: string, private readonly defaults: Record<number, number> = {}) {}
  read(offset: number): number {
    return this.words.get(offset) ?? this.defaults[offset] ?? 0;
  }
  write(offset: number, value: number): void {
    this.words.set(offset, value >>> 0);
  }
  reset(): void {
    this.words.clear();
  }
}
