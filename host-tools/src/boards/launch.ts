// Starting a board that lives on this machine: the host board (a Linux process) or an
// emulator. Either way the result is a serial port path the link opens like a real one.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { DeviceError } from "../lib/errors.js";
import { firmwareBuildDir } from "../lib/paths.js";
import { buildFirmware, type BuildProgress } from "../build/firmware.js";
import { ensureHostTool } from "../host/tools.js";
import { BoardError, BuildError } from "../lib/errors.js";
import { ensureFlashFile, programSlot, SlotKind } from "./flash-image.js";
import { boardChoices, hasFeature, localFeatures, region, type BoardTarget } from "./registry.js";
import { parseXipLine, type XipRegionStats } from "../sim/xip-timing.js";

export interface LaunchedBoard {
  /** The pseudo-terminal the board's UART is on. */
  uartPath: string;
  /** rp2040-sim with `usb`: the pseudo-terminal bridged to the board's USB CDC-ACM port. */
  usbPath?: string;
  /** rp2040-sim with `monitor`: the power monitor's UART (its own pseudo-terminal). */
  monitorPath?: string;
  process: ChildProcess;
  /** Lines the board process printed outside the UART (diagnostics). */
  stderrTail(): string;
  /**
   * rp2040-sim, esp32c3-sim: bytes sent to the UART that the emulated chip dropped so far because its
   * RX FIFO overflowed (the firmware did not drain it in time), as the emulator last reported. Undefined for the host
   * board, whose pseudo-terminal holds back a writer instead of dropping (kernel flow control).
   */
  uartDropped?: () => number;
  /** rp2040-sim with `flashModel`: the XIP counters per flash region now (asks the emulator). */
  xipStats?: () => Promise<XipRegionStats[]>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Firmware executable or image. */
  firmware: string;
  /** An app .wasm to program into the app slot before boot (like a programmer would). */
  app?: string;
  /** A .tflite model to program into the model slot before boot. */
  model?: string;
  /** Flash image file; defaults to build/<board>/flash.bin. */
  flashFile?: string;
  /** Report every GPIO write over the link. */
  traceGpio?: boolean;
  /** Hold the board in reset until the host sends its first byte, so no boot output is missed. */
  waitForHost?: boolean;
  /** Host board: pace its UART like a real one at this baud rate (default: unpaced). */
  baud?: number;
  startTimeoutMs?: number;
  /** More arguments for the board process (e.g. the host board's --power-cut-at N). */
  extraArgs?: string[];
}

interface BoardLines {
  uart: string;
  usb?: string;
  monitor?: string;
}

function waitForUartLine(child: ChildProcess, timeoutMs: number, stderrTail: () => string): Promise<BoardLines> {
  return new Promise((resolve, reject) => {
    let usb: string | undefined;
    let monitor: string | undefined;
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      rl.close();
      // Nobody will stop a board that never came up: it would keep this process alive.
      child.kill("SIGKILL");
      reject(new DeviceError(`the board did not report its UART within ${timeoutMs} ms`, stderrTail() || undefined));
    }, timeoutMs);
    rl.on("line", (line) => {
      const u = /^usb: (\S+)/.exec(line);
      if (u) usb = u[1]!;
      const mon = /^monitor-uart: (\S+)/.exec(line);
      if (mon) monitor = mon[1]!;
      const m = /^uart: (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        rl.close();
        resolve({ uart: m[1]!, ...(usb === undefined ? {} : { usb }), ...(monitor === undefined ? {} : { monitor }) });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new DeviceError(`the board process exited (${signal ?? `status ${code}`}) before its UART came up`,
        stderrTail().trim() || undefined));
    });
  });
}

function spawned(child: ChildProcess, timeoutMs: number): Promise<LaunchedBoard> {
  let errText = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    errText = (errText + d).slice(-4000);
  });
  const stderrTail = () => errText;
  return waitForUartLine(child, timeoutMs, stderrTail).then(({ uart, usb, monitor }) => ({
    uartPath: uart,
    ...(usb === undefined ? {} : { usbPath: usb }),
    ...(monitor === undefined ? {} : { monitorPath: monitor }),
    process: child,
    stderrTail,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // A board that does not stop when asked is stopped anyway: nothing may outlive the CLI.
        const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  }));
}

/** Where each emulator's process entry lives under sim/ (rp2040-sim is the default). */
const SIM_ENTRIES: Record<string, string> = { "esp32c3-sim": path.join("esp32c3", "main") };

/** The emulator's entry point: compiled JS next to this file, or the TypeScript under tsx. */
function simEntry(simulator: string): string[] {
  const here = fileURLToPath(import.meta.url);
  const entry = path.join(path.dirname(here), "..", "sim", SIM_ENTRIES[simulator] ?? "main");
  return here.endsWith(".ts") ? ["--import", "tsx", `${entry}.ts`] : [`${entry}.js`];
}

