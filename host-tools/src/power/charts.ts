// Benchmark charts as SVG, drawn by Vega-Lite (compiled to Vega and rendered headless
// in Node, no browser or canvas): latency per model, energy per inference, and the
// current trace with its phase markers. The spec builders are pure; rendering loads
// vega and vega-lite on demand so the rest of the CLI works without them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ToolMissingError } from "../lib/errors.js";
import type { PhaseSummary } from "./analysis.js";
import type { BenchResults } from "./results.js";

export type ChartName = "latency" | "energy" | "trace";
export type VegaLiteSpec = Record<string, unknown>;

/** Inference phases are named "infer:<model>"; the other phases are the loop's fixed work. */
export const INFER_PREFIX = "infer:";

function chartPhases(results: BenchResults): { label: string; p: PhaseSummary }[] {
  const infer = results.phases.filter((p) => p.phase.startsWith(INFER_PREFIX));
  const use = infer.length ? infer : results.phases;
  return use.map((p) => ({ label: p.phase.startsWith(INFER_PREFIX) ? p.phase.slice(INFER_PREFIX.length) : p.phase, p }));
}

function provenance(results: BenchResults): string {
  const where = results.source || results.board || "";
  return `${results.simulated ? "SIMULATED — " : "measured — "}${where}`.replace(/ — $/, "");
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Subtitle lines of at most `width` characters, broken after "; " or ", " where possible:
 * one long line would make the chart as wide as the text (and tiny in a README). */
export function wrapLines(text: string, width = 70): string[] {
  const parts = text.split(/(?<=[;,] )/);
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    if (line && (line + part).trimEnd().length > width) {
      lines.push(line.trimEnd());
      line = "";
    }
    line += part;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

function barWithRange(title: string, subtitle: string, axis: string, xTitle: string,
  rows: { name: string; median: number; min: number; max: number; status: string }[]): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: wrapLines(subtitle) },
    width: Math.max(420, rows.length * 60),
    height: 240,
    data: { values: rows },
    encoding: { x: { field: "name", type: "nominal", title: xTitle, sort: null, axis: { labelAngle: -30 } } },
    layer: [
      {
        mark: { type: "bar", tooltip: true },
        encoding: {
          y: { field: "median", type: "quantitative", title: axis },
          color: { field: "status", type: "nominal", title: "status", scale: { domain: ["ok", "partial"], range: ["#4c78a8", "#e45756"] } },
        },
      },
      { mark: { type: "rule", color: "black" }, encoding: { y: { field: "min", type: "quantitative" }, y2: { field: "max" } } },
    ],
  };
}

export function latencySpec(results: BenchResults): VegaLiteSpec {
  const rows = chartPhases(results).map(({ label, p }) => ({
    name: label, median: p.latency_us.median / 1000, min: p.latency_us.min / 1000, max: p.latency_us.max / 1000, status: p.status,
  }));
  return barWithRange("Latency per model", `${provenance(results)}; bar: median, line: min..max over runs`, "latency (ms)", "model", rows);
}

export function energySpec(results: BenchResults): VegaLiteSpec {
  const rows = chartPhases(results).filter(({ p }) => p.energy_per_op_j !== undefined).map(({ label, p }) => ({
    name: label, median: p.energy_per_op_j!.median * 1e6, min: p.energy_per_op_j!.min * 1e6, max: p.energy_per_op_j!.max * 1e6, status: p.status,
  }));
  return barWithRange("Energy per inference", `${provenance(results)}; bar: median, line: min..max over runs`, "energy per inference (µJ)", "model", rows);
}

export function traceSpec(results: BenchResults): VegaLiteSpec | undefined {
  const tr = results.trace;
  if (!tr || tr.samples.length === 0) return undefined;
  const t0 = tr.samples[0]![0];
  const samples = tr.samples.map(([t, i]) => ({ t_ms: (t - t0) / 1000, current_ma: i * 1000 }));
  const markers = tr.markers.map((m) => ({ t_ms: (m.t_us - t0) / 1000, phase: m.phase, edge: m.edge, label: m.edge === "start" ? m.phase : "" }));
  return {
    $schema: SCHEMA,
    title: { text: "Current trace with phase markers", subtitle: wrapLines(`${provenance(results)}${tr.decimation > 1 ? `; every ${tr.decimation}th sample shown` : ""}`, 110) },
    width: 720,
    height: 260,
    layer: [
      {
        data: { values: samples },
        mark: { type: "line", strokeWidth: 1, color: "#4c78a8" },
        encoding: {
          x: { field: "t_ms", type: "quantitative", title: "time (ms)" },
          y: { field: "current_ma", type: "quantitative", title: "current (mA)" },
        },
      },
      {
        data: { values: markers },
        mark: { type: "rule", strokeDash: [4, 3], opacity: 0.8 },
        encoding: {
          x: { field: "t_ms", type: "quantitative" },
          color: { field: "phase", type: "nominal", title: "phase" },
        },
      },
      {
        data: { values: markers.filter((m) => m.label !== "") },
        mark: { type: "text", align: "left", baseline: "top", dx: 3, dy: 3, angle: 0, fontSize: 9 },
        encoding: {
          x: { field: "t_ms", type: "quantitative" },
          y: { value: 0 },
          text: { field: "label" },
          color: { field: "phase", type: "nominal" },
        },
      },
    ],
  };
}

export function chartSpecs(results: BenchResults): { name: ChartName; spec: VegaLiteSpec }[] {
  const out: { name: ChartName; spec: VegaLiteSpec }[] = [
    { name: "latency", spec: latencySpec(results) },
    { name: "energy", spec: energySpec(results) },
  ];
  const t = traceSpec(results);
  if (t) out.push({ name: "trace", spec: t });
  return out;
}

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

async function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  // Names in variables: the packages are optional at type-check time and loaded only to draw.
  const vegaName = "vega", vlName = "vega-lite";
  try {
    const vega = (await import(vegaName)) as VegaModule;
    const vl = (await import(vlName)) as VegaLiteModule;
    return { vega, vl };
  } catch {
    throw new ToolMissingError("vega / vega-lite (npm)", "npm install vega vega-lite");
  }
}

/** Renders one Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vl } = await loadVega();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes latency.svg, energy.svg and (with a trace) trace.svg into dir; returns the paths. */
export async function writeCharts(results: BenchResults, dir: string): Promise<{ name: ChartName; file: string }[]> {
  mkdirSync(dir, { recursive: true });
  const out: { name: ChartName; file: string }[] = [];
  for (const { name, spec } of chartSpecs(results)) {
    const file = path.join(dir, `${name}.svg`);
    writeFileSync(file, await renderSvg(spec));
    out.push({ name, file });
  }
  return out;
}
