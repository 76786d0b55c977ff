// SYSTIMER (TRM "System Timer (SYSTIMER)", base 0x60023000): two 52-bit counters at
// 16 MHz and three comparators raising interrupt sources 37..39.
//   0x00 CONF            bit 30 unit 0 counts, bit 29 unit 1 counts, bits 24/23/22 comparator 0/1/2 work
//   0x04/0x08 UNITn_OP   write bit 30: latch the counter into UNITn_VALUE; bit 29 reads 1 once latched
//   0x0C/0x10 UNIT0_LOAD_HI/LO, 0x14/0x18 UNIT1_LOAD_HI/LO   value for UNITn_LOAD
//   0x1C.. TARGETn_HI/LO (n = 0..2, 8 bytes apart)            alarm value (one-shot)
//   0x34.. TARGETn_CONF  period [25:0], bit 30 period mode, bit 31 counter unit 1 instead of 0
//   0x40/0x44 UNIT0_VALUE_HI/LO, 0x48/0x4C UNIT1_VALUE_HI/LO   the latched value
//   0x50.. COMPn_LOAD    write 1: the comparator takes its TARGET/CONF (target = now + period in period mode)
//   0x5C/0x60 UNITn_LOAD write 1: the counter takes UNITn_LOAD_HI/LO
//   0x64 INT_ENA, 0x68 INT_RAW, 0x6C INT_CLR, 0x70 INT_ST   bit n: comparator n
import { CYCLES_PER_SYSTIMER_TICK } from "./clock.js";
import type { Peripheral } from "./peripheral.js";

export const SYSTIMER_BASE = 0x60023000;

const CONF = 0x00, UNIT_OP = 0x04, UNIT_LOAD_HI = 0x0c, TARGET_HI = 0x1c, TARGET_CONF = 0x34;
const UNIT_VALUE_HI = 0x40, COMP_LOAD = 0x50, UNIT_LOAD = 0x5c;
const INT_ENA = 0x64, INT_RAW = 0x68, INT_CLR = 0x6c, INT_ST = 0x70, DATE = 0xfc;

const CONF_RESET = 0x46000000;
const MASK52 = 2 ** 52;
const split = (v: number): [number, number] => [Math.floor(v / 0x100000000) & 0xfffff, v % 0x100000000];

interface Comparator {
  target: number;
  /** TARGETn_CONF as written, and as taken by COMPn_LOAD. */
  conf: number;
  pendingHi: number;
  pendingLo: number;
  active: boolean;
  period: number;
  unit: number;
}

export interface SystimerHooks {
  now(): number;
  setInterrupt(comparator: number, asserted: boolean): void;
}

export class Systimer implements Peripheral {
  readonly name = "SYSTIMER";
  private conf = CONF_RESET;
  /** Per unit: counter value at `since`. */
  private readonly base = [0, 0];
  private readonly since = [0, 0];
  private readonly loadHi = [0, 0];
  private readonly loadLo = [0, 0];
  private readonly latched = [0, 0];
  private readonly valid = [false, false];
  private readonly comps: Comparator[] = [0, 1, 2].map(() => ({ target: 0, conf: 0, pendingHi: 0, pendingLo: 0, active: false, period: 0, unit: 0 }));
  private intEna = 0;
  private intRaw = 0;

  constructor(private readonly hooks: SystimerHooks) {}

  private counting(unit: number): boolean {
    return (this.conf & (1 << (30 - unit))) !== 0;
  }

  /** The unit's counter at cycle `now`. */
  value(unit: number, now = this.hooks.now()): number {
    if (!this.counting(unit)) return this.base[unit]!;
    return (this.base[unit]! + Math.floor((now - this.since[unit]!) / CYCLES_PER_SYSTIMER_TICK)) % MASK52;
  }

  private setCounter(unit: number, v: number): void {
    this.base[unit] = v;
    this.since[unit] = this.hooks.now();
  }

  read(offset: number): number {
    if (offset === CONF) return this.conf >>> 0;
    if (offset === UNIT_OP || offset === UNIT_OP + 4) return this.valid[(offset - UNIT_OP) >>> 2] ? 1 << 29 : 0;
    if (offset >= UNIT_VALUE_HI && offset < UNIT_VALUE_HI + 16) {
      const unit = (offset - UNIT_VALUE_HI) >>> 3;
      const [hi, lo] = split(this.latched[unit]!);
      return (offset - UNIT_VALUE_HI) & 4 ? lo : hi;
    }
    if (offset >= TARGET_CONF && offset < TARGET_CONF + 12) return this.comps[(offset - TARGET_CONF) >>> 2]!.conf >>> 0;
    if (offset >= TARGET_HI && offset < TARGET_HI + 24) {
      const c = this.comps[(offset - TARGET_HI) >>> 3]!;
      return (offset - TARGET_HI) & 4 ? c.pendingLo : c.pendingHi;
    }
    switch (offset) {
      case INT_ENA: return this.intEna;
      case INT_RAW: return this.intRaw;
      case INT_ST: return this.intRaw & this.intEna;
      case DATE: return 0x2006171;
      default: return 0;
    }
  }

