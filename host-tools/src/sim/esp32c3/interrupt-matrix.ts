// The C3's interrupt matrix and CPU interrupt controller (TRM chapter "Interrupt Matrix
// (INTERRUPT)", base 0x600C2000): each of the 62 peripheral interrupt sources is routed
// by its map register (offset 4 * source) to one of 31 CPU interrupt lines (0: none);
// each line has an enable bit, a type (level or edge), a priority (1..15, 0 off) and is
// taken when its priority is at least the threshold. The core takes the line as
// mcause = 0x80000000 | line, vectored through mtvec.
import type { Peripheral } from "./peripheral.js";

export const INTMATRIX_BASE = 0x600c2000;

/** Interrupt source numbers (the map register offset / 4). */
export const Source = {
  GPIO: 16,
  UART0: 21,
  UART1: 22,
  RTC_CORE: 27,
  I2C_EXT0: 29,
  TG0_T0: 32,
  TG0_WDT: 33,
  TG1_T0: 34,
  TG1_WDT: 35,
  SYSTIMER_TARGET0: 37,
  SYSTIMER_TARGET1: 38,
  SYSTIMER_TARGET2: 39,
  FROM_CPU_0: 50,
} as const;

const SOURCES = 62;
const REG_STATUS_0 = 0xf8;
const REG_STATUS_1 = 0xfc;
const REG_CLOCK_GATE = 0x100;
const REG_ENABLE = 0x104;
const REG_TYPE = 0x108;
const REG_CLEAR = 0x10c;
const REG_EIP_STATUS = 0x110;
const REG_PRI_0 = 0x114;
const REG_THRESH = 0x194;

export class InterruptMatrix implements Peripheral {
  readonly name = "INTERRUPT";
  private readonly map = new Uint8Array(SOURCES);
  private readonly level = new Uint8Array(SOURCES);
  private readonly priority = new Uint8Array(32);
  private enable = 0;
  private edgeType = 0;
  private latched = 0;
  private threshold = 0;
  private clockGate = 1;

  /** `onChange(line)` gets the line the CPU should take now, or -1. */
  constructor(private readonly onChange: (line: number) => void) {}

  /** A peripheral's interrupt output changed. */
  setSource(source: number, asserted: boolean): void {
    const v = asserted ? 1 : 0;
    if (this.level[source] === v) return;
    this.level[source] = v;
    const line = this.map[source]!;
    if (v && line !== 0 && (this.edgeType >>> line) & 1) this.latched |= 1 << line;
    this.update();
  }

  /** Lines with an asserted source (level) or a latched edge. */
  private pendingLines(): number {
    let lines = this.latched;
    for (let s = 0; s < SOURCES; s++) {
      const line = this.map[s]!;
      if (this.level[s] && line !== 0 && !((this.edgeType >>> line) & 1)) lines |= 1 << line;
    }
    return lines & ~1;
  }

  /** The line to take: enabled, pending, priority >= threshold, highest priority (lowest number on a tie). */
  selectLine(): number {
    const ready = this.pendingLines() & this.enable;
    let best = -1;
    let bestPri = 0;
    for (let l = 1; l < 32; l++) {
      const p = this.priority[l]!;
      if ((ready >>> l) & 1 && p > 0 && p >= this.threshold && p > bestPri) {
        best = l;
        bestPri = p;
      }
    }
    return best;
  }

  private update(): void {
    this.onChange(this.selectLine());
  }

  read(offset: number): number {
    if (offset < 4 * SOURCES) return this.map[offset >>> 2]!;
    switch (offset) {
      case REG_STATUS_0: return this.sourceBits(0);
      case REG_STATUS_1: return this.sourceBits(32);
      case REG_CLOCK_GATE: return this.clockGate;
      case REG_ENABLE: return this.enable >>> 0;
      case REG_TYPE: return this.edgeType >>> 0;
      case REG_EIP_STATUS: return this.pendingLines() >>> 0;
      case REG_THRESH: return this.threshold;
      default:
        if (offset >= REG_PRI_0 && offset < REG_PRI_0 + 4 * 32) return this.priority[(offset - REG_PRI_0) >>> 2]!;
        return 0;
    }
  }

  private sourceBits(first: number): number {
    let bits = 0;
    for (let i = 0; i < 32 && first + i < SOURCES; i++) if (this.level[first + i]) bits |= 1 << i;
    return bits >>> 0;
  }

  write(offset: number, value: number): void {
    if (offset < 4 * SOURCES) this.map[offset >>> 2] = value & 31;
    else if (offset === REG_CLOCK_GATE) this.clockGate = value & 1;
    else if (offset === REG_ENABLE) this.enable = value & ~1;
    else if (offset === REG_TYPE) this.edgeType = value & ~1;
    else if (offset === REG_CLEAR) this.latched &= ~value;
    else if (offset === REG_THRESH) this.threshold = value & 15;
    else if (offset >= REG_PRI_0 && offset < REG_PRI_0 + 4 * 32) this.priority[(offset - REG_PRI_0) >>> 2] = value & 15;
    this.update();
  }

  reset(): void {
    this.map.fill(0);
    this.priority.fill(0);
    this.enable = this.edgeType = this.latched = this.threshold = 0;
    this.update();
  }
}
