import { EXIT } from "../lib/exit-codes.js";
import type { Command } from "commander";
import { UsageError } from "../lib/errors.js";
import { checkOutputFile, checkStdoutFree, inputPath } from "../lib/files.js";
import { Output } from "../lib/output.js";
import { dequantizeFile } from "../stream/pipeline.js";

interface Opts {
  output?: string;
  json?: boolean;
  salvage?: boolean;
}

/** Exit status when the stream decoded but some blocks were damaged, lost, replayed or out of order. */
const EXIT_DAMAGED = EXIT.INPUT;

export function register(program: Command): void {
  program
    .command("dequantize")
    .description("decode a .wqs stream back to CSV in sensor units (damaged, lost, replayed or out-of-order blocks are reported and skipped; exit status 3 unless --salvage)")
    .argument("<input>", "IN.wqs (- for stdin)")
    .option("-o, --output <file>", "the CSV file to write (- for stdout)")
    .option("--salvage", "accept a damaged stream: keep what decodes and exit 0 (the warnings stay)")
    .option("--json", "machine-readable output")
    .action(async (input: string, opts: Opts) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <file>");
      checkStdoutFree(opts.output, opts.json);
      checkOutputFile(opts.output, "-o");
      const r = await dequantizeFile(inputPath(input, "input", ".wqs"), opts.output);
      for (const d of r.damage) out.warn(`${input}: ${d.reason}; skipped ${d.length} bytes from byte ${d.offset}`);
      for (const l of r.lost) out.warn(`${input}: block${l.fromSeq === l.toSeq ? ` ${l.fromSeq}` : `s ${l.fromSeq}..${l.toSeq}`} lost`);
      for (const d of r.dropped) {
        out.warn(`${input}: block ${d.seq} at byte ${d.offset} dropped: sequence number ${d.seq} repeats or goes backwards (expected ${d.expectedSeq})`);
      }
      const lostBlocks = r.lost.reduce((s, l) => s + l.toSeq - l.fromSeq + 1, 0);
      out.resultBeside(opts.output, { input, output: r.output, blocks: r.blocks, samples: r.samples, channels: r.header.channels, damage: r.damage, lostBlocks, droppedBlocks: r.dropped.length },
        () => `${r.output === "-" ? "stdout" : r.output}: ${r.samples} samples from ${r.blocks} blocks${r.damage.length ? `, ${r.damage.length} damaged region(s) skipped, ${lostBlocks} block(s) lost` : ""}`);
      if ((r.damage.length || r.lost.length || r.dropped.length) && !opts.salvage) {
        out.warn(`${input}: damaged input (exit status ${EXIT_DAMAGED}); --salvage accepts what decoded`);
        process.exitCode = EXIT_DAMAGED;
      }
    });
}
