// `wasmcu bench`: the bench app's workloads and model inference on a board, each run
// several times and timed on the device (microseconds, and cycles where the board counts
// them), summarised per phase in the RESULTS.json format `wasmcu power chart` reads.
//
// Energy needs a current monitor: a board running the power-monitor app (--monitor PORT),
// or on rp2040-sim the emulated measurement rig (sim/rig.ts: a second emulated RP2040 with
// a SIMULATED INA219). Then each phase runs as the bench app's marked export (m_<name>),
// which raises the marker GPIO for its duration and returns its start and end on the
// device clock; the monitor samples current and the marker level; analyzeBench aligns the
// two clocks on the marker edges and integrates energy per window. Without a monitor the
// phases carry latency only and say so.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAppFor, requireAotBoard, type Engine } from "../build/aot.js";
import { buildApp } from "../build/app.js";
import { startLocalBoard, type LaunchedBoard } from "../boards/launch.js";
import type { BuildProgress } from "../build/firmware.js";
import { hasFeature, type BoardTarget } from "../boards/registry.js";
import { DeviceError, UsageError } from "../lib/errors.js";
import { deploy, readTflite } from "../workflows/deploy.js";
import { Cmd, LinkStatus } from "../link/constants.js";
import { DeviceLink, type LinkEvent } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { analyzeBench, type BenchAnalysis, type PhaseMarker, type PhaseSummary, type PowerIssue } from "../power/analysis.js";
import type { Run } from "../power/fit.js";
import { MonitorStream } from "../power/monitor-stream.js";
import { RESULTS_FORMAT, toResults, type BenchResults } from "../power/results.js";
import { spread, type Spread } from "../power/trace.js";
import { DEFAULT_POWER_MODEL } from "../sim/ina219.js";
import { DEFAULT_SUPPLY_V } from "../sim/rig.js";
import { xipDelta, type XipRegionStats } from "../sim/xip-timing.js";

/** The bench app's exports: phase name, export, operations per call. */
export const WORKLOADS: [string, string, number][] = [
  ["gpio-toggle", "gpio_toggle_1000", 1000],
  ["sha256-1k", "sha256_1k", 1],
  ["alloc-1k", "alloc_1k_100", 100],
  ["stream-encode", "stream_encode_1000", 1000],
  ["fib24", "fib24", 1],
];
/** With a monitor: the core asleep for 100 ms, the baseline the other phases stand on. */
export const IDLE_WORKLOAD: [string, string, number] = ["idle-100ms", "idle_100ms", 1];

export interface DeviceBenchOptions {
  target: BoardTarget;
  /** A board already running wasmcu firmware; otherwise a local one is started (host, rp2040-sim). */
  port?: string;
  models: string[];
  runs: number;
  /** Only these phases (names from WORKLOADS, "idle-100ms"); default: all. Models run regardless. */
  phases?: string[];
  /** A board running the power-monitor app, its marker input wired to the board's GPIO 15. */
  monitorPort?: string;
  /** rp2040-sim: start the emulated measurement rig (default true there). */
  simMonitor?: boolean;
  /** How the bench app runs: interpreted (default) or compiled ahead of time (a .waot; Cortex-M0+ boards). */
  engine?: Engine;
  /** rp2040-sim: the emulator's flash timing model (XIP cache, QSPI stalls), default on; off: no wait states. */
  flashModel?: boolean;
  /** rp2040-sim: build and run the firmware at this clk_sys (Hz). */
  clockHz?: number;
  /** rp2040-sim rig: supply voltage upstream of the shunt (default 3.3 V). */
  supplyV?: number;
  /** App-switchable peripherals (firmware/sdk/power.ts order) the bench app switches on
   * before the phases, beside the board's own; default 0. */
  extraPeripherals?: number;
  /** rp2040-sim rig, fault injection for tests: the monitor chip freezes 150 ms after the
   * board's marker pin changed this many times. */
  simMonitorStopAfterEdges?: number;
  onProgress?: (what: string) => void;
  /** Where a firmware build for a local board is (nothing when it is up to date). */
  onBuildProgress?: (p: BuildProgress) => void;
  /** Called after each run of each phase with the board's link (scripted sessions, fault-injection tests). */
  afterRun?: (link: DeviceLink, phase: string, run: number) => Promise<void>;
}

interface OpenBoard {
  link: DeviceLink;
  board?: LaunchedBoard;
  monitor?: { link: DeviceLink; stream: MonitorStream; logs: string[]; where: string };
  hello: Record<string, unknown>;
}

