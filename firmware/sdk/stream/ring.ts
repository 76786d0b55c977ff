// A ring buffer of timestamped multi-channel samples with sliding windows of `length`
// samples every `hop` samples (e.g. 64 samples, hop 32). Storage is allocated once.

export class RingBuffer {
  readonly channels: i32;
  readonly length: i32;
  readonly hop: i32;
  private t: StaticArray<i64>;
  private v: StaticArray<f64>;
  /** Samples pushed so far. */
  count: i64 = 0;

  constructor(channels: i32, length: i32, hop: i32) {
    const len = length > 0 ? length : 1;
    this.channels = channels;
    this.length = len;
    this.hop = hop > 0 ? hop : len;
    this.t = new StaticArray<i64>(len);
    this.v = new StaticArray<f64>(len * channels);
  }

  /** Adds a sample (values[0..channels)); true when it completes a window. */
  push(t: i64, values: StaticArray<f64>): bool {
    const slot = <i32>(this.count % this.length);
    unchecked((this.t[slot] = t));
    const base = slot * this.channels;
    for (let c = 0; c < this.channels; c++) unchecked((this.v[base + c] = unchecked(values[c])));
    this.count++;
    return this.count >= this.length && (this.count - this.length) % this.hop == 0;
  }

  /** Like push, for one channel at a time: set each channel with set(), then commit(t). */
  set(ch: i32, x: f64): void {
    unchecked((this.v[<i32>(this.count % this.length) * this.channels + ch] = x));
  }

  commit(t: i64): bool {
    unchecked((this.t[<i32>(this.count % this.length)] = t));
    this.count++;
    return this.count >= this.length && (this.count - this.length) % this.hop == 0;
  }

  /** Index in storage of the window's i-th sample, oldest first (i in 0..length). */
  private slot(i: i32): i32 {
    return <i32>((this.count + <i64>i) % this.length);
  }

  /** Timestamp of the i-th sample of the current window (oldest first). */
  time(i: i32): i64 {
    return unchecked(this.t[this.slot(i)]);
  }

  /** Value of channel ch of the i-th sample of the current window (oldest first). */
  value(i: i32, ch: i32): f64 {
    return unchecked(this.v[this.slot(i) * this.channels + ch]);
  }
}
