// Benchmark charts as SVG, drawn by Vega-Lite (compiled to Vega and rendered headless
// in Node, no browser or canvas): latency per model, energy per inference, and the
// current trace with a labelled band per phase (words placed by chart-layout.ts). The spec
// builders are pure; rendering loads vega and vega-lite on demand so the rest of the CLI
// works without them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ToolMissingError } from "../lib/errors.js";
import type { PhaseSummary } from "./analysis.js";
import {
  LABEL_FONT, LEGEND_FONT, layoutLegend, placeLabels, textWidth, timeSegments, timeToPx, wrapToWidth,
  type Box, type LabelSpan, type LegendItem, type PlacedLabel, type TimeSegment,
} from "./chart-layout.js";
import type { BenchResults, ResultsMarker } from "./results.js";
import type { Spread } from "./trace.js";

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

/** The short form for a subtitle; the whole provenance goes in a caption under the chart. */
function shortProvenance(results: BenchResults): string {
  return `${results.simulated ? "SIMULATED" : "measured"}${results.board ? ` on ${results.board}` : ""}`;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const TITLE = { fontSize: 14, subtitleFontSize: 11, anchor: "start" as const, offset: 8 };
const CAPTION_FONT = 9;
/** A position in pixels, drawn where the layout put it (no scale). */
const px = (field: string) => ({ field, type: "quantitative", scale: null });

/** Small grey lines under the plot, `top` pixels below its top edge, wrapped to `width`. */
function captionLayer(text: string, top: number, width: number): VegaLiteSpec {
  const lines = wrapToWidth(text, width, CAPTION_FONT).map((line, i) => ({ line, x: 0, y: top + i * (CAPTION_FONT + 3) }));
  return {
    data: { values: lines },
    mark: { type: "text", align: "left", baseline: "top", fontSize: CAPTION_FONT, color: "#666" },
    encoding: { x: px("x"), y: px("y"), text: { field: "line" } },
  };
}

interface BarRow { name: string; median: number; min: number; max: number; status: string; value: string }

/** Bar per model at a fixed width (one model is one bar, not the whole chart), its value
 * printed on top (a 0.1 µJ bar beside 25 mJ ones is otherwise invisible), min..max as a rule,
 * and a status legend only when some bar is not "ok". */
function barWithRange(title: string, results: BenchResults, axis: string, rows: BarRow[]): VegaLiteSpec {
  const longest = Math.max(0, ...rows.map((r) => textWidth(r.name, 10)));
  const step = Math.min(150, Math.max(70, longest + 14));
  const width = Math.max(280, rows.length * step);
  const height = 220;
  const statuses = [...new Set(rows.map((r) => r.status))];
  const color = statuses.some((s) => s !== "ok")
    ? { color: { field: "status", type: "nominal", title: "status", scale: { domain: statuses, range: statuses.map((s) => (s === "ok" ? "#4c78a8" : "#e45756")) } } }
    : { color: { value: "#4c78a8" } };
  const runs = Math.max(0, ...results.phases.map((p) => p.runs));
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `${shortProvenance(results)} · median of ${runs} run${runs === 1 ? "" : "s"}, line: min..max`, ...TITLE },
    width,
    height,
    layer: [
      {
        data: { values: rows },
        encoding: {
          x: { field: "name", type: "nominal", title: null, sort: null, scale: { paddingInner: 0.3, paddingOuter: 0.2 },
            axis: { labelAngle: 0, labelLimit: 0, labelFontSize: 10 } },
        },
        layer: [
          { mark: { type: "bar", tooltip: true, width: Math.min(48, step * 0.6) }, encoding: { y: { field: "median", type: "quantitative", title: axis }, ...color } },
          { mark: { type: "rule", color: "black" }, encoding: { y: { field: "min", type: "quantitative" }, y2: { field: "max" } } },
          { mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 10 }, encoding: { y: { field: "max", type: "quantitative" }, text: { field: "value" } } },
        ],
      },
      // As wide as a readable paragraph even under one bar (the text is measured generously).
      captionLayer(`source: ${results.source || results.board || "not recorded"}`, height + 26, Math.max(width, 440)),
    ],
  };
}

