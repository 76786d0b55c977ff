// Synthetic current traces with known energy, sampled at jittered times, for the power tests.
import type { PhaseMarker } from "../../../host-tools/src/power/analysis.js";
import type { CurrentSample } from "../../../host-tools/src/power/trace.js";

/** xorshift32: deterministic noise and jitter for tests. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

/** Samples i(t), v(t) every dtUs over [t0, t1], each time jittered by up to ±jitter·dt. */
export function sample(i: (t: number) => number, v: (t: number) => number, t0: number, t1: number, dtUs: number,
  jitter = 0.3, seed = 1): CurrentSample[] {
  const r = rng(seed);
  const out: CurrentSample[] = [];
  for (let k = 0; ; k++) {
    let t = t0 + k * dtUs + (k === 0 ? 0 : (r() * 2 - 1) * jitter * dtUs);
    if (t >= t1) {
      t = t1;
    }
    out.push({ t_us: t, current_a: i(t), bus_v: v(t) });
    if (t >= t1) break;
  }
  return out;
}

/** A bench loop: phases back to back with known per-phase current, markers on the device clock. */
export interface Phase {
  name: string;
  durationUs: number;
  currentA: number;
  ops?: number;
}

export function benchTrace(phases: Phase[], runs: number, opts: { v?: number; dtUs?: number; gapUs?: number; seed?: number } = {}) {
  const v = opts.v ?? 3.3, dt = opts.dtUs ?? 100, gap = opts.gapUs ?? 2000;
  const markers: PhaseMarker[] = [];
  const segments: { t0: number; t1: number; i: number }[] = [];
  const truth = new Map<string, number[]>();
  let t = 5000;
  const idleA = 0.002;
  for (let r = 0; r < runs; r++) {
    for (const p of phases) {
      markers.push({ t_us: t, phase: p.name, edge: "start", ...(p.ops ? { ops: p.ops } : {}) });
      segments.push({ t0: t, t1: t + p.durationUs, i: p.currentA });
      const list = truth.get(p.name) ?? [];
      list.push(p.currentA * v * p.durationUs * 1e-6);
      truth.set(p.name, list);
      t += p.durationUs;
      markers.push({ t_us: t, phase: p.name, edge: "end" });
      t += gap;
    }
  }
  const end = t + 5000;
  const current = (x: number) => segments.find((s) => x >= s.t0 && x < s.t1)?.i ?? idleA;
  // Sample densely enough that the square edges cost well under 1% of each window's energy.
  const samples = sample(current, () => v, 0, end, dt, 0.3, opts.seed ?? 3);
  return { markers, samples, truth, end };
}
