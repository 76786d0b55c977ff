// Words on the trace chart (host-tools/src/power/chart-layout.ts, charts.ts traceLayout): every
// phase label's box, measured as Vega measures text without a canvas (0.8 × characters × font
// size), overlaps no other label, no legend entry and no cut-out stretch, and stays above the
// plot inside its width; the legend names every drawn phase, uncut, and nothing else. For
// traces with many short phases, one model, many models, and the committed docs/bench results.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { analyzeBench } from "../../../host-tools/src/power/analysis.js";
import { overlaps, textWidth, timeSegments, type Box } from "../../../host-tools/src/power/chart-layout.js";
import { energySpec, latencySpec, renderSvg, traceLayout, traceSpec, type TraceLayout } from "../../../host-tools/src/power/charts.js";
import { parseResults, toResults, type BenchResults } from "../../../host-tools/src/power/results.js";
import { repoRoot } from "../../helpers/paths.js";
import { benchTrace, type Phase } from "./synthetic.js";

function results(phases: Phase[], runs = 3, gapUs = 2000): BenchResults {
  const { markers, samples } = benchTrace(phases, runs, { dtUs: 500, gapUs });
  return toResults(analyzeBench({ samples, markers }), { simulated: true, source: "synthetic trace (test)", board: "host" }, samples, 2000);
}

const boxText = (b: Box) => `(${b.x.toFixed(1)},${b.y.toFixed(1)} ${b.w}x${b.h})`;

/** The checks of the brief, on one layout; returns it for more. */
function checkLayout(r: BenchResults): TraceLayout {
  const l = traceLayout(r)!;
  const words: { what: string; box: Box }[] = [
    ...l.labels.map((x) => ({ what: `label "${x.text}"`, box: x.box })),
    ...l.legend.flatMap((x) => [{ what: `legend "${x.phase}"`, box: x.box }, { what: `swatch "${x.phase}"`, box: x.swatch }]),
    ...l.breaks.map((x) => ({ what: `break "${x.text}"`, box: x.box })),
  ];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      const a = words[i]!, b = words[j]!;
      assert.ok(!overlaps(a.box, b.box), `${a.what} ${boxText(a.box)} overlaps ${b.what} ${boxText(b.box)}`);
    }
  }
  for (const x of l.labels) {
    assert.equal(x.box.w, Math.floor(0.8 * [...x.text].length * 10), `"${x.text}" measured as Vega does at 10 px`);
    assert.ok(x.box.x >= 0 && x.box.x + x.box.w <= l.width, `label "${x.text}" inside the plot's width`);
    assert.ok(x.box.y + x.box.h <= 0, `label "${x.text}" above the plot, not across its top edge`);
  }
  for (const x of l.legend) {
    assert.equal(x.box.w, textWidth(x.phase, 10), `legend "${x.phase}" is not cut`);
    assert.ok(x.swatch.x >= 0 && x.box.x + x.box.w <= l.width && x.swatch.y > l.height, `legend "${x.phase}" below the plot, inside its width`);
  }
  for (const x of l.breaks) assert.ok(x.box.y >= 0 && x.box.y + x.box.h <= l.height && x.box.x >= x.x0 - 1 && x.box.x + x.box.w <= x.x1 + 1);
  // Only what is drawn: one legend entry per phase that has a band.
  assert.deepEqual(l.legend.map((x) => x.phase), [...new Set(l.bands.map((b) => b.phase))]);
  assert.ok(l.bands.every((b) => b.x1 - b.x0 >= 1 && b.x0 >= 0 && b.x1 <= l.width + 1e-9), "every band drawn, at least a pixel wide");
  return l;
}

