// Emulated time for one RP2040: nanoseconds advanced by the run loop as the CPU
// executes (cycles / clk_sys), with alarms the peripherals schedule (timer,
// SysTick, watchdog, UART receive pacing). Satisfies rp2040js's clock interface.

export interface SimAlarm {
  schedule(deltaNanos: number): void;
  cancel(): void;
}

interface AlarmEntry {
  at: number;
  callback: () => void;
  scheduled: boolean;
}

export class SimClock {
  private now = 0;
  private alarms: AlarmEntry[] = []; // scheduled ones, sorted by `at`
  private nextAt = Infinity; // alarms[0].at, kept apart: tick() runs once per instruction

  get nanos(): number {
    return this.now;
  }

  get micros(): number {
    return this.now / 1000;
  }

  createAlarm(callback: () => void): SimAlarm {
    const entry: AlarmEntry = { at: 0, callback, scheduled: false };
    return {
      schedule: (deltaNanos: number) => {
        this.unlink(entry);
        entry.at = this.now + Math.max(0, deltaNanos);
        entry.scheduled = true;
        let i = this.alarms.length;
        while (i > 0 && this.alarms[i - 1]!.at > entry.at) i--;
        this.alarms.splice(i, 0, entry);
        this.nextAt = this.alarms[0]!.at;
      },
      cancel: () => this.unlink(entry),
    };
  }

  private unlink(entry: AlarmEntry): void {
    if (!entry.scheduled) return;
    const i = this.alarms.indexOf(entry);
    if (i >= 0) this.alarms.splice(i, 1);
    entry.scheduled = false;
    this.nextAt = this.alarms[0]?.at ?? Infinity;
  }

  /** Nanoseconds until the next alarm, or undefined when none is scheduled. */
  get nanosToNextAlarm(): number | undefined {
    const next = this.alarms[0];
    return next ? Math.max(0, next.at - this.now) : undefined;
  }

  /** Moves time forward, firing due alarms in order at their own time. */
  tick(deltaNanos: number): void {
    const target = this.now + deltaNanos;
    if (target < this.nextAt) {
      this.now = target;
      return;
    }
    for (;;) {
      const next = this.alarms[0];
      if (!next || next.at > target) break;
      this.alarms.shift();
      this.nextAt = this.alarms[0]?.at ?? Infinity;
      next.scheduled = false;
      if (next.at > this.now) this.now = next.at;
      next.callback();
    }
    this.now = target;
  }
}
