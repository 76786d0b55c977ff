import { Option, type Command } from "commander";
import { buildAppImage, ENGINES, requireAotBoard, type Engine } from "../build/aot.js";
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
  engine: Engine;
}

export function register(program: Command): void {
  program
    .command("build")
    .description("compile an AssemblyScript app and the board firmware; report flash and RAM use")
    .option("-b, --board <board>", "board to build for (see `wasmcu boards`)", "host")
    .option("-a, --app <app>", "app project folder, app folder under firmware/apps, or a path to one (default: the project in this folder)")
    .addOption(new Option("--engine <engine>", "how the device runs the app: interp (the .wasm, interpreted) or aot " +
      "(also compiled ahead of time to Cortex-M0+ Thumb: a .waot beside the .wasm, carrying it; rp2040 boards)").choices([...ENGINES]).default("interp"))
    .option("--no-firmware", "only compile the app")
    .option("-v, --verbose", "stream compiler output to stderr")
    .option("--json", "machine-readable output")
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      const target = resolveBoard(opts.board);
      // the firmware built beside a .waot must be one that runs it
      if (opts.engine === "aot" && opts.firmware !== false) requireAotBoard(target);
      const result: Record<string, unknown> = { board: target.name };
      // In an app project (`wasmcu new`) the app is the project; elsewhere only a named one.
      const project = opts.app === undefined ? findProject(process.cwd()) : undefined;
      if (opts.app !== undefined || project) {
        const app = await buildApp(opts.app ?? project!.root);
        result.app = { name: app.app, wasm: app.wasm, bytes: app.bytes, diagnostics: app.diagnostics };
        if (!opts.json) for (const d of app.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
        out.info(`app ${app.app}: ${displayPath(app.wasm)} (${formatBytes(app.bytes)})${app.upToDate ? ", up to date" : ""}`);
        if (opts.engine === "aot") {
          const aot = buildAppImage(app.wasm);
          result.app = { ...(result.app as object), engine: "aot", waot: aot.waot, waotBytes: aot.bytes,
            wasmCodeBytes: aot.wasmCodeBytes, aotCodeBytes: aot.aotCodeBytes, compileMs: Math.round(aot.compileMs) };
          out.info(`app ${app.app} (AOT, Cortex-M0+): ${displayPath(aot.waot)} (${formatBytes(aot.bytes)}; ` +
            `${aot.aotCodeBytes} B of Thumb code for ${aot.wasmCodeBytes} B of wasm code, ${(aot.aotCodeBytes / aot.wasmCodeBytes).toFixed(2)}x)`);
        }
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
