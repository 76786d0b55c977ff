// `wasmcu convert`: TF.js Layers model -> int8 .tflite. Read and lower the
// model, calibrate on a sample set with the float executor, quantize per the
// TFLite int8 spec, write the FlatBuffer; optionally evaluate float vs int8
// (our TypeScript int8 reference and the C engine) on a held-out set.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureHostTool } from "../host/tools.js";
import { checkOutputFile, isStdio, writeOutput } from "../lib/files.js";
import { InputError, WasmcuError } from "../lib/errors.js";
import { run } from "../lib/proc.js";
import type { NnModelInfo, NnRunReport } from "../nn/engine.js";
import { readSamples, type SampleSet } from "./data.js";
import { runFloat } from "./float-exec.js";
import { type Graph, numel } from "./graph.js";
import { dequantize, quantizeInput, runInt8 } from "./int8-exec.js";
import { type QModel, quantizeGraph } from "./quantize.js";
import { lowerModel, readLayersModel } from "./tfjs.js";
import { writeTflite } from "./tflite-writer.js";

export { readLayersModel, lowerModel } from "./tfjs.js";
export { quantizeGraph } from "./quantize.js";
export { runFloat } from "./float-exec.js";
export { runInt8, quantizeInput, dequantize } from "./int8-exec.js";
export { writeTflite } from "./tflite-writer.js";
export { readSamples } from "./data.js";

export interface ConvertOptions {
  model: string;
  output: string;
  calibration: string;
  /** Per-channel weight scales (default true). */
  perChannel?: boolean;
  /** int8 (default): int8 model inputs/outputs; float32: wrapped in QUANTIZE/DEQUANTIZE. */
  inputs?: "int8" | "float32";
  report?: boolean;
  /** Held-out set for the report (default: the calibration set). */
  evalData?: string;
  /** wasmcu-nn to run the int8 model with (default: built on demand). */
  engine?: string;
}

export interface IoInfo { name: string; shape: number[]; type: "int8" | "float32"; scale: number; zero_point: number }

export interface OutputError { index: number; name: string; scale: number; max_abs_error: number; rms_error: number; max_error_lsb: number }

export interface ConvertReport {
  eval_file: string;
  held_out: boolean;
  samples: number;
  labelled: boolean;
  float_accuracy: number | null;
  int8_accuracy: number | null;
  engine_accuracy: number | null;
  /** Fraction of samples where the int8 model's top class equals the float model's. */
  top1_agreement: number;
  outputs: OutputError[];
  /** The engine's output bytes equal the TypeScript int8 reference on every sample. */
  engine_matches_reference: boolean;
  engine_mismatched_samples: number;
  model_bytes: number;
  weight_bytes: number;
  arena_bytes: number | null;
  engine_unsupported_ops: string[];
}

export interface ConvertResult {
  model: string;
  output: string;
  bytes: number;
  ops: string[];
  op_counts: Record<string, number>;
  per_channel: boolean;
  io: "int8" | "float32";
  calibration_samples: number;
  inputs: IoInfo[];
  outputs: IoInfo[];
  report?: ConvertReport;
}

export interface Converted {
  graph: Graph;
  quantized: QModel;
  bytes: Uint8Array;
  ops: string[];
  calibrationSamples: number;
}

/** The whole conversion in memory (no files written). */
export function convertInMemory(modelFile: string, calibration: SampleSet | string, opts: { perChannel?: boolean; floatIo?: boolean } = {}): Converted {
  const graph = lowerModel(readLayersModel(modelFile));
  if (graph.inputs.length !== 1) throw new InputError(`${modelFile}: the model has ${graph.inputs.length} inputs; calibration data covers single-input models only`);
  const elements = numel(graph.tensors[graph.inputs[0]!]!.shape);
  const set = typeof calibration === "string" ? readSamples(calibration, elements) : calibration;
  if (set.samples.length === 0) throw new InputError(`the calibration set ${set.file} is empty`, "give at least one input sample (a few hundred representative ones are better)");
  const quantized = quantizeGraph(graph, set.samples.map((x) => [x]), opts.perChannel ?? true);
  const { bytes, ops } = writeTflite(quantized, { floatIo: opts.floatIo ?? false, description: `wasmcu convert ${path.basename(modelFile)}` });
  return { graph, quantized, bytes, ops, calibrationSamples: set.samples.length };
}

const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i; return b; };

async function engineRun(exe: string, model: string, input: Uint8Array, frames: number, dir: string): Promise<{ run: NnRunReport; outs: Uint8Array[] }> {
  const inFile = path.join(dir, "eval.in.bin");
  writeFileSync(inFile, input);
  const prefix = path.join(dir, "eval");
  const r = await run(exe, ["run", model, "--input", inFile, "--output-prefix", prefix, "--frames", String(frames), "--json"]);
  if (r.code !== 0) throw new WasmcuError(`the engine could not run the converted model: ${r.stderr.trim().replace(/^wasmcu-nn: /, "")}`);
  const rep = JSON.parse(r.stdout) as NnRunReport;
  return { run: rep, outs: rep.outputs.map((o) => new Uint8Array(readFileSync(o.file))) };
}

