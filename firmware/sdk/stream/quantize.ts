// Linear 8-bit quantization with per-channel calibration ranges (FORMAT.md, "Quantization").
// Ranges come from the board's sensor configuration (setRange) or a calibration run
// (Calibrator); they are f32 because that is how the .wqs header stores them.

function nextDownF32(x: f32): f32 {
  if (x == 0) return -reinterpret<f32>(<u32>1);
  const b = reinterpret<u32>(x);
  return reinterpret<f32>(x > 0 ? b - 1 : b + 1);
}

function nextUpF32(x: f32): f32 {
  if (x == 0) return reinterpret<f32>(<u32>1);
  const b = reinterpret<u32>(x);
  return reinterpret<f32>(x > 0 ? b + 1 : b - 1);
}

export class Quantizer {
  readonly channels: i32;
  /** int8 codes (-128..127) instead of uint8 (0..255). */
  readonly int8: bool;
  private lo: StaticArray<f64>;
  private hi: StaticArray<f64>;
  private inv: StaticArray<f64>;
  private sat: StaticArray<u32>;
  private ranged: StaticArray<bool>;

  constructor(channels: i32, int8: bool) {
    this.channels = channels;
    this.int8 = int8;
    this.lo = new StaticArray<f64>(channels);
    this.hi = new StaticArray<f64>(channels);
    this.inv = new StaticArray<f64>(channels);
    this.sat = new StaticArray<u32>(channels);
    this.ranged = new StaticArray<bool>(channels);
  }

  /** Sets channel ch's range; false (nothing changed) unless lo < hi, both finite. */
  setRange(ch: i32, lo: f32, hi: f32): bool {
    if (ch < 0 || ch >= this.channels || !isFinite<f32>(lo) || !isFinite<f32>(hi) || !(hi > lo)) return false;
    const l = <f64>lo;
    const h = <f64>hi;
    unchecked((this.lo[ch] = l));
    unchecked((this.hi[ch] = h));
    unchecked((this.inv[ch] = 255.0 / (h - l)));
    unchecked((this.ranged[ch] = true));
    return true;
  }

  /** True when every channel has a range. */
  ready(): bool {
    for (let c = 0; c < this.channels; c++) if (!unchecked(this.ranged[c])) return false;
    return true;
  }

  low(ch: i32): f32 {
    return <f32>this.lo[ch];
  }

  high(ch: i32): f32 {
    return <f32>this.hi[ch];
  }

  /** Sensor units per code step. */
  scale(ch: i32): f64 {
    return (this.hi[ch] - this.lo[ch]) / 255.0;
  }

  /** The code of x on channel ch; out-of-range (and NaN) values saturate and are counted. */
  quantize(ch: i32, x: f64): i32 {
    const lo = unchecked(this.lo[ch]);
    let q: i32;
    // One compare catches both x < lo and NaN. In range, (x - lo) * inv + 0.5 is >= 0, where
    // truncation is floor: the same code as Math.floor without its soft-float call.
    if (!(x >= lo)) {
      q = 0;
      unchecked((this.sat[ch] += 1));
    } else if (x > unchecked(this.hi[ch])) {
      q = 255;
      unchecked((this.sat[ch] += 1));
    } else {
      q = <i32>((x - lo) * unchecked(this.inv[ch]) + 0.5);
      if (q > 255) q = 255;
    }
    return this.int8 ? q - 128 : q;
  }

  dequantize(ch: i32, q: i32): f64 {
    const lo = this.lo[ch];
    return lo + <f64>(this.int8 ? q + 128 : q) * ((this.hi[ch] - lo) / 255.0);
  }

  /** Samples saturated on channel ch since the last reset. */
  saturated(ch: i32): u32 {
    return this.sat[ch];
  }

  resetCounts(): void {
    for (let c = 0; c < this.channels; c++) unchecked((this.sat[c] = 0));
  }
}

/** A calibration run: feed samples, then apply the observed ranges (widened to f32) to a Quantizer. */
export class Calibrator {
  readonly channels: i32;
  private min: StaticArray<f64>;
  private max: StaticArray<f64>;

  constructor(channels: i32) {
    this.channels = channels;
    this.min = new StaticArray<f64>(channels);
    this.max = new StaticArray<f64>(channels);
    this.reset();
  }

  reset(): void {
    for (let c = 0; c < this.channels; c++) {
      unchecked((this.min[c] = Infinity));
      unchecked((this.max[c] = -Infinity));
    }
  }

  add(ch: i32, x: f64): void {
    if (isNaN<f64>(x)) return;
    if (x < unchecked(this.min[ch])) unchecked((this.min[ch] = x));
    if (x > unchecked(this.max[ch])) unchecked((this.max[ch] = x));
  }

  /** Sets every channel's range on q; false if a channel saw no finite sample. Same widening as the host. */
  apply(q: Quantizer): bool {
    for (let c = 0; c < this.channels; c++) {
      let lo = unchecked(this.min[c]);
      let hi = unchecked(this.max[c]);
      if (!isFinite<f64>(lo) || !isFinite<f64>(hi)) return false;
      if (hi == lo) {
        const pad = Math.max(0.5, Math.abs(lo) * 1e-6);
        lo -= pad;
        hi += pad;
      }
      let l = <f32>lo;
      if (<f64>l > lo) l = nextDownF32(l);
      let h = <f32>hi;
      if (<f64>h < hi) h = nextUpF32(h);
      if (!q.setRange(c, l, h)) return false;
    }
    return true;
  }
}
