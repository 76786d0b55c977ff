// Per-phase analysis (host-tools/src/power/analysis.ts): alignment of device-clock markers
// with the monitor's trace, per-phase statistics, and the failure cases (monitor stops,
// board resets, lost markers) giving typed errors with labelled partial results.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  analyzeBench, assertComplete, BoardResetError, MissingMarkerError, MonitorStoppedError, PowerAnalysisError,
  type PhaseMarker,
} from "../../../host-tools/src/power/analysis.js";
import { fitClockMap, matchEdges } from "../../../host-tools/src/power/align.js";
import { benchTrace } from "./synthetic.js";

const PHASES = [
  { name: "gpio", durationUs: 20_000, currentA: 0.020 },
  { name: "sha256", durationUs: 45_000, currentA: 0.031, ops: 10 },
  { name: "idle", durationUs: 60_000, currentA: 0.004 },
  { name: "infer:kws", durationUs: 80_000, currentA: 0.042 },
];

const relErr = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

test("same clock: per-phase latency, average power and energy per op match the synthetic truth within 1%", () => {
  const { markers, samples } = benchTrace(PHASES, 5);
  const a = analyzeBench({ samples, markers });
  assert.equal(a.complete, true);
  assert.deepEqual(a.issues, []);
  assert.deepEqual(a.phases.map((p) => p.phase), PHASES.map((p) => p.name));
  for (const p of PHASES) {
    const s = a.phases.find((x) => x.phase === p.name)!;
    assert.equal(s.status, "ok");
    assert.equal(s.runs, 5);
    assert.equal(s.latency_us.median, p.durationUs);
    assert.ok(relErr(s.avg_power_w!, p.currentA * 3.3) < 0.01, `${p.name} power ${s.avg_power_w}`);
    assert.ok(relErr(s.avg_current_a!, p.currentA) < 0.01);
    const perOp = (p.currentA * 3.3 * p.durationUs * 1e-6) / (p.ops ?? 1);
    assert.ok(relErr(s.energy_per_op_j!.median, perOp) < 0.01, `${p.name} energy/op ${s.energy_per_op_j!.median} vs ${perOp}`);
  }
  assert.equal(assertComplete(a), a);
});

test("markers on a drifting, offset device clock are aligned by the monitor's GPIO edges, extra edges skipped", () => {
  const { markers, samples } = benchTrace(PHASES, 3);
  // Device clock: t_dev = (t_mon + 9 s) / (1 + 80 ppm). The monitor saw two stray edges first, and its
  // edge times carry a few microseconds of jitter.
  const shifted = markers.map((m) => ({ ...m, t_us: (m.t_us + 9_000_000) / (1 + 80e-6) }));
  const edges = [1000, 2500, ...markers.map((m) => m.t_us + 3 * Math.sin(m.t_us))];
  const a = analyzeBench({ samples, markers: shifted, edges });
  assert.deepEqual(a.issues, []);
  assert.equal(a.clocks[0]!.method, "edges");
  assert.ok(Math.abs(a.clocks[0]!.map.rate - (1 + 80e-6)) < 1e-6, `rate ${a.clocks[0]!.map.rate}`);
  assert.ok(a.clocks[0]!.map.rms_us < 5);
  const inf = a.phases.find((p) => p.phase === "infer:kws")!;
  assert.ok(relErr(inf.energy_per_op_j!.median, 0.042 * 3.3 * 0.08) < 0.01);
  // Latency is on the device clock: the drift shows in it.
  assert.ok(Math.abs(inf.latency_us.median - 80_000 / (1 + 80e-6)) < 1e-6);
});

test("receive-time alignment takes the smallest rx − t_device as the offset", () => {
  const { markers, samples } = benchTrace(PHASES, 2);
  // Device clock 7 s behind the monitor's; each message arrives 300..1200 us after its marker.
  const delays = [900, 350, 1200, 300, 700];
  const rxOnly = markers.map((m, i) => ({ ...m, t_us: m.t_us - 7_000_000, rx_us: m.t_us + delays[i % delays.length]! }));
  const a = analyzeBench({ samples, markers: rxOnly });
  assert.equal(a.clocks[0]!.method, "rx");
  assert.equal(a.clocks[0]!.map.offset_us, 7_000_300);
  assert.ok(a.complete);
});

test("the monitor stops streaming mid-benchmark: MonitorStoppedError, earlier windows measured, later ones labelled partial", () => {
  const { markers, samples } = benchTrace(PHASES, 4);
  const cut = markers[Math.floor(markers.length * 0.6)]!.t_us + 10_000;
  const a = analyzeBench({ samples: samples.filter((s) => s.t_us < cut), markers });
  assert.equal(a.complete, false);
  assert.equal(a.issues[0]!.kind, "monitor-stopped");
  assert.match(a.issues[0]!.message, /monitor stopped streaming/);
  const measured = a.windows.filter((w) => w.status === "ok");
  const partial = a.windows.filter((w) => w.status === "partial");
  assert.ok(measured.length >= 8, `${measured.length} measured`);
  assert.ok(partial.length >= 5);
  for (const w of partial) assert.match(w.note!, /stopped streaming/);
  const gpio = a.phases.find((p) => p.phase === "gpio")!;
  assert.equal(gpio.status, "partial");
  assert.ok(gpio.measured_runs >= 2 && gpio.measured_runs < 4);
  // Energy figures come only from fully measured windows, and they are still right.
  assert.ok(relErr(gpio.energy_per_op_j!.median, 0.020 * 3.3 * 0.02) < 0.01);
  assert.throws(() => assertComplete(a), (e: unknown) => {
    assert.ok(e instanceof MonitorStoppedError && e instanceof PowerAnalysisError);
    assert.equal(e.code, "E_MONITOR_STOPPED");
    assert.equal(e.partial, a);
    return true;
  });
});

