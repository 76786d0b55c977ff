import type { Command } from "commander";
import { UsageError } from "../lib/errors.js";
import { checkOutputFile, checkStdoutFree, inputPath } from "../lib/files.js";
import { Output } from "../lib/output.js";
import { dequantizeFile } from "../stream/pipeline.js";

interface Opts {
  output?: string;
  json?: boolean;
}

/** Exit status when the stream decoded but some blocks were damaged and skipped. */
const EXIT_DAMAGED = 3;

export function register(program: Command): void {
  program
    .command("dequantize")
    .description("decode a .wqs stream back to CSV in sensor units (damaged blocks are reported and skipped; exit status 3)")
    .argument("<input>", "IN.wqs (- for stdin)")
    .option("-o, --output <file>", "the CSV file to write (- for stdout)")
    .option("--json", "machine-readable output")
    .action(async (input: string, opts: Opts) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <file>");
      checkStdoutFree(opts.output, opts.json);
      checkOutputFile(opts.output, "-o");
      const r = await dequantizeFile(inputPath(input, "input", ".wqs"), opts.output);
      for (const d of r.damage) out.warn(`${input}: ${d.reason}; skipped ${d.length} bytes from byte ${d.offset}`);
      for (const l of r.lost) out.warn(`${input}: block${l.fromSeq === l.toSeq ? ` ${l.fromSeq}` : `s ${l.fromSeq}..${l.toSeq}`} lost`);
      const lostBlocks = r.lost.reduce((s, l) => s + l.toSeq - l.fromSeq + 1, 0);
      out.resultBeside(opts.output, { input, output: r.output, blocks: r.blocks, samples: r.samples, channels: r.header.channels, damage: r.damage, lostBlocks },
        () => `${r.output === "-" ? "stdout" : r.output}: ${r.samples} samples from ${r.blocks} blocks${r.damage.length ? `, ${r.damage.length} damaged region(s) skipped, ${lostBlocks} block(s) lost` : ""}`);
      if (r.damage.length) process.exitCode = EXIT_DAMAGED;
    });
}
