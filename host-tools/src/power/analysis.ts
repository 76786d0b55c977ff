// Per-phase latency, current, power and energy from a benchmark's phase markers and
// a monitor's current trace. Problems (the monitor stopped streaming, a gap, a board
// reset, a lost marker) do not throw: they become issues, the affected windows are
// kept and labelled partial, and assertComplete() turns them into typed errors
// carrying the partial result for callers that need all of it.
import { InputError, WasmcuError } from "../lib/errors.js";
import { applyMap, fitClockMap, mapFromReceiveTimes, matchEdges, type AlignMethod, type ClockMap } from "./align.js";
import { checkSamples, defaultMaxGapUs, integrateWindow, spread, type CurrentSample, type Gap, type Spread } from "./trace.js";

/** A phase marker as the device reports it: on the device clock. */
export interface PhaseMarker {
  t_us: number;
  phase: string;
  edge: "start" | "end";
  /** Operations (inferences, hashes, toggles) the window performs; default 1. */
  ops?: number;
  /** The device's cycle counter at the marker, if it has one. */
  cycles?: number;
  /** Boot counter or session id: a change means the board reset. */
  boot?: number;
  /** When the host received the marker's message, on the monitor's clock (for "rx" alignment). */
  rx_us?: number;
}

export interface AnalysisInput {
  samples: CurrentSample[];
  /** In the order the device sent them. */
  markers: PhaseMarker[];
  /** GPIO edge times the monitor saw, on its clock, one per marker (for "edges" alignment). */
  edges?: number[];
  /** Default: "edges" if edges are given, "rx" if every marker has rx_us, else "same-clock". */
  align?: AlignMethod;
  /** Longer intervals between samples are gaps; default 5 × the median interval. */
  maxGapUs?: number;
  /** A window counts as measured when at least this fraction is covered; default 0.99. */
  minCoverage?: number;
}

export type IssueKind = "monitor-stopped" | "monitor-gap" | "board-reset" | "missing-marker" | "alignment";

export interface PowerIssue {
  kind: IssueKind;
  message: string;
  phase?: string;
  run?: number;
  /** Where, on the device clock (markers) or the monitor clock (samples), as the message says. */
  at_us?: number;
}

export type WindowStatus = "ok" | "partial" | "interrupted";

/** One execution of one phase. */
export interface PhaseWindow {
  phase: string;
  run: number;
  boot: number;
  start_device_us: number;
  end_device_us?: number;
  start_us: number;
  end_us?: number;
  latency_us?: number;
  cycles?: number;
  ops: number;
  energy_j?: number;
  charge_c?: number;
  avg_current_a?: number;
  avg_power_w?: number;
  coverage: number;
  gaps: Gap[];
  status: WindowStatus;
  /** Why the window is not "ok". */
  note?: string;
}

export interface PhaseSummary {
  phase: string;
  /** "ok" when every window was measured in full; "partial" when some were lost or partly measured. */
  status: "ok" | "partial";
  runs: number;
  /** Windows fully measured, used for the energy figures. */
  measured_runs: number;
  ops_per_run: number;
  latency_us: Spread;
  cycles?: Spread;
  avg_current_a?: number;
  avg_power_w?: number;
  energy_per_op_j?: Spread;
  /** rp2040-sim with its flash timing model: the same phase's cycles per operation without it (the emulator's ideal). */
  ideal_cycles?: Spread;
  /** rp2040-sim with its flash timing model: XIP reads and cache hits per flash region over the phase's runs. */
  xip?: { region: string; accesses: number; hits: number; stall_cycles: number }[];
  notes: string[];
}

export interface BenchAnalysis {
  phases: PhaseSummary[];
  windows: PhaseWindow[];
  issues: PowerIssue[];
  /** One clock map per boot (device clock → monitor clock). */
  clocks: { boot: number; method: AlignMethod; map: ClockMap }[];
  complete: boolean;
}

// ------------------------------------------------------------------ typed errors

