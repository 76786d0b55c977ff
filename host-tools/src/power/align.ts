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

/** Residuals this close are the monitor's edge resolution (a 1 ms sample period), not a better fit. */
const EDGE_TIE_US = 1000;

/**
 * Matches markers (device times, in order) to edges (monitor times, in order) by
 * trying each shift that keeps at least two pairs. The most pairs win, then the smallest
 * residual; shifts whose residuals differ by no more than the edge resolution are a tie,
 * won by the shift nearest 0 (the monitor saw the first marker's edge first): a phase run
 * several times makes equal intervals, so a shifted match can fit as well as the true one.
 * (The tool streams from the monitor before the first phase; a monitor attached after
 * identical runs had begun cannot be told which run it saw first.)
 * A clock rate far from 1 (more than 1%) is rejected: no crystal drifts that far, so such
 * a match pairs the wrong edges.
 */
export function matchEdges(device: readonly number[], edges: readonly number[]): EdgeMatch | undefined {
  const minPairs = Math.min(2, device.length, edges.length);
  if (minPairs === 0) return undefined;
  const candidates: EdgeMatch[] = [];
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
    const map = preferredMap(d, e);
    if (map) candidates.push({ map, shift });
  }
  if (candidates.length === 0) return undefined;
  const most = Math.max(...candidates.map((c) => c.map.pairs));
  const full = candidates.filter((c) => c.map.pairs === most);
  const least = Math.min(...full.map((c) => c.map.rms_us));
  const tied = full.filter((c) => c.map.rms_us <= least + EDGE_TIE_US);
  return tied.reduce((a, b) => (Math.abs(b.shift) < Math.abs(a.shift) || (Math.abs(b.shift) === Math.abs(a.shift) && b.map.rms_us < a.map.rms_us) ? b : a));
}

/** The offset-only map (rate 1): the mean difference of the pairs. */
export function offsetMap(device: readonly number[], monitor: readonly number[]): ClockMap {
  const n = Math.min(device.length, monitor.length);
  if (n === 0) return { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += monitor[i]! - device[i]!;
  const offset = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (monitor[i]! - device[i]! - offset) ** 2;
  return { offset_us: offset, rate: 1, rms_us: Math.sqrt(ss / n), pairs: n };
}

/**
 * The line, or rate 1 when the line does not explain the pairs much better. Edges seen at
 * a monitor's sample resolution are off by up to a sample period each; over a short run
 * that error decides the slope, while two crystals agree to within 1e-4. So the slope is
 * trusted only when it halves the residual over at least four pairs (real drift over a
 * long run); residuals beyond 1% of the span mean wrong pairs (undefined).
 */
export function preferredMap(device: readonly number[], monitor: readonly number[]): ClockMap | undefined {
  const line = fitClockMap(device, monitor);
  const flat = offsetMap(device, monitor);
  // Two or three pairs always leave the line a small residual: it needs four to show drift.
  const map = line.pairs >= 4 && Math.abs(line.rate - 1) <= 0.01 && line.rms_us < 0.5 * flat.rms_us ? line : flat;
  // Residuals beyond 1% of the span (the drift no crystal has) mean the edges are the wrong ones.
  const span = Math.max(...device) - Math.min(...device);
  return map.rms_us <= Math.max(0.01 * span, 1) ? map : undefined;
}

/** Offset from receive times: the link only ever adds delay, so the smallest difference is closest. */
export function mapFromReceiveTimes(device: readonly number[], rx: readonly number[]): ClockMap {
  let offset = Infinity;
  for (let i = 0; i < Math.min(device.length, rx.length); i++) offset = Math.min(offset, rx[i]! - device[i]!);
  return Number.isFinite(offset) ? { offset_us: offset, rate: 1, rms_us: 0, pairs: device.length } : { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
}
