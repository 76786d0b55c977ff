// Current traces from a power monitor (an INA219 or its simulation): energy by
// trapezoidal integration over a time window, with gaps in the stream detected
// and left out rather than bridged, and small order statistics.

/** One monitor sample: time on the monitor's clock, current through the shunt, bus voltage. */
export interface CurrentSample {
  t_us: number;
  current_a: number;
  bus_v: number;
}

export interface Gap {
  from_us: number;
  to_us: number;
}

export interface WindowEnergy {
  /** Energy over the covered parts of the window, joules. */
  energy_j: number;
  /** Charge over the covered parts, coulombs. */
  charge_c: number;
  /** Microseconds of the window the samples cover (gaps and the trace's ends excluded). */
  covered_us: number;
  /** covered_us / window length (1 when the monitor streamed throughout). */
  coverage: number;
  /** Gaps longer than maxGapUs that fall inside the window. */
  gaps: Gap[];
  /** The window extends past the last sample: the monitor stopped streaming before it ended. */
  endsAfterTrace: boolean;
  /** The window begins before the first sample. */
  startsBeforeTrace: boolean;
}

/** Checks samples are finite and in time order; returns a message or undefined. */
export function checkSamples(samples: readonly CurrentSample[]): string | undefined {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (![s.t_us, s.current_a, s.bus_v].every(Number.isFinite)) return `sample ${i}: time, current and bus voltage must be finite numbers`;
    if (i > 0 && s.t_us <= samples[i - 1]!.t_us) return `sample ${i}: time ${s.t_us} us is not after the previous sample's ${samples[i - 1]!.t_us} us`;
  }
  return undefined;
}

/** The median sampling interval: what counts as "the monitor's period". */
export function medianInterval(samples: readonly CurrentSample[]): number {
  const d: number[] = [];
  for (let i = 1; i < samples.length; i++) d.push(samples[i]!.t_us - samples[i - 1]!.t_us);
  return d.length ? quantile(d, 0.5) : 0;
}

/** A gap is an interval longer than this many median intervals. */
export const DEFAULT_GAP_FACTOR = 5;

export function defaultMaxGapUs(samples: readonly CurrentSample[]): number {
  return DEFAULT_GAP_FACTOR * medianInterval(samples);
}

/** Index of the last sample with t_us <= t (or -1). */
function lastAtOrBefore(samples: readonly CurrentSample[], t: number): number {
  let lo = 0, hi = samples.length - 1, r = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.t_us <= t) {
      r = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return r;
}

/**
 * Integrates power (current × bus voltage) and current over [t0, t1] with the
 * trapezoidal rule, interpolating linearly at the window's edges. Intervals
 * between samples longer than maxGapUs are gaps: not integrated, reported.
 */
export function integrateWindow(samples: readonly CurrentSample[], t0: number, t1: number, maxGapUs: number): WindowEnergy {
  const out: WindowEnergy = { energy_j: 0, charge_c: 0, covered_us: 0, coverage: 0, gaps: [], endsAfterTrace: false, startsBeforeTrace: false };
  if (!(t1 > t0) || samples.length === 0) {
    out.endsAfterTrace = samples.length === 0 || t1 > samples[samples.length - 1]!.t_us;
    out.startsBeforeTrace = samples.length === 0 || t0 < samples[0]!.t_us;
    return out;
  }
  out.startsBeforeTrace = t0 < samples[0]!.t_us;
  out.endsAfterTrace = t1 > samples[samples.length - 1]!.t_us;
  const first = Math.max(0, lastAtOrBefore(samples, t0));
  for (let i = first; i + 1 < samples.length; i++) {
    const a = samples[i]!, b = samples[i + 1]!;
    if (a.t_us >= t1) break;
    const lo = Math.max(a.t_us, t0), hi = Math.min(b.t_us, t1);
    if (hi <= lo) continue;
    const dt = b.t_us - a.t_us;
    if (dt > maxGapUs) {
      out.gaps.push({ from_us: a.t_us, to_us: b.t_us });
      continue;
    }
    const at = (t: number, f: (s: CurrentSample) => number) => f(a) + ((f(b) - f(a)) * (t - a.t_us)) / dt;
    const p = (s: CurrentSample) => s.current_a * s.bus_v;
    const i0 = at(lo, (s) => s.current_a), i1 = at(hi, (s) => s.current_a);
    // Power is the per-sample product I·V, interpolated linearly between samples (trapezoid on P).
    const p0 = at(lo, p), p1 = at(hi, p);
    const span = (hi - lo) * 1e-6;
    out.energy_j += 0.5 * (p0 + p1) * span;
    out.charge_c += 0.5 * (i0 + i1) * span;
    out.covered_us += hi - lo;
  }
  out.coverage = out.covered_us / (t1 - t0);
  return out;
}

/** Linear-interpolated quantile (q in 0..1) of unsorted values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Median and spread of a set of repeated measurements. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
  };
}