test("many short phases: labels on other rows or shortened, never overlapping; long ones keep their full name", () => {
  const phases: Phase[] = Array.from({ length: 40 }, (_, i) => ({ name: `phase-number-${i}`, durationUs: 1000 + (i % 5) * 700, currentA: 0.02 }));
  phases.splice(17, 0, { name: "a-300ms-block", durationUs: 300_000, currentA: 0.03 });
  const l = checkLayout(results(phases, 2));
  assert.ok(l.labels.some((x) => x.text.endsWith("…")), "some labels are abbreviated");
  assert.ok(new Set(l.labels.map((x) => x.row)).size > 1, "labels use more than one row");
  assert.equal(l.labels.filter((x) => x.text === "a-300ms-block").length, 2, "the 300 ms block is labelled, in full, in both runs");
});

test("one model: a band per run, back-to-back runs share one full label, the legend lists it once", () => {
  const l = checkLayout(results([{ name: "infer:hello_world_int8", durationUs: 300_000, currentA: 0.04 }], 3, 50_000));
  assert.equal(l.bands.length, 3);
  assert.deepEqual(l.labels.map((x) => x.text), ["hello_world_int8"]);
  assert.ok(Math.abs(l.labels[0]!.cx - (l.bands[0]!.x0 + l.bands[2]!.x1) / 2) < 1, "centred over the three runs");
  assert.deepEqual(l.legend.map((x) => x.phase), ["infer:hello_world_int8"]);
});

test("many models with long names: no overlaps, and the legend wraps without cutting a name", () => {
  const names = ["hello_world_int8", "kws_ref_model", "ad01_int8", "vww_96_int8", "micro_speech_quantized", "person_detect",
    "keyword_scrambled_8bit", "str_ww_ref_model", "trained_lstm_int8", "dtln_noise_suppression", "pretrainedResnet_quant", "simple_add_model"];
  const l = checkLayout(results(names.map((n, i) => ({ name: `infer:${n}`, durationUs: 5000 + i * 9000, currentA: 0.04 })), 3));
  assert.ok(new Set(l.legend.map((x) => x.box.y)).size > 1, "legend on more than one row");
  assert.equal(l.legend.length, 12);
});

test("the committed bench results (rp2040-sim, 9 phases, two long deploys): the deploys are cut, every phase labelled", () => {
  const r = parseResults(readFileSync(path.join(repoRoot, "docs/bench/results.json"), "utf8"));
  const l = checkLayout(r);
  assert.equal(l.breaks.length, 2, "the two model deploys (7 s and 31 s with no phase) are cut out");
  assert.equal(l.unit, "s");
  assert.deepEqual(new Set(l.labels.map((x) => x.phase)), new Set(r.trace!.markers.map((m) => m.phase)));
  for (const big of ["sha256-1k", "stream-encode", "fib24", "kws_ref_model", "ad01_int8"]) {
    assert.ok(l.labels.some((x) => x.text === big), `${big} has its full label`);
  }});

test("time axis ticks: sub-second steps around a cut keep their decimals (0.5 s is not printed as 0 or 1)", () => {
  const samples = Array.from({ length: 2001 }, (_, i): [number, number, number] => [i * 10_000, 0.01, 3.3]);
  const m = (phase: string, a: number, b: number) => [{ t_us: a, phase, edge: "start" as const }, { t_us: b, phase, edge: "end" as const }];
  const r = { ...results([{ name: "x", durationUs: 1000, currentA: 0.01 }]),
    trace: { samples, decimation: 1, markers: [...m("a", 100_000, 600_000), ...m("b", 700_000, 1_200_000), ...m("c", 19_000_000, 19_500_000)] } };
  assert.equal(checkLayout(r).breaks.length, 1);
  const line = (traceSpec(r) as { layer: { mark: { type: string }; encoding: { x: { axis?: { values: number[]; format: string } } } }[] })
    .layer.find((x) => x.mark.type === "line")!;
  const { values, format } = line.encoding.x.axis!;
  const d = Number(/\.(\d)f$/.exec(format)![1]);
  assert.ok(d >= 1 && values.some((v) => !Number.isInteger(v)), `${format}: ${values.join(" ")}`);
  assert.ok(values.every((v) => Math.abs(v * 10 ** d - Math.round(v * 10 ** d)) < 1e-6), `${format} shows ${values.join(" ")}`);
});

