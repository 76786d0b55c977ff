import type { Command } from "commander";
import { UsageError } from "../lib/errors.js";
import { checkOutputDir, makeOutputDir, readInputText } from "../lib/files.js";
import { Output, table } from "../lib/output.js";
import { writeCharts } from "../power/charts.js";
import { fitPowerModel, parseRuns, type FitResult } from "../power/fit.js";
import { parseResults } from "../power/results.js";

const g = (x: number) => {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(4);
};

function renderFit(r: FitResult, file: string): string {
  const lines = [
    `power model fitted to ${r.runs} runs from ${file}${r.simulated ? " (SIMULATED runs, not silicon)" : ""}:`,
    "  P = alpha·f·V²·(1−idle) + beta·N_periph + gamma·V",
    "",
    table(["term", "value", "std. error", "unit", "meaning"],
      r.coefficients.map((c) => [c.term, g(c.value), Number.isFinite(c.stderr) ? `± ${g(c.stderr)}` : "n/a (runs = terms)", c.unit, c.meaning])),
    "",
    `residual std. deviation ${g(r.sigma_w)} W, R² ${Number.isFinite(r.r2) ? r.r2.toFixed(5) : "n/a"}`,
    "",
    table(["run", "measured (W)", "predicted (W)", "residual (W)"],
      r.residuals.map((x) => [x.label, g(x.measured_w), g(x.predicted_w), g(x.residual_w)])),
  ];
  return lines.join("\n");
}

export function register(program: Command): void {
  const power = program
    .command("power")
    .description("power analysis: fit the power model to benchmark runs, draw benchmark charts");

  power
    .command("fit")
    .description("fit P = alpha·f·V²·(1−idle) + beta·N_periph + gamma·V by least squares over runs (RUNS.json: see host-tools/src/power/FORMAT.md)")
    .argument("<runs>", "RUNS.json (- for stdin)")
    .option("--json", "machine-readable output")
    .exitOverride()
    .action((file: string, opts: { json?: boolean }) => {
      const out = new Output(opts);
      const r = fitPowerModel(parseRuns(readInputText(file, "runs file"), file));
      out.result({ file, ...r }, () => renderFit(r, file));
    });

  power
    .command("chart")
    .description("render latency per model, energy per inference and the current trace as SVG from a results file")
    .argument("<results>", "RESULTS.json (as written by wasmcu bench --json; - for stdin)")
    .option("-o, --output <dir>", "directory for latency.svg, energy.svg, trace.svg")
    .option("--json", "machine-readable output")
    .exitOverride()
    .action(async (file: string, opts: { output?: string; json?: boolean }) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <dir>");
      checkOutputDir(opts.output, "chart folder");
      const results = parseResults(readInputText(file, "results file"), file);
      makeOutputDir(opts.output, "chart folder");
      const written = await writeCharts(results, opts.output);
      out.result({ file, simulated: results.simulated, charts: written },
        () => written.map((w) => `${w.file}: ${w.name} chart${results.simulated ? " (simulated data)" : ""}`).join("\n"));
    });
}
