// Named local boards kept running in the background (`wasmcu board start NAME`): one state
// file per board, so that every other command can find a board's pty by its name. A board's
// process may die without cleaning up (killed, machine asleep): an entry whose process is gone,
// or is no longer a wasmcu board (its pid reused), is stale and removed whenever the list is read.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeviceError, UsageError } from "../lib/errors.js";
import { cacheRoot } from "../lib/paths.js";

export interface LocalBoard {
  name: string;
  /** The board kind: host, rp2040-sim or esp32c3-sim. */
  board: string;
  /** The pseudo-terminal of the board's UART: what --port opens. */
  port: string;
  /** The background process that owns the board (stopping it stops the board). */
  pid: number;
  /** The board's own process (wasmcu-host, or the emulator). */
  boardPid: number;
  flash: string;
  app?: string;
  model?: string;
  /** The background process's output (why a board stopped). */
  log: string;
  started: string;
}

/** Marks the background process in its command line, for the pid-reuse check. */
export const SUPERVISOR_MARK = "wasmcu-board-supervisor";

const NAME = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/**
 * Where the state files live: $WASMCU_RUNTIME_DIR, else $XDG_RUNTIME_DIR/wasmcu/boards (gone
 * at logout, like the boards), else <cache>/boards. Per user: boards are not shared between users.
 */
export function localBoardsDir(): string {
  if (process.env.WASMCU_RUNTIME_DIR) return path.resolve(process.env.WASMCU_RUNTIME_DIR);
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg) && existsSync(xdg)) return path.join(xdg, "wasmcu", "boards");
  return path.join(cacheRoot(), "boards");
}

/** A board name is a word: it must not be mistaken for a path (--port takes both). */
export function checkBoardName(name: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(`bad board name "${name}": a letter, then up to 31 letters, digits, '.', '_' or '-'`, "e.g. wasmcu board start bench1 --board host");
  }
  return name;
}

/** True when a --port value names a local board rather than a path. */
export function looksLikeBoardName(port: string): boolean {
  return NAME.test(port) && !port.includes(path.sep);
}

const stateFile = (name: string, dir: string) => path.join(dir, `${name}.json`);

/** The files a board keeps beside its state: its log, and its flash when none was given. */
export function boardFiles(name: string, dir = localBoardsDir()): { log: string; flash: string } {
  return { log: path.join(dir, `${name}.log`), flash: path.join(dir, `${name}-flash.bin`) };
}

/** True when `pid` runs and is a wasmcu board supervisor (not a process that took its pid). */
export function isSupervisorAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(SUPERVISOR_MARK);
  } catch {
    return os.platform() !== "linux"; // no procfs to check against: trust the signal
  }
}

function readEntry(file: string): LocalBoard | undefined {
  try {
    const e = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalBoard>;
    if (typeof e.name !== "string" || typeof e.port !== "string" || typeof e.pid !== "number" || typeof e.board !== "string") return undefined;
    return e as LocalBoard;
  } catch {
    return undefined; // half written by a process that died: stale
  }
}

/** The running local boards, by name; stale entries are removed on the way. */
export function listLocalBoards(dir = localBoardsDir()): LocalBoard[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const out: LocalBoard[] = [];
  for (const f of names.sort()) {
    const e = readEntry(path.join(dir, f));
    if (e && isSupervisorAlive(e.pid)) out.push(e);
    else rmSync(path.join(dir, f), { force: true });
  }
  return out;
}

export function findLocalBoard(name: string, dir = localBoardsDir()): LocalBoard | undefined {
  return listLocalBoards(dir).find((b) => b.name === name);
}

/** Written whole or not at all: a reader never sees half an entry. */
export function writeLocalBoard(entry: LocalBoard, dir = localBoardsDir()): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${stateFile(entry.name, dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry, null, 2) + "\n");
  renameSync(tmp, stateFile(entry.name, dir));
}

/** Removes a board's entry, if it is still this process's (a new board may have taken the name). */
export function removeLocalBoard(name: string, pid: number, dir = localBoardsDir()): void {
  const e = readEntry(stateFile(name, dir));
  if (e && e.pid === pid) rmSync(stateFile(name, dir), { force: true });
}

/** The named board, or a DeviceError listing the running ones. */
export function requireLocalBoard(name: string, dir = localBoardsDir()): LocalBoard {
  const all = listLocalBoards(dir);
  const b = all.find((x) => x.name === name);
  if (b) return b;
  throw new DeviceError(`no local board named ${name} is running` + (all.length ? ` (running: ${all.map((x) => x.name).join(", ")})` : ""),
    `start one with: wasmcu board start ${name} --board host|rp2040-sim|esp32c3-sim`);
}
