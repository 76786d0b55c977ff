import { Option, type Command } from "commander";
import { ENGINES, type Engine } from "../build/aot.js";
import { portPath } from "../serial/port-option.js";
import path from "node:path";
import { hasSimRig, PERIPHERAL_NAMES, runDeviceBench, withIdealCycles, type DeviceBenchOptions, type DeviceBenchResults } from "../bench/device-bench.js";
import { parseFrequency, runSweep, type SweepResults } from "../bench/sweep.js";
import { boardChoices, hasFeature, resolveBoard, runsHere } from "../boards/registry.js";
import { UsageError } from "../lib/errors.js";
import { checkInputFile, checkOutputDir, makeOutputDir, writeOutput } from "../lib/files.js";
import { Output, table } from "../lib/output.js";
import { stepProgress } from "../lib/progress.js";
import { latencySpec, renderSvg, writeCharts } from "../power/charts.js";
import type { BenchResults } from "../power/results.js";
import type { PhaseSummary } from "../power/analysis.js";
import { openSerial } from "../link/transport.js";
import { RunnerPort, runMlperfSession, type SessionResult } from "../workflows/mlperf-runner.js";
import { resultsText } from "../workflows/mlperf-results.js";

interface Opts {
  board: string;
  port?: string;
  monitor?: string | boolean;
  models: string[];
  phases?: string[];
  freq?: string[];
  supply?: string[];
  periph?: string[];
  runs: string;
  output?: string;
  /** The old spelling of --output, kept for scripts. */
  out?: string;
  json?: boolean;
  mlperf?: string;
  mode: string;
  mlperfInfer?: string;
  lineTimeout: string;
  /** rp2040-sim: --no-flash-model runs without the flash timing model (the emulator's ideal only). */
  flashModel: boolean;
  engine: Engine;
}

function mlperfText(r: SessionResult): string {
  const lines = [`MLPerf Tiny ${r.model} (${r.mode === "p" ? "performance" : "accuracy"} mode) on ${r.name ?? "?"}, profile ${r.profile ?? "?"}`];
  for (const w of r.windows) {
    const t = w.infer.throughput !== undefined ? `  ${w.infer.throughput.toFixed(3)} inf./sec.` : "";
    lines.push(`  ${w.file} window ${w.segment}: ${w.infer.iterations} inferences in ${((w.infer.elapsed_time ?? 0) / 1e6).toFixed(3)} s${t}  m-results ${JSON.stringify(w.infer.results ?? [])}`);
  }
  if (r.throughput) lines.push(`median throughput: ${r.throughput.median.toFixed(3)} inf./sec. (the device's own clock)`);
  if (r.accuracy !== undefined) lines.push(`accuracy: ${r.accuracy.toFixed(1)} %`);
  if (r.auc !== undefined) lines.push(`AUC: ${r.auc.toFixed(3)}`);
  if (r.auc_note) lines.push(`AUC not computed: ${r.auc_note}`);
  for (const e of r.errors) lines.push(`runner check: ${e} (${e === "error 1" ? "loop count not 5" : "the loop took under 10 s"})`);
  return lines.join("\n");
}

