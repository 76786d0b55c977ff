// A scripted MLPerf Tiny session that sends what MLCommons' runner sends, byte for byte, and
// reads the answers as it reads them. Our own code, modelled on the runner in
// mlcommons/tiny benchmark/runner (files read at the commits named below; the runner
// itself is Python and is not installed here):
//   serial_device.py @20d7b7b3  SerialDevice: write_line, _read_loop, read_line, send_command
//   device_under_test.py @1af53ffc  DUT: _get_name, _get_profile, load, infer
//   script.py @09f3bf8a  _ScriptDownloadStep (ad01 windows), _ScriptLoopStep, _ScriptInferStep
//   datasets.py @a054d3b4  DataSet: y_labels.csv rows file,classes,class,bytes_to_send,stride
//   tests_performance.yaml @22b2dc07, tests_accuracy.yaml @23e62416: the scripts per model
//   main.py @6b4e30ae  the summary and results.txt (mlperf-results.ts)
import { readFileSync } from "node:fs";
import path from "node:path";
import { WasmcuError } from "../lib/errors.js";
import type { Transport } from "../link/transport.js";
import { median, summarizeAccuracy } from "./mlperf-results.js";

export class MlperfSessionError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_MLPERF", hint });
  }
}

export type MlperfMode = "p" | "a";
export type MlperfModel = "ad01" | "kws01" | "vww01" | "ic01";

/** One model's script: `loop [count]:` of `download` and `infer N W` (tests_*.yaml). */
export interface MlperfScript {
  /** undefined: every file of the truth file (accuracy mode). */
  loop: number | undefined;
  infer: { iterations: number; warmups: number };
}

/** tests_performance.yaml and tests_accuracy.yaml as the runner ships them. */
export const RUNNER_SCRIPTS: Record<MlperfMode, Record<MlperfModel, MlperfScript>> = {
  p: {
    ad01: { loop: 5, infer: { iterations: 1500, warmups: 10 } },
    ic01: { loop: 5, infer: { iterations: 20, warmups: 5 } },
    kws01: { loop: 5, infer: { iterations: 70, warmups: 10 } },
    vww01: { loop: 5, infer: { iterations: 20, warmups: 5 } },
  },
  a: {
    ad01: { loop: undefined, infer: { iterations: 1, warmups: 0 } },
    ic01: { loop: undefined, infer: { iterations: 1, warmups: 0 } },
    kws01: { loop: undefined, infer: { iterations: 1, warmups: 0 } },
    vww01: { loop: undefined, infer: { iterations: 1, warmups: 0 } },
  },
};

export interface RunnerPortOptions {
  /** read_line's wait for each line: the runner's SerialDevice uses 5 s. */
  lineTimeoutMs?: number;
}

/** SerialDevice(port, baud, "m-ready", '%'): commands end in '%', answers are lines up to m-ready. */
export class RunnerPort {
  private lines: string[] = [];
  private partial = "";
  private waiter: (() => void) | undefined;
  /** Every byte sent, in order, for tests that check what went on the wire. */
  readonly sent: string[] = [];

  constructor(private readonly transport: Transport, private readonly opts: RunnerPortOptions = {}) {
    // _read_loop: one char at a time; '\r' and '\0' dropped, '\n' ends a line.
    transport.onData((chunk) => {
      for (const b of chunk) {
        const c = String.fromCharCode(b);
        if (c === "\n") {
          this.lines.push(this.partial);
          this.partial = "";
        } else if (c !== "\r" && c !== "\0") {
          this.partial += c;
        }
      }
      this.waiter?.();
    });
  }

  /** One write per call, unpaced, as pyserial's write does. */
  private write(text: string): void {
    this.sent.push(text);
    this.transport.write(Buffer.from(text, "latin1"));
  }

  /** read_line(timeout): the next line, or undefined if none came in time. */
  private async readLine(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.lines.shift();
  }

