// Running per-channel statistics (Welford): offset removal and z-score without storing samples.
// Same operation order as the host's RunningZScore, so both give the same bits.

export class RunningStats {
  readonly channels: i32;
  private n: StaticArray<f64>;
  private mu: StaticArray<f64>;
  private m2: StaticArray<f64>;

  constructor(channels: i32) {
    this.channels = channels;
    this.n = new StaticArray<f64>(channels);
    this.mu = new StaticArray<f64>(channels);
    this.m2 = new StaticArray<f64>(channels);
  }

  reset(): void {
    for (let c = 0; c < this.channels; c++) {
      unchecked((this.n[c] = 0));
      unchecked((this.mu[c] = 0));
      unchecked((this.m2[c] = 0));
    }
  }

  /** Adds x to channel ch's statistics. */
  add(ch: i32, x: f64): void {
    const n = unchecked(this.n[ch]) + 1;
    unchecked((this.n[ch] = n));
    const mean = unchecked(this.mu[ch]);
    const d = x - mean;
    const m = mean + d / n;
    unchecked((this.mu[ch] = m));
    unchecked((this.m2[ch] = unchecked(this.m2[ch]) + d * (x - m)));
  }

  count(ch: i32): f64 {
    return this.n[ch];
  }

  mean(ch: i32): f64 {
    return this.mu[ch];
  }

  /** Population standard deviation (0 until two samples). */
  std(ch: i32): f64 {
    const n = this.n[ch];
    return n < 2 ? 0 : Math.sqrt(this.m2[ch] / n);
  }

  /** Adds x, then returns x minus the running mean (offset removal). */
  removeOffset(ch: i32, x: f64): f64 {
    this.add(ch, x);
    return x - unchecked(this.mu[ch]);
  }

  /** Adds x, then returns (x - mean) / std; 0 while the deviation is not yet defined. */
  zscore(ch: i32, x: f64): f64 {
    this.add(ch, x);
    const n = unchecked(this.n[ch]);
    const m2 = unchecked(this.m2[ch]);
    if (n < 2 || !(m2 > 0)) return 0;
    return (x - unchecked(this.mu[ch])) / Math.sqrt(m2 / n);
  }
}