async function evaluate(c: Converted, file: string, set: SampleSet, heldOut: boolean, floatIo: boolean, exe: string, dir: string): Promise<ConvertReport> {
  const g = c.graph, q = c.quantized;
  const inT = g.inputs[0]!;
  const info = await run(exe, ["info", file, "--json"]);
  if (!info.stdout.trim().startsWith("{")) throw new WasmcuError(`wasmcu-nn info failed on the converted model: ${info.stderr.trim()}`);
  const ni = JSON.parse(info.stdout) as NnModelInfo;
  const n = set.samples.length;
  const floatOut = set.samples.map((s) => { const v = runFloat(g, [s]); return g.outputs.map((t) => v[t]!); });
  const refOut = set.samples.map((s) => { const v = runInt8(q, [quantizeInput(s, q.q[inT]!)]); return g.outputs.map((t) => v[t]!); });
  // The engine: all samples as frames of one run.
  let engineOut: Int8Array[][] | undefined;
  let mismatched = n;
  if (ni.error === null) {
    const elements = numel(g.tensors[inT]!.shape);
    const input = floatIo ? new Uint8Array(4 * elements * n) : new Uint8Array(elements * n);
    set.samples.forEach((s, i) => {
      if (floatIo) new Float32Array(input.buffer).set(s, i * elements);
      else input.set(new Uint8Array(quantizeInput(s, q.q[inT]!).buffer), i * elements);
    });
    const { outs } = await engineRun(exe, file, input, n, dir);
    engineOut = set.samples.map((_, i) => g.outputs.map((t, k) => {
      const per = numel(g.tensors[t]!.shape);
      if (floatIo) {
        // Float outputs: requantize the engine's DEQUANTIZE result to compare bytes.
        const f = new Float32Array(outs[k]!.buffer.slice(outs[k]!.byteOffset + 4 * per * i, outs[k]!.byteOffset + 4 * per * (i + 1)));
        return quantizeInput(f, q.q[t]!);
      }
      return new Int8Array(outs[k]!.buffer.slice(outs[k]!.byteOffset + per * i, outs[k]!.byteOffset + per * (i + 1)));
    }));
    mismatched = engineOut.filter((e, i) => e.some((o, k) => Buffer.compare(Buffer.from(o.buffer), Buffer.from(refOut[i]![k]!.buffer)) !== 0)).length;
  }
  const outputs: OutputError[] = g.outputs.map((t, k) => {
    const qp = q.q[t]!;
    let max = 0, sq = 0, cnt = 0;
    for (let i = 0; i < n; i++) {
      const d = dequantize(refOut[i]![k]!, qp), f = floatOut[i]![k]!;
      for (let j = 0; j < f.length; j++) { const e = Math.abs(d[j]! - f[j]!); max = Math.max(max, e); sq += e * e; cnt++; }
    }
    return { index: k, name: g.tensors[t]!.name, scale: qp.scale, max_abs_error: max, rms_error: Math.sqrt(sq / Math.max(1, cnt)), max_error_lsb: max / qp.scale };
  });
  const acc = (pick: (i: number) => ArrayLike<number>) => set.labels ? set.labels.filter((l, i) => argmax(pick(i)) === l).length / n : null;
  const agree = set.samples.filter((_, i) => argmax(floatOut[i]![0]!) === argmax(refOut[i]![0]!)).length / n;
  return {
    eval_file: set.file, held_out: heldOut, samples: n, labelled: !!set.labels,
    float_accuracy: acc((i) => floatOut[i]![0]!),
    int8_accuracy: acc((i) => refOut[i]![0]!),
    engine_accuracy: engineOut ? acc((i) => engineOut![i]![0]!) : null,
    top1_agreement: agree, outputs,
    engine_matches_reference: engineOut !== undefined && mismatched === 0,
    engine_mismatched_samples: mismatched,
    model_bytes: ni.model_bytes, weight_bytes: ni.const_bytes, arena_bytes: ni.arena_bytes,
    engine_unsupported_ops: ni.unsupported_ops,
  };
}

/** Converts MODEL.json to OUTPUT (.tflite). Nothing is left at OUTPUT if anything fails. */
export async function convertModel(o: ConvertOptions): Promise<ConvertResult> {
  const floatIo = o.inputs === "float32";
  if (o.inputs !== undefined && o.inputs !== "int8" && o.inputs !== "float32") throw new InputError(`--inputs must be int8 or float32, not ${String(o.inputs)}`);
  const perChannel = o.perChannel ?? true;
  checkOutputFile(o.output, "-o");
  const c = convertInMemory(o.model, o.calibration, { perChannel, floatIo });
  const g = c.graph, q = c.quantized;
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-convert-"));
  // "-o -": the model goes to stdout once it is complete (and evaluated, with --report).
  const tmp = isStdio(o.output) ? path.join(dir, "model.tflite") : `${o.output}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, c.bytes);
    let report: ConvertReport | undefined;
    if (o.report) {
      const elements = numel(g.tensors[g.inputs[0]!]!.shape);
      const set = readSamples(o.evalData ?? o.calibration, elements);
      if (set.samples.length === 0) throw new InputError(`the evaluation set ${set.file} is empty`);
      const exe = o.engine ?? (await ensureHostTool("wasmcu-nn"));
      report = await evaluate(c, tmp, set, o.evalData !== undefined, floatIo, exe, dir);
    }
    if (isStdio(o.output)) writeOutput(o.output, c.bytes);
    else renameSync(tmp, o.output);
    const io = (t: number): IoInfo => ({ name: g.tensors[t]!.name, shape: g.tensors[t]!.shape, type: floatIo ? "float32" : "int8", scale: q.q[t]!.scale, zero_point: q.q[t]!.zp });
    const counts: Record<string, number> = {};
    for (const op of c.ops) counts[op] = (counts[op] ?? 0) + 1;
    return {
      model: o.model, output: o.output, bytes: c.bytes.length, ops: c.ops, op_counts: counts, per_channel: perChannel,
      io: floatIo ? "float32" : "int8", calibration_samples: c.calibrationSamples, inputs: g.inputs.map(io), outputs: g.outputs.map(io), report,
    };
  } finally {
    rmSync(tmp, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
