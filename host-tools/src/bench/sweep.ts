// `wasmcu bench --freq F... [--periph N...] [--supply V...]`: the benchmark at several
// operating points (clk_sys built into the firmware, peripherals switched on by the bench
// app, on rp2040-sim also the rig's supply voltage), each a full bench run, collected into
// one file `wasmcu power fit` reads (RUNS.json with a "runs" array; the per-point results
// ride along under "points").
import { UsageError } from "../lib/errors.js";
import type { Run } from "../power/fit.js";
import { runDeviceBench, type DeviceBenchOptions, type DeviceBenchResults } from "./device-bench.js";

export const SWEEP_FORMAT = "wasmcu-bench-sweep/1";

export interface SweepResults {
  format: typeof SWEEP_FORMAT;
  simulated: boolean;
  runs: Run[];
  points: DeviceBenchResults[];
}

export interface SweepOptions extends Omit<DeviceBenchOptions, "clockHz" | "supplyV" | "extraPeripherals"> {
  freqsHz: number[];
  supplies: number[];
  /** App-switched peripherals per point (default [0]). */
  peripherals?: number[];
}

export async function runSweep(opts: SweepOptions): Promise<SweepResults> {
  if (opts.port && opts.freqsHz.length > 1) {
    throw new UsageError("--freq with several frequencies needs a board wasmcu can rebuild and start (rp2040-sim)",
      "on a real board, flash a firmware built for each clock and run wasmcu bench once per clock");
  }
  const points: DeviceBenchResults[] = [];
  for (const f of opts.freqsHz) {
    for (const v of opts.supplies) {
      for (const n of opts.peripherals ?? [0]) {
        opts.onProgress?.(`operating point ${f / 1e6} MHz, ${v} V, ${n} extra peripheral(s)`);
        points.push(await runDeviceBench({ ...opts, clockHz: f, supplyV: v, extraPeripherals: n }));
      }
    }
  }
  return {
    format: SWEEP_FORMAT,
    simulated: points.some((p) => p.simulated),
    runs: points.flatMap((p) => p.runs ?? []),
    points,
  };
}

/** "48M", "125MHz", "133000000" → Hz. */
export function parseFrequency(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|mhz|khz|hz)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`--freq ${s}: expected a frequency like 48M, 125MHz or 133000000`);
  const unit = (m[2] ?? "").toLowerCase();
  const mult = unit.startsWith("m") ? 1e6 : unit.startsWith("k") ? 1e3 : unit === "" && Number(m[1]) < 1000 ? 1e6 : 1;
  return Math.round(Number(m[1]) * mult);
}
