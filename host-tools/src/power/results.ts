// RESULTS.json: a benchmark's per-phase results and (optionally) its current trace with
// phase markers, as `wasmcu bench --json` writes it and `wasmcu power chart` reads it.
// The format is written down in FORMAT.md.
import { InputError } from "../lib/errors.js";
import type { BenchAnalysis, PhaseSummary, PowerIssue } from "./analysis.js";
import type { CurrentSample } from "./trace.js";

export const RESULTS_FORMAT = "wasmcu-bench-results/1";

export interface ResultsMarker {
  /** On the monitor's clock, microseconds (the trace's clock). */
  t_us: number;
  phase: string;
  edge: "start" | "end";
}

export interface BenchResults {
  format: typeof RESULTS_FORMAT;
  /** True when the figures come from an emulator or a simulated INA219, never silicon. */
  simulated: boolean;
  /** Where the numbers come from, e.g. "host board, simulated INA219 (power model)". */
  source: string;
  board?: string;
  f_hz?: number;
  v?: number;
  phases: PhaseSummary[];
  trace?: {
    /** [t_us, current_a, bus_v] on the monitor's clock. */
    samples: [number, number, number][];
    markers: ResultsMarker[];
    /** Every n-th sample was kept (1 = all). */
    decimation: number;
  };
  issues: PowerIssue[];
}

/** Builds RESULTS.json from an analysis; the trace is thinned to at most maxTracePoints samples. */
export function toResults(a: BenchAnalysis, meta: { simulated: boolean; source: string; board?: string; f_hz?: number; v?: number },
  samples?: readonly CurrentSample[], maxTracePoints = 4000): BenchResults {
  const r: BenchResults = { format: RESULTS_FORMAT, ...meta, phases: a.phases, issues: a.issues };
  if (samples && samples.length) {
    const decimation = Math.max(1, Math.ceil(samples.length / maxTracePoints));
    const kept: [number, number, number][] = [];
    for (let i = 0; i < samples.length; i += decimation) kept.push([samples[i]!.t_us, samples[i]!.current_a, samples[i]!.bus_v]);
    const markers: ResultsMarker[] = [];
    for (const w of a.windows) {
      markers.push({ t_us: w.start_us, phase: w.phase, edge: "start" });
      if (w.end_us !== undefined) markers.push({ t_us: w.end_us, phase: w.phase, edge: "end" });
    }
    markers.sort((x, y) => x.t_us - y.t_us);
    r.trace = { samples: kept, markers, decimation };
  }
  return r;
}

/** Parses and checks RESULTS.json; says what is wrong and where. */
export function parseResults(text: string, file = "RESULTS.json"): BenchResults {
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const o = d as Partial<BenchResults> | null;
  if (!o || typeof o !== "object") throw new InputError(`${file}: expected an object`);
  if (o.format !== RESULTS_FORMAT) throw new InputError(`${file}: "format" is ${JSON.stringify(o.format)}, expected "${RESULTS_FORMAT}"`);
  if (typeof o.simulated !== "boolean") throw new InputError(`${file}: "simulated" must be true or false`);
  if (!Array.isArray(o.phases)) throw new InputError(`${file}: "phases" must be an array`);
  o.phases.forEach((p, i) => {
    if (typeof p?.phase !== "string") throw new InputError(`${file}: phases[${i}].phase must be a string`);
    if (typeof p.latency_us?.median !== "number") throw new InputError(`${file}: phases[${i}] ("${p.phase}"): latency_us.median must be a number`);
  });
  if (o.trace !== undefined) {
    if (!Array.isArray(o.trace.samples) || !Array.isArray(o.trace.markers)) throw new InputError(`${file}: trace needs "samples" and "markers" arrays`);
    o.trace.samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== 3 || !s.every(Number.isFinite)) throw new InputError(`${file}: trace.samples[${i}] must be [t_us, current_a, bus_v]`);
    });
  }
  return { source: "", issues: [], ...o } as BenchResults;
}
