// `wasmcu bench` on the host board: every phase timed on the device, results in the
// RESULTS.json format, and a latency chart.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { wasmcu } from "../helpers/cli.js";
import { sharedDir } from "../helpers/paths.js";

test("wasmcu bench --board host times the bench phases and a model at app and engine level, and writes results.json and latency.svg", async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-bench-"));
  const model = path.join(sharedDir, "reference-models", "hello_world_int8", "model.tflite");
  const r = await wasmcu(["bench", "--board", "host", "--runs", "2", "--models", model, "--periph", "3", "--out", out, "--json"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { format: string; simulated: boolean; source: string; n_periph: number; phases: { phase: string; runs: number; latency_us: { n: number; median: number }; notes: string[] }[] };
  assert.equal(j.format, "wasmcu-bench-results/1");
  // The host board has no blocks of its own; the 3 switched on are counted again after the
  // model deploy restarted the app (which switches them off).
  assert.equal(j.n_periph, 3);
  assert.equal(j.simulated, false);
  assert.match(j.source, /no current monitor/);
  assert.deepEqual(j.phases.map((p) => p.phase), ["gpio-toggle", "sha256-1k", "alloc-1k", "stream-encode", "fib24", "infer:hello_world_int8", "engine:hello_world_int8"]);
  // One figure per question, each labelled: what an app's invoke() sees, and the engine alone.
  assert.ok(j.phases.find((p) => p.phase === "infer:hello_world_int8")!.notes.some((n) => /^app level/.test(n)));
  assert.ok(j.phases.find((p) => p.phase === "engine:hello_world_int8")!.notes.some((n) => /^engine level/.test(n)));
  for (const p of j.phases) {
    assert.equal(p.runs, 2);
    assert.equal(p.latency_us.n, 2);
    assert.ok(p.latency_us.median >= 0);
    assert.ok(p.notes.some((n) => /no energy/.test(n)));
  }
  assert.deepEqual(JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")), j);
  assert.match(readFileSync(path.join(out, "latency.svg"), "utf8"), /<svg[\s\S]*infer:hello_world_int8|<svg[\s\S]*hello_world_int8/);
});

test("wasmcu bench on a real board kind without --port is a usage error", async () => {
  const r = await wasmcu(["bench", "--board", "rp2040"], { timeoutMs: 60_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --port/);
});

test("wasmcu bench --periph takes 0 to 7 (the SDK's switchable peripherals), else a usage error", async () => {
  const r = await wasmcu(["bench", "--board", "host", "--periph", "8"], { timeoutMs: 60_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--periph 8: expected a whole number from 0 to 7/);
});

test("wasmcu bench --engine aot runs the bench app's phases as AOT code on rp2040-sim, and only on a Cortex-M0+ board", async () => {
  const r = await wasmcu(["bench", "--board", "rp2040-sim", "--engine", "aot", "--phases", "fib24", "sha256-1k", "--runs", "1",
    "--no-monitor", "--no-flash-model", "--json"], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { simulated: boolean; source: string; phases: { phase: string; cycles?: { median: number } }[] };
  assert.equal(j.simulated, true);
  assert.match(j.source, /emulated[\s\S]*compiled ahead of time \(AOT\)/);
  assert.deepEqual(j.phases.map((p) => p.phase), ["sha256-1k", "fib24"]);
  for (const p of j.phases) assert.ok((p.cycles?.median ?? 0) > 0, `${p.phase}: emulated cycles`);

  const host = await wasmcu(["bench", "--board", "host", "--engine", "aot"], { timeoutMs: 60_000 });
  assert.equal(host.code, 2, host.stderr);
  assert.match(host.stderr, /does not run AOT code/);
});
