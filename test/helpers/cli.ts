// Runs the wasmcu CLI as a user would (through its bin script) and captures everything.
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
