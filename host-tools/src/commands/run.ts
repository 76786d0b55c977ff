import { Option, type Command } from "commander";
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildAppFor, ENGINES, requireAotBoard, type Engine } from "../build/aot.js";
import { i2cDeviceArgs, I2C_KINDS, parseI2cSpec } from "../boards/i2c-devices.js";
import { startLocalBoard } from "../boards/launch.js";
import { resolveBoard, runsHere } from "../boards/registry.js";
import { BoardError, UsageError } from "../lib/errors.js";
import { formatBytes, Output } from "../lib/output.js";
import { displayPath } from "../lib/paths.js";
import { stepProgress } from "../lib/progress.js";
import { readTflite } from "../workflows/deploy.js";
import { withLink } from "../link/session.js";
import { openSerial } from "../link/transport.js";
import { describeEvent, eventLevel, type RunEvent } from "../workflows/events.js";
import { debugInfoFor, EXIT_APP_TRAPPED, sourceTrap } from "../workflows/traps.js";

interface Opts {
  board: string;
  app?: string;
  for?: string;
  json?: boolean;
  traceGpio: boolean;
  flash?: string;
  speed: string;
  model?: string;
  i2c?: string[];
  engine: Engine;
}

export function register(program: Command): void {
  program
    .command("run")
    .description("build an app and the firmware, start the board (host or emulated), and show what it reports")
    .addHelpText("after", `
When the app traps, run shows where in its source (trap: ... / at FUNCTION (FILE:LINE:COLUMN)),
stops the board and exits with status ${EXIT_APP_TRAPPED}; --json gives the trap's frames.

run keeps its board's port to itself while it shows the logs. For a board that other commands
(deploy, monitor, model run, ota) reach too, start it in the background:
  wasmcu board start NAME --board host|rp2040-sim|esp32c3-sim, then --port NAME in those commands.`)
    .option("-b, --board <board>", "host, rp2040-sim or esp32c3-sim", "host")
    .option("-a, --app <app>", "app to run: a project folder, a folder under firmware/apps or a path (default: the project in this folder, else blink)")
    .addOption(new Option("--engine <engine>", "interp (the runtime interprets the .wasm) or aot (compiled ahead of time to a .waot: rp2040-sim)")
      .choices([...ENGINES]).default("interp"))
    .option("-m, --model <file>", "a .tflite model to put in the board's model slot before boot")
    .option("--for <seconds>", "stop after this many seconds (default: until Ctrl-C)")
    .option("--no-trace-gpio", "do not report GPIO writes")
    .option("--flash <file>", "the board's flash image file (default: build/<board>-flash.bin in an app project, else beside the firmware)")
    .option("--speed <factor>", "rp2040-sim, esp32c3-sim: emulated seconds per wall second, or max", "1")
    .option("--i2c <devices...>", `simulated I2C devices on the board's bus, KIND@ADDRESS (${I2C_KINDS.join(", ")}; e.g. mpu6050@0x68 on rp2040-sim)`)
    .option("--json", "one JSON object per event (NDJSON)")
    .action(async (opts: Opts) => {
      const out = new Output(opts);
      const seconds = opts.for === undefined ? undefined : Number(opts.for);
      if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--for needs a positive number of seconds, got "${opts.for}"`);
      const target = resolveBoard(opts.board);
      if (!runsHere(target)) {
        throw new BoardError(`wasmcu run starts boards that live on this machine; for a real ${target.board.name} use deploy and monitor`,
          "use --board host, rp2040-sim or esp32c3-sim");
      }
      const speed = opts.speed === "max" ? Infinity : Number(opts.speed);
      if (!(speed > 0)) throw new UsageError(`--speed needs a positive number or "max", got "${opts.speed}"`);
      const extraArgs = i2cDeviceArgs(target.name, (opts.i2c ?? []).map(parseI2cSpec));
      if (opts.model) readTflite(opts.model); // checked before the app is built and any board starts
      if (opts.engine === "aot") requireAotBoard(target);
      const app = await buildAppFor(opts.app, opts.engine);
      const image = app.image;
      out.info(`app ${app.app}: ${formatBytes(app.bytes)}${opts.engine === "aot" ? `, compiled ahead of time: ${displayPath(image)}` : ""}`);
      const debugInfo = debugInfoFor(readFileSync(image), image);
      let sawTrap = false;
      let trapped: (() => void) | undefined;
      const emit = (e: RunEvent) => {
        if (e.kind === "stream") return; // sensor-stream bytes are for `wasmcu monitor --record`
        if (e.kind === "app" && e.state === "trapped") {
          process.exitCode = EXIT_APP_TRAPPED;
          sawTrap = true;
          trapped?.();
        }
        if (opts.json) process.stdout.write(JSON.stringify(e) + "\n");
        else {
          const line = describeEvent(e);
          if (line !== undefined) out.deviceLine(line, eventLevel(e));
        }
      };
      if (target.simulated) out.info(`building ${target.board.name} firmware...`);
      const bar = stepProgress(`${target.board.name} firmware`, process.stderr, !opts.json);
      const board = await startLocalBoard(target, { onBuildProgress: (p) => bar.update(p.percent, p.what), app: image, model: opts.model, traceGpio: opts.traceGpio,
        flashFile: opts.flash ?? (app.project ? path.join(app.project, "build", `${target.name}-flash.bin`) : undefined), speed, extraArgs,
        onGpio: (pin, level, cycle) => emit({ kind: "sim-gpio", pin, level, cycle }) }).finally(() => bar.finish());
      try {
        out.info(`board ${target.name} up, UART on ${board.uartPath}`);
        await withLink(await openSerial(board.uartPath, target.board.serial.baud), {}, async (link) => {
          link.onEvent((e) => emit(e.kind === "trap" ? sourceTrap(e, debugInfo) : e));
          // The board boots when this first command reaches it (it was held in reset).
          await link.connect();
          await new Promise<void>((resolve) => {
            // Whatever ends the run first, nothing it set up is left waiting (a timer, a listener).
            const end = () => {
              if (timer) clearTimeout(timer);
              process.off("SIGINT", end);
              board.process.off("exit", end);
              resolve();
            };
            const timer = seconds ? setTimeout(end, seconds * 1000) : undefined;
            process.once("SIGINT", end);
            board.process.once("exit", end);
            trapped = end; // the app is over: nothing more will come from it
            if (sawTrap) end();
          });
        });
      } finally {
        await board.stop();
      }
    });
}
