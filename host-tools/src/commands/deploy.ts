import { Option, type Command } from "commander";
import { buildAppFor, ENGINES, type Engine } from "../build/aot.js";
import { findProject } from "../build/app.js";
import { UsageError } from "../lib/errors.js";
import { resolveBoard } from "../boards/registry.js";
import { formatBytes, Output } from "../lib/output.js";
import { deploy, readAppImage, readTflite } from "../workflows/deploy.js";
import { resolveBoardPort } from "../serial/port-option.js";
import { progressBar } from "../lib/progress.js";
import { withLink, type LinkEvent } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { describeEvent, eventLevel, type RunEvent } from "../workflows/events.js";
import { debugInfoFor, EXIT_APP_TRAPPED, sourceTrap } from "../workflows/traps.js";

interface Opts {
  app?: string;
  model?: string;
  board: string;
  port?: string;
  baud?: string;
  logs: string;
  json?: boolean;
  engine: Engine;
}

export function register(program: Command): void {
  program
    .command("deploy")
    .description("push an app (and a model) into the board's inactive slot, verify, activate, restart, show the first logs")
    .option("-a, --app <app>", "an app project folder, an app under firmware/apps, a path to one, or a .wasm or .waot file (default: the project in this folder, unless only --model is given)")
    .addOption(new Option("--engine <engine>", "an app built here: interp (its .wasm) or aot (its .waot, compiled ahead of time for Cortex-M0+ boards)")
      .choices([...ENGINES]).default("interp"))
    .option("-m, --model <file>", "a .tflite model to put in the model area")
    .option("-b, --board <board>", "board kind (for serial settings)", "host")
    .option("-p, --port <port>", "serial port of the board, or the NAME of a local board (wasmcu board start NAME); default: the only candidate")
    .option("--baud <rate>", "baud rate (default: the board's)")
    .option("--logs <seconds>", "show the app's log lines for this long after it starts", "2")
    .option("--json", "machine-readable summary")
    .addHelpText("after", `
When the app traps while its logs are shown, deploy shows where in its source
(trap: ... / at FUNCTION (FILE:LINE:COLUMN)) and exits with status ${EXIT_APP_TRAPPED}; --json lists the
trap with its frames among the events.`)
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      const board = resolveBoard(opts.board);
      const model = opts.model ? readTflite(opts.model) : undefined; // checked before an app is built
      // Neither given: the app project in this folder, as `wasmcu run` finds it.
      const appArg = opts.app ?? (model || !findProject(process.cwd()) ? undefined : process.cwd());
      if (appArg === undefined && !model) {
        throw new UsageError("nothing to deploy: give --app and/or --model (or run this in an app project)", "wasmcu new NAME makes an app project");
      }
      const file = appArg ? /\.(wasm|waot)$/.test(appArg) ? appArg : (await buildAppFor(appArg, opts.engine)).image : undefined;
      const image = file ? readAppImage(file) : undefined; // a .waot checked whole before anything is sent
      const app = image?.bytes;
      const { port, target } = await resolveBoardPort(opts.port, board);
      const baud = opts.baud ? Number(opts.baud) : target.board.serial.baud;
      const debugInfo = app ? debugInfoFor(app, file) : undefined;
      // The line's baud scales the waits: frames queued ahead of an answer take their time on a
      // UART. The link is closed however the deploy ends (withLink).
      await withLink(await openSerial(port, baud), { baud }, async (link) => {
        const logs: RunEvent[] = [];
        // The device's lines wait while the progress bar is drawn, then follow it on lines of their own.
        let held: RunEvent[] | undefined = [];
        const show = (e: RunEvent) => {
          if (!opts.json && (e.kind === "log" || e.kind === "app" || e.kind === "trap")) out.deviceLine(describeEvent(e)!, eventLevel(e));
        };
        link.onEvent((raw: LinkEvent) => {
          const e = raw.kind === "trap" ? sourceTrap(raw, debugInfo) : raw;
          logs.push(e);
          if (e.kind === "app" && e.state === "trapped") process.exitCode = EXIT_APP_TRAPPED;
          if (held) held.push(e);
          else show(e);
        });
        const bar = progressBar("deploy", process.stderr, !opts.json);
        const endBar = () => {
          bar.finish();
          const pending: RunEvent[] = held ?? [];
          held = undefined;
          pending.forEach(show);
        };
        const r = await deploy(link, { app, model }, (_what, sent, total) => bar.update(sent, total)).finally(endBar);
        await new Promise((res) => setTimeout(res, Number(opts.logs) * 1000));
        out.result({ port, ...r, events: logs }, () => {
          const parts = [];
          for (const [what, x] of [["model", r.model], ["app", r.app]] as const) {
            if (!x) continue;
            const eff = ((x.bytes / x.stats.wireBytes) * 100).toFixed(1);
            parts.push(`${what}: ${formatBytes(x.bytes)} written, verified and activated in ${x.stats.ms} ms ` +
              `(${eff}% of wire bytes were payload, ${x.stats.retransmissions} retransmissions)`);
          }
          if (r.retransmissions > 0) parts.push(`the link resent ${r.retransmissions} command(s): the line lost or damaged frames`);
          return parts.join("\n");
        });
      });
    });
}
