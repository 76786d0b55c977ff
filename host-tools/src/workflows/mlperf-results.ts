// The summary MLCommons' runner makes of a session and the results.txt it writes. Our own
// code, following main.py in mlcommons/tiny benchmark/runner at commit 6b4e30ae
// (6b4e30aed706e6166608476c818705ca59f3df10): summarize_result, calculate_accuracy, its
// roc_auc_score calls (scikit-learn's semantics), print_tee into results.txt; and script.py's
// performance checks ("error 1": loop count not 5, "error 2": the loop took under 10 s).

/** One window's class scores as the runner keeps them (m-results values), with its file. */
export interface ScoredWindow {
  file: string;
  class: number;
  results: number[];
}

export interface AccuracySummary {
  /** "Top 1%": argmax accuracy, or for one score per file (ad01) the best (precision + recall) / 2. */
  accuracy: number;
  /** roc_auc_score as main.py calls it; undefined where scikit-learn refuses (see aucNote). */
  auc?: number;
  /** Why there is no AUC: the ValueError the runner would stop on. */
  auc_note?: string;
}

/** normalize_probabilities, then per file the windows' mean (summarize_result). */
function perFile(windows: ScoredWindow[]): { yPred: number[][]; yTrue: number[] } {
  const files = new Map<string, { cls: number; results: number[][] }>();
  for (const w of windows) {
    const total = w.results.reduce((a, b) => a + b, 0);
    const norm = w.results.length === 1 ? w.results : w.results.map((v) => v / total);
    const f = files.get(w.file) ?? { cls: w.class, results: [] };
    f.results.push(norm);
    files.set(w.file, f);
  }
  const yPred: number[][] = [];
  const yTrue: number[] = [];
  for (const f of files.values()) {
    const n = f.results[0]!.length;
    yPred.push(Array.from({ length: n }, (_, k) => f.results.reduce((a, r) => a + r[k]!, 0) / f.results.length));
    yTrue.push(f.cls);
  }
  return { yPred, yTrue };
}

/** calculate_accuracy: one score per file (anomaly detection, label 1 anomalous) or argmax. */
export function calculateAccuracy(yPred: number[][], yTrue: number[]): number {
  if (yPred[0]!.length === 1) {
    const s = yPred.map((p) => p[0]!);
    const lo = Math.min(...s), hi = Math.max(...s);
    let best = 0;
    for (let k = 0; k < 100; k++) {
      const threshold = lo + k * 0.01 * (hi - lo); // np.arange(0.0, 1.0, .01)
      let tp = 0, fp = 0, fn = 0;
      s.forEach((v, i) => {
        const anomalous = v > threshold;
        if (yTrue[i] === 0 && anomalous) fp++;
        else if (yTrue[i] === 1) anomalous ? tp++ : fn++;
      });
      const precision = tp / (tp + fp + 1e-8);
      const recall = tp / (tp + fn + 1e-8);
      best = Math.max(best, (100 * (precision + recall)) / 2);
    }
    return best;
  }
  const correct = yPred.filter((p, i) => p.indexOf(Math.max(...p)) === yTrue[i]).length;
  return (100 * correct) / yPred.length;
}

/** The area under the ROC curve of one score against a yes/no truth: ties count a half (as roc_curve's trapezoids do). */
function binaryAuc(positive: boolean[], score: number[]): number {
  const order = score.map((v, i) => i).sort((a, b) => score[a]! - score[b]!);
  const rank = new Array<number>(score.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && score[order[j + 1]!] === score[order[i]!]) j++;
    for (let k = i; k <= j; k++) rank[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = positive.filter(Boolean).length, neg = positive.length - pos;
  const rankSum = positive.reduce((a, p, i) => (p ? a + rank[i]! : a), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** roc_auc_score(y_true, y_pred[:, 1]) for two scores, else roc_auc_score(..., multi_class='ovr'). */
export function rocAuc(yPred: number[][], yTrue: number[]): { auc?: number; auc_note?: string } {
  const classes = [...new Set(yTrue)].sort((a, b) => a - b);
  const columns = yPred[0]!.length;
  const binary = columns === 2 || (columns === 1 && classes.length <= 2);
  if (binary) {
    if (classes.length !== 2) return { auc_note: `the labels hold ${classes.length} class(es); roc_auc_score needs both classes` };
    return { auc: binaryAuc(yTrue.map((y) => y === classes[1]), yPred.map((p) => p[columns - 1]!)) };
  }
  if (classes.length !== columns) {
    return { auc_note: `the labels hold ${classes.length} classes and each result ${columns} scores; roc_auc_score (one-vs-rest) needs every class` };
  }
  const aucs = classes.map((c, j) => binaryAuc(yTrue.map((y) => y === c), yPred.map((p) => p[j]!)));
  return { auc: aucs.reduce((a, b) => a + b, 0) / aucs.length };
}

/** summarize_result's accuracy-mode branch. */
export function summarizeAccuracy(windows: ScoredWindow[]): AccuracySummary {
  const { yPred, yTrue } = perFile(windows);
  return { accuracy: calculateAccuracy(yPred, yTrue), ...rocAuc(yPred, yTrue) };
}

/** np.median. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Python's f"{v:.{digits}f}": the exact binary value, a tie rounded to even (toFixed rounds it up). */
export function pyFixed(v: number, digits: number): string {
  const up = v.toFixed(digits);
  if (!Number.isFinite(v) || v < 0) return up;
  const exact = v.toFixed(100);
  const dot = exact.indexOf(".");
  const tail = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(tail)) return up;
  const down = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  return Number(down.at(-1)) % 2 === 0 ? down : up;
}

/** datetime.now().strftime("%m%d.%H%M%S "), local time as the runner prints it. */
function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(now.getMonth() + 1)}${p(now.getDate())}.${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())} `;
}

export interface SummaryForResults {
  mode: "p" | "a";
  /** Performance mode: every window's throughput (inferences per second of the device's clock). */
  throughputs?: number[];
  /** Performance mode: the runner's checks that failed ("error 1", "error 2"). */
  errors: string[];
  accuracy?: AccuracySummary;
}

/** The lines summarize_result prints with print_tee into results.txt (performance or accuracy mode). */
export function resultsText(s: SummaryForResults, now = new Date()): string {
  const t = `${stamp(now)}ulp-mlperf: `;
  const lines: string[] = [];
  if (s.mode === "p") {
    const rule = `${t}---------------------------------------------------------`;
    if (s.errors.includes("error 1")) lines.push(`${t}ERROR 1 - loop_count was not exactly 5.`);
    else if (s.errors.includes("error 2")) lines.push(`${t}ERROR 2 - loop exited before 10 seconds elapsed.`);
    else lines.push(rule, `${t}Median throughput is ${pyFixed(median(s.throughputs ?? []), 3).padStart(10)} inf./sec.`, rule);
  } else if (s.accuracy) {
    lines.push(`${t}Top 1% = ${pyFixed(s.accuracy.accuracy, 1).padStart(2)}`);
    // Where scikit-learn refuses, the runner stops with its ValueError; we say so in its place.
    lines.push(s.accuracy.auc === undefined ? `${t}AUC not computed: ${s.accuracy.auc_note}` : `${t}AUC = ${pyFixed(s.accuracy.auc, 3)}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}
