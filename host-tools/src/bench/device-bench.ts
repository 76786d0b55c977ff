// `wasmcu bench`: the bench app's workloads and model inference on a board, each run
// several times and timed on the device (microseconds, and cycles where the board counts
// them), summarised per phase in the RESULTS.json format `wasmcu power chart` reads.
// Energy needs a current monitor; without one the phases carry latency only and say so.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../build/app.js";
import { startLocalBoard, type LaunchedBoard } from "../boards/launch.js";
import type { BoardTarget } from "../boards/registry.js";
import { DeviceError } from "../lib/errors.js";
import { deploy, readTflite } from "../link/deploy.js";
import { DeviceLink, Cmd } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import type { PhaseSummary } from "../power/analysis.js";
import { RESULTS_FORMAT, type BenchResults } from "../power/results.js";
import { spread } from "../power/trace.js";

/** The bench app's exports: phase name, export, operations per call. */
export const WORKLOADS: [string, string, number][] = [
  ["gpio-toggle", "gpio_toggle_1000", 1000],
  ["sha256-1k", "sha256_1k", 1],
  ["alloc-1k", "alloc_1k_100", 100],
  ["stream-encode", "stream_encode_1000", 1000],
  ["fib24", "fib24", 1],
];

export interface DeviceBenchOptions {
  target: BoardTarget;
  /** A board already running wasmcu firmware; otherwise a local one is started (host, rp2040-sim). */
  port?: string;
  models: string[];
  runs: number;
  onProgress?: (what: string) => void;
}

async function openBoard(opts: DeviceBenchOptions, app: string): Promise<{ link: DeviceLink; board?: LaunchedBoard }> {
  const { target } = opts;
  if (opts.port) {
    const link = new DeviceLink(await openSerial(opts.port, target.board.serial.baud), { timeoutMs: 3000 });
    await link.connect(10_000);
    await deploy(link, { app: readFileSync(app) });
    return { link };
  }
  const flashFile = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-bench-")), "flash.bin");
  const board = await startLocalBoard(target, { app, flashFile, speed: Infinity });
  const link = new DeviceLink(await openSerial(board.uartPath, target.board.serial.baud), { timeoutMs: 5000 });
  await link.connect(120_000);
  return { link, board };
}

function phase(name: string, ops: number, micros: number[], cycles: number[]): PhaseSummary {
  const perOp = (v: number[]) => v.map((x) => x / ops);
  return {
    phase: name, status: "ok", runs: micros.length, measured_runs: 0, ops_per_run: ops,
    latency_us: spread(perOp(micros)),
    ...(cycles.some((c) => c > 0) ? { cycles: spread(perOp(cycles)) } : {}),
    notes: ["no current monitor: latency only, no energy"],
  };
}

/** A model's name for the tables: its file name, or its folder's for the usual model.tflite. */
export function modelName(file: string): string {
  const base = path.basename(file, ".tflite");
  return base === "model" ? path.basename(path.dirname(path.resolve(file))) : base;
}

async function invokeOnce(link: DeviceLink): Promise<{ micros: number; cycles: number }> {
  const r = await link.command(Cmd.ModelInvoke, undefined, { timeoutMs: 120_000, attempts: 1 });
  const d = r.data.at(-1);
  if (r.status !== 0 || !d || d.length < 20) throw new DeviceError(`model invoke failed on the device: ${r.detail || `status ${r.status}`}`);
  const v = new DataView(d.buffer, d.byteOffset, d.length);
  return { micros: Number(v.getBigUint64(4, true)), cycles: Number(v.getBigUint64(12, true)) };
}

export async function runDeviceBench(opts: DeviceBenchOptions): Promise<BenchResults> {
  const models = opts.models.map((m) => ({ name: modelName(m), bytes: readTflite(m) }));
  const app = (await buildApp("bench")).wasm;
  const { link, board } = await openBoard(opts, app);
  const phases: PhaseSummary[] = [];
  try {
    for (const [name, fn, ops] of WORKLOADS) {
      opts.onProgress?.(name);
      const micros: number[] = [];
      const cycles: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const r = await link.call(fn, 600_000);
        micros.push(r.micros);
        cycles.push(r.cycles);
      }
      phases.push(phase(name, ops, micros, cycles));
    }
    for (const m of models) {
      opts.onProgress?.(`infer:${m.name}`);
      await deploy(link, { model: m.bytes });
      const micros: number[] = [];
      const cycles: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const r = await invokeOnce(link);
        micros.push(r.micros);
        cycles.push(r.cycles);
      }
      phases.push(phase(`infer:${m.name}`, 1, micros, cycles));
    }
  } finally {
    await link.close();
    await board?.stop();
  }
  const { target } = opts;
  return {
    format: RESULTS_FORMAT,
    simulated: target.simulated,
    source: target.simulated
      ? `${target.name}: rp2040js emulated Cortex-M0+ at ${target.board.clock_hz / 1e6} MHz (emulated cycles and time, not silicon); no current monitor`
      : opts.port ? `${target.board.name} at ${opts.port}; no current monitor` : "host board (a Linux process: wall time of this machine, not a microcontroller); no current monitor",
    board: target.name,
    ...(target.board.clock_hz ? { f_hz: target.board.clock_hz } : {}),
    phases,
    issues: [],
  };
}