export interface SimLaunchOptions extends LaunchOptions {
  /** GPIO changes the emulator saw, stamped with the emulated cycle count. */
  onGpio?: (pin: number, level: number, cycle: number) => void;
  /** Emulated seconds per wall second; Infinity runs unpaced (default 1, like a real board). */
  speed?: number;
  /** Plug an emulated USB host into the board's USB port (CDC-ACM); its pseudo-terminal is `usbPath`. */
  usb?: boolean;
  /** Flash timing (XIP cache, QSPI stalls) in the emulator, counted per region: code, app, model, settings. */
  flashModel?: boolean;
  /**
   * The power-measurement rig (sim/rig.ts): a second emulated RP2040 running the same
   * firmware with this app (the power-monitor) in its app slot, a simulated INA219 on its
   * I2C bus measuring the board; its UART is `monitorPath`.
   */
  monitor?: { app: string; flashFile: string; firmware?: string; supplyV?: number; stopAfterEdges?: number };
  /** With `monitor`: the board's peripheral count as the rig's power model sees it, on each change. */
  onPeripherals?: (n: number) => void;
}

/**
 * Starts a board's firmware in its emulator, UART0 on a pseudo-terminal: the rp2040 ELF in
 * rp2040-sim (rp2040js), or the esp32c3 merged image in esp32c3-sim, written at flash offset 0
 * of the flash file and booted by the emulated ROM.
 */
export async function launchSimBoard(target: BoardTarget, opts: SimLaunchOptions): Promise<LaunchedBoard> {
  // Each emulator declares what it models (board.json simulator_features): esp32c3-sim has
  // neither the C3's USB-serial/JTAG nor a power-measurement rig.
  const wanted = [[opts.usb, "usb", "emulated USB port"], [opts.monitor, "power_rig", "emulated power monitor"],
    [opts.flashModel, "flash_model", "flash timing model"]] as const;
  for (const [asked, feature, what] of wanted) {
    if (asked && !hasFeature(target, feature)) {
      throw new BoardError(`${target.name} has no ${what}`, `use ${boardChoices(feature)} for that`);
    }
  }
  const flash = opts.flashFile ?? path.join(firmwareBuildDir(target.board.name), "sim-flash.bin");
  mkdirSync(path.dirname(flash), { recursive: true });
  ensureFlashFile(flash, target.board);
  if (opts.app) {
    programSlot(flash, region(target.board, "app_a"), SlotKind.App, readFileSync(opts.app), [region(target.board, "app_b")]);
  }
  if (opts.model) {
    // The model area holds two halves used like the app slots (firmware/device/src/slots.c).
    const m = region(target.board, "model");
    const half = Math.floor(m.size / 2 / target.board.flash.erase_size) * target.board.flash.erase_size;
    const a = { name: "model_a", offset: m.offset, size: half };
    programSlot(flash, a, SlotKind.Model, readFileSync(opts.model), [{ name: "model_b", offset: m.offset + half, size: half }]);
  }
  const args = [...simEntry(target.name), "--image", opts.firmware, "--flash-file", flash,
    "--speed", opts.speed === undefined ? "1" : Number.isFinite(opts.speed) ? String(opts.speed) : "max", "--quiet"];
  if (opts.waitForHost) args.push("--wait-for-host");
  if (opts.usb) args.push("--usb");
  if (opts.flashModel) args.push("--flash-model", ...flashRegionArgs(target));
  args.push(...(opts.extraArgs ?? []));
  if (opts.monitor) {
    ensureFlashFile(opts.monitor.flashFile, target.board);
    programSlot(opts.monitor.flashFile, region(target.board, "app_a"), SlotKind.App, readFileSync(opts.monitor.app), [region(target.board, "app_b")]);
    args.push("--monitor-flash-file", opts.monitor.flashFile, "--monitor-image", opts.monitor.firmware ?? opts.firmware);
    if (opts.monitor.supplyV !== undefined) args.push("--supply", String(opts.monitor.supplyV));
    if (opts.monitor.stopAfterEdges !== undefined) args.push("--monitor-stop-after-edges", String(opts.monitor.stopAfterEdges));
  }
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const board = await spawned(child, opts.startTimeoutMs ?? 30_000);
  let dropped = 0;
  const xip: XipRegionStats[] = [];
  const xipWaiters: ((s: XipRegionStats[]) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const x = parseXipLine(line);
    if (x) xip.push(x);
    if (line.startsWith("xip-end:")) {
      const snapshot = xip.splice(0);
      for (const w of xipWaiters.splice(0)) w(snapshot);
    }
    const m = /^gpio: (\d+) (\d) (\d+)/.exec(line);
    if (m) opts.onGpio?.(Number(m[1]), Number(m[2]), Number(m[3]));
    const p = /^periph: (\d+)/.exec(line);
    if (p) opts.onPeripherals?.(Number(p[1]));
    const d = /^uart-dropped: (\d+)/.exec(line);
    if (d) dropped = Number(d[1]);
  });
  const xipStats = () => new Promise<XipRegionStats[]>((resolve, reject) => {
    if (child.exitCode !== null) return reject(new DeviceError("the emulator has stopped: no XIP counters"));
    xipWaiters.push(resolve);
    child.kill("SIGUSR2");
  });
  return { ...board, uartDropped: () => dropped, ...(opts.flashModel ? { xipStats } : {}) };
}

