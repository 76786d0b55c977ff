import type { Command } from "commander";
import { UsageError } from "../lib/errors.js";
import { Output } from "../lib/output.js";
import { dequantizeFile } from "../stream/pipeline.js";

interface Opts {
  output?: string;
  json?: boolean;
  salvage?: boolean;
}

/** Exit status when the stream decoded but some blocks were damaged, lost, replayed or out of order. */
const EXIT_DAMAGED = 3;

export function register(program: Command): void {
  program
    .command("dequantize")
    .description("decode a .wqs stream back to CSV in sensor units (damaged, lost, replayed or out-of-order blocks are reported and skipped; exit status 3 unless --salvage)")
    .argument("<input>", "IN.wqs")
    .option("-o, --output <file>", "the CSV file to write")
    .option("--salvage", "accept a damaged stream: keep what decodes and exit 0 (the warnings stay)")
    .option("--json", "machine-readable output")
    .action(async (input: string, opts: Opts) => {
      const out = new Output(opts);
      if (!opts.output) throw new UsageError("missing -o, --output <file>");
      const r = await dequantizeFile(input, opts.output);
      for (const d of r.damage) out.warn(`${input}: ${d.reason}; skipped ${d.length} bytes from byte ${d.offset}`);
      for (const l of r.lost) out.warn(`${input}: block${l.fromSeq === l.toSeq ? ` ${l.fromSeq}` : `s ${l.fromSeq}..${l.toSeq}`} lost`);
      for (const d of r.dropped) {
        out.warn(`${input}: block ${d.seq} at byte ${d.offset} dropped: sequence number ${d.seq} repeats or goes backwards (expected ${d.expectedSeq})`);
      }
      const lostBlocks = r.lost.reduce((s, l) => s + l.toSeq - l.fromSeq + 1, 0);
      out.result({ input: r.input, output: r.output, blocks: r.blocks, samples: r.samples, channels: r.header.channels, damage: r.damage, lostBlocks, droppedBlocks: r.dropped.length },
        () => `${r.output}: ${r.samples} samples from ${r.blocks} blocks${r.damage.length ? `, ${r.damage.length} damaged region(s) skipped, ${lostBlocks} block(s) lost` : ""}`);
      if ((r.damage.length || r.lost.length || r.dropped.length) && !opts.salvage) {
        out.warn(`${input}: damaged input (exit status ${EXIT_DAMAGED}); --salvage accepts what decoded`);
        process.exitCode = EXIT_DAMAGED;
      }
    });
}