/** Three significant digits, thousands grouped: "24,600", "333", "0.118". */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "";
  const r = Number(v.toPrecision(3));
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString("en-US") : String(r);
}

interface Unit { name: string; per: number }
const TIME_UNITS: Unit[] = [{ name: "µs", per: 1e-6 }, { name: "ms", per: 1e-3 }, { name: "s", per: 1 }];
const ENERGY_UNITS: Unit[] = [{ name: "µJ", per: 1e-6 }, { name: "mJ", per: 1e-3 }, { name: "J", per: 1 }];

/** The largest unit in which the biggest median is at least 1: "1 µs", not "0.001 ms". */
function pickUnit(medians: number[], units: Unit[]): Unit {
  const top = Math.max(0, ...medians);
  return [...units].reverse().find((u) => top >= u.per) ?? units[0]!;
}

function barRows(phases: { label: string; p: PhaseSummary; s: Spread }[], units: Unit[], base: number): { unit: Unit; rows: BarRow[] } {
  const unit = pickUnit(phases.map(({ s }) => s.median * base), units);
  const k = base / unit.per;
  const rows = phases.map(({ label, p, s }) => ({
    name: label, median: s.median * k, min: s.min * k, max: s.max * k, status: p.status, value: `${formatValue(s.median * k)} ${unit.name}`,
  }));
  return { unit, rows };
}

export function latencySpec(results: BenchResults): VegaLiteSpec {
  const { unit, rows } = barRows(chartPhases(results).map((c) => ({ ...c, s: c.p.latency_us })), TIME_UNITS, 1e-6);
  return barWithRange("Latency per model", results, `latency (${unit.name})`, rows);
}

export function energySpec(results: BenchResults): VegaLiteSpec {
  const withEnergy = chartPhases(results).flatMap((c) => (c.p.energy_per_op_j ? [{ ...c, s: c.p.energy_per_op_j }] : []));
  const { unit, rows } = barRows(withEnergy, ENERGY_UNITS, 1);
  return barWithRange("Energy per inference", results, `energy per inference (${unit.name})`, rows);
}

// ------------------------------------------------------------------ the trace

/** Colours of the phases, in order of first appearance (Vega's category10). */
const PHASE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#637939", "#bcbd22", "#17becf"];
export const TRACE_WIDTH = 760;
export const TRACE_HEIGHT = 240;
/** Below the plot: tick labels and the axis title, then the legend. */
const LEGEND_TOP = TRACE_HEIGHT + 44;

export interface TraceBand { phase: string; color: string; x0: number; x1: number }
export interface TraceBreak { x0: number; x1: number; text: string; box: Box }

/** Everything the trace chart places, in plot pixels; the spec draws exactly this. */
export interface TraceLayout {
  unit: "ms" | "s";
  segments: TimeSegment[];
  bands: TraceBand[];
  labels: PlacedLabel[];
  legend: (LegendItem & { color: string })[];
  breaks: TraceBreak[];
  width: number;
  height: number;
}

interface Occurrence { phase: string; t0: number; t1: number }

/** Start/end marker pairs as phase occurrences (an unmatched start runs to the trace's end). */
function occurrences(markers: readonly ResultsMarker[], tEnd: number): Occurrence[] {
  const open = new Map<string, number>();
  const out: Occurrence[] = [];
  for (const m of markers) {
    if (m.edge === "start") open.set(m.phase, m.t_us);
    else if (open.has(m.phase)) {
      out.push({ phase: m.phase, t0: open.get(m.phase)!, t1: m.t_us });
      open.delete(m.phase);
    }
  }
  for (const [phase, t0] of open) out.push({ phase, t0, t1: tEnd });
  return out.sort((a, b) => a.t0 - b.t0);
}

