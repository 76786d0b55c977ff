import type { Command } from "commander";
import { UsageError } from "../lib/errors.js";
import { checkInputFile, checkOutputFile, checkStdoutFree, isStdio, readInput, spool } from "../lib/files.js";
import { formatBytes, Output, table } from "../lib/output.js";
import { quantizeFile, type QuantizeReport } from "../stream/pipeline.js";

interface Opts {
  output?: string;
  calibrate: string;
  window?: string;
  hop?: string;
  zscore?: boolean;
  int8?: boolean;
  block?: string;
  time?: string;
  channels?: string;
  timeUnit: string;
  report?: boolean;
  json?: boolean;
}

const UNITS: Record<string, number> = { s: 0, ms: -3, us: -6, ns: -9 };

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a positive integer, not "${v}"`);
  return Number(v);
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4).replace(/\.?0+$/, "");
}

export function renderReport(r: QuantizeReport): string {
  return [
    table(["channel", "range", "scale", "max err", "rms err", "max LSB", "rms LSB", "saturated"],
      r.channels.map((c) => [c.name, `[${fmt(c.lo)}, ${fmt(c.hi)}]`, fmt(c.scale), fmt(c.maxError), fmt(c.rmsError),
        c.maxErrorLsb.toFixed(3), c.rmsErrorLsb.toFixed(3), c.saturated])),
    `samples: ${r.samples} in ${r.blocks} blocks${r.window ? ` (windows of ${r.window}, hop ${r.hop})` : ""}${r.zscore ? ", z-scored (errors in z units)" : ""}`,
    `bytes: input ${formatBytes(r.bytesIn)}, raw records ${formatBytes(r.bytesRaw)} (8 + 4 per channel per sample), .wqs ${formatBytes(r.bytesOut)} (${r.bytesOut} B)`,
    `ratio: ${r.ratioRaw.toFixed(2)}x against raw records, ${r.ratioInput.toFixed(2)}x against the input file`,
    `throughput: ${Math.round(r.samplesPerSecond)} samples/s (read + quantize + encode + write, ${r.seconds.toFixed(3)} s)`,
  ].join("\n");
}

export function register(program: Command): void {
  program
    .command("quantize")
    .description("quantize a CSV or JSONL sensor recording to 8 bits per value and encode it as .wqs")
    .argument("<input>", "IN.csv or IN.jsonl: a time column and numeric channels (first CSV line names the columns); - for stdin")
    .option("-o, --output <file>", "the .wqs file to write (- for stdout)")
    .option("--calibrate <auto|file>", "channel ranges: auto (from the data) or a JSON file {\"channels\": {\"NAME\": {\"lo\": L, \"hi\": H}}}", "auto")
    .option("--window <n>", "write sliding windows of n samples, one per block")
    .option("--hop <m>", "samples between window starts (default: the window length)")
    .option("--zscore", "normalise each channel with running mean and deviation before quantizing")
    .option("--int8", "int8 codes (-128..127, model inputs) instead of uint8")
    .option("--block <n>", "samples per block when not windowed", "256")
    .option("--time <column>", "time column (default: t, time, timestamp, ts, date or datetime, else the first)")
    .option("--channels <list>", "comma-separated channel columns (default: all other columns)")
    .option("--time-unit <unit>", "tick of integer timestamps: s, ms, us or ns (dates are read as ms)", "ms")
    .option("--report", "print per-channel errors, saturation, sizes, ratio and throughput")
    .option("--json", "machine-readable output (the report)")
    .action(async (input: string, opts: Opts) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <file>");
      const timeExp = UNITS[opts.timeUnit];
      if (timeExp === undefined) throw new UsageError(`--time-unit must be one of ${Object.keys(UNITS).join(", ")}`);
      checkStdoutFree(opts.output, opts.json);
      checkOutputFile(opts.output, "-o");
      if (opts.calibrate !== "auto") checkInputFile(opts.calibrate, "calibration file");
      // stdin is read twice (calibration, then encoding): it goes through a temporary file,
      // named by what it holds (JSON lines start with "{").
      let source = input;
      if (isStdio(input)) {
        const bytes = readInput(input);
        source = spool(bytes, /^\s*\{/.test(bytes.subarray(0, 256).toString("utf8")) ? ".jsonl" : ".csv");
      } else checkInputFile(input);
      const done = await quantizeFile({
        input: source, output: opts.output, calibrate: opts.calibrate,
        window: int("--window", opts.window), hop: int("--hop", opts.hop), zscore: opts.zscore, int8: opts.int8,
        blockSamples: int("--block", opts.block), timeColumn: opts.time,
        channels: opts.channels?.split(",").map((s) => s.trim()).filter(Boolean), timeExp,
      });
      const report = { ...done, input }; // "-", not the temporary copy of stdin
      for (const c of report.channels) {
        if (c.saturated) out.warn(`channel ${c.name}: ${c.saturated} samples outside [${c.lo}, ${c.hi}] saturated`);
      }
      out.resultBeside(opts.output, report, () => opts.report
        ? renderReport(report)
        : `${isStdio(report.output) ? "stdout" : report.output}: ${report.samples} samples, ${formatBytes(report.bytesOut)}, ${report.ratioRaw.toFixed(2)}x against raw records`);
    });
}
