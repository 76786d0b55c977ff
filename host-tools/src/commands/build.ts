import type { Command } from "commander";
import { buildApp, findProject } from "../build/app.js";
import { formatDiagnostic } from "../build/diagnostics.js";
import { buildFirmware } from "../build/firmware.js";
import { resolveBoard } from "../boards/registry.js";
import { formatBytes, Output, table } from "../lib/output.js";
import { stepProgress } from "../lib/progress.js";
import { displayPath } from "../lib/paths.js";

interface Opts {
  board: string;
  app?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  firmware?: boolean;
}

export function register(program: Command): void {
  program
    .command("build")
    .description("compile an AssemblyScript app and the board firmware; report flash and RAM use")
    .option("-b, --board <board>", "board to build for (see `wasmcu boards`)", "host")
    .option("-a, --app <app>", "app project folder, app folder under firmware/apps, or a path to one (default: the project in this folder)")
    .option("--no-firmware", "only compile the app")
    .option("-v, --verbose", "stream compiler output to stderr")
    .option("--json", "machine-readable output")
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      const target = resolveBoard(opts.board);
      const result: Record<string, unknown> = { board: target.name };
      // In an app project (`wasmcu new`) the app is the project; elsewhere only a named one.
      const project = opts.app === undefined ? findProject(process.cwd()) : undefined;
      if (opts.app !== undefined || project) {
        const app = await buildApp(opts.app ?? project!.root);
        result.app = { name: app.app, wasm: app.wasm, bytes: app.bytes, diagnostics: app.diagnostics };
        if (!opts.json) for (const d of app.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
        out.info(`app ${app.app}: ${displayPath(app.wasm)} (${formatBytes(app.bytes)})${app.upToDate ? ", up to date" : ""}`);
      }
      if (opts.firmware !== false) {
        out.info(`building ${target.board.name} firmware...`);
        // --verbose streams the compiler's own lines; otherwise a progress bar (stderr, not with --json).
        const bar = stepProgress(`${target.board.name} firmware`, process.stderr, !opts.verbose && !opts.json && !opts.quiet);
        const fw = await buildFirmware(target.board, {
          onOutput: opts.verbose ? (s) => process.stderr.write(s) : undefined,
          onProgress: (p) => bar.update(p.percent, p.what),
        }).finally(() => bar.finish());
        result.firmware = { dir: fw.dir, artifacts: fw.artifacts, memory: fw.memory };
        out.result(result, () => {
          const lines = [`firmware: ${fw.artifacts.map((a) => displayPath(a)).join(", ")}`];
          if (fw.memory) {
            lines.push(table(["section", "region", "bytes"], fw.memory.sections.map((s) =>
              [s.name, s.region + (s.alsoFlash ? "+flash" : ""), s.size])));
            lines.push(`flash: ${formatBytes(fw.memory.flashBytes)} (${fw.memory.flashBytes} B), RAM: ${formatBytes(fw.memory.ramBytes)} (${fw.memory.ramBytes} B)`);
          }
          return lines.join("\n");
        });
      } else {
        out.result(result, () => "");
      }
    });
}
