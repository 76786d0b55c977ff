// MLPerf Tiny datasets in the runner's layout (datasets/<model>/ with y_labels.csv), made from
// the reference models' inputs, and the exact `m-results-[...]` lines the reference
// submitters would print for them, from TFLM's output bytes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { RunnerPort, runMlperfSession, type MlperfModel, type MlperfScript, type SessionResult } from "../../host-tools/src/workflows/mlperf-runner.js";
import { sharedDir } from "./paths.js";

const refDir = path.join(sharedDir, "reference-models");
export const MODEL_DIRS: Record<MlperfModel, string> = {
  ad01: path.join(refDir, "ad01_int8"),
  kws01: path.join(refDir, "kws_ref_model"),
  vww01: path.join(refDir, "vww_96_int8"),
  ic01: path.join(refDir, "pretrainedResnet_quant"),
};

interface Quant { scale: number; zero_point: number }
function meta(model: MlperfModel): { inputs: Quant[]; outputs: Quant[] } {
  return JSON.parse(readFileSync(path.join(MODEL_DIRS[model], "meta.json"), "utf8")) as { inputs: Quant[]; outputs: Quant[] };
}
const f32 = Math.fround;
const int8 = (b: Buffer) => [...new Int8Array(b.buffer, b.byteOffset, b.length)];
const input = (model: MlperfModel, k: number) => readFileSync(path.join(MODEL_DIRS[model], `in_${k}.in0.bin`));
const output = (model: MlperfModel, k: number) => readFileSync(path.join(MODEL_DIRS[model], `out_${k}.out0.bin`));

/** printf("%0.3f", (double)v) for a float v: exact value times 1000, rounded half to even. */
export function fmt3(v: number): string {
  let p = v * 1000; // exact: a float times 1000 fits a double's 53 bits
  const neg = p < 0;
  if (neg) p = -p;
  let m = Math.floor(p);
  const frac = p - m;
  if (frac > 0.5 || (frac === 0.5 && m % 2 === 1)) m++;
  return `${neg && m ? "-" : ""}${Math.floor(m / 1000)}.${String(m % 1000).padStart(3, "0")}`;
}

/** DequantizeInt8ToFloat in float arithmetic. */
const deq = (v: number, q: Quant) => f32(f32(v - q.zero_point) * f32(q.scale));

/** ad01's official format: float32 windows; these are the int8 case's values dequantized. */
function ad01Floats(k: number): Buffer {
  const q = meta("ad01").inputs[0]!;
  const floats = new Float32Array(int8(input("ad01", k)).map((v) => deq(v, q)));
  return Buffer.from(floats.buffer);
}

/** calculate_result() of the ad01 reference: mean squared error, float arithmetic in order. */
function ad01Score(k: number): string {
  const qi = meta("ad01").inputs[0]!, qo = meta("ad01").outputs[0]!;
  const x = int8(input("ad01", k)).map((v) => deq(v, qi));
  const y = int8(output("ad01", k)).map((v) => deq(v, qo));
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = f32(y[i]! - x[i]!);
    sum = f32(sum + f32(d * d));
  }
  return `m-results-[${fmt3(f32(sum / y.length))}]`;
}

function probs(model: MlperfModel, k: number): { line: string; argmax: number } {
  const q = meta(model).outputs[0]!;
  const v = int8(output(model, k)).map((x) => deq(x, q));
  return { line: `m-results-[${v.map(fmt3).join(",")}]`, argmax: v.indexOf(Math.max(...v)) };
}

export interface Dataset {
  dir: string;
  /** The m-results line expected for each window, keyed "file#segment". */
  expected: Map<string, string>;
  /** Windows the runner will send (files × their windows). */
  windows: number;
}

/**
 * A dataset for one model. Classifiers: one file per reference case, its class TFLM's argmax.
 * ad01: files of two float32 windows (bytes_to_send 2560); in accuracy mode the stride is a
 * whole window so that every window has TFLM's output; in performance mode the official
 * stride (512) and only the first window is sent.
 */
export function makeDataset(root: string, model: MlperfModel, mode: "p" | "a"): Dataset {
  const dir = path.join(root, `${model}-${mode}`);
  mkdirSync(dir, { recursive: true });
  const expected = new Map<string, string>();
  const rows: string[] = [];
  let windows = 0;
  if (model === "ad01") {
    // Cases 8-11 are real log-mel windows (normal, class 0), 0-3 pseudo-random (anomalous,
    // class 1: main.py's calculate_accuracy and roc_auc_score take a high score as class 1).
    const files = mode === "a" ? [[8, 9, 0], [10, 11, 0], [0, 1, 1], [2, 3, 1]] : [[8, 9, 0], [10, 11, 0], [0, 1, 1], [2, 3, 1], [9, 10, 0]];
    files.forEach(([a, b, cls], i) => {
      const name = `ad01_${i}.bin`;
      const stride = mode === "a" ? 2560 : 512;
      const data = mode === "a" ? Buffer.concat([ad01Floats(a!), ad01Floats(b!)]) : Buffer.concat([ad01Floats(a!), ad01Floats(b!).subarray(0, 512)]);
      writeFileSync(path.join(dir, name), data);
      rows.push(`${name},2,${cls},2560,${stride}`);
      expected.set(`${name}#0`, ad01Score(a!));
      if (mode === "a") expected.set(`${name}#1`, ad01Score(b!));
      windows += mode === "a" ? 2 : 1;
    });
  } else {
    const cases = model === "vww01" ? [8, 9, 10, 0, 1] : [8, 0, 1, 2, 3];
    const classes = model === "kws01" ? 12 : model === "vww01" ? 2 : 10;
    for (const k of cases) {
      const name = `${model}_${k}.bin`;
      const raw = input(model, k);
      // kws01 takes int8 features as they are; vww01 and ic01 take uint8 pixels (int8 + 128).
      const data = model === "kws01" ? raw : Buffer.from(raw.map((b) => b ^ 0x80));
      writeFileSync(path.join(dir, name), data);
      const p = probs(model, k);
      rows.push(`${name},${classes},${p.argmax}`);
      expected.set(`${name}#0`, p.line);
      windows++;
    }
  }
  writeFileSync(path.join(dir, "y_labels.csv"), rows.join("\n") + "\n");
  return { dir, expected, windows };
}

export interface Checked {
  result: SessionResult;
  sent: string[];
}

/**
 * Runs one scripted runner session on a board's UART and checks every window's results
 * line against the reference's; returns what was sent and the session's result.
 */
export async function runChecked(uartPath: string, model: MlperfModel, mode: "p" | "a", root: string,
  opts: { script?: MlperfScript; lineTimeoutMs?: number } = {}): Promise<Checked> {
  const ds = makeDataset(root, model, mode);
  const port = new RunnerPort(await openSerial(uartPath, 115200), { lineTimeoutMs: opts.lineTimeoutMs });
  try {
    const result = await runMlperfSession(port, { mode, datasetDir: ds.dir, script: opts.script });
    assert.equal(result.model, model);
    assert.equal(result.windows.length, mode === "p" ? 5 : ds.windows);
    for (const w of result.windows) {
      const line = w.infer.lines.find((l) => l.startsWith("m-results-"));
      assert.equal(line, ds.expected.get(`${w.file}#${w.segment}`), `${model} ${w.file} window ${w.segment}: ${w.infer.lines.join(" | ")}`);
      assert.ok(w.infer.elapsed_time !== undefined && w.infer.elapsed_time >= 0, "two m-lap-us lines");
    }
    return { result, sent: port.sent };
  } finally {
    await port.close();
  }
}