  /** send_command: write_line(command) — the text, then the '%' in a second write — and the
   * non-empty lines up to the first that contains "m-ready". */
  async sendCommand(command: string): Promise<string[]> {
    this.write(command);
    this.write("%");
    const out: string[] = [];
    for (;;) {
      const line = await this.readLine(this.opts.lineTimeoutMs ?? 5000);
      if (line === undefined) throw new MlperfSessionError(`No response to command ${command}`);
      if (line) out.push(line);
      if (line.includes("m-ready")) return out;
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

export interface InferResult {
  results?: number[];
  start_time?: number;
  end_time?: number;
  elapsed_time?: number;
  total_inferences: number;
  iterations: number;
  warmups: number;
  throughput?: number;
  /** Every line of the answer (e- lines included). */
  lines: string[];
}

/** DUT (device_under_test.py) over a RunnerPort. */
export class Dut {
  /** load() sends 31 bytes a command (26 with a power manager, which we do not drive). */
  readonly maxBytes = 31;
  constructor(readonly port: RunnerPort) {}

  /** _get_name: m-name-dut-[NAME]. */
  async name(): Promise<string | undefined> {
    for (const l of await this.port.sendCommand("name")) {
      const m = /^m-(name)-dut-\[([^\]]+)]$/.exec(l);
      if (m) return m[2];
    }
    return undefined;
  }

  /** _get_profile: m-profile-[...] and m-model-[...]; the model picks the script. */
  async profile(): Promise<{ profile?: string; model?: string }> {
    const r: { profile?: string; model?: string } = {};
    for (const l of await this.port.sendCommand("profile")) {
      const m = /^m-(model|profile)-\[([^\]]+)]$/.exec(l);
      if (m) r[m[1] as "model" | "profile"] = m[2];
    }
    return r;
  }

  /** load: `db load N`, then `db HEX` of maxBytes bytes each, lower-case hex. */
  async load(data: Uint8Array): Promise<string[]> {
    await this.port.sendCommand(`db load ${data.length}`);
    let result: string[] = [];
    for (let i = 0; i < data.length; i += this.maxBytes) {
      result = await this.port.sendCommand(`db ${Buffer.from(data.subarray(i, i + this.maxBytes)).toString("hex")}`);
    }
    return result;
  }

  /** infer: `infer N W`, warmups always given. */
  infer(iterations: number, warmups: number): Promise<string[]> {
    return this.port.sendCommand(`infer ${iterations} ${warmups}`);
  }
}

/** _ScriptInferStep._gather_infer_results. */
export function gatherInferResults(lines: string[], iterations: number, warmups: number): InferResult {
  const r: InferResult = { total_inferences: 0, iterations, warmups, lines };
  for (const l of lines) {
    let m = /^m-results-\[([^\]]+)\]$/.exec(l);
    if (m) {
      r.results = m[1]!.split(",").filter((x) => x.trim()).map(Number);
      r.total_inferences += 1;
      continue;
    }
    m = /^m-lap-us-([0-9]+)$/.exec(l);
    if (m) {
      if (r.start_time === undefined) r.start_time = Number(m[1]);
      else r.end_time = Number(m[1]);
    }
  }
  if (r.start_time !== undefined && r.end_time !== undefined) r.elapsed_time = r.end_time - r.start_time;
  return r;
}

/** A row of y_labels.csv (DataSet._read_truth_file). */
export interface TruthRow {
  file: string;
  classes: string;
  class: string;
  bytes_to_send?: string;
  stride?: string;
}

export function readTruth(datasetDir: string, truthFile = "y_labels.csv"): TruthRow[] {
  const text = readFileSync(path.join(datasetDir, truthFile), "utf8");
  return text.split(/\r?\n/).filter((l) => l.trim()).map((l) => {
    const [file, classes, cls, bytes, stride] = l.split(",").map((s) => s.trim());
    return { file: file!, classes: classes ?? "", class: cls ?? "", bytes_to_send: bytes, stride };
  });
}

export interface WindowResult {
  file: string;
  class: number;
  segment: number;
  infer: InferResult;
}

export interface SessionResult {
  name?: string;
  profile?: string;
  model: MlperfModel;
  mode: MlperfMode;
  windows: WindowResult[];
  /** Performance mode: each window's throughput (inferences / s of the DUT's own clock) and their median. */
  throughput?: { values: number[]; median: number };
  /** Accuracy mode: main.py's "Top 1%" and its AUC (mlperf-results.ts). */
  accuracy?: number;
  auc?: number;
  auc_note?: string;
  /** The runner's own checks in performance mode: "error 1" (loop not 5), "error 2" (under 10 s). */
  errors: string[];
}

