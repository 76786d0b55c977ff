// Per-channel smoothing filters with state preallocated at construction.

/** Moving median over the last `width` samples (odd width, 1..31); insertion sort of a small copy. */
export class MedianFilter {
  readonly channels: i32;
  readonly width: i32;
  private hist: StaticArray<f64>;
  private scratch: StaticArray<f64>;
  private filled: StaticArray<i32>;
  private head: StaticArray<i32>;

  constructor(channels: i32, width: i32) {
    if (width < 1) width = 1;
    if (width > 31) width = 31;
    if ((width & 1) == 0) width++;
    this.channels = channels;
    this.width = width;
    this.hist = new StaticArray<f64>(channels * width);
    this.scratch = new StaticArray<f64>(width);
    this.filled = new StaticArray<i32>(channels);
    this.head = new StaticArray<i32>(channels);
  }

  /** Adds x and returns the median of the samples seen so far in the window (the lower middle while it fills). */
  next(ch: i32, x: f64): f64 {
    const w = this.width;
    const base = ch * w;
    const h = unchecked(this.head[ch]);
    unchecked((this.hist[base + h] = x));
    unchecked((this.head[ch] = h + 1 == w ? 0 : h + 1));
    let n = unchecked(this.filled[ch]);
    if (n < w) unchecked((this.filled[ch] = ++n));
    const s = this.scratch;
    for (let i = 0; i < n; i++) {
      const v = unchecked(this.hist[base + i]);
      let j = i - 1;
      while (j >= 0 && unchecked(s[j]) > v) {
        unchecked((s[j + 1] = unchecked(s[j])));
        j--;
      }
      unchecked((s[j + 1] = v));
    }
    return unchecked(s[(n - 1) >> 1]);
  }
}

/** Exponential moving average: y += alpha * (x - y); the first sample initialises y. */
export class EmaFilter {
  readonly channels: i32;
  readonly alpha: f64;
  private y: StaticArray<f64>;
  private started: StaticArray<bool>;

  constructor(channels: i32, alpha: f64) {
    this.channels = channels;
    this.alpha = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
    this.y = new StaticArray<f64>(channels);
    this.started = new StaticArray<bool>(channels);
  }

  next(ch: i32, x: f64): f64 {
    if (!unchecked(this.started[ch])) {
      unchecked((this.started[ch] = true));
      unchecked((this.y[ch] = x));
      return x;
    }
    const y = unchecked(this.y[ch]);
    const r = y + this.alpha * (x - y);
    unchecked((this.y[ch] = r));
    return r;
  }
}