test("a board reset mid-benchmark: BoardResetError naming the interrupted phase; both boots' windows kept", () => {
  const { markers, samples } = benchTrace(PHASES, 4);
  // Run 2's "sha256" never ends: the device resets and its clock restarts (boot 1, ~0 us).
  const resetAt = markers.findIndex((m, i) => m.phase === "sha256" && m.edge === "end" && i > markers.length / 2);
  const tReset = markers[resetAt]!.t_us;
  const dev: PhaseMarker[] = [
    ...markers.slice(0, resetAt).map((m) => ({ ...m, boot: 0 })),
    ...markers.slice(resetAt + 1).map((m) => ({ ...m, boot: 1, t_us: m.t_us - tReset })),
  ];
  const edges = dev.map((m) => (m.boot === 1 ? m.t_us + tReset : m.t_us));
  const a = analyzeBench({ samples, markers: dev, edges });
  const reset = a.issues.find((i) => i.kind === "board-reset")!;
  assert.ok(reset, JSON.stringify(a.issues));
  assert.match(reset.message, /reset mid-benchmark.*boot 0 → 1.*"sha256" run \d was interrupted/);
  const interrupted = a.windows.filter((w) => w.status === "interrupted");
  assert.deepEqual(interrupted.map((w) => w.phase), ["sha256"]);
  assert.equal(a.clocks.length, 2);
  // Windows after the reset are aligned with the second boot's clock and measure right.
  const after = a.windows.filter((w) => w.boot === 1 && w.status === "ok");
  assert.ok(after.length >= 5);
  for (const w of after) {
    const p = PHASES.find((x) => x.name === w.phase)!;
    assert.ok(relErr(w.avg_power_w!, p.currentA * 3.3) < 0.01, `${w.phase} after reset`);
  }
  assert.throws(() => assertComplete(a), BoardResetError);
});

test("a missing end marker: MissingMarkerError, the window left out and labelled, other runs still summarized", () => {
  const { markers, samples } = benchTrace(PHASES, 4);
  const drop = markers.findIndex((m, i) => i > 8 && m.phase === "infer:kws" && m.edge === "end");
  const a = analyzeBench({ samples, markers: markers.filter((_, i) => i !== drop) });
  const miss = a.issues.filter((i) => i.kind === "missing-marker");
  assert.equal(miss.length, 1);
  assert.match(miss[0]!.message, /phase "infer:kws" run \d: started at .* end marker missing/);
  const inf = a.phases.find((p) => p.phase === "infer:kws")!;
  assert.equal(inf.status, "partial");
  assert.equal(inf.runs, 4);
  assert.equal(inf.measured_runs, 3);
  assert.equal(inf.latency_us.n, 3);
  assert.match(inf.notes[0]!, /interrupted: .*end marker/);
  assert.throws(() => assertComplete(a), MissingMarkerError);
  // A missing start: the orphan end is reported, nothing invented.
  const noStart = markers.filter((_, i) => i !== 0);
  const b = analyzeBench({ samples, markers: noStart });
  assert.match(b.issues[0]!.message, /phase "gpio": end marker at .* without a start/);
  assert.equal(b.phases.find((p) => p.phase === "gpio")!.runs, 3);
});

test("bad input says where: unordered samples and malformed markers", () => {
  assert.throws(() => analyzeBench({ samples: [{ t_us: 5, current_a: 0, bus_v: 3 }, { t_us: 4, current_a: 0, bus_v: 3 }], markers: [] }),
    /current trace: sample 1: time 4 us is not after/);
  assert.throws(() => analyzeBench({ samples: [], markers: [{ t_us: 1, phase: "x", edge: "middle" as "start" }] }), /phase marker 0/);
});

test("clock fitting: a line through exact pairs, and edge matching finds the shift", () => {
  const m = fitClockMap([0, 1e6, 2e6], [500, 1_000_600, 2_000_700]);
  assert.ok(Math.abs(m.rate - 1.0001) < 1e-12 && Math.abs(m.offset_us - 500) < 1e-6 && m.rms_us < 1e-6);
  const dev = [100, 20_000, 45_000, 90_000, 130_000];
  const edges = [7, 13, ...dev.map((t) => t + 5000)];
  const r = matchEdges(dev, edges)!;
  assert.equal(r.shift, 2);
  assert.ok(Math.abs(r.map.offset_us - 5000) < 1e-6);
});