test("time axis: a stretch with no phase longer than 12% of the trace is cut; a busy trace is one segment", () => {
  const busy = [{ t0: 0, t1: 10 }, { t0: 12, t1: 20 }, { t0: 80, t1: 90 }];
  const segs = timeSegments(0, 100, busy, 500);
  assert.equal(segs.length, 2);
  assert.ok(segs[0]!.t1 < 30 && segs[1]!.t0 > 70 && segs[1]!.x1 === 500 - 0 && segs[0]!.x0 === 0);
  assert.equal(timeSegments(0, 100, [{ t0: 0, t1: 50 }, { t0: 55, t1: 100 }], 500).length, 1);
  assert.deepEqual(timeSegments(0, 100, [], 500), [{ t0: 0, t1: 100, x0: 0, x1: 500 }], "no phase: the whole trace, nothing cut");
});

test("the spec draws the layout: label texts and positions are the layout's; the trace renders", async () => {
  const r = results([{ name: "gpio", durationUs: 20_000, currentA: 0.02 }, { name: "infer:kws", durationUs: 80_000, currentA: 0.04 }]);
  const l = traceLayout(r)!;
  const spec = traceSpec(r) as { layer: { data: { values: { text?: string; cx?: number }[] }; mark: { type: string; fontSize?: number } }[] };
  const labels = spec.layer.find((x) => x.mark.type === "text" && x.mark.fontSize === 10 && x.data.values.some((v) => v.cx !== undefined))!;
  assert.deepEqual(labels.data.values.map((v) => [v.text, v.cx]), l.labels.map((x) => [x.text, x.cx]));
  const svg = await renderSvg(spec);
  for (const x of l.labels) assert.ok(svg.includes(`>${x.text}<`), `"${x.text}" drawn`);
  assert.ok(svg.includes(">infer:kws<") && !svg.includes("…</text>") === l.labels.every((x) => !x.text.endsWith("…")));
});

test("bar charts: one model is one narrow bar, no status legend when all are ok; a partial one is listed", async () => {
  const r = results([{ name: "infer:kws", durationUs: 80_000, currentA: 0.04 }]);
  const one = latencySpec(r) as { width: number; layer: { layer: { mark: { width?: number }; encoding: { color?: { field?: string } } }[] }[] };
  assert.equal(one.width, 280);
  assert.ok(one.layer[0]!.layer[0]!.mark.width! <= 48, "a bar, not the whole chart");
  assert.equal(one.layer[0]!.layer[0]!.encoding.color?.field, undefined, "no status legend");
  assert.doesNotMatch(await renderSvg(latencySpec(r)), /partial/);
  type Bars = { layer: { data: { values: { value: string }[] }; layer: { encoding: { y?: { title?: string } } }[] }[] };
  const fast = latencySpec({ ...r, phases: r.phases.map((p) => ({ ...p, latency_us: { ...p.latency_us, median: 1, min: 1, max: 66 } })) }) as Bars;
  assert.equal(fast.layer[0]!.layer[0]!.encoding.y?.title, "latency (µs)", "1 µs is not drawn as 0.001 ms");
  assert.equal(fast.layer[0]!.data.values[0]!.value, "1 µs");
  assert.equal((latencySpec(r) as Bars).layer[0]!.layer[0]!.encoding.y?.title, "latency (ms)");
  const part = { ...r, phases: r.phases.map((p) => ({ ...p, status: "partial" as const })) };
  const e = energySpec(part) as { layer: { layer: { encoding: { color?: { scale?: { domain: string[] } } } }[] }[] };
  assert.deepEqual(e.layer[0]!.layer[0]!.encoding.color?.scale?.domain, ["partial"]);
});
