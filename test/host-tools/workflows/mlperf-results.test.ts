// The runner's summary and results.txt (main.py @6b4e30ae, host-tools/src/workflows/mlperf-results.ts):
// Python's rounding, scikit-learn's roc_auc_score on known cases, the anomaly-detection
// accuracy, and the lines of results.txt in each mode.
import assert from "node:assert/strict";
import { test } from "node:test";
import { calculateAccuracy, pyFixed, resultsText, rocAuc, summarizeAccuracy } from "../../../host-tools/src/workflows/mlperf-results.js";

test("pyFixed rounds as Python's format does: exact binary value, ties to even", () => {
  assert.equal(pyFixed(0.125, 2), "0.12");
  assert.equal(pyFixed(0.375, 2), "0.38");
  assert.equal(pyFixed(0.0625, 3), "0.062");
  assert.equal(pyFixed(12.25, 1), "12.2");
  assert.equal(pyFixed(2.675, 2), "2.67"); // 2.67499999... in binary
  assert.equal(pyFixed(99.99999998, 1), "100.0");
  assert.equal(pyFixed(7066.4, 3), "7066.400");
});

test("roc_auc_score: scikit-learn's binary example, one-vs-rest with ties, and the cases it refuses", () => {
  // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  assert.deepEqual(rocAuc([[0.1], [0.4], [0.35], [0.8]], [0, 0, 1, 1]), { auc: 0.75 });
  // Two scores: the second column against class 1.
  assert.deepEqual(rocAuc([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]], [0, 0, 1, 1]), { auc: 0.75 });
  // Three classes: class 1's column ties its positive with two negatives (2/3); the others separate (1).
  const auc = rocAuc([[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]], [0, 1, 2, 2]).auc!;
  assert.ok(Math.abs(auc - (1 + 2 / 3 + 1) / 3) < 1e-12, String(auc));
  assert.match(rocAuc([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1]], [0, 1]).auc_note!, /2 classes and each result 3 scores/);
  assert.match(rocAuc([[0.2], [0.3]], [1, 1]).auc_note!, /1 class\(es\)/);
});

test("calculate_accuracy: argmax for classifiers; for one score (ad01) the best (precision + recall) / 2 over 100 thresholds", () => {
  assert.equal(calculateAccuracy([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], [1, 0, 0]), (100 * 2) / 3);
  const separated = calculateAccuracy([[1], [2], [10], [11]], [0, 0, 1, 1]);
  assert.ok(separated > 99.99999 && separated < 100, String(separated));
  // One anomalous file scores below a normal one: the best threshold keeps both anomalies, one false alarm.
  const mixed = calculateAccuracy([[1], [5], [4], [11]], [0, 0, 1, 1]);
  assert.ok(Math.abs(mixed - 100 * (2 / 3 + 1) / 2) < 1e-5, String(mixed));
});

test("summarize_result: windows of a file are averaged after normalising their probabilities", () => {
  const s = summarizeAccuracy([
    { file: "a", class: 0, results: [3, 1] }, { file: "a", class: 0, results: [1, 1] },
    { file: "b", class: 1, results: [1, 4] },
  ]);
  assert.equal(s.accuracy, 100);
  assert.equal(s.auc, 1);
});

test("results.txt: the runner's lines in performance mode, its errors, and in accuracy mode", () => {
  const at = new Date(2026, 11, 6, 7, 5, 9);
  const rule = "1206.070509 ulp-mlperf: ---------------------------------------------------------";
  assert.equal(resultsText({ mode: "p", throughputs: [3, 1, 2, 5, 4], errors: [] }, at),
    `${rule}\n1206.070509 ulp-mlperf: Median throughput is      3.000 inf./sec.\n${rule}\n`);
  assert.equal(resultsText({ mode: "p", throughputs: [3], errors: ["error 1", "error 2"] }, at),
    "1206.070509 ulp-mlperf: ERROR 1 - loop_count was not exactly 5.\n");
  assert.equal(resultsText({ mode: "p", throughputs: [3, 3, 3, 3, 3], errors: ["error 2"] }, at),
    "1206.070509 ulp-mlperf: ERROR 2 - loop exited before 10 seconds elapsed.\n");
  assert.equal(resultsText({ mode: "a", errors: [], accuracy: { accuracy: 99.99999998, auc: 1 } }, at),
    "1206.070509 ulp-mlperf: Top 1% = 100.0\n1206.070509 ulp-mlperf: AUC = 1.000\n");
  assert.equal(resultsText({ mode: "a", errors: [], accuracy: { accuracy: 60, auc_note: "why" } }, at),
    "1206.070509 ulp-mlperf: Top 1% = 60.0\n1206.070509 ulp-mlperf: AUC not computed: why\n");
});
