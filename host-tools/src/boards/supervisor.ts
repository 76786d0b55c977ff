// The background process of `wasmcu board start NAME`: starts the board (wasmcu-host or the
// emulator, which stop when their parent goes), writes its state file, tells the command that
// started it, and then only waits: for SIGTERM (`board stop`), or for the board to end.
// Its output goes to the board's log file; it never opens the board's UART, so any command can.
import { resolveBoard } from "./registry.js";
import { launchLocalBoard, type LaunchedBoard } from "./launch.js";
import { removeLocalBoard, writeLocalBoard, type LocalBoard } from "./local.js";

/** What `board start` hands over: everything already checked and built. */
export interface SupervisorConfig {
  name: string;
  board: string;
  firmware: string;
  flash: string;
  log: string;
  dir: string;
  app?: string;
  model?: string;
  /** rp2040-sim: emulated seconds per wall second ("max": unpaced; JSON has no Infinity). */
  speed?: number | "max";
  traceGpio: boolean;
  extraArgs: string[];
}

export type SupervisorMessage = { ok: true; entry: LocalBoard } | { ok: false; message: string; hint?: string };

const stamp = () => new Date().toISOString();

async function main(cfg: SupervisorConfig): Promise<void> {
  const target = resolveBoard(cfg.board);
  let board: LaunchedBoard;
  try {
    board = await launchLocalBoard(target, {
      firmware: cfg.firmware, flashFile: cfg.flash, traceGpio: cfg.traceGpio, extraArgs: cfg.extraArgs,
      // Held in reset until a command first speaks to it, so that command sees the boot.
      waitForHost: true,
      ...(cfg.app ? { app: cfg.app } : {}),
      ...(cfg.model ? { model: cfg.model } : {}),
      ...(cfg.speed !== undefined ? { speed: cfg.speed === "max" ? Infinity : cfg.speed } : {}),
    });
  } catch (e) {
    const err = e as Error & { hint?: string };
    process.stderr.write(`${stamp()} ${cfg.name}: cannot start: ${err.message}\n`);
    process.send?.({ ok: false, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } satisfies SupervisorMessage);
    process.exitCode = 1;
    return;
  }
  const entry: LocalBoard = {
    name: cfg.name, board: target.name, port: board.uartPath, pid: process.pid, boardPid: board.process.pid ?? 0,
    flash: cfg.flash, log: cfg.log, started: stamp(),
    ...(cfg.app ? { app: cfg.app } : {}),
    ...(cfg.model ? { model: cfg.model } : {}),
  };
  writeLocalBoard(entry, cfg.dir);
  process.stdout.write(`${stamp()} ${cfg.name}: ${target.name} board up, UART on ${board.uartPath}\n`);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${stamp()} ${cfg.name}: stopping (${why})\n`);
    await board.stop();
    removeLocalBoard(cfg.name, process.pid, cfg.dir);
  };
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(sig, () => void stop(sig));
  board.process.once("exit", (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${stamp()} ${cfg.name}: the board process ended (${signal ?? `status ${code}`})\n${board.stderrTail()}`);
      process.exitCode = 1;
    }
    removeLocalBoard(cfg.name, process.pid, cfg.dir);
  });
  process.send?.({ ok: true, entry } satisfies SupervisorMessage);
  // The command that started us exits now: its channel must not keep us, nor our end of it it.
  process.disconnect?.();
}

// argv: [node, this file, SUPERVISOR_MARK, config JSON]
main(JSON.parse(process.argv[3] ?? "{}") as SupervisorConfig).catch((e: Error) => {
  process.stderr.write(`${stamp()} board supervisor: ${e.message}\n`);
  process.send?.({ ok: false, message: e.message } satisfies SupervisorMessage);
  process.exitCode = 1;
});
