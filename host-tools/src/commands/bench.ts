import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runDeviceBench } from "../bench/device-bench.js";
import { resolveBoard } from "../boards/registry.js";
import { UsageError } from "../lib/errors.js";
import { Output, table } from "../lib/output.js";
import { latencySpec, renderSvg } from "../power/charts.js";
import type { BenchResults } from "../power/results.js";

interface Opts {
  board: string;
  port?: string;
  models: string[];
  runs: string;
  out?: string;
  json?: boolean;
}

const n = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

export function markdown(r: BenchResults): string {
  const rows = r.phases.map((p) => [p.phase, p.runs, p.ops_per_run, n(p.latency_us.median, 2), `${n(p.latency_us.min, 2)}..${n(p.latency_us.max, 2)}`,
    p.cycles ? Math.round(p.cycles.median).toLocaleString("en") : "-"]);
  return `${r.source}\n\n` + table(["phase", "runs", "ops/run", "median us/op", "min..max us/op", "median cycles/op"], rows);
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("run the bench app's phases and model inference on a board; latency per phase (median and spread), charts")
    .option("-b, --board <board>", "host, rp2040-sim, or the kind of board at --port", "rp2040-sim")
    .option("-p, --port <port>", "a board already running wasmcu firmware")
    .option("-m, --models <files...>", ".tflite models to time (each is deployed in turn)", [] as string[])
    .option("--runs <n>", "runs per phase", "5")
    .option("-o, --out <dir>", "write results.json and latency.svg there")
    .option("--json", "machine-readable results (the RESULTS.json format)")
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      const runs = Number(opts.runs);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs needs a positive integer, got "${opts.runs}"`);
      const target = resolveBoard(opts.board);
      if (!opts.port && target.board.name !== "host" && !target.simulated) {
        throw new UsageError(`--board ${opts.board} needs --port (a board running wasmcu firmware)`);
      }
      const results = await runDeviceBench({ target, port: opts.port, models: opts.models, runs, onProgress: (w) => out.info(`bench: ${w}`) });
      if (opts.out) {
        mkdirSync(opts.out, { recursive: true });
        writeFileSync(path.join(opts.out, "results.json"), JSON.stringify(results, null, 2) + "\n");
        writeFileSync(path.join(opts.out, "latency.svg"), await renderSvg(latencySpec(results)));
        out.info(`wrote ${path.join(opts.out, "results.json")} and latency.svg`);
      }
      out.result(results, () => markdown(results));
    });
}
