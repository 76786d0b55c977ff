import { Option, type Command } from "commander";
import { resolveBoard } from "../boards/registry.js";
import { BoardError, InputError, UsageError } from "../lib/errors.js";
import { checkOutputFile, inputPath, isStdio } from "../lib/files.js";
import { previewValues, type TensorValues } from "../nn/values.js";
import { formatBytes, Output, table } from "../lib/output.js";
import { stepProgress } from "../lib/progress.js";
import { modelInfo, runModel, type NnModelInfo, type NnRunReport } from "../nn/engine.js";
import { resolveBoardPort } from "../serial/port-option.js";
import { runModelOnPort, runModelOnSim, type BoardRunReport } from "../workflows/board-model.js";

interface Common {
  board: string;
  json?: boolean;
}

function hostOnly(board: string): void {
  const target = resolveBoard(board);
  if (target.board.name !== "host" || target.simulated) {
    throw new BoardError(`wasmcu model on --board ${board} is not available yet`,
      "use --board host (the engine built for this machine), or wasmcu deploy --model to put a model on a board");
  }
}

function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer (got "${v}")`);
  return n;
}

const shape = (s: number[]) => `[${s.join(",")}]`;

function describeInfo(i: NnModelInfo): string {
  const ops = table(["#", "op", "version", "inputs", "outputs"],
    i.ops.map((o) => [o.index, o.supported ? o.op : `${o.op} (UNSUPPORTED)`, o.version, o.inputs.join(" "), o.outputs.join(" ")]));
  const io = (label: string, list: NnModelInfo["inputs"]) =>
    list.map((t, k) => `${label} ${k}: tensor ${t.tensor} ${t.type} ${shape(t.shape)} ${t.bytes} B, scale ${t.scale} zero point ${t.zero_point}  ${t.name}`);
  const tensors = table(["#", "type", "shape", "bytes", "kind", "quantization", "name"],
    i.tensors.map((t) => [t.index, t.type, shape(t.shape), t.bytes, t.kind,
      t.quant_channels > 1 ? `per-channel x${t.quant_channels}` : t.quant_channels === 1 ? `${t.scale} / ${t.zero_point}` : "-", t.name]));
  return [
    `${i.model}: ${formatBytes(i.model_bytes)}, schema v${i.schema_version}${i.description ? `, ${i.description}` : ""}`,
    "",
    `operators (execution order):`,
    ops,
    "",
    ...io("input", i.inputs),
    ...io("output", i.outputs),
    "",
    "tensors:",
    tensors,
    "",
    `flash: ${formatBytes(i.model_bytes)} model, ${formatBytes(i.const_bytes)} of constant tensors read in place`,
    i.arena_bytes !== null ? `arena: ${i.arena_bytes} B (${formatBytes(i.arena_bytes)})` : "arena: cannot be planned (the error follows on stderr)",
    ...(i.unsupported_ops.length ? [`unsupported operators: ${[...new Set(i.unsupported_ops)].join(", ")}`] : []),
  ].join("\n");
}

/** An output's values for a person: the real values, then the raw codes of a quantized tensor. */
function describeValues(v: TensorValues | undefined, type: string | undefined): string[] {
  if (!v) return [];
  const quantized = v.dequantized !== null && v.dequantized !== v.raw && type !== "FLOAT32";
  if (!quantized) return [`  values ${previewValues(v.raw)}`];
  return [`  values ${previewValues(v.dequantized!)}`, `  raw ${type?.toLowerCase() ?? ""} ${previewValues(v.raw)}`];
}

function describeRun(r: NnRunReport): string {
  const lines = r.outputs.flatMap((o) => [`wrote ${o.file} (${o.bytes} bytes, ${o.type} ${shape(o.shape)}, scale ${o.scale} zero point ${o.zero_point})`,
    ...describeValues(o.values, o.type)]);
  lines.push(`arena ${r.arena_bytes} B; ${r.invokes} invoke(s): min ${(r.latency_ns.min / 1e6).toFixed(3)} ms, ` +
    `mean ${(r.latency_ns.mean / 1e6).toFixed(3)} ms (host wall clock, not a device figure)`);
  if (r.profile) {
    lines.push("", table(["#", "op", "mean ns", "arena B"], r.profile.map((p) => [p.op_index, p.op, p.ticks_ns, p.arena_bytes])));
  }
  return lines.join("\n");
}

function describeBoardRun(r: BoardRunReport): string {
  const lines = r.outputs.flatMap((o) => [`wrote ${o.file} (${o.bytes} bytes${o.type ? `, ${o.type} ${shape(o.shape ?? [])}` : ""})`,
    ...describeValues(o.values, o.type)]);
  lines.push(`on ${r.board}${r.port ? ` at ${r.port}` : ""}: ${r.micros} us` + (r.cycles ? `, ${r.cycles.toLocaleString("en")} cycles` : "") +
    `; arena ${r.arena_bytes} B`, `(${r.note})`);
  return lines.join("\n");
}

export function register(program: Command): void {
  const model = program
    .command("model")
    .description("describe or run an int8 .tflite model on the wasmcu inference engine");

  model
    .command("info <model>")
    .description("operators in execution order, tensors with shape/type/quantization, arena and flash needs (- reads the model from stdin)")
    .option("-b, --board <board>", "board kind (the description comes from the host build of the engine)", "host")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: Common) => {
      resolveBoard(opts.board);
      // "-": the model from stdin, spooled to a file for the engine and named "-" in the report
      const info = isStdio(file) ? { ...(await modelInfo(inputPath(file, "model", ".tflite"))), model: file } : await modelInfo(file);
      // An unplannable model is an error (stderr, exit 1); a person still gets the description first.
      if (!opts.json || info.arena_bytes !== null) new Output(opts).result(info, () => describeInfo(info));
      if (info.arena_bytes === null) throw new InputError(`${file}: the arena cannot be planned: ${info.error}`);
    });

  model
    .command("run <model>")
    .description("run the model on input files; writes each output tensor's raw bytes to PREFIX.out<i>.bin and prints its values")
    .option("-i, --input <file>", "raw bytes of an input tensor (repeat, in input order)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("-o, --output <prefix>", "outputs go to PREFIX.out0.bin, PREFIX.out1.bin...")
    .addOption(new Option("--output-prefix <prefix>", "the old spelling of -o, --output").hideHelp())
    .option("-b, --board <board>", "where the engine runs: host (this machine), rp2040-sim, esp32c3-sim, or a board at --port", "host")
    .option("-p, --port <port>", "run on the board at this serial port, or the local board of this NAME (wasmcu board start); the model is deployed to it first")
    .option("--profile", "per-operator time and arena bytes (--board host: the engine on this machine)")
    .option("--repeat <n>", "invoke n times from a reset state (latency; --board host)")
    .option("--frames <n>", "each input file holds n frames fed in order to one interpreter (stateful models; --board host)")
    .option("--json", "machine-readable output (outputs with their raw and dequantized values)")
    .action(async (file: string, opts: Common & { input: string[]; output?: string; outputPrefix?: string; profile?: boolean; repeat?: string; frames?: string; port?: string }) => {
      if (opts.output && opts.outputPrefix && opts.output !== opts.outputPrefix) {
        throw new UsageError("give the output prefix once: -o/--output (--output-prefix is its old spelling)");
      }
      const prefix = opts.output ?? opts.outputPrefix;
      if (!prefix) throw new UsageError("missing -o, --output <prefix>", "outputs go to PREFIX.out0.bin, PREFIX.out1.bin...; --json also carries their values");
      if (prefix === "-") {
        throw new UsageError("-o - cannot hold several output tensors: give a prefix for PREFIX.out<i>.bin",
          "the values are printed (and in --json) whatever the prefix");
      }
      // A local board's name (--port NAME) says which board it is.
      const named = opts.port !== undefined ? await resolveBoardPort(opts.port, resolveBoard(opts.board)) : undefined;
      const target = named?.target ?? resolveBoard(opts.board);
      const onBoard = Boolean(opts.port) || target.simulated;
      if (onBoard) {
        // Per-operator times come from the engine's profiler, built into the host engine only;
        // on a board the device times the whole invoke (micros, and cycles where it counts them).
        const hostOnlyOpts = [opts.profile && "--profile", opts.repeat !== undefined && "--repeat", opts.frames !== undefined && "--frames"].filter(Boolean);
        if (hostOnlyOpts.length) {
          throw new UsageError(`${hostOnlyOpts.join(", ")}: only with --board host (the engine on this machine); on ${opts.port ? `--port ${opts.port}` : `--board ${target.name}`} the device times the whole invoke`,
            "drop the option, or run with --board host for per-operator times");
        }
      }
      if (!onBoard) hostOnly(opts.board);
      // Before any engine or board starts: the inputs are there and the outputs can be written.
      checkOutputFile(`${prefix}.out0.bin`, "output");
      if ([file, ...opts.input].filter((f) => f === "-").length > 1) throw new UsageError("only one of the model and the inputs can come from stdin (-)");
      // "-": stdin, copied to a temporary file for the engine
      file = inputPath(file, "model", ".tflite");
      opts.input = opts.input.map((f, i) => inputPath(f, `input ${i}`, `.in${i}.bin`));
      if (onBoard) {
        const bar = stepProgress(`${target.board.name} firmware`, process.stderr, !opts.json);
        const r = named
          ? await runModelOnPort(target, named.port, file, opts.input, prefix)
          : await runModelOnSim(target, file, opts.input, prefix, { onBuildProgress: (p) => bar.update(p.percent, p.what) }).finally(() => bar.finish());
        new Output(opts).result(r, () => describeBoardRun(r));
        return;
      }
      const report = await runModel(file, {
        inputs: opts.input,
        outputPrefix: prefix,
        profile: opts.profile,
        repeat: positiveInt(opts.repeat, "--repeat"),
        frames: positiveInt(opts.frames, "--frames"),
      });
      new Output(opts).result(report, () => describeRun(report));
    });
}