/** The analysis had problems; `partial` holds everything that could be measured, labelled. */
export class PowerAnalysisError extends WasmcuError {
  readonly partial: BenchAnalysis;
  readonly issue: PowerIssue;
  constructor(code: string, issue: PowerIssue, partial: BenchAnalysis, hint?: string) {
    const more = partial.issues.length > 1 ? ` (and ${partial.issues.length - 1} more problem(s))` : "";
    super(issue.message + more, { code, hint });
    this.partial = partial;
    this.issue = issue;
  }
}

export class MonitorStoppedError extends PowerAnalysisError {
  constructor(issue: PowerIssue, partial: BenchAnalysis) {
    super("E_MONITOR_STOPPED", issue, partial, "check the monitor's connection and that it streams for the whole run; results measured before it stopped are kept");
  }
}

export class BoardResetError extends PowerAnalysisError {
  constructor(issue: PowerIssue, partial: BenchAnalysis) {
    super("E_BOARD_RESET", issue, partial, "the device restarted mid-benchmark (watchdog, brown-out, fault?); windows before and after the reset are kept");
  }
}

export class MissingMarkerError extends PowerAnalysisError {
  constructor(issue: PowerIssue, partial: BenchAnalysis) {
    super("E_MISSING_MARKER", issue, partial, "a phase start or end message was lost on the link; the affected window is left out");
  }
}

export class AlignmentError extends PowerAnalysisError {
  constructor(issue: PowerIssue, partial: BenchAnalysis) {
    super("E_ALIGNMENT", issue, partial, "the GPIO edges the monitor saw do not match the device's markers");
  }
}

/** Throws the first issue as its typed error (the partial result rides along); returns the analysis if complete. */
export function assertComplete(a: BenchAnalysis): BenchAnalysis {
  const issue = a.issues[0];
  if (!issue) return a;
  switch (issue.kind) {
    case "monitor-stopped":
    case "monitor-gap":
      throw new MonitorStoppedError(issue, a);
    case "board-reset":
      throw new BoardResetError(issue, a);
    case "missing-marker":
      throw new MissingMarkerError(issue, a);
    case "alignment":
      throw new AlignmentError(issue, a);
  }
}

// ------------------------------------------------------------------ analysis

interface Epoch {
  boot: number;
  markers: PhaseMarker[];
}

/** Splits markers at resets: a new boot id, or the device clock going backwards. */
function splitEpochs(markers: readonly PhaseMarker[], issues: PowerIssue[]): Epoch[] {
  const epochs: Epoch[] = [];
  let cur: Epoch | undefined;
  for (const m of markers) {
    const reset = cur !== undefined && ((m.boot !== undefined && m.boot !== cur.boot) || m.t_us < cur.markers[cur.markers.length - 1]!.t_us);
    if (!cur || reset) {
      if (cur) {
        issues.push({
          kind: "board-reset",
          message: `the board reset mid-benchmark: before marker "${m.phase} ${m.edge}" the device clock went from ${cur.markers[cur.markers.length - 1]!.t_us} us to ${m.t_us} us${m.boot !== undefined ? ` (boot ${cur.boot} → ${m.boot})` : ""}`,
          phase: m.phase,
          at_us: m.t_us,
        });
      }
      cur = { boot: m.boot ?? (cur ? cur.boot + 1 : 0), markers: [] };
      epochs.push(cur);
    }
    cur.markers.push(m);
  }
  return epochs;
}

function checkMarkers(markers: readonly PhaseMarker[]): void {
  markers.forEach((m, i) => {
    if (!Number.isFinite(m.t_us) || typeof m.phase !== "string" || m.phase === "" || (m.edge !== "start" && m.edge !== "end")) {
      throw new InputError(`phase marker ${i}: needs a finite t_us, a phase name and edge "start" or "end"`);
    }
    if (m.ops !== undefined && !(Number.isFinite(m.ops) && m.ops > 0)) {
      throw new InputError(`phase marker ${i} (${m.phase}): ops must be a positive number`);
    }
  });
}

