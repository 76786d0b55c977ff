// The int8 inference engine on the host: `wasmcu-nn` (firmware/nn built for
// Linux) describes and runs .tflite models; this module calls it and returns
// typed results. Errors come back as typed errors carrying the engine's own
// message (which names the table, tensor or operator at fault).
import { existsSync, readFileSync, statSync } from "node:fs";
import { ensureHostTool } from "../host/tools.js";
import { InputError, WasmcuError } from "../lib/errors.js";
import { run } from "../lib/proc.js";
import { tensorValues, type TensorValues } from "./values.js";

export interface NnTensor {
  index: number;
  name: string;
  type: string;
  shape: number[];
  bytes: number;
  kind: "const" | "state" | "activation";
  scale: number;
  zero_point: number;
  quant_channels: number;
}

export interface NnOp {
  index: number;
  op: string;
  builtin_code: number;
  version: number;
  supported: boolean;
  inputs: number[];
  outputs: number[];
}

export interface NnIo {
  tensor: number;
  name: string;
  type: string;
  shape: number[];
  bytes: number;
  scale: number;
  zero_point: number;
}

export interface NnModelInfo {
  model: string;
  model_bytes: number;
  schema_version: number;
  description: string;
  subgraphs: number;
  /** Arena the model needs (null when it cannot be planned, see error). */
  arena_bytes: number | null;
  /** Why the model cannot run here (an unsupported operator...), or null. */
  error: string | null;
  ops: NnOp[];
  unsupported_ops: string[];
  tensors: NnTensor[];
  inputs: NnIo[];
  outputs: NnIo[];
  /** Bytes of constant tensors (weights) read in place from flash. */
  const_bytes: number;
}

export interface NnRunOptions {
  inputs: string[];
  outputPrefix: string;
  profile?: boolean;
  /** Invocations for latency figures (each from a reset state). */
  repeat?: number;
  /** Frames per input file fed to one interpreter in order (stateful models). */
  frames?: number;
}

export interface NnRunReport {
  model: string;
  arena_bytes: number;
  invokes: number;
  latency_ns: { min: number; mean: number; clock: string };
  outputs: { index: number; tensor: number; file: string; bytes: number; type: string; shape: number[]; scale: number; zero_point: number;
    /** What the output file holds, as numbers (added by the CLI's library, not wasmcu-nn). */
    values?: TensorValues }[];
  profile?: { op_index: number; op: string; ticks_ns: number; arena_bytes: number }[];
}

/** The engine's message without its program prefix. */
function engineMessage(stderr: string): string {
  return stderr.trim().split("\n").map((l) => l.replace(/^wasmcu-nn: /, "")).join("\n");
}

function checkFile(file: string, what: string): void {
  if (!existsSync(file)) throw new InputError(`${what} ${file} does not exist`);
  if (!statSync(file).isFile()) throw new InputError(`${what} ${file} is not a file`);
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new WasmcuError(`wasmcu-nn ${what} printed no JSON`, { details: text.slice(0, 2000) });
  }
}

/** Describes a model: operators in execution order, tensors, arena and flash needs. */
export async function modelInfo(model: string): Promise<NnModelInfo> {
  checkFile(model, "model");
  const exe = await ensureHostTool("wasmcu-nn");
  const r = await run(exe, ["info", model, "--json"]);
  // Exit 1 with JSON: the model reads but cannot be planned (the JSON says why).
  if (r.stdout.trim().startsWith("{")) return parseJson<NnModelInfo>(r.stdout, "info");
  throw new InputError(engineMessage(r.stderr) || `wasmcu-nn info failed (status ${r.code})`);
}

/** Runs a model once (or --repeat/--frames times) on the host engine, writing PREFIX.out<i>.bin. */
export async function runModel(model: string, opts: NnRunOptions): Promise<NnRunReport> {
  checkFile(model, "model");
  opts.inputs.forEach((f, i) => checkFile(f, `input ${i}`));
  const args = ["run", model, ...opts.inputs.flatMap((f) => ["--input", f]), "--output-prefix", opts.outputPrefix, "--json"];
  if (opts.profile) args.push("--profile");
  if (opts.repeat !== undefined) args.push("--repeat", String(opts.repeat));
  if (opts.frames !== undefined) args.push("--frames", String(opts.frames));
  const exe = await ensureHostTool("wasmcu-nn");
  const r = await run(exe, args);
  if (r.code !== 0) throw new InputError(engineMessage(r.stderr) || `wasmcu-nn run failed (status ${r.code})`);
  const report = parseJson<NnRunReport>(r.stdout, "run");
  for (const o of report.outputs) {
    const values = existsSync(o.file) ? tensorValues(readFileSync(o.file), o.type, o.scale, o.zero_point) : undefined;
    if (values) o.values = values;
  }
  return report;
}