/** Back-to-back occurrences of one phase (runs) share a label. */
function labelSpans(bands: readonly TraceBand[]): LabelSpan[] {
  const spans: LabelSpan[] = [];
  for (const b of bands) {
    const last = spans[spans.length - 1];
    if (last && last.phase === b.phase) last.x1 = Math.max(last.x1, b.x1);
    else spans.push({ phase: b.phase, text: b.phase.startsWith(INFER_PREFIX) ? b.phase.slice(INFER_PREFIX.length) : b.phase, x0: b.x0, x1: b.x1 });
  }
  return spans;
}

function breakText(seconds: number): string {
  return seconds >= 1 ? `${formatValue(seconds)} s cut` : `${formatValue(seconds * 1000)} ms cut`;
}

export function traceLayout(results: BenchResults): TraceLayout | undefined {
  const tr = results.trace;
  if (!tr || tr.samples.length === 0) return undefined;
  const t0 = tr.samples[0]![0], tEnd = tr.samples[tr.samples.length - 1]![0];
  const unit = tEnd - t0 > 5e6 ? "s" : "ms";
  const scale = unit === "s" ? 1e-6 : 1e-3;
  const occ = occurrences(tr.markers, tEnd).map((o) => ({ phase: o.phase, t0: (o.t0 - t0) * scale, t1: (o.t1 - t0) * scale }));
  const segments = timeSegments(0, (tEnd - t0) * scale, occ, TRACE_WIDTH);
  const phases = [...new Set(occ.map((o) => o.phase))];
  const colorOf = (p: string) => PHASE_COLORS[phases.indexOf(p) % PHASE_COLORS.length]!;
  // Every occurrence is at least a pixel wide: a 0.1 ms inference is still seen.
  const bands = occ.map((o) => {
    const x0 = timeToPx(segments, o.t0);
    return { phase: o.phase, color: colorOf(o.phase), x0, x1: Math.max(timeToPx(segments, o.t1), x0 + 1) };
  });
  const breaks = segments.slice(1).map((s, i) => {
    const prev = segments[i]!;
    const text = breakText((s.t0 - prev.t1) * (unit === "s" ? 1 : 1e-3));
    const h = textWidth(text, 9);
    // Vertical text in the middle of the gap: its box is as wide as the font is high.
    return { x0: prev.x1, x1: s.x0, text, box: { x: (prev.x1 + s.x0) / 2 - 5, y: (TRACE_HEIGHT - h) / 2, w: 10, h } };
  });
  return {
    unit, segments, bands, breaks,
    labels: placeLabels(labelSpans(bands), TRACE_WIDTH),
    legend: layoutLegend(phases, LEGEND_TOP, TRACE_WIDTH).map((l) => ({ ...l, color: colorOf(l.phase) })),
    width: TRACE_WIDTH,
    height: TRACE_HEIGHT,
  };
}

/** Tick values per drawn segment, about every 90 pixels, none closer than 50 to another, and
 * the d3 format that shows their decimals (0.5 s steps must not print as "0, 1, 1, 2"). */
function ticks(segments: readonly TimeSegment[]): { values: number[]; format: string } {
  const out: { t: number; x: number }[] = [];
  let decimals = 0;
  for (const s of segments) {
    const span = s.t1 - s.t0;
    const n = Math.max(1, Math.floor((s.x1 - s.x0) / 90));
    const raw = span / n;
    const mag = 10 ** Math.floor(Math.log10(raw || 1));
    const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? 10 * mag;
    decimals = Math.max(decimals, -Math.floor(Math.log10(step) + 1e-9));
    for (let t = Math.ceil(s.t0 / step) * step; t <= s.t1 + 1e-9; t += step) {
      const x = timeToPx(segments, t);
      if (out.every((o) => Math.abs(o.x - x) >= 50)) out.push({ t: Number(t.toPrecision(12)), x });
    }
  }
  return { values: out.map((o) => o.t), format: `,.${Math.min(6, decimals)}f` };
}