/** Opens the monitor's link and collects its stream; nothing is sent to it. */
async function openMonitor(port: string, baud: number, where: string): Promise<NonNullable<OpenBoard["monitor"]>> {
  const link = new DeviceLink(await openSerial(port, baud), { timeoutMs: 3000 });
  const stream = new MonitorStream();
  const logs: string[] = [];
  link.onEvent((e: LinkEvent) => {
    if (e.kind === "stream") stream.push(e.header, e.bytes);
    else if (e.kind === "log") logs.push(`${e.level}: ${e.text}`);
  });
  return { link, stream, logs, where };
}

async function openBoard(opts: DeviceBenchOptions, app: string, monitorApp: string | undefined, peripherals: { count?: number }): Promise<OpenBoard> {
  const { target } = opts;
  const baud = target.board.serial.baud;
  if (opts.port) {
    // The monitor first: its stream must be collected from before the first phase.
    const monitor = opts.monitorPort ? await openMonitor(opts.monitorPort, baud, opts.monitorPort) : undefined;
    return openedOrClosed([monitor?.link], async (opened) => {
      const link = new DeviceLink(await openSerial(opts.port!, baud), { timeoutMs: 3000 });
      opened.push(link);
      const hello = await link.connect(10_000);
      await deploy(link, { app: readFileSync(app) });
      return { link, hello, ...(monitor ? { monitor } : {}) };
    });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-bench-"));
  const board = await startLocalBoard(target, {
    app, flashFile: path.join(dir, "flash.bin"), speed: Infinity, onBuildProgress: opts.onBuildProgress, flashModel: (opts.flashModel ?? true) && hasFeature(target, "flash_model"),
    ...(monitorApp ? { onPeripherals: (n: number) => void (peripherals.count = n) } : {}),
    ...(opts.clockHz !== undefined ? { clockHz: opts.clockHz } : {}),
    ...(monitorApp ? { monitor: { app: monitorApp, flashFile: path.join(dir, "monitor-flash.bin"), supplyV: opts.supplyV ?? DEFAULT_SUPPLY_V,
      ...(opts.simMonitorStopAfterEdges !== undefined ? { stopAfterEdges: opts.simMonitorStopAfterEdges } : {}) } } : {}),
  });
  try {
    return await openedOrClosed([], async (opened) => {
      // Both chips are held until the board's link first speaks: open the monitor before that.
      const monitor = board.monitorPath ? await openMonitor(board.monitorPath, baud, "the emulated power monitor") : undefined;
      opened.push(monitor?.link);
      const link = new DeviceLink(await openSerial(board.uartPath, baud), { timeoutMs: 5000 });
      opened.push(link);
      const hello = await link.connect(120_000);
      return { link, board, hello, ...(monitor ? { monitor } : {}) };
    });
  } catch (e) {
    await board.stop();
    throw e;
  }
}

/** Runs `open`; if it fails, the links it opened so far (listed in `opened`) are closed before the error goes on. */
async function openedOrClosed<T>(opened: (DeviceLink | undefined)[], open: (opened: (DeviceLink | undefined)[]) => Promise<T>): Promise<T> {
  try {
    return await open(opened);
  } catch (e) {
    for (const l of opened) await l?.close();
    throw e;
  }
}

/** Latency-only summary (no monitor): per operation. */
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
  if (r.status !== LinkStatus.Ok || !d || d.length < 20) throw new DeviceError(`model invoke failed on the device: ${r.detail || `status ${r.status}`}`);
  const v = new DataView(d.buffer, d.byteOffset, d.length);
  return { micros: Number(v.getBigUint64(4, true)), cycles: Number(v.getBigUint64(12, true)) };
}

/** What an `infer:` phase measures, and what an `engine:` phase measures. */
export const APP_LEVEL_NOTE = "app level: the bench app's invoke() on a model it opened once, what an app calling invoke() sees";
export const ENGINE_NOTE = "engine level: nn_invoke alone, timed on the device (MODEL_INVOKE over the link, no app): latency only, no energy";

function appLevel(p: PhaseSummary): PhaseSummary {
  if (!p.phase.startsWith("infer:")) return p;
  const batch = p.ops_per_run > 1 ? [batchNote(p.ops_per_run)] : [];
  return { ...p, notes: [APP_LEVEL_NOTE, ...batch, ...p.notes] };
}

