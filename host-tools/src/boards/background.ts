// Starting and stopping named local boards in the background (`wasmcu board start|stop`).
// The board runs under a small supervisor process (supervisor.ts), detached from the command's
// terminal, which owns the board process and its state file (local.ts).
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DeviceError, UsageError } from "../lib/errors.js";
import { findLocalBoard, isSupervisorAlive, listLocalBoards, localBoardsDir, removeLocalBoard, SUPERVISOR_MARK, type LocalBoard } from "./local.js";
import type { SupervisorConfig, SupervisorMessage } from "./supervisor.js";

/** The supervisor's entry point: compiled JS next to this file, or the TypeScript under tsx. */
function supervisorEntry(): string[] {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts")
    ? ["--import", "tsx", path.join(path.dirname(here), "supervisor.ts")]
    : [path.join(path.dirname(here), "supervisor.js")];
}

export type BackgroundBoardOptions = Omit<SupervisorConfig, "dir">;

/** Fails when the name is taken by a running board (stale entries do not count). */
export function checkNameFree(name: string, dir = localBoardsDir()): void {
  const running = findLocalBoard(name, dir);
  if (running) {
    throw new UsageError(`a board named ${name} is already running (${running.board}, UART on ${running.port}, pid ${running.pid})`,
      `stop it first (wasmcu board stop ${name}) or choose another name`);
  }
}

/** Starts the board in the background; resolves once its UART is up and its state is written. */
export async function startBackgroundBoard(opts: BackgroundBoardOptions, timeoutMs = 60_000): Promise<LocalBoard> {
  const dir = localBoardsDir();
  checkNameFree(opts.name, dir);
  mkdirSync(dir, { recursive: true });
  const log = openSync(opts.log, "a");
  const cfg: SupervisorConfig = { ...opts, dir };
  const child = spawn(process.execPath, [...supervisorEntry(), SUPERVISOR_MARK, JSON.stringify(cfg)],
    { detached: true, stdio: ["ignore", log, log, "ipc"] });
  closeSync(log);
  try {
    return await new Promise<LocalBoard>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DeviceError(`board ${opts.name} did not come up within ${timeoutMs / 1000} s`, `its log: ${opts.log}`)), timeoutMs);
      child.once("message", (m: SupervisorMessage) => {
        clearTimeout(timer);
        if (m.ok) resolve(m.entry);
        else reject(new DeviceError(`board ${opts.name} did not start: ${m.message}`, m.hint ?? `its log: ${opts.log}`));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new DeviceError(`board ${opts.name} did not start: its process ended (${signal ?? `status ${code}`})`, `its log: ${opts.log}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null) child.kill("SIGTERM");
    throw e;
  } finally {
    // The board outlives this command.
    if (child.connected) child.disconnect();
    child.unref();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops a board and waits until it is gone (killed after `graceMs` if it does not stop). */
export async function stopBackgroundBoard(b: LocalBoard, graceMs = 10_000): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal(b.pid, "SIGTERM");
  for (let waited = 0; isSupervisorAlive(b.pid) && waited < graceMs; waited += 100) await sleep(100);
  if (isSupervisorAlive(b.pid)) {
    signal(b.boardPid, "SIGKILL");
    signal(b.pid, "SIGKILL");
  }
  removeLocalBoard(b.name, b.pid);
}
