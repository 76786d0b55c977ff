import { Option, type Command } from "commander";
import path from "node:path";
import { checkNameFree, startBackgroundBoard, stopBackgroundBoard } from "../boards/background.js";
import { i2cDeviceArgs, I2C_KINDS, parseI2cSpec } from "../boards/i2c-devices.js";
import { localBoardFirmware } from "../boards/launch.js";
import { boardFiles, checkBoardName, listLocalBoards, localBoardsDir, requireLocalBoard, type LocalBoard } from "../boards/local.js";
import { boardChoices, hostFirmwareFiles, localFeatures, resolveBoard, runsHere, type BoardTarget } from "../boards/registry.js";
import { buildAppFor, ENGINES, requireAotBoard, type Engine } from "../build/aot.js";
import { appEntry } from "../build/app.js";
import { BoardError, UsageError } from "../lib/errors.js";
import { checkInputFile, checkOutputFile, readInput } from "../lib/files.js";
import { displayPath } from "../lib/paths.js";
import { Output, table } from "../lib/output.js";
import { stepProgress } from "../lib/progress.js";
import { parseHostFirmwareFile } from "../ota/host-firmware.js";
import { readTflite } from "../workflows/deploy.js";

interface StartOpts {
  board: string;
  app?: string;
  model?: string;
  flash?: string;
  firmware?: string;
  speed: string;
  i2c?: string[];
  traceGpio?: boolean;
  json?: boolean;
  engine: Engine;
}

/** The app a board starts with: --app, else the project in this folder, else none. */
function startApp(app: string | undefined): string | undefined {
  if (app !== undefined) return app;
  try {
    return appEntry(undefined).project ? process.cwd() : undefined;
  } catch {
    return undefined; // no project here: the board starts with what its flash holds
  }
}

/** `--firmware FILE` boots only on an emulator that declares the file types it takes (board.json custom_firmware). */
function checkCustomFirmware(target: BoardTarget, file: string): void {
  const types = localFeatures(target)?.custom_firmware ?? [];
  if (types.length === 0) {
    const takers = boardChoices((f) => (f.custom_firmware ?? []).length > 0);
    throw new UsageError(`--firmware is for ${takers} (an image to boot), not ${target.name}`);
  }
  // "an .elf or a .uf2": the article as the suffix is read aloud (".u" is "you").
  const spelled = types.map((t) => `${/^\.[aeio]/i.test(t) ? "an" : "a"} ${t}`).join(" or ");
  if (!types.some((t) => file.toLowerCase().endsWith(t))) throw new UsageError(`--firmware ${file}: expected ${spelled}`);
}

async function start(name: string, opts: StartOpts): Promise<void> {
  const out = new Output(opts);
  checkBoardName(name);
  const target = resolveBoard(opts.board);
  if (!runsHere(target)) {
    throw new BoardError(`a real ${target.board.name} is not started by wasmcu: plug it in and use its serial port`, "wasmcu board start takes --board host, rp2040-sim or esp32c3-sim");
  }
  const speed = opts.speed === "max" ? Infinity : Number(opts.speed);
  if (!(speed > 0)) throw new UsageError(`--speed needs a positive number or "max", got "${opts.speed}"`);
  const extraArgs = i2cDeviceArgs(target.name, (opts.i2c ?? []).map(parseI2cSpec));
  if (opts.model) readTflite(opts.model); // inputs checked before anything is built or started
  // host: a signed firmware image (first install into the board's firmware files); the stock
  // wasmcu-host then runs as the board's boot step.
  const hostImage = opts.firmware !== undefined && target.board.flash.firmware_files !== undefined;
  if (opts.firmware !== undefined) {
    if (hostImage) {
      parseHostFirmwareFile(readInput(opts.firmware, "--firmware"), hostFirmwareFiles(target.board), opts.firmware);
      extraArgs.push("--firmware-image", path.resolve(opts.firmware));
    } else {
      checkCustomFirmware(target, opts.firmware);
      checkInputFile(opts.firmware, "firmware");
    }
  }
  checkNameFree(name);
  const files = boardFiles(name);
  const flash = path.resolve(opts.flash ?? files.flash);
  if (opts.flash) checkOutputFile(flash, "--flash");
  const appName = startApp(opts.app);
  if (appName !== undefined && opts.engine === "aot") requireAotBoard(target);
  const app = appName !== undefined ? await buildAppFor(appName, opts.engine) : undefined;
  if (app) out.info(`app ${app.app}: ${displayPath(app.image)}`);
  const firmware = opts.firmware !== undefined && !hostImage ? path.resolve(opts.firmware) : await stockFirmware(target, opts);
  const entry = await startBackgroundBoard({
    name, board: target.name, firmware, flash, log: files.log, traceGpio: Boolean(opts.traceGpio), extraArgs,
    ...(app ? { app: app.image } : {}),
    ...(opts.model ? { model: path.resolve(opts.model) } : {}),
    ...(target.simulated ? { speed: Number.isFinite(speed) ? speed : "max" as const } : {}),
  });
  out.result(entry, () => [
    `board ${name} (${entry.board}) runs in the background, UART on ${entry.port}${app ? `, app ${app.app}` : ""}`,
    `  wasmcu deploy --port ${name}    wasmcu monitor --port ${name}    wasmcu board stop ${name}`,
  ].join("\n"));
}