/** Inferences a marked window may hold (the bench app's m_infer, m_infer_x10, ...). */
export const INFER_BATCHES = [1, 10, 100, 1000] as const;
/** A marked window spans at least this many of the monitor's samples: enough to place its
 * edges and integrate it (ad01, 18 ms, stays one per window, as its figures always were). */
const MIN_WINDOW_SAMPLES = 10;

/**
 * Inferences per marked window: the fewest that make the window span MIN_WINDOW_SAMPLES of
 * the monitor's sample period, so a model shorter than one sample is still seen.
 */
export function inferBatch(inferUs: number, periodUs: number): number {
  const want = MIN_WINDOW_SAMPLES * (periodUs > 0 ? periodUs : 1000);
  return INFER_BATCHES.find((n) => n * inferUs >= want) ?? INFER_BATCHES[3];
}

export function batchNote(n: number): string {
  return `${n} inferences per marked window (one is shorter than ${MIN_WINDOW_SAMPLES} monitor samples); figures are per inference`;
}

/** Each model's engine phase right after its app-level phase. */
function withEngine(phases: PhaseSummary[], engine: PhaseSummary[]): PhaseSummary[] {
  const out: PhaseSummary[] = [];
  for (const p of phases) {
    out.push(p);
    const e = p.phase.startsWith("infer:") ? engine.find((x) => x.phase === `engine:${p.phase.slice(6)}`) : undefined;
    if (e) out.push(e);
  }
  for (const e of engine) if (!out.includes(e)) out.push(e);
  return out;
}

/** Selected workloads, in the standard order; unknown names are a usage error. */
export function selectWorkloads(names: string[] | undefined, withIdle: boolean): [string, string, number][] {
  const all = withIdle ? [...WORKLOADS, IDLE_WORKLOAD] : WORKLOADS;
  if (!names || names.length === 0) return all;
  const known = [...WORKLOADS, IDLE_WORKLOAD].map((w) => w[0]);
  for (const n of names) {
    if (!known.includes(n)) throw new UsageError(`unknown phase "${n}"`, `phases: ${known.join(", ")}`);
  }
  return [...WORKLOADS, IDLE_WORKLOAD].filter((w) => names.includes(w[0]));
}

/**
 * Device-clock markers from the marked exports' packed results: start (mod 2^32) and
 * duration. 32-bit start times are unwrapped against the previous marker; a start well
 * before the previous one is a reset (analyzeBench splits there).
 */
export class MarkerLog {
  readonly markers: PhaseMarker[] = [];
  private wraps = 0;
  private last = -1;
  boot = 0;

  add(phase: string, ops: number, packed: bigint, cycles: number): void {
    const p = BigInt.asUintN(64, packed);
    const rawStart = Number(p >> 32n);
    const dur = Number(p & 0xffffffffn);
    if (this.last >= 0 && rawStart + 0x80000000 < this.last % 0x100000000) this.wraps++;
    const start = rawStart + this.wraps * 0x100000000;
    this.last = start + dur;
    this.markers.push({ t_us: start, phase, edge: "start", ops, boot: this.boot, cycles: 0 });
    this.markers.push({ t_us: start + dur, phase, edge: "end", ops, boot: this.boot, cycles });
  }

  /** The device said hello again: it reset (clock from zero, new boot id). */
  reset(): void {
    this.boot++;
    this.wraps = 0;
    this.last = -1;
  }
}

async function markedCall(link: DeviceLink, fn: string): Promise<{ packed: bigint; cycles: number }> {
  const r = await link.call(`m_${fn}`, 600_000);
  if (r.result < 0n) throw new DeviceError(`${fn} failed on the device (status ${r.result})`);
  return { packed: r.result, cycles: r.cycles };
}

/**
 * Waits until the monitor's stream shows `edges` marker edges and a little after. Gives up
 * when no sample arrived for `stallMs` (a monitor streams ~1000 samples per second, an
 * emulated one faster: silence means it stopped) or after `wallMs` in all.
 */
