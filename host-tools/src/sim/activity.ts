// What an emulated RP2040 did over time, as a power model needs it: when the core slept
// (WFI/WFE, clock-gated), its clk_sys frequency, and how many I/O peripherals the
// firmware had running. A power monitor reading the chip later (in emulated time) asks
// for the average over its conversion window; history older than what it can still ask
// for is dropped.
//
// Peripheral rule: a block counts as enabled when it is one of the clocked I/O blocks in
// IO_PERIPHERALS and the firmware has released it from reset (RESETS.RESET bit cleared by a
// write) since the chip's last reset. rp2040js starts with every RESETS bit clear, where
// silicon holds every block in reset, so "released by a write" is what tells a block the
// firmware brought up from one it never touched.

/** RESETS bit numbers of the clocked I/O blocks that count as peripherals (RP2040 datasheet 2.14). */
export const IO_PERIPHERALS: Record<string, number> = {
  adc: 0, i2c0: 3, i2c1: 4, pio0: 10, pio1: 11, pwm: 14, rtc: 15, spi0: 16, spi1: 17, uart0: 22, uart1: 23, usbctrl: 24,
};
export const IO_PERIPHERAL_MASK = Object.values(IO_PERIPHERALS).reduce((m, b) => m | (1 << b), 0);

export function countPeripherals(resetReg: number, released: number): number {
  let m = ~resetReg & released & IO_PERIPHERAL_MASK;
  let n = 0;
  while (m) {
    m &= m - 1;
    n++;
  }
  return n;
}

interface Step {
  atNs: number;
  value: number;
}

/** The DUT's activity averaged over a window. */
export interface ActivityWindow {
  /** Time-weighted mean clk_sys, Hz. */
  fHz: number;
  /** Fraction of the window the core slept. */
  idle: number;
  /** Enabled peripherals, rounded time-weighted mean (the power model takes a whole count). */
  nPeriph: number;
}

export class ActivityLog {
  /** Sleep intervals [from, to) in emulated nanoseconds, in order, merged when they touch. */
  private sleeps: [number, number][] = [];
  private freq: Step[] = [];
  private periph: Step[] = [];
  /** The latest time recorded: windows beyond it are not known yet. */
  horizonNs = 0;

  slept(fromNs: number, toNs: number): void {
    if (!(toNs > fromNs)) return;
    const last = this.sleeps[this.sleeps.length - 1];
    if (last && last[1] >= fromNs) last[1] = Math.max(last[1], toNs);
    else this.sleeps.push([fromNs, toNs]);
    if (toNs > this.horizonNs) this.horizonNs = toNs;
  }

  advance(nowNs: number): void {
    if (nowNs > this.horizonNs) this.horizonNs = nowNs;
  }

  setFrequency(atNs: number, hz: number): void {
    pushStep(this.freq, atNs, hz);
  }

  /** Called when the enabled-peripheral count changes (the sim process reports it). */
  onPeripherals: ((n: number, atNs: number) => void) | undefined;

  setPeripherals(atNs: number, n: number): void {
    const before = this.periph[this.periph.length - 1]?.value;
    pushStep(this.periph, atNs, n);
    if (before !== n) this.onPeripherals?.(n, atNs);
  }

  /** Averages over [fromNs, toNs]; an empty or unknown window gives the state at its start. */
  window(fromNs: number, toNs: number): ActivityWindow {
    const span = toNs - fromNs;
    if (!(span > 0)) return { fHz: stepAt(this.freq, fromNs), idle: 0, nPeriph: stepAt(this.periph, fromNs) };
    let slept = 0;
    for (const [a, b] of this.sleeps) {
      if (b <= fromNs) continue;
      if (a >= toNs) break;
      slept += Math.min(b, toNs) - Math.max(a, fromNs);
    }
    return {
      fHz: stepMean(this.freq, fromNs, toNs),
      idle: Math.min(1, Math.max(0, slept / span)),
      nPeriph: Math.round(stepMean(this.periph, fromNs, toNs)),
    };
  }

  /** Forgets what ended before this time (keeps the step in force then). */
  prune(beforeNs: number): void {
    let i = 0;
    while (i < this.sleeps.length && this.sleeps[i]![1] < beforeNs) i++;
    if (i > 0) this.sleeps.splice(0, i);
    for (const s of [this.freq, this.periph]) {
      let j = 0;
      while (j + 1 < s.length && s[j + 1]!.atNs <= beforeNs) j++;
      if (j > 0) s.splice(0, j);
    }
  }
}

function pushStep(steps: Step[], atNs: number, value: number): void {
  const last = steps[steps.length - 1];
  if (last && last.value === value) return;
  if (last && last.atNs >= atNs) {
    last.value = value;
    return;
  }
  steps.push({ atNs, value });
}

function stepAt(steps: readonly Step[], t: number): number {
  let v = steps[0]?.value ?? 0;
  for (const s of steps) {
    if (s.atNs > t) break;
    v = s.value;
  }
  return v;
}

function stepMean(steps: readonly Step[], from: number, to: number): number {
  let acc = 0;
  for (let i = 0; i < steps.length || i === 0; i++) {
    const s = steps[i];
    const a = Math.max(from, i === 0 ? -Infinity : s!.atNs);
    const b = Math.min(to, steps[i + 1]?.atNs ?? Infinity);
    if (b > a) acc += (s?.value ?? 0) * (b - a);
    if (!s) break;
  }
  return acc / (to - from);
}
