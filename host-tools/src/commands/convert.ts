import type { Command } from "commander";
import { convertModel, type ConvertResult } from "../convert/index.js";
import { UsageError } from "../lib/errors.js";
import { checkInputFile, checkOutputFile, checkStdoutFree, inputPath } from "../lib/files.js";
import { formatBytes, Output, table } from "../lib/output.js";

interface Opts {
  output?: string;
  calibration?: string;
  perChannel: boolean;
  inputs: string;
  report?: boolean;
  eval?: string;
  json?: boolean;
}

const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(2)} %`);

export function renderConvert(r: ConvertResult): string {
  const ops = Object.entries(r.op_counts).map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(", ");
  const io = (l: ConvertResult["inputs"]) => l.map((t) => `${t.name} [${t.shape.join(", ")}] ${t.type} (scale ${t.scale.toPrecision(6)}, zero point ${t.zero_point})`).join("; ");
  const lines = [
    `${r.output}: ${formatBytes(r.bytes)} (${r.bytes} B), ${r.ops.length} operators, ${r.per_channel ? "per-channel" : "per-tensor"} int8 weights, calibrated on ${r.calibration_samples} samples`,
    `ops: ${ops}`,
    `input: ${io(r.inputs)}`,
    `output: ${io(r.outputs)}`,
  ];
  const p = r.report;
  if (p) {
    lines.push(
      "",
      `evaluation on ${p.samples} samples of ${p.eval_file}${p.held_out ? " (held out)" : " (the calibration set: pass --eval for a held-out set)"}`,
      table(["", "float (TF.js layers, our executor)", "int8 (TypeScript reference)", "int8 (wasmcu-nn engine)"],
        [["top-1 accuracy", pct(p.float_accuracy), pct(p.int8_accuracy), pct(p.engine_accuracy)]]),
      `top-1 agreement int8 vs float: ${pct(p.top1_agreement)}`,
      table(["output", "scale", "max abs error", "rms error", "max error (LSB)"],
        p.outputs.map((o) => [o.name, o.scale.toPrecision(6), o.max_abs_error.toPrecision(4), o.rms_error.toPrecision(4), o.max_error_lsb.toFixed(2)])),
      `engine output bytes equal the TypeScript int8 reference: ${p.engine_matches_reference ? "yes, on every sample" : `NO (${p.engine_mismatched_samples} of ${p.samples} samples differ)`}`,
      `model ${formatBytes(p.model_bytes)}, weights ${formatBytes(p.weight_bytes)} (read in place from flash), arena ${p.arena_bytes === null ? "not plannable" : `${p.arena_bytes} B`} (wasmcu-nn info)`,
    );
    if (p.engine_unsupported_ops.length) lines.push(`the engine lacks: ${p.engine_unsupported_ops.join(", ")}`);
  }
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("convert")
    .description("convert a TensorFlow.js Layers model (model.json + weight shards) to a full-integer int8 .tflite")
    .argument("<model>", "MODEL.json of a TF.js Layers model (float32 weights)")
    .option("-o, --output <file>", "the .tflite file to write (- for stdout)")
    .option("--calibration <data>", "representative input samples (- for stdin, as JSON): JSON (array of samples, or {\"samples\": [...], \"labels\": [...]}), raw float32 (.f32) or a windowed .wqs stream")
    .option("--per-channel", "per-output-channel weight scales", true)
    .option("--no-per-channel", "one weight scale per tensor")
    .option("--inputs <type>", "model input/output type: int8, or float32 (wrapped with QUANTIZE/DEQUANTIZE)", "int8")
    .option("--report", "evaluate float vs int8 (accuracy, per-output error), model size, arena, ops")
    .option("--eval <data>", "held-out samples for --report (same formats as --calibration; labels give accuracy)")
    .option("--json", "machine-readable output")
    .action(async (model: string, opts: Opts) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <file>");
      if (!opts.calibration) throw new UsageError("missing --calibration <data>", "post-training quantization needs representative inputs");
      if (opts.inputs !== "int8" && opts.inputs !== "float32") throw new UsageError(`--inputs must be int8 or float32, not "${opts.inputs}"`);
      if (model === "-") throw new UsageError("the model cannot come from stdin: its weight shards are files beside MODEL.json");
      checkStdoutFree(opts.output, opts.json);
      checkOutputFile(opts.output, "-o");
      checkInputFile(model, "model");
      // Sample files are told apart by their extension; from stdin, JSON.
      const calibration = inputPath(opts.calibration, "calibration data", ".json");
      if (opts.eval !== undefined) checkInputFile(opts.eval, "evaluation data");
      const r = await convertModel({
        model, output: opts.output, calibration, perChannel: opts.perChannel,
        inputs: opts.inputs, report: opts.report || opts.eval !== undefined, evalData: opts.eval,
      });
      if (r.report && !r.report.engine_matches_reference) {
        out.warn(`the engine's output differs from the TypeScript int8 reference on ${r.report.engine_mismatched_samples} samples`);
      }
      out.resultBeside(opts.output, r, () => renderConvert(r));
    });
}