export function traceSpec(results: BenchResults): VegaLiteSpec | undefined {
  const layout = traceLayout(results);
  if (!layout) return undefined;
  const tr = results.trace!;
  const t0 = tr.samples[0]![0], scale = layout.unit === "s" ? 1e-6 : 1e-3;
  const segs = layout.segments;
  // Samples in a cut stretch are not drawn; each segment is its own line.
  const samples = tr.samples.flatMap(([t, i]) => {
    const x = (t - t0) * scale;
    const seg = segs.findIndex((s) => x >= s.t0 && x <= s.t1);
    return seg < 0 ? [] : [{ t: x, current_ma: i * 1000, seg }];
  });
  const { width, height } = layout;
  // Wrapped to the plot's width as Vega measures text, so the title does not widen the chart.
  const subtitle = wrapToWidth(`${provenance(results)}${tr.decimation > 1 ? `; 1 in ${tr.decimation} samples shown` : ""}`, width, TITLE.subtitleFontSize);
  return {
    $schema: SCHEMA,
    title: { text: "Current trace with phase bands", subtitle, ...TITLE },
    width,
    height,
    layer: [
      {
        data: { values: layout.bands },
        mark: { type: "rect", opacity: 0.22 },
        encoding: { x: px("x0"), x2: { field: "x1" }, y: { value: 0 }, y2: { value: height }, color: { field: "color", type: "nominal", scale: null } },
      },
      {
        data: { values: layout.breaks },
        mark: { type: "rect", color: "#eeeeee" },
        encoding: { x: px("x0"), x2: { field: "x1" }, y: { value: 0 }, y2: { value: height } },
      },
      {
        data: { values: layout.breaks.map((b) => ({ ...b, cx: b.box.x + b.box.w / 2 })) },
        mark: { type: "text", angle: 270, fontSize: 9, color: "#555", align: "center", baseline: "middle" },
        encoding: { x: px("cx"), y: { value: height / 2 }, text: { field: "text" } },
      },
      {
        data: { values: samples },
        mark: { type: "line", strokeWidth: 1, color: "#222" },
        encoding: {
          x: { field: "t", type: "quantitative", title: `time (${layout.unit})`,
            scale: { domain: segs.flatMap((s) => [s.t0, s.t1]), range: segs.flatMap((s) => [s.x0, s.x1]), nice: false, zero: false },
            axis: { ...ticks(segs), grid: false } },
          y: { field: "current_ma", type: "quantitative", title: "current (mA)" },
          detail: { field: "seg", type: "nominal" },
        },
      },
      {
        data: { values: layout.labels.map((l) => ({ text: l.text, cx: l.cx, cy: l.box.y + l.box.h / 2, color: layout.bands.find((b) => b.phase === l.phase)!.color })) },
        mark: { type: "text", align: "center", baseline: "middle", fontSize: LABEL_FONT },
        encoding: { x: px("cx"), y: px("cy"), text: { field: "text" }, color: { field: "color", type: "nominal", scale: null } },
      },
      {
        data: { values: layout.legend.map((l) => ({ ...l.swatch, x2: l.swatch.x + l.swatch.w, y2: l.swatch.y + l.swatch.h, color: l.color })) },
        mark: { type: "rect", opacity: 0.6 },
        encoding: { x: px("x"), x2: { field: "x2" }, y: px("y"), y2: { field: "y2" }, color: { field: "color", type: "nominal", scale: null } },
      },
      {
        data: { values: layout.legend.map((l) => ({ text: l.phase, x: l.box.x, y: l.box.y })) },
        mark: { type: "text", align: "left", baseline: "top", fontSize: LEGEND_FONT },
        encoding: { x: px("x"), y: px("y"), text: { field: "text" } },
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
