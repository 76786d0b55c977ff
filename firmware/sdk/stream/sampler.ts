// Periodic sampling on a fixed grid (start + k * period): no drift accumulates, late
// polls are measured (drift) and whole periods that were missed are counted.
// Pass the current time (e.g. time.micros()) so the same code runs under tests.

export class Sampler {
  readonly period: i64;
  /** The next grid instant a sample is due at. */
  next: i64;
  /** The grid instant of the last sample taken (its timestamp on a jitter-free clock). */
  last: i64 = 0;
  /** Samples taken. */
  taken: i64 = 0;
  /** Grid instants skipped because a poll came more than a period late. */
  missed: i64 = 0;
  /** How late the last sample was taken after its grid instant. */
  drift: i64 = 0;
  maxDrift: i64 = 0;

  constructor(period: i64, start: i64) {
    this.period = period > 0 ? period : 1;
    this.next = start;
  }

  /** True when a sample is due at `now`; then the next instant is scheduled on the grid. */
  poll(now: i64): bool {
    if (now < this.next) return false;
    const late = now - this.next;
    const skipped = late / this.period;
    const scheduled = this.next + skipped * this.period;
    this.missed += skipped;
    this.drift = now - scheduled;
    if (this.drift > this.maxDrift) this.maxDrift = this.drift;
    this.last = scheduled;
    this.next = scheduled + this.period;
    this.taken++;
    return true;
  }

  /** Time left until the next sample is due (0 if due now). */
  wait(now: i64): i64 {
    return now >= this.next ? 0 : this.next - now;
  }
}
