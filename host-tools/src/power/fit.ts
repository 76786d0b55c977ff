// The power model P = α·f·V²·(1−idle) + β·N_periph + γ·V, fitted by linear least
// squares over runs at several clocks, supplies and peripheral sets (RUNS.json, see
// FORMAT.md). α is the effective switched capacitance (F), β the power per enabled
// peripheral (W), γ the static (idle) current (A), so γ·V is the power that remains
// with the core asleep and nothing enabled. A small Householder QR on column-scaled
// data solves it; standard errors come from the residual variance and (XᵀX)⁻¹.
import { InputError } from "../lib/errors.js";

export interface Run {
  f_hz: number;
  v: number;
  n_periph: number;
  /** Fraction of the run spent asleep (0 = busy throughout, 1 = asleep throughout). */
  idle: number;
  power_w: number;
  label?: string;
  simulated?: boolean;
}

export const TERMS = ["alpha", "beta", "gamma"] as const;
export type Term = (typeof TERMS)[number];

export interface Coefficient {
  term: Term;
  value: number;
  /** Standard error; NaN when there are no more runs than terms. */
  stderr: number;
  unit: string;
  meaning: string;
}

export interface FitResult {
  coefficients: Coefficient[];
  residuals: { label: string; measured_w: number; predicted_w: number; residual_w: number }[];
  /** Residual standard deviation, watts (NaN when runs == terms). */
  sigma_w: number;
  r2: number;
  runs: number;
  /** True when any run says it came from a simulation. */
  simulated: boolean;
}

export function features(r: Run): [number, number, number] {
  return [r.f_hz * r.v * r.v * (1 - r.idle), r.n_periph, r.v];
}

/** Parses RUNS.json: an array of runs, or {"runs": [...]} (as `wasmcu bench --json` writes it). */
export function parseRuns(text: string, file = "RUNS.json"): Run[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(list)) throw new InputError(`${file}: expected an array of runs or an object with a "runs" array`);
  return list.map((x, i) => {
    const where = `${file}: run ${i}`;
    if (typeof x !== "object" || x === null) throw new InputError(`${where}: not an object`);
    const o = x as Record<string, unknown>;
    const num = (k: string, dflt?: number): number => {
      const v = o[k] ?? dflt;
      if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`${where}: "${k}" must be a finite number`);
      return v;
    };
    const idleRaw = o.idle === true ? 1 : o.idle === false ? 0 : o.idle;
    const run: Run = {
      f_hz: num("f_hz"),
      v: num("v"),
      n_periph: num("n_periph", 0),
      idle: typeof idleRaw === "number" ? idleRaw : idleRaw === undefined ? 0 : NaN,
      power_w: num("power_w"),
    };
    if (!(run.idle >= 0 && run.idle <= 1)) throw new InputError(`${where}: "idle" must be a fraction 0..1 or a boolean`);
    if (run.f_hz < 0 || run.v <= 0 || run.n_periph < 0) throw new InputError(`${where}: needs f_hz >= 0, v > 0, n_periph >= 0`);
    if (typeof o.label === "string") run.label = o.label;
    if (typeof o.simulated === "boolean") run.simulated = o.simulated;
    return run;
  });
}

/**
 * Least squares by Householder QR. Returns the solution and (XᵀX)⁻¹, or undefined when
 * the columns are (numerically) dependent.
 */
export function leastSquares(X: number[][], y: number[]): { beta: number[]; covUnscaled: number[][] } | undefined {
  const n = X.length, p = X[0]?.length ?? 0;
  if (n < p || p === 0) return undefined;
  // Scale columns to unit norm so the terms' very different magnitudes do not matter.
  const scale = Array.from({ length: p }, (_, j) => Math.sqrt(X.reduce((a, row) => a + row[j]! * row[j]!, 0)));
  if (scale.some((s) => !(s > 0))) return undefined;
  const A = X.map((row) => row.map((v, j) => v / scale[j]!));
  const b = [...y];
  const R: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += A[i]![k]! * A[i]![k]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-10) return undefined; // column k depends on the previous ones
    const alpha = A[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    for (let i = k; i < n; i++) v[i] = A[i]![k]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i]! * v[i]!;
    const reflect = (get: (i: number) => number, set: (i: number, x: number) => void) => {
      let d = 0;
      for (let i = k; i < n; i++) d += v[i]! * get(i);
      const f = (2 * d) / vv;
      for (let i = k; i < n; i++) set(i, get(i) - f * v[i]!);
    };
    for (let j = k; j < p; j++) reflect((i) => A[i]![j]!, (i, x) => { A[i]![j] = x; });
    reflect((i) => b[i]!, (i, x) => { b[i] = x; });
    for (let j = k; j < p; j++) R[k]![j] = A[k]![j]!;
  }
  // Back substitution: R·z = Qᵀy (first p rows).
  const z = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < p; j++) s -= R[i]![j]! * z[j]!;
    z[i] = s / R[i]![i]!;
  }
  // (AᵀA)⁻¹ = R⁻¹R⁻ᵀ; then undo the column scaling.
  const Rinv: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    for (let i = j; i >= 0; i--) {
      let s = i === j ? 1 : 0;
      for (let k = i + 1; k <= j; k++) s -= R[i]![k]! * Rinv[k]![j]!;
      Rinv[i]![j] = s / R[i]![i]!;
    }
  }
  const cov: number[][] = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += Rinv[i]![k]! * Rinv[j]![k]!;
    return s / (scale[i]! * scale[j]!);
  }));
  return { beta: z.map((v, j) => v / scale[j]!), covUnscaled: cov };
}

export function fitPowerModel(runs: readonly Run[]): FitResult {
  if (runs.length < TERMS.length) {
    throw new InputError(`the power model has ${TERMS.length} terms: it needs at least ${TERMS.length} runs, got ${runs.length}`,
      "run the benchmark at several clock frequencies and peripheral sets");
  }
  const X = runs.map(features);
  const y = runs.map((r) => r.power_w);
  const sol = leastSquares(X, y);
  if (!sol) {
    throw new InputError("the runs cannot separate the model's terms (the design matrix is rank-deficient)",
      "vary the clock frequency and the number of enabled peripherals across runs (and keep some runs busy, idle < 1)");
  }
  const predicted = X.map((row) => row.reduce((a, x, j) => a + x * sol.beta[j]!, 0));
  const res = y.map((v, i) => v - predicted[i]!);
  const rss = res.reduce((a, r) => a + r * r, 0);
  const dof = runs.length - TERMS.length;
  const s2 = dof > 0 ? rss / dof : NaN;
  const mean = y.reduce((a, v) => a + v, 0) / y.length;
  const tss = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  const units: Record<Term, [string, string]> = {
    alpha: ["F", "effective switched capacitance: W per Hz·V² while busy"],
    beta: ["W", "power per enabled peripheral"],
    gamma: ["A", "static (idle) current: γ·V with the core asleep and nothing enabled"],
  };
  return {
    coefficients: TERMS.map((term, j) => ({
      term, value: sol.beta[j]!, stderr: Math.sqrt(s2 * sol.covUnscaled[j]![j]!), unit: units[term][0], meaning: units[term][1],
    })),
    residuals: runs.map((r, i) => ({
      label: r.label ?? `run ${i}`, measured_w: y[i]!, predicted_w: predicted[i]!, residual_w: res[i]!,
    })),
    sigma_w: Math.sqrt(s2),
    r2: tss > 0 ? 1 - rss / tss : NaN,
    runs: runs.length,
    simulated: runs.some((r) => r.simulated === true),
  };
}
