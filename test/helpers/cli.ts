// Runs the wasmcu CLI as a user would (through its bin script) and captures everything; or
// its main in a child of its own that reports what main left open (main-probe.ts).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { repoRoot } from "./paths.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function wasmcu(args: string[], opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "host-tools/bin/wasmcu.js"), ...args], {
      cwd: opts.cwd ?? repoRoot,
      ...(opts.env ? { env: opts.env } : {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wasmcu ${args.join(" ")} did not finish in ${opts.timeoutMs ?? 60000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The line main-probe.ts prints on stderr, then JSON. */
export const PROBE_MARK = "wasmcu-probe: left open after main: ";

export interface ProbeResult extends CliResult {
  /** What kept the event loop alive when main returned (Node's names: Timeout, ProcessWrap, ...). */
  leftOpen: string[];
}

/**
 * Runs the CLI's main in a child process (main-probe.ts) and waits for that process to end
 * by itself: nothing calls process.exit() after main. One that is still there after
 * `timeoutMs` is killed and the promise rejects, naming what main left open.
 */
export function wasmcuMain(args: string[], opts: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/helpers/main-probe.ts"), ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const leftOpen = (): string[] | undefined => {
      const line = stderr.split("\n").find((l) => l.startsWith(PROBE_MARK));
      return line === undefined ? undefined : (JSON.parse(line.slice(PROBE_MARK.length)) as string[]);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      const left = leftOpen();
      reject(new Error(`wasmcu ${args.join(" ")}: ${left ? `main returned, but the process did not exit by itself within ${timeoutMs} ms ` +
        `(left open: ${JSON.stringify(left)}, and any native handle such as a serial port)` : `main did not return within ${timeoutMs} ms`}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const left = leftOpen();
      if (!left) return reject(new Error(`wasmcu ${args.join(" ")}: the probe printed nothing (exit status ${code})\n${stderr}`));
      resolve({ code: code ?? 1, stdout, stderr: stderr.split("\n").filter((l) => !l.startsWith(PROBE_MARK)).join("\n"), leftOpen: left });
    });
  });
}

export interface BoardsCli {
  /** The folder the boards' state lives in (WASMCU_RUNTIME_DIR); the test may put files there. */
  dir: string;
  wasmcu(args: string[], timeoutMs?: number): Promise<CliResult>;
}

/** The CLI for a test file that starts local boards: their state lives in a folder of the
 * test's own (`prefix` + random), never in the user's runtime dir, and after the file's tests
 * every board is stopped (a failed test leaves none running) and the folder removed.
 * `inDir`: commands run in that folder (no project there: `board start` programs no app). */
export function boardsCli(prefix: string, opts: { timeoutMs: number; inDir?: boolean }): BoardsCli {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = { ...process.env, WASMCU_RUNTIME_DIR: dir };
  const cwd = opts.inDir ? dir : undefined;
  const run = (args: string[], timeoutMs = opts.timeoutMs) => wasmcu(args, { env, timeoutMs, ...(cwd ? { cwd } : {}) });
  after(async () => {
    await run(["board", "stop", "--all"], 60_000);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, wasmcu: run };
}
