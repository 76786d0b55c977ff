import type { Command } from "commander";
import { resolveBoard } from "../boards/registry.js";
import { BoardError, InputError, UsageError } from "../lib/errors.js";
import { formatBytes, Output, table } from "../lib/output.js";
import { modelInfo, runModel, type NnModelInfo, type NnRunReport } from "../nn/engine.js";
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

function describeRun(r: NnRunReport): string {
  const lines = r.outputs.map((o) => `wrote ${o.file} (${o.bytes} bytes, ${o.type} ${shape(o.shape)})`);
  lines.push(`arena ${r.arena_bytes} B; ${r.invokes} invoke(s): min ${(r.latency_ns.min / 1e6).toFixed(3)} ms, ` +
    `mean ${(r.latency_ns.mean / 1e6).toFixed(3)} ms (host wall clock, not a device figure)`);
  if (r.profile) {
    lines.push("", table(["#", "op", "mean ns", "arena B"], r.profile.map((p) => [p.op_index, p.op, p.ticks_ns, p.arena_bytes])));
  }
  return lines.join("\n");
}

function describeBoardRun(r: BoardRunReport): string {
  const lines = r.outputs.map((o) => `wrote ${o.file} (${o.bytes} bytes)`);
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
    .description("operators in execution order, tensors with shape/type/quantization, arena and flash needs")
    .option("-b, --board <board>", "board kind (the description comes from the host build of the engine)", "host")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: Common) => {
      resolveBoard(opts.board);
      const info = await modelInfo(file);
      // An unplannable model is an error (stderr, exit 1); a person still gets the description first.
      if (!opts.json || info.arena_bytes !== null) new Output(opts).result(info, () => describeInfo(info));
      if (info.arena_bytes === null) throw new InputError(`${file}: the arena cannot be planned: ${info.error}`);
    });

  model
    .command("run <model>")
    .description("run the model on input files; writes each output tensor's raw bytes to PREFIX.out<i>.bin")
    .option("-i, --input <file>", "raw bytes of an input tensor (repeat, in input order)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption("-o, --output-prefix <prefix>", "outputs go to PREFIX.out0.bin, PREFIX.out1.bin...")
    .option("-b, --board <board>", "where the engine runs: host (this machine), rp2040-sim, or a board at --port", "host")
    .option("-p, --port <port>", "run on the board at this serial port (the model is deployed to it first)")
    .option("--profile", "per-operator time and arena bytes")
    .option("--repeat <n>", "invoke n times from a reset state (latency)")
    .option("--frames <n>", "each input file holds n frames fed in order to one interpreter (stateful models)")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: Common & { input: string[]; outputPrefix: string; profile?: boolean; repeat?: string; frames?: string; port?: string }) => {
      const target = resolveBoard(opts.board);
      if (opts.port || target.simulated) {
        const r = opts.port
          ? await runModelOnPort(target, opts.port, file, opts.input, opts.outputPrefix)
          : await runModelOnSim(target, file, opts.input, opts.outputPrefix);
        new Output(opts).result(r, () => describeBoardRun(r));
        return;
      }
      hostOnly(opts.board);
      const report = await runModel(file, {
        inputs: opts.input,
        outputPrefix: opts.outputPrefix,
        profile: opts.profile,
        repeat: positiveInt(opts.repeat, "--repeat"),
        frames: positiveInt(opts.frames, "--frames"),
      });
      new Output(opts).result(report, () => describeRun(report));
    });
}