async function runMlperf(opts: Opts & { mlperf: string }, out: Output, outDir: string | undefined): Promise<void> {
  if (!opts.port) throw new UsageError("--mlperf needs --port: the board running wasmcu firmware with the model deployed (wasmcu deploy --model)");
  if (outDir) checkOutputDir(outDir, "results folder");
  if (opts.mode !== "p" && opts.mode !== "a") throw new UsageError(`--mode ${opts.mode}: expected p (performance) or a (accuracy)`);
  const lineTimeoutMs = Number(opts.lineTimeout) * 1000;
  if (!(lineTimeoutMs > 0)) throw new UsageError(`--line-timeout ${opts.lineTimeout}: expected seconds > 0`);
  let script;
  if (opts.mlperfInfer) {
    const m = /^(\d+)\s+(\d+)$/.exec(opts.mlperfInfer.trim());
    if (!m || Number(m[1]) < 1) throw new UsageError(`--mlperf-infer "${opts.mlperfInfer}": expected "N W" (inferences, warmups)`);
    script = { loop: opts.mode === "p" ? 5 : undefined, infer: { iterations: Number(m[1]), warmups: Number(m[2]) } };
  }
  const port = new RunnerPort(await openSerial(portPath(opts.port), 115200), { lineTimeoutMs });
  try {
    const r = await runMlperfSession(port, { mode: opts.mode, datasetDir: opts.mlperf, ...(script ? { script } : {}), onLine: (t) => out.info(`mlperf: ${t}`) });
    if (outDir) {
      // The runner's results.txt (main.py's summarize_result), in its session folder's place.
      makeOutputDir(outDir, "results folder");
      writeOutput(path.join(outDir, "results.txt"), resultsText({ mode: r.mode, throughputs: r.throughput?.values, errors: r.errors,
        ...(r.accuracy === undefined ? {} : { accuracy: { accuracy: r.accuracy, auc: r.auc, auc_note: r.auc_note } }) }));
    }
    out.result(r, () => mlperfText(r));
  } finally {
    await port.close();
  }
}

const n = (v: number | undefined, digits = 1) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "-");