/** The flash layout's regions as the emulator's XIP counters name them (the two app slots count as one). */
function flashRegionArgs(target: BoardTarget): string[] {
  const label = (n: string) => (n === "firmware" ? "code" : n.startsWith("app_") ? "app" : n);
  return target.board.flash.layout.flatMap((r) => ["--flash-region", `${label(r.name)}=${r.offset}:${r.size}`]);
}

/** Starts the host board's firmware process and waits for its pseudo-terminal. */
export async function launchHostBoard(target: BoardTarget, opts: LaunchOptions): Promise<LaunchedBoard> {
  const flash = opts.flashFile ?? path.join(firmwareBuildDir(target.board.name), "flash.bin");
  mkdirSync(path.dirname(flash), { recursive: true });
  const args = ["--flash", flash];
  if (opts.app) args.push("--app", opts.app);
  if (opts.model) args.push("--model", opts.model);
  if (opts.traceGpio) args.push("--trace-gpio");
  if (opts.baud) args.push("--baud", String(opts.baud));
  if (opts.waitForHost) args.push("--wait-for-host");
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(opts.firmware, args, { stdio: ["ignore", "pipe", "pipe"] });
  return spawned(child, opts.startTimeoutMs ?? 10_000);
}

export interface LocalBoardOptions extends Omit<SimLaunchOptions, "firmware" | "waitForHost" | "monitor"> {
  onBuildOutput?: (s: string) => void;
  /** Where the firmware build is (compile and link steps only; nothing when it is up to date). */
  onBuildProgress?: (p: BuildProgress) => void;
  /** rp2040-sim: build the firmware for this clk_sys (a build option; see boards/rp2040/src/clocks.c). */
  clockHz?: number;
  /** rp2040-sim: the power-measurement rig; the monitor runs the default build. */
  monitor?: Omit<NonNullable<SimLaunchOptions["monitor"]>, "firmware">;
}

/**
 * The firmware a local board runs, built when missing or out of date: the rp2040 image for
 * the emulator (at `clockHz` when given), the esp32c3 merged image for esp32c3-sim, or the
 * host board's executable.
 */
export async function localBoardFirmware(target: BoardTarget, opts: Pick<LocalBoardOptions, "onBuildOutput" | "onBuildProgress"> & { clockHz?: number } = {}): Promise<string> {
  if (!target.simulated) return ensureHostTool("wasmcu-host");
  const fw = await buildFirmware(target.board, { onOutput: opts.onBuildOutput, onProgress: opts.onBuildProgress, ...(opts.clockHz ? { clockHz: opts.clockHz } : {}) });
  // What the emulator boots (board.json): esp32c3-sim boots like the chip, its ROM reading
  // the merged image at flash offset 0; rp2040-sim loads the ELF.
  const suffix = localFeatures(target)?.image ?? ".elf";
  const file = fw.artifacts.find((a) => a.endsWith(suffix));
  if (!file) throw new BuildError(`the ${target.board.name} build produced no ${suffix}`);
  return file;
}

/** Starts a local board's firmware (already built) in its process: the emulator or wasmcu-host. */
export function launchLocalBoard(target: BoardTarget, opts: SimLaunchOptions): Promise<LaunchedBoard> {
  return target.simulated ? launchSimBoard(target, opts) : launchHostBoard(target, opts);
}

/**
 * Builds the firmware a local board needs (the host build, or the rp2040 image for the
 * emulator) and starts the board held in reset until the host first speaks to it.
 */
export async function startLocalBoard(target: BoardTarget, opts: LocalBoardOptions = {}): Promise<LaunchedBoard> {
  if (target.simulated) {
    const custom = opts.clockHz !== undefined && opts.clockHz !== target.board.clock_hz;
    const build = { onBuildOutput: opts.onBuildOutput, onBuildProgress: opts.onBuildProgress };
    const firmware = await localBoardFirmware(target, custom ? { ...build, clockHz: opts.clockHz } : build);
    const monitor = opts.monitor ? { ...opts.monitor, firmware: custom ? await localBoardFirmware(target, build) : firmware } : undefined;
    const { monitor: _m, ...rest } = opts;
    return launchSimBoard(target, { ...rest, firmware, waitForHost: true, ...(monitor ? { monitor } : {}) });
  }
  return launchHostBoard(target, { ...opts, firmware: await localBoardFirmware(target), waitForHost: true });
}