export interface SessionOptions {
  mode: MlperfMode;
  /** The folder of one model's data (the runner's datasets/<model>/) with its y_labels.csv. */
  datasetDir: string;
  /** Replaces the runner's script (e.g. fewer inferences on an emulator); default RUNNER_SCRIPTS. */
  script?: MlperfScript;
  onLine?: (text: string) => void;
}

/** main.py run_test + Script.run: identify the DUT, pick its script by m-model, run it. */
export async function runMlperfSession(port: RunnerPort, opts: SessionOptions): Promise<SessionResult> {
  const dut = new Dut(port);
  const name = await dut.name();
  const { profile, model } = await dut.profile();
  if (!model || !(model in RUNNER_SCRIPTS[opts.mode])) {
    throw new MlperfSessionError(`the device reports model ${JSON.stringify(model)}, which has no script in the runner`,
      "deploy one of the MLPerf Tiny models (ad01, kws01, vww01, ic01) with `wasmcu deploy --model`");
  }
  const bench = model as MlperfModel;
  const script = opts.script ?? RUNNER_SCRIPTS[opts.mode][bench];
  const truth = readTruth(opts.datasetDir);
  const windows: WindowResult[] = [];
  const t0 = Date.now();
  // _ScriptLoopStep: the loop count, or every file; for ad01 times the first file's windows.
  let loopCount = script.loop ?? truth.length;
  let fileIndex = 0;
  let segments: Uint8Array[] | undefined;
  let segment = 0;
  for (let i = 0; i < loopCount; i++) {
    // _ScriptDownloadStep.run
    if (bench === "ad01" && segments && segment === segments.length) {
      fileIndex += 1;
      segments = undefined;
      segment = 0;
    }
    const row = truth[fileIndex];
    if (!row) throw new MlperfSessionError(`the dataset in ${opts.datasetDir} has no file ${fileIndex}`);
    const data = readFileSync(path.join(opts.datasetDir, row.file));
    let payload: Uint8Array = data;
    if (bench === "ad01") {
      if (!segments) {
        const size = Number(row.bytes_to_send);
        const stride = Number(row.stride);
        if (!(size > 0 && stride > 0)) throw new MlperfSessionError(`ad01 truth row for ${row.file} lacks bytes_to_send and stride`);
        segments = [];
        for (let s = 0; s + size <= data.length; s += stride) segments.push(data.subarray(s, s + size));
        if (opts.mode === "p") segments = segments.slice(0, 1);
        if (i === 0) loopCount *= segments.length;
      }
      payload = segments[segment]!;
    } else {
      fileIndex += 1;
    }
    opts.onLine?.(`Loading file ${row.file} segment ${segment}`);
    await dut.load(payload);
    // _ScriptInferStep.run
    const lines = await dut.infer(script.infer.iterations, script.infer.warmups);
    const infer = gatherInferResults(lines, script.infer.iterations, script.infer.warmups);
    if (opts.mode === "p" && infer.elapsed_time && infer.elapsed_time > 0) {
      infer.throughput = script.infer.iterations / (infer.elapsed_time / 1e6);
    }
    windows.push({ file: row.file, class: Number(row.class), segment, infer });
    if (bench === "ad01") segment += 1;
  }
  const result: SessionResult = { name, profile, model: bench, mode: opts.mode, windows, errors: [] };
  if (opts.mode === "p") {
    const values = windows.map((w) => w.infer.throughput ?? 0);
    result.throughput = { values, median: median(values) };
    if (loopCount !== 5) result.errors.push("error 1");
    if (Date.now() - t0 < 10_000) result.errors.push("error 2");
  } else {
    Object.assign(result, summarizeAccuracy(windows.map((w) => {
      if (!w.infer.results) throw new MlperfSessionError(`no m-results line for ${w.file} segment ${w.segment}: ${w.infer.lines.join(" | ")}`);
      return { file: w.file, class: w.class, results: w.infer.results };
    })));
  }
  return result;
}