async function drainMonitor(m: NonNullable<OpenBoard["monitor"]>, edges: number, wallMs: number, stallMs = 3000): Promise<boolean> {
  const deadline = Date.now() + wallMs;
  let count = m.stream.records.length;
  let lastNews = Date.now();
  for (;;) {
    const seen = m.stream.edges();
    const last = m.stream.lastTimeUs;
    const lastEdge = seen[seen.length - 1]?.t_us;
    // 20 ms of samples after the last edge: the final window's tail and the INA219's conversion lag.
    if (seen.length >= edges && last !== undefined && lastEdge !== undefined && last > lastEdge + 20_000) return true;
    if (m.stream.records.length !== count) {
      count = m.stream.records.length;
      lastNews = Date.now();
    }
    if (Date.now() > deadline || Date.now() - lastNews > stallMs) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Latency and cycles per operation (analyzeBench's are per window). */
function perOp(p: PhaseSummary): PhaseSummary {
  const div = (s: Spread): Spread => ({ ...s, median: s.median / p.ops_per_run, min: s.min / p.ops_per_run, max: s.max / p.ops_per_run,
    p25: s.p25 / p.ops_per_run, p75: s.p75 / p.ops_per_run });
  return { ...p, latency_us: div(p.latency_us), ...(p.cycles ? { cycles: div(p.cycles) } : {}) };
}

/**
 * Switches the bench app's peripherals to `extra` blocks on beside the board's own and returns
 * how many the board then counts as on.
 */
export async function switchPeripherals(link: DeviceLink, extra: number): Promise<number> {
  let count = Number((await link.call("periph_all_off")).result);
  for (let i = 0; i < extra; i++) {
    const r = Number((await link.call("periph_one_more")).result);
    if (r < 0) {
      throw new DeviceError(`the board could not switch peripheral ${i + 1} of ${extra} on (firmware/sdk/power.ts order: ${PERIPHERAL_NAMES.join(", ")})`,
        "this board cannot switch that block: ask for fewer with --periph");
    }
    count = r;
  }
  return count;
}

/** firmware/sdk/power.ts's Peripheral order. */
export const PERIPHERAL_NAMES = ["spi0", "spi1", "pwm", "pio0", "pio1", "i2c1", "uart1"] as const;

/** RUNS.json entries (`wasmcu power fit`): one per busy phase with measured power. */
export function fitRuns(phases: readonly PhaseSummary[], meta: { f_hz: number; v: number; n_periph: number; simulated: boolean; label: string }): Run[] {
  return phases
    .filter((p) => p.avg_power_w !== undefined && p.phase !== IDLE_WORKLOAD[0])
    .map((p) => ({
      // The marked exports run without sleeping: the core is busy for the whole window.
      f_hz: meta.f_hz, v: meta.v, n_periph: meta.n_periph, idle: 0, power_w: p.avg_power_w!,
      label: `${meta.label} ${p.phase}`, simulated: meta.simulated,
    }));
}

export interface DeviceBenchResults extends BenchResults {
  /** Operating points for `wasmcu power fit` (present when energy was measured). */
  runs?: Run[];
  /** The rig's supply (rp2040-sim) or the monitor's median supply reading, volts. */
  supply_v?: number;
  /** Clocked I/O blocks on during the phases: the rig's power model's count on rp2040-sim
   * (sim/activity.ts), the board's own report elsewhere. */
  n_periph?: number;
  /** The simulated INA219's power model (rp2040-sim only), for comparison with a fit. */
  sim_power_model?: { alpha: number; beta: number; gamma: number };
}

/** Emulators with the power-measurement rig (sim/rig.ts: a monitor chip and a simulated INA219). */
export function hasSimRig(target: BoardTarget): boolean {
  return hasFeature(target, "power_rig");
}

/** What an emulated board's figures are, for the tables' source line. */
export function emulatedSource(target: BoardTarget, fHz: number, note = ""): string {
  const mhz = fHz / 1e6;
  if (target.name === "esp32c3-sim") {
    return `${target.name}: our emulated ESP32-C3 (RV32IMC at ${mhz} MHz), cycles from the sim's cost model (host-tools/src/sim/esp32c3/cost.ts: taken branches, loads, multiply/divide, flash-cache misses) — emulated cycles and time, not silicon`;
  }
  return `${target.name}: rp2040js emulated Cortex-M0+ at ${mhz} MHz (emulated cycles and time, not silicon${note})`;
}

export async function runDeviceBench(opts: DeviceBenchOptions): Promise<DeviceBenchResults> {
  const { target } = opts;
  const withSimMonitor = hasSimRig(target) && (opts.simMonitor ?? true) && !opts.port;
  if (opts.monitorPort && !opts.port) throw new UsageError("--monitor needs --port: a real board measured by a real monitor");
  const measuring = withSimMonitor || opts.monitorPort !== undefined;
  const models = opts.models.map((m) => ({ name: modelName(m), bytes: readTflite(m) }));
  const workloads = selectWorkloads(opts.phases, measuring);
  if (opts.engine === "aot") requireAotBoard(target);
  const app = (await buildAppFor("bench", opts.engine ?? "interp")).image;
  const monitorApp = withSimMonitor ? (await buildApp("power-monitor")).wasm : undefined;
  const peripherals: { count?: number } = {};
  const { link, board, monitor, hello } = await openBoard(opts, app, monitorApp, peripherals);
  const fHz = typeof hello.clock_hz === "number" ? hello.clock_hz : target.board.clock_hz;
  const phases: PhaseSummary[] = [];
  const log = new MarkerLog();
  const callIssues: PowerIssue[] = [];
  const enginePhases: PhaseSummary[] = [];
  link.onEvent((e) => {
    if (e.kind === "hello") log.reset();
  });
  let analysis: BenchAnalysis | undefined;
  let devicePeripherals = 0;
  const started = Date.now();
  let monitorOk = true;
  const xipOf = new Map<string, PhaseSummary["xip"]>();
  const xipSnapshot = async () => (board?.xipStats ? await board.xipStats() : undefined);
  const xipSince = async (name: string, before: XipRegionStats[] | undefined) => {
    const after = await xipSnapshot();
    if (!before || !after) return;
    xipOf.set(name, xipDelta(before, after).map((d) => ({ region: d.name, accesses: d.accesses, hits: d.hits, stall_cycles: d.stallCycles })));
  };
  try {
    const timed = async (name: string, fn: string, ops: number, before?: () => Promise<void>) => {
      opts.onProgress?.(name);
      await before?.();
      const xipBefore = await xipSnapshot();
      const micros: number[] = [];
      const cycles: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        if (monitor) {
          try {
            const r = await markedCall(link, fn);
            log.add(name, ops, r.packed, r.cycles);
          } catch (e) {
            // Keep what was measured; the analysis labels the rest.
            callIssues.push({ kind: "missing-marker", message: `phase "${name}" run ${i}: ${(e as Error).message}`, phase: name, run: i });
          }
        } else {
          const r = await link.call(fn, 600_000);
          micros.push(r.micros);
          cycles.push(r.cycles);
        }
        await opts.afterRun?.(link, name, i);
      }
      await xipSince(name, xipBefore);
      if (!monitor) phases.push(phase(name, ops, micros, cycles));
    };
    // The engine alone on the same model: MODEL_INVOKE times nn_invoke on the device, no app
    // around it. Latency only (no marker), beside the app-level phase above.
    const engine = async (name: string) => {
      opts.onProgress?.(name);
      const micros: number[] = [];
      const cycles: number[] = [];
      const xipBefore = await xipSnapshot();
      for (let i = 0; i < opts.runs; i++) {
        const r = await invokeOnce(link);
        micros.push(r.micros);
        cycles.push(r.cycles);
      }
      await xipSince(name, xipBefore);
      enginePhases.push({ ...phase(name, 1, micros, cycles), notes: [ENGINE_NOTE] });
    };
    // Starting an app switches the last one's blocks off, and a model deploy restarts the app.
    devicePeripherals = await switchPeripherals(link, opts.extraPeripherals ?? 0);
    for (const [name, fn, ops] of workloads) await timed(name, fn, ops);
    for (const m of models) {
      await deploy(link, { model: m.bytes });
      devicePeripherals = await switchPeripherals(link, opts.extraPeripherals ?? 0);
      // Two unmarked calls: the first opens the model outside any window, the second says how long one takes.
      let once = await link.call("infer", 600_000);
      if (once.result === 0n) once = await link.call("infer", 600_000);
      if (once.result !== 0n) throw new DeviceError(`the bench app's infer() failed on the device (status ${once.result})`);
      const batch = monitor ? inferBatch(once.micros, monitor.stream.header?.periodUs ?? 0) : 1;
      await timed(`infer:${m.name}`, batch === 1 ? "infer" : `infer_x${batch}`, batch);
      await engine(`engine:${m.name}`);
    }
    if (monitor) {
      opts.onProgress?.("waiting for the monitor's last samples");
      // An emulated monitor may trail the board by as long as the run took: wait that long, at least 30 s.
      monitorOk = await drainMonitor(monitor, log.markers.length, Math.max(30_000, 2 * (Date.now() - started)));
    }
  } finally {
    await link.close();
    await monitor?.link.close();
    await board?.stop();
  }

  const flashNote = (board?.xipStats ? ", flash timing model on (XIP cache and QSPI wait states: what to expect on a Pico)" : "") +
    (opts.engine === "aot" ? "; the bench app compiled ahead of time (AOT)" : "");
  const simulatedSource = emulatedSource(target, fHz, flashNote);
  if (!monitor) {
    return {
      format: RESULTS_FORMAT,
      simulated: target.simulated,
      source: target.simulated
        ? `${simulatedSource}; no current monitor`
        : opts.port ? `${target.board.name} at ${opts.port}; no current monitor` : "host board (a Linux process: wall time of this machine, not a microcontroller); no current monitor",
      board: target.name,
      ...(fHz ? { f_hz: fHz } : {}),
      n_periph: devicePeripherals,
      phases: withXip(withEngine(phases.map(appLevel), enginePhases), xipOf),
      issues: [],
    };
  }

  const samples = monitor.stream.samples();
  if (!monitor.stream.header) {
    throw new DeviceError(`no samples from ${monitor.where}: is it running the power-monitor app with an INA219?`,
      monitor.logs.slice(-5).join("\n") || undefined);
  }
  analysis = analyzeBench({ samples, markers: log.markers, edges: monitor.stream.edges().map((e) => e.t_us), align: "edges" });
  const issues = [...callIssues, ...analysis.issues];
  if (!monitorOk && !issues.some((i) => i.kind === "monitor-stopped")) {
    issues.push({ kind: "monitor-stopped", message: `${monitor.where} stopped streaming: no samples after ${monitor.stream.lastTimeUs ?? 0} us (monitor clock)` });
  }
  const supplyV = withSimMonitor ? opts.supplyV ?? DEFAULT_SUPPLY_V : medianSupply(samples);
  const simulated = target.simulated || withSimMonitor;
  const source = withSimMonitor
    ? `${simulatedSource}; SIMULATED INA219 (power model, boards/host/INA219-MODEL.md) on an emulated power-monitor RP2040, supply ${supplyV} V`
    : `${target.board.name} at ${opts.port}; INA219 power monitor at ${opts.monitorPort}`;
  const results = toResults({ ...analysis, issues }, { simulated, source, board: target.name, f_hz: fHz, v: supplyV }, samples);
  const out: DeviceBenchResults = {
    ...results,
    phases: withXip(withEngine(results.phases.map(perOp).map((p) => blurNote(p, monitor.stream.header?.periodUs ?? 0)).map(appLevel), enginePhases), xipOf),
  };
  out.supply_v = supplyV;
  // Peripherals: on rp2040-sim what the rig's power model counted (sim/activity.ts), which is
  // what its current followed; elsewhere the board's own count (its blocks and the ones switched on).
  const nPeriph = peripherals.count ?? devicePeripherals;
  out.n_periph = nPeriph;
  out.runs = fitRuns(out.phases, { f_hz: fHz, v: supplyV, n_periph: nPeriph, simulated, label: `${fHz / 1e6} MHz ${supplyV} V ${nPeriph} periph` });
  if (withSimMonitor) out.sim_power_model = { alpha: DEFAULT_POWER_MODEL.alpha, beta: DEFAULT_POWER_MODEL.beta, gamma: DEFAULT_POWER_MODEL.gamma };
  return out;
}

function withXip(phases: PhaseSummary[], xipOf: Map<string, PhaseSummary["xip"]>): PhaseSummary[] {
  return phases.map((p) => (xipOf.has(p.phase) ? { ...p, xip: xipOf.get(p.phase) } : p));
}

/** Puts each phase's cycles from a run without the flash model beside the ones with it. */
export function withIdealCycles(results: DeviceBenchResults, ideal: DeviceBenchResults): DeviceBenchResults {
  return {
    ...results,
    phases: results.phases.map((p) => {
      const c = ideal.phases.find((q) => q.phase === p.phase)?.cycles;
      return c ? { ...p, ideal_cycles: c } : p;
    }),
  };
}

/**
 * A window only a few samples long is blurred by the monitor: each sample is the INA219's
 * last conversion (most of a sample period) and the edges are known to half a period.
 */
function blurNote(p: PhaseSummary, periodUs: number): PhaseSummary {
  const windowUs = p.latency_us.median * p.ops_per_run;
  if (!(periodUs > 0) || p.energy_per_op_j === undefined || windowUs >= 20 * periodUs) return p;
  return { ...p, notes: [...p.notes, `window ${(windowUs / 1000).toFixed(2)} ms is under 20 monitor samples: the INA219's conversion window and the edge resolution (${periodUs} us) blur its energy (typically low)`] };
}

function medianSupply(samples: readonly { bus_v: number }[]): number {
  const v = samples.map((s) => s.bus_v).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)]! : NaN;
}
