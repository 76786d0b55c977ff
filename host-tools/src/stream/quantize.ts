// Linear 8-bit quantization with per-channel ranges, the z-score transform and
// calibration (from data or from a JSON file). Same arithmetic as FORMAT.md and the device SDK.
import { readFileSync } from "node:fs";
import { InputError } from "../lib/errors.js";
import type { ChannelCalibration } from "./format.js";

const f32buf = new Float32Array(1);
const u32view = new Uint32Array(f32buf.buffer);

/** The next f32 towards -inf (dir -1) or +inf (dir +1) from an f32 value. */
function f32Step(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * 1.401298464324817e-45;
  f32buf[0] = x;
  u32view[0] = u32view[0]! + ((x > 0) === (dir > 0) ? 1 : -1);
  return f32buf[0]!;
}

/** The smallest f32 range that contains [lo, hi] and is not empty. */
export function toF32Range(lo: number, hi: number): { lo: number; hi: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) throw new InputError(`calibration range [${lo}, ${hi}] is invalid`);
  if (hi === lo) {
    // A constant channel: give it a range of +-0.5 (or +-1e-6 relative) so the step is not zero.
    const pad = Math.max(0.5, Math.abs(lo) * 1e-6);
    lo -= pad;
    hi += pad;
  }
  let l = Math.fround(lo);
  if (l > lo) l = f32Step(l, -1);
  let h = Math.fround(hi);
  if (h < hi) h = f32Step(h, 1);
  return { lo: l, hi: h };
}

/** Quantizes one channel: codes 0..255 (or -128..127), counting saturations. */
export class ChannelQuantizer {
  readonly lo: number;
  readonly hi: number;
  readonly scale: number;
  private readonly inv: number;
  saturated = 0;

  constructor(cal: { lo: number; hi: number }, readonly int8: boolean) {
    this.lo = cal.lo;
    this.hi = cal.hi;
    this.scale = (cal.hi - cal.lo) / 255;
    this.inv = 255 / (cal.hi - cal.lo);
  }

  quantize(x: number): number {
    let q: number;
    if (x < this.lo || Number.isNaN(x)) {
      q = 0;
      this.saturated++;
    } else if (x > this.hi) {
      q = 255;
      this.saturated++;
    } else {
      q = Math.floor((x - this.lo) * this.inv + 0.5);
      if (q > 255) q = 255;
    }
    return this.int8 ? q - 128 : q;
  }

  dequantize(q: number): number {
    return this.lo + (this.int8 ? q + 128 : q) * this.scale;
  }
}

/** Welford running mean/variance of one channel; z uses the statistics including x. */
export class RunningZScore {
  n = 0;
  mean = 0;
  m2 = 0;

  next(x: number): number {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (this.n < 2 || !(this.m2 > 0)) return 0;
    return (x - this.mean) / Math.sqrt(this.m2 / this.n);
  }
}

/** Tracks per-channel min/max over a calibration pass. */
export class RangeTracker {
  readonly min: number[];
  readonly max: number[];
  constructor(channels: number) {
    this.min = new Array<number>(channels).fill(Infinity);
    this.max = new Array<number>(channels).fill(-Infinity);
  }
  add(values: ArrayLike<number>): void {
    for (let c = 0; c < this.min.length; c++) {
      const v = values[c]!;
      if (v < this.min[c]!) this.min[c] = v;
      if (v > this.max[c]!) this.max[c] = v;
    }
  }
  calibration(names: string[]): ChannelCalibration[] {
    return names.map((name, c) => {
      if (this.min[c] === Infinity) throw new InputError(`channel ${name}: no samples to calibrate from`);
      return { name, ...toF32Range(this.min[c]!, this.max[c]!) };
    });
  }
}

/**
 * Reads a calibration file: {"channels": {"NAME": {"lo": L, "hi": H}, ...}} or
 * {"channels": [{"name": "NAME", "lo": L, "hi": H}, ...]}; every stream channel must be present.
 */
export function loadCalibrationFile(file: string, names: string[]): ChannelCalibration[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`calibration file ${file}: ${(e as Error).message}`);
  }
  const chans = (doc as { channels?: unknown }).channels;
  const byName = new Map<string, { lo: unknown; hi: unknown }>();
  if (Array.isArray(chans)) {
    for (const c of chans as { name?: unknown; lo: unknown; hi: unknown }[]) byName.set(String(c?.name), c);
  } else if (chans && typeof chans === "object") {
    for (const [k, v] of Object.entries(chans as Record<string, { lo: unknown; hi: unknown }>)) byName.set(k, v);
  } else {
    throw new InputError(`calibration file ${file}: expected {"channels": {"NAME": {"lo": L, "hi": H}}}`);
  }
  return names.map((name) => {
    const c = byName.get(name);
    if (!c) throw new InputError(`calibration file ${file} has no range for channel "${name}"`, `it has: ${[...byName.keys()].join(", ")}`);
    if (typeof c.lo !== "number" || typeof c.hi !== "number" || !(c.hi > c.lo)) {
      throw new InputError(`calibration file ${file}: channel "${name}" needs numbers lo < hi`);
    }
    return { name, ...toF32Range(c.lo, c.hi) };
  });
}