  write(offset: number, value: number): void {
    if (offset === CONF) return this.writeConf(value);
    if (offset === UNIT_OP || offset === UNIT_OP + 4) {
      const unit = (offset - UNIT_OP) >>> 2;
      if (value & (1 << 30)) { this.latched[unit] = this.value(unit); this.valid[unit] = true; }
      return;
    }
    if (offset >= UNIT_LOAD_HI && offset < UNIT_LOAD_HI + 16) {
      const unit = (offset - UNIT_LOAD_HI) >>> 3;
      if ((offset - UNIT_LOAD_HI) & 4) this.loadLo[unit] = value >>> 0;
      else this.loadHi[unit] = value & 0xfffff;
      return;
    }
    if (offset >= TARGET_HI && offset < TARGET_HI + 24) {
      const c = this.comps[(offset - TARGET_HI) >>> 3]!;
      if ((offset - TARGET_HI) & 4) c.pendingLo = value >>> 0;
      else c.pendingHi = value & 0xfffff;
      return;
    }
    if (offset >= TARGET_CONF && offset < TARGET_CONF + 12) { this.comps[(offset - TARGET_CONF) >>> 2]!.conf = value; return; }
    if (offset >= COMP_LOAD && offset < COMP_LOAD + 12) { if (value & 1) this.loadComparator((offset - COMP_LOAD) >>> 2); return; }
    if (offset === UNIT_LOAD || offset === UNIT_LOAD + 4) {
      const unit = (offset - UNIT_LOAD) >>> 2;
      if (value & 1) this.setCounter(unit, this.loadHi[unit]! * 0x100000000 + this.loadLo[unit]!);
      return;
    }
    if (offset === INT_ENA) this.intEna = value & 7;
    else if (offset === INT_CLR) this.intRaw &= ~value;
    this.update();
  }

  private writeConf(value: number): void {
    for (const unit of [0, 1]) {
      const v = this.value(unit);
      this.base[unit] = v;
      this.since[unit] = this.hooks.now();
    }
    this.conf = value;
  }

  private loadComparator(n: number): void {
    const c = this.comps[n]!;
    c.unit = c.conf >>> 31;
    c.period = c.conf & 0x3ffffff;
    const periodic = (c.conf & (1 << 30)) !== 0;
    c.target = periodic ? this.value(c.unit) + c.period : c.pendingHi * 0x100000000 + c.pendingLo;
    c.active = !periodic || c.period > 0;
  }

  private comparatorWorks(n: number): boolean {
    return (this.conf & (1 << (24 - n))) !== 0 && this.comps[n]!.active;
  }

  /** Cycle at which comparator n's counter reaches its target. */
  private alarmCycle(n: number): number {
    const c = this.comps[n]!;
    if (!this.comparatorWorks(n) || !this.counting(c.unit)) return Infinity;
    const ticks = c.target - this.base[c.unit]!;
    return this.since[c.unit]! + Math.max(0, ticks) * CYCLES_PER_SYSTIMER_TICK;
  }

  nextEvent(): number {
    return Math.min(this.alarmCycle(0), this.alarmCycle(1), this.alarmCycle(2));
  }

  advance(now: number): void {
    for (let n = 0; n < 3; n++) {
      const c = this.comps[n]!;
      if (this.alarmCycle(n) > now) continue;
      this.intRaw |= 1 << n;
      if (c.conf & (1 << 30)) c.target += c.period;
      else c.active = false;
    }
    this.update();
  }

  private update(): void {
    const st = this.intRaw & this.intEna;
    for (let n = 0; n < 3; n++) this.hooks.setInterrupt(n, ((st >>> n) & 1) !== 0);
  }

  reset(): void {
    this.conf = CONF_RESET;
    for (const unit of [0, 1]) this.setCounter(unit, 0);
    this.valid.fill(false);
    for (const c of this.comps) Object.assign(c, { target: 0, conf: 0, pendingHi: 0, pendingLo: 0, active: false, period: 0, unit: 0 });
    this.intEna = this.intRaw = 0;
    this.update();
  }
}
