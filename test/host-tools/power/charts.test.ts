// Benchmark charts (host-tools/src/power/charts.ts): the Vega-Lite specs carry the results'
// numbers and provenance, render to SVG headless, and `wasmcu power chart` writes the files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { analyzeBench } from "../../../host-tools/src/power/analysis.js";
import { chartSpecs, latencySpec, renderSvg } from "../../../host-tools/src/power/charts.js";
import { wrapToWidth } from "../../../host-tools/src/power/chart-layout.js";
import { parseResults, toResults } from "../../../host-tools/src/power/results.js";
import { repoRoot } from "../../helpers/paths.js";
import { benchTrace } from "./synthetic.js";

function results() {
  const { markers, samples } = benchTrace([
    { name: "gpio", durationUs: 20_000, currentA: 0.02 },
    { name: "infer:kws", durationUs: 80_000, currentA: 0.042 },
    { name: "infer:vww", durationUs: 150_000, currentA: 0.047 },
  ], 3);
  const a = analyzeBench({ samples, markers });
  return toResults(a, { simulated: true, source: "synthetic trace (test)", board: "host" }, samples, 1000);
}

test("chart specs: inference phases become models, with median and min..max, labelled simulated", () => {
  const r = results();
  const spec = latencySpec(r) as { layer: { data: { values: { name: string; median: number; line?: string }[] } }[]; title: { subtitle: string } };
  const bars = spec.layer[0]!.data.values;
  assert.deepEqual(bars.map((v) => v.name), ["kws", "vww"]);
  assert.equal(bars[0]!.median, 80); // ms
  assert.equal(spec.title.subtitle, "SIMULATED on host · median of 3 runs, line: min..max");
  assert.match(spec.layer[1]!.data.values.map((l) => l.line).join(" "), /^source: synthetic trace \(test\)$/);
  assert.deepEqual(wrapToWidth("a; bb, ccc", 40, 10), ["a;", "bb,", "ccc"]); // 0.8 × 10 px a character
  assert.deepEqual(chartSpecs(r).map((c) => c.name), ["latency", "energy", "trace"]);
  assert.ok(r.trace!.samples.length <= 1000 && r.trace!.decimation > 1);
});

test("results file round-trips and bad files say what is wrong", () => {
  const r = results();
  assert.deepEqual(parseResults(JSON.stringify(r)), JSON.parse(JSON.stringify(r)));
  assert.throws(() => parseResults(JSON.stringify({ ...r, format: "x" }), "f.json"), /f\.json: "format" is "x"/);
  assert.throws(() => parseResults(JSON.stringify({ ...r, phases: [{ phase: "a" }] })), /phases\[0\] \("a"\): latency_us\.median/);
});

test("SVG rendering headless: each chart is an SVG with its title, models and phase labels", async () => {
  const r = results();
  const [lat, , trace] = await Promise.all(chartSpecs(r).map((c) => renderSvg(c.spec)));
  assert.match(lat!, /^<svg[^>]*>/);
  assert.match(lat!, /Latency per model/);
  assert.match(lat!, />kws</);
  assert.match(lat!, /SIMULATED/);
  assert.match(trace!, /Current trace with phase bands/);
  assert.match(trace!, />infer:vww</);
});

test("wasmcu power chart writes latency.svg, energy.svg and trace.svg", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "power-chart-"));
  try {
    const file = path.join(dir, "results.json");
    writeFileSync(file, JSON.stringify(results()));
    const code = `const m = await import(${JSON.stringify(path.join(repoRoot, "host-tools/src/cli.ts"))}); process.exitCode = await m.main(["node", "wasmcu", "power", "chart", ${JSON.stringify(file)}, "-o", ${JSON.stringify(path.join(dir, "out"))}, "--json"]);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: repoRoot, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { simulated: boolean; charts: { name: string; file: string }[] };
    assert.equal(out.simulated, true);
    assert.deepEqual(out.charts.map((c) => path.basename(c.file)), ["latency.svg", "energy.svg", "trace.svg"]);
    for (const c of out.charts) assert.ok(existsSync(c.file) && readFileSync(c.file, "utf8").startsWith("<svg"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