export function markdown(r: BenchResults): string {
  const energy = r.phases.some((p) => p.avg_power_w !== undefined);
  const flash = r.phases.some((p) => p.ideal_cycles !== undefined || p.xip !== undefined);
  const head = ["phase", "runs", "ops/run", "median us/op", "min..max us/op", "median cycles/op"];
  if (flash) head.push("ideal cycles/op (no wait states)", "XIP hits code / app / model");
  if (energy) head.push("avg mA", "avg mW", "energy/op uJ", "status");
  const rows = r.phases.map((p) => {
    const row: (string | number)[] = [p.phase, p.runs, p.ops_per_run, n(p.latency_us.median, 2), `${n(p.latency_us.min, 2)}..${n(p.latency_us.max, 2)}`,
      p.cycles ? Math.round(p.cycles.median).toLocaleString("en") : "-"];
    if (flash) row.push(p.ideal_cycles ? Math.round(p.ideal_cycles.median).toLocaleString("en") : "-", xipHits(p.xip));
    if (energy) {
      row.push(n(p.avg_current_a !== undefined ? p.avg_current_a * 1e3 : undefined, 2), n(p.avg_power_w !== undefined ? p.avg_power_w * 1e3 : undefined, 2),
        n(p.energy_per_op_j !== undefined ? p.energy_per_op_j.median * 1e6 : undefined, 3), p.status);
    }
    return row;
  });
  const lines = [`${r.simulated && energy ? "SIMULATED energy — " : ""}${r.source}`, "", `| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)];
  for (const p of r.phases) for (const note of p.notes) if (!/^no current monitor/.test(note)) lines.push(`- ${p.phase}: ${note}`);
  for (const i of r.issues) lines.push(`- issue (${i.kind}): ${i.message}`);
  return lines.join("\n");
}

/** Hit rate per flash region (code, app bytecode, model weights), "-" where the phase read none. */
function xipHits(xip: PhaseSummary["xip"]): string {
  return ["code", "app", "model"].map((name) => {
    const x = xip?.find((r) => r.region === name);
    return x && x.accesses ? `${((100 * x.hits) / x.accesses).toFixed(1)}%` : "-";
  }).join(" / ");
}

function sweepText(s: SweepResults): string {
  const parts = s.points.map((p) => markdown(p));
  const runs = table(["run", "f (MHz)", "V", "peripherals", "power (mW)"],
    s.runs.map((r) => [r.label ?? "", r.f_hz / 1e6, r.v, r.n_periph, (r.power_w * 1e3).toFixed(3)]));
  return [...parts, "", `runs for wasmcu power fit${s.simulated ? " (SIMULATED)" : ""}:`, runs].join("\n\n");
}

async function writeOne(r: BenchResults, dir: string): Promise<string[]> {
  makeOutputDir(dir);
  writeOutput(path.join(dir, "results.json"), JSON.stringify(r, null, 2) + "\n");
  if (r.phases.some((p) => p.energy_per_op_j !== undefined) || r.trace) {
    return ["results.json", ...(await writeCharts(r, dir)).map((c) => path.basename(c.file))];
  }
  writeOutput(path.join(dir, "latency.svg"), await renderSvg(latencySpec(r)));
  return ["results.json", "latency.svg"];
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("run the bench app's phases and model inference on a board: latency per phase (median and spread); with a current monitor also current, power and energy per op; charts")
    .option("-b, --board <board>", "host, rp2040-sim, esp32c3-sim, or the kind of board at --port", "rp2040-sim")
    .option("-p, --port <port>", "a board already running wasmcu firmware: its serial port, or the NAME of a local board")
    .option("--monitor <port>", "a board running the power-monitor app (INA219), its marker input wired to the board's GPIO 15; rp2040-sim starts an emulated one by default (--no-monitor: latency only); esp32c3-sim has none (latency and emulated cycles only)")
    .option("--no-monitor", "rp2040-sim: no emulated power monitor")
    .option("-m, --models <files...>", ".tflite models to time (each is deployed in turn)", [] as string[])
    .option("--phases <names...>", "only these phases: gpio-toggle sha256-1k alloc-1k stream-encode fib24 idle-100ms")
    .option("--freq <hz...>", "rp2040-sim: build the firmware for each clk_sys (48M 50M 75M 100M 125M 133M) and bench at each; writes runs for wasmcu power fit")
    .option("--supply <volts...>", "rp2040-sim: the rig's supply voltage(s) upstream of the shunt (default 3.3)")
    .option("--periph <n...>", `switch this many extra peripherals on (0..${PERIPHERAL_NAMES.length}: ${PERIPHERAL_NAMES.join(", ")} in that order) for the phases; several values: a sweep with runs for wasmcu power fit`)
    .option("--runs <n>", "runs per phase", "5")
    .addOption(new Option("--engine <engine>", "the bench app interpreted (interp) or compiled ahead of time to Cortex-M0+ Thumb (aot: rp2040, rp2040-sim)")
      .choices([...ENGINES]).default("interp"))
    .option("--no-flash-model", "rp2040-sim: no flash timing model (no XIP cache or flash wait states: the emulator's ideal); by default the phases run with it and once more without, both columns printed")
    .option("-o, --output <dir>", "write results.json, latency.svg, energy.svg, trace.svg there (a sweep: runs.json and one folder per point; --mlperf: the runner's results.txt)")
    .addOption(new Option("--out <dir>", "the old spelling of --output").hideHelp())
    .option("--json", "machine-readable results (the RESULTS.json format; a sweep: {runs, points})")
    .option("--mlperf <dataset-dir>", "run MLCommons' MLPerf Tiny runner session (its scripts, byte for byte) on the board at --port, with the runner's dataset folder for the deployed model (datasets/<model>/ with y_labels.csv)")
    .option("--mode <p|a>", "--mlperf: p performance (the runner's tests_performance.yaml), a accuracy (tests_accuracy.yaml)", "p")
    .option("--mlperf-infer <N W>", "--mlperf: infer N W instead of the yaml's counts (e.g. \"2 1\" on an emulator); results are then not the runner's")
    .option("--line-timeout <s>", "--mlperf: seconds to wait for each answer line (the runner waits 5)", "5")
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      if (opts.output && opts.out && opts.output !== opts.out) throw new UsageError("give the results folder once: -o/--output (--out is its old spelling)");
      const outDir = opts.output ?? opts.out;
      if (opts.mlperf) return runMlperf({ ...opts, mlperf: opts.mlperf }, out, outDir);
      // Before a benchmark that takes minutes: the results must have somewhere to go.
      if (outDir) checkOutputDir(outDir, "results folder");
      for (const m of opts.models) checkInputFile(m, "model");
      const runs = Number(opts.runs);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs needs a positive integer, got "${opts.runs}"`);
      const target = resolveBoard(opts.board);
      if (!opts.port && !runsHere(target)) {
        throw new UsageError(`--board ${opts.board} needs --port (a board running wasmcu firmware)`);
      }
      const monitorPort = typeof opts.monitor === "string" ? opts.monitor : undefined;
      // A firmware build (a minute, the first time or after a change) shows a bar that the
      // benchmark's own chatter ends.
      const bar = stepProgress(`${target.board.name} firmware`, process.stderr, !opts.json);
      const hasFlashModel = hasFeature(target, "flash_model");
      const base: DeviceBenchOptions = {
        target, models: opts.models, runs,
        onProgress: (w) => {
          bar.finish();
          out.info(`bench: ${w}`);
        },
        onBuildProgress: (p) => bar.update(p.percent, p.what),
        ...(opts.port ? { port: portPath(opts.port) } : {}),
        ...(monitorPort ? { monitorPort } : {}),
        ...(opts.phases ? { phases: opts.phases } : {}),
        simMonitor: opts.monitor !== false,
        // only where the emulator declares one (esp32c3-sim's cost model has its flash cache built in)
        flashModel: hasFlashModel && opts.flashModel,
        engine: opts.engine,
      };
      const supplies = (opts.supply ?? []).map((s) => {
        const v = Number(s);
        if (!(v > 0 && v < 26)) throw new UsageError(`--supply ${s}: expected volts between 0 and 26`);
        return v;
      });
      const periph = (opts.periph ?? []).map((s) => {
        const k = Number(s);
        if (!Number.isInteger(k) || k < 0 || k > PERIPHERAL_NAMES.length) {
          throw new UsageError(`--periph ${s}: expected a whole number from 0 to ${PERIPHERAL_NAMES.length}`);
        }
        return k;
      });
      const rigBoards = `only with ${boardChoices("power_rig")}`;
      if (supplies.length && !hasSimRig(target)) throw new UsageError(`--supply sets the emulated rig's supply: ${rigBoards}`);
      if (opts.freq || supplies.length > 1 || periph.length > 1) {
        if (opts.freq && !hasSimRig(target)) throw new UsageError(`--freq sweeps rebuild and restart the board: ${rigBoards}`);
        const freqsHz = (opts.freq ?? [String(target.board.clock_hz)]).map(parseFrequency);
        const sweep = await runSweep({ ...base, freqsHz, supplies: supplies.length ? supplies : [3.3], ...(periph.length ? { peripherals: periph } : {}) });
        if (outDir) {
          makeOutputDir(outDir, "results folder");
          writeOutput(path.join(outDir, "runs.json"), JSON.stringify({ runs: sweep.runs }, null, 2) + "\n");
          for (const p of sweep.points) await writeOne(p, path.join(outDir, `${(p.f_hz ?? 0) / 1e6}mhz-${p.supply_v ?? p.v}v-${p.n_periph ?? 0}periph`));
          out.info(`wrote ${path.join(outDir, "runs.json")} (wasmcu power fit reads it) and one folder per operating point`);
        }
        out.result(sweep, () => sweepText(sweep));
        return;
      }
      let results: DeviceBenchResults = await runDeviceBench({ ...base, ...(supplies[0] !== undefined ? { supplyV: supplies[0] } : {}),
        ...(periph[0] !== undefined ? { extraPeripherals: periph[0] } : {}) });
      if (hasFlashModel && !opts.port && opts.flashModel) {
        // The emulator's ideal beside it: cycles are deterministic, one run per phase is enough.
        const ideal = await runDeviceBench({ ...base, flashModel: false, runs: 1, simMonitor: false,
          onProgress: (w) => out.info(`bench: without the flash model: ${w}`) });
        results = withIdealCycles(results, ideal);
      }
      if (outDir) {
        const files = await writeOne(results, outDir);
        out.info(`wrote ${files.map((f) => path.join(outDir, f)).join(", ")}`);
      }
      out.result(results, () => markdown(results));
    });
}