/** The firmware built from this tree (the board's stock image, no bootloader on rp2040). */
async function stockFirmware(target: ReturnType<typeof resolveBoard>, opts: StartOpts): Promise<string> {
  const bar = stepProgress(`${target.board.name} firmware`, process.stderr, !opts.json);
  return localBoardFirmware(target, { onBuildProgress: (p) => bar.update(p.percent, p.what) }).finally(() => bar.finish());
}

function describe(boards: LocalBoard[]): string {
  if (boards.length === 0) return "no local boards running (wasmcu board start NAME --board host|rp2040-sim|esp32c3-sim starts one)";
  return table(["name", "board", "port", "pid", "app", "started"], boards.map((b) =>
    [b.name, b.board, b.port, b.pid, b.app ? displayPath(b.app) : "-", b.started.replace("T", " ").slice(0, 19)]));
}

export function register(program: Command): void {
  const board = program
    .command("board")
    .description("local boards (host, rp2040-sim, esp32c3-sim) kept running in the background, reachable by name from every command (--port NAME)")
    .addHelpText("after", `
A board started here keeps running after the command returns; deploy, monitor, model run,
ota and bench reach it with --port NAME (or its pty), and wasmcu ports lists it by name.
Only one command talks to a board at a time, as with a real serial port. Its flash is kept
in ${displayPath(localBoardsDir())}/NAME-flash.bin (--flash chooses another file) and
survives a stop and start; the state files there are per user ($WASMCU_RUNTIME_DIR moves them).`);

  board
    .command("start <name>")
    .description("build the firmware (and the app) and start a local board in the background")
    .option("-b, --board <board>", "host, rp2040-sim or esp32c3-sim", "host")
    .option("-a, --app <app>", "app to program before boot: a project folder, an app under firmware/apps or a path (default: the project in this folder, else none)")
    .addOption(new Option("--engine <engine>", "the app as a .wasm (interp) or compiled ahead of time to a .waot (aot: rp2040-sim)")
      .choices([...ENGINES]).default("interp"))
    .option("-m, --model <file>", "a .tflite model to put in the board's model slot before boot")
    .option("--flash <file>", "the board's flash image file (default: NAME-flash.bin beside the board's state)")
    .option("--firmware <file>", "rp2040-sim: boot this .elf or .uf2 instead of the stock firmware, e.g. wasmcu-rp2040-install.uf2 from `wasmcu build --board rp2040` (a first install: the bootloader and fw_a); " +
      "host: a signed firmware image (wasmcu sign --board host --kind firmware) installed into the board's firmware file FLASH.fw_a if its firmware files hold none")
    .option("--speed <factor>", "rp2040-sim, esp32c3-sim: emulated seconds per wall second, or max", "1")
    .option("--i2c <devices...>", `simulated I2C devices on the board's bus, KIND@ADDRESS (${I2C_KINDS.join(", ")})`)
    .option("--trace-gpio", "host board: report every GPIO write over the link (monitor shows them)")
    .option("--json", "the board's entry as JSON")
    .action(start);

  board
    .command("list")
    .description("the local boards running in the background: name, board, port, pid, app")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) => {
      const boards = listLocalBoards();
      new Output(opts).result(boards, () => describe(boards));
    });

  board
    .command("stop [names...]")
    .description("stop local boards by name (their flash is kept)")
    .option("--all", "stop every local board")
    .option("--json", "machine-readable output")
    .action(async (names: string[], opts: { all?: boolean; json?: boolean }) => {
      if (!opts.all && names.length === 0) throw new UsageError("name the boards to stop, or give --all", "wasmcu board list shows them");
      const boards = opts.all ? listLocalBoards() : names.map((n) => requireLocalBoard(checkBoardName(n)));
      for (const b of boards) await stopBackgroundBoard(b);
      new Output(opts).result({ stopped: boards.map((b) => b.name) }, () =>
        boards.length ? boards.map((b) => `stopped ${b.name} (${b.board}, ${b.port})`).join("\n") : "no local boards were running");
    });
}
