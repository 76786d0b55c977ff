// Aligning the device's phase markers (stamped on the device's own clock) with the
// monitor's current trace (stamped on the monitor's clock). Two clocks drift and
// start at different times, so the map is a line: t_monitor = offset + rate · t_device,
// fitted per device boot (a reset restarts the device clock).
//
// Correspondences come from, best first:
//   "edges": the GPIO edge the device makes at each marker, seen by the monitor (as in
//            MLPerf Tiny's energy mode); matched to the markers in order, trying shifts
//            when the monitor saw extra edges or missed some;
//   "rx":    the host's receive time of each marker's link message on the monitor's clock
//            (a host-side monitor); the smallest rx − t_device is the offset (the link only
//            adds delay), rate 1;
//   "same-clock": markers already on the monitor's clock (the host board's simulation).

export interface ClockMap {
  offset_us: number;
  rate: number;
  /** Root-mean-square residual of the matched pairs, microseconds (0 without pairs). */
  rms_us: number;
  pairs: number;
}

export type AlignMethod = "edges" | "rx" | "same-clock";

export function applyMap(m: ClockMap, tDevice: number): number {
  return m.offset_us + m.rate * tDevice;
}

/** Least-squares line through (device, monitor) pairs; one pair fixes the offset at rate 1. */
export function fitClockMap(device: readonly number[], monitor: readonly number[]): ClockMap {
  const n = Math.min(device.length, monitor.length);
  if (n === 0) return { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
  let rate = 1;
  // Centre on the first pair: device times are large and the slope is ~1.
  const x0 = device[0]!, y0 = monitor[0]!;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += device[i]! - x0;
    my += monitor[i]! - y0;
  }
  mx /= n;
  my /= n;
  if (n >= 2) {
    let sxx = 0, sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = device[i]! - x0 - mx;
      sxx += dx * dx;
      sxy += dx * (monitor[i]! - y0 - my);
    }
    if (sxx > 0) rate = sxy / sxx;
  }
  const offset = y0 + my - rate * (x0 + mx);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = monitor[i]! - (offset + rate * device[i]!);
    ss += r * r;
  }
  return { offset_us: offset, rate, rms_us: Math.sqrt(ss / n), pairs: n };
}

export interface EdgeMatch {
  map: ClockMap;
  /** marker index i pairs with edges[i + shift] */
  shift: number;
}

/**
 * Matches markers (device times, in order) to edges (monitor times, in order) by
 * trying each shift that keeps at least two pairs, keeping the one whose fitted line
 * leaves the smallest residual. A clock rate far from 1 (more than 1%) is rejected:
 * no crystal drifts that far, so such a match pairs the wrong edges.
 */
export function matchEdges(device: readonly number[], edges: readonly number[]): EdgeMatch | undefined {
  let best: EdgeMatch | undefined;
  const minPairs = Math.min(2, device.length, edges.length);
  if (minPairs === 0) return undefined;
  for (let shift = -(device.length - minPairs); shift <= edges.length - minPairs; shift++) {
    const d: number[] = [], e: number[] = [];
    for (let i = 0; i < device.length; i++) {
      const j = i + shift;
      if (j >= 0 && j < edges.length) {
        d.push(device[i]!);
        e.push(edges[j]!);
      }
    }
    if (d.length < minPairs) continue;
    const map = fitClockMap(d, e);
    if (Math.abs(map.rate - 1) > 0.01) continue;
    // Prefer more pairs at equal residual: the score is the residual plus a small penalty per unpaired marker.
    const score = map.rms_us + (device.length - d.length) * 1e-3;
    const bestScore = best ? best.map.rms_us + (device.length - best.map.pairs) * 1e-3 : Infinity;
    if (score < bestScore) best = { map, shift };
  }
  return best;
}

/** Offset from receive times: the link only ever adds delay, so the smallest difference is closest. */
export function mapFromReceiveTimes(device: readonly number[], rx: readonly number[]): ClockMap {
  let offset = Infinity;
  for (let i = 0; i < Math.min(device.length, rx.length); i++) offset = Math.min(offset, rx[i]! - device[i]!);
  return Number.isFinite(offset) ? { offset_us: offset, rate: 1, rms_us: 0, pairs: device.length } : { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
}