export function analyzeBench(input: AnalysisInput): BenchAnalysis {
  const bad = checkSamples(input.samples);
  if (bad) throw new InputError(`current trace: ${bad}`);
  checkMarkers(input.markers);
  const samples = input.samples;
  const issues: PowerIssue[] = [];
  const minCoverage = input.minCoverage ?? 0.99;
  const maxGapUs = input.maxGapUs ?? (samples.length > 1 ? defaultMaxGapUs(samples) : Infinity);
  const method: AlignMethod = input.align ??
    (input.edges?.length ? "edges" : input.markers.length > 0 && input.markers.every((m) => m.rx_us !== undefined) ? "rx" : "same-clock");

  const epochs = splitEpochs(input.markers, issues);
  const clocks: BenchAnalysis["clocks"] = [];
  const windows: PhaseWindow[] = [];
  const runsOf = new Map<string, number>();
  let edgeCursor = 0;

  epochs.forEach((epoch, ei) => {
    const dev = epoch.markers.map((m) => m.t_us);
    let map: ClockMap;
    if (method === "edges") {
      const edges = (input.edges ?? []).slice(edgeCursor);
      const match = matchEdges(dev, edges);
      if (!match) {
        issues.push({ kind: "alignment", message: `boot ${epoch.boot}: no GPIO edges left to align ${dev.length} marker(s) with` });
        map = { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
      } else {
        map = match.map;
        edgeCursor += Math.max(0, Math.min(edges.length, dev.length + match.shift));
        if (map.pairs < dev.length) {
          issues.push({ kind: "alignment", message: `boot ${epoch.boot}: the monitor saw edges for only ${map.pairs} of ${dev.length} markers; the rest are placed by the fitted clock` });
        }
      }
    } else if (method === "rx") {
      map = mapFromReceiveTimes(dev, epoch.markers.map((m) => m.rx_us ?? NaN));
    } else {
      map = { offset_us: 0, rate: 1, rms_us: 0, pairs: 0 };
    }
    clocks.push({ boot: epoch.boot, method, map });
    const lastEpoch = ei === epochs.length - 1;

    const open = new Map<string, PhaseMarker>();
    const newWindow = (start: PhaseMarker): PhaseWindow => {
      const run = runsOf.get(start.phase) ?? 0;
      runsOf.set(start.phase, run + 1);
      return {
        phase: start.phase, run, boot: epoch.boot,
        start_device_us: start.t_us, start_us: applyMap(map, start.t_us),
        ops: start.ops ?? 1, coverage: 0, gaps: [], status: "interrupted",
      };
    };
    for (const m of epoch.markers) {
      if (m.edge === "start") {
        const prev = open.get(m.phase);
        if (prev) {
          const w = newWindow(prev);
          w.note = `no end marker before the next start at ${m.t_us} us (device clock)`;
          windows.push(w);
          issues.push({ kind: "missing-marker", message: `phase "${m.phase}" run ${w.run}: started at ${prev.t_us} us (device clock) and never ended: end marker missing`, phase: m.phase, run: w.run, at_us: prev.t_us });
        }
        open.set(m.phase, m);
        continue;
      }
      const start = open.get(m.phase);
      if (!start) {
        issues.push({ kind: "missing-marker", message: `phase "${m.phase}": end marker at ${m.t_us} us (device clock) without a start: start marker missing; the window is left out`, phase: m.phase, at_us: m.t_us });
        continue;
      }
      open.delete(m.phase);
      const w = newWindow(start);
      w.end_device_us = m.t_us;
      w.end_us = applyMap(map, m.t_us);
      w.latency_us = m.t_us - start.t_us;
      if (start.cycles !== undefined && m.cycles !== undefined) w.cycles = m.cycles - start.cycles;
      measure(w);
      windows.push(w);
    }
    for (const start of open.values()) {
      const w = newWindow(start);
      if (lastEpoch) {
        w.note = "the benchmark ended before this phase's end marker";
        issues.push({ kind: "missing-marker", message: `phase "${start.phase}" run ${w.run}: started at ${start.t_us} us (device clock); end marker missing`, phase: start.phase, run: w.run, at_us: start.t_us });
      } else {
        w.note = "the board reset before this phase ended";
        // Name the interrupted phase on the reset that ended this boot (resets are listed in order).
        const r = issues.filter((i) => i.kind === "board-reset")[ei];
        if (r) r.message += `; phase "${start.phase}" run ${w.run} was interrupted`;
      }
      windows.push(w);
    }
  });

  function measure(w: PhaseWindow): void {
    const t0 = w.start_us, t1 = w.end_us!;
    const e = integrateWindow(samples, t0, t1, maxGapUs);
    w.coverage = e.coverage;
    w.gaps = e.gaps;
    if (e.covered_us > 0) {
      w.avg_power_w = e.energy_j / (e.covered_us * 1e-6);
      w.avg_current_a = e.charge_c / (e.covered_us * 1e-6);
      // Energy over the whole window: measured where covered, the covered average elsewhere (then labelled partial).
      w.energy_j = w.avg_power_w * (t1 - t0) * 1e-6;
      w.charge_c = w.avg_current_a * (t1 - t0) * 1e-6;
    }
    if (e.coverage >= minCoverage) {
      w.status = "ok";
      return;
    }
    w.status = "partial";
    const pct = (e.coverage * 100).toFixed(1);
    if (e.endsAfterTrace) {
      const last = samples.length ? samples[samples.length - 1]!.t_us : NaN;
      w.note = `the monitor stopped streaming at ${last} us (monitor clock), before the window ended at ${t1.toFixed(0)} us; ${pct}% measured`;
      issues.push({ kind: "monitor-stopped", message: `phase "${w.phase}" run ${w.run}: ${w.note}`, phase: w.phase, run: w.run, at_us: last });
    } else if (e.startsBeforeTrace) {
      w.note = `the monitor's trace starts at ${samples[0]?.t_us ?? NaN} us, after the window began at ${t0.toFixed(0)} us; ${pct}% measured`;
      issues.push({ kind: "monitor-gap", message: `phase "${w.phase}" run ${w.run}: ${w.note}`, phase: w.phase, run: w.run, at_us: t0 });
    } else {
      const g = e.gaps[0];
      w.note = `the monitor's stream has ${e.gaps.length} gap(s) in this window${g ? `, first ${g.from_us}..${g.to_us} us (monitor clock)` : ""}; ${pct}% measured`;
      issues.push({ kind: "monitor-gap", message: `phase "${w.phase}" run ${w.run}: ${w.note}`, phase: w.phase, run: w.run, at_us: g?.from_us });
    }
  }

  const phases = summarize(windows);
  return { phases, windows, issues, clocks, complete: issues.length === 0 };
}

function summarize(windows: readonly PhaseWindow[]): PhaseSummary[] {
  const names: string[] = [];
  for (const w of windows) if (!names.includes(w.phase)) names.push(w.phase);
  return names.map((phase) => {
    const all = windows.filter((w) => w.phase === phase);
    const timed = all.filter((w) => w.latency_us !== undefined);
    const measured = timed.filter((w) => w.status === "ok");
    const notes = all.filter((w) => w.status !== "ok").map((w) => `run ${w.run}: ${w.status}: ${w.note ?? ""}`);
    const s: PhaseSummary = {
      phase,
      status: measured.length === all.length ? "ok" : "partial",
      runs: all.length,
      measured_runs: measured.length,
      ops_per_run: all[0]?.ops ?? 1,
      latency_us: spread(timed.map((w) => w.latency_us!)),
      notes,
    };
    const withCycles = timed.filter((w) => w.cycles !== undefined);
    if (withCycles.length) s.cycles = spread(withCycles.map((w) => w.cycles!));
    if (measured.length) {
      const T = measured.reduce((a, w) => a + (w.end_us! - w.start_us), 0) * 1e-6;
      s.avg_power_w = measured.reduce((a, w) => a + w.energy_j!, 0) / T;
      s.avg_current_a = measured.reduce((a, w) => a + w.charge_c!, 0) / T;
      s.energy_per_op_j = spread(measured.map((w) => w.energy_j! / w.ops));
    }
    return s;
  });
}
