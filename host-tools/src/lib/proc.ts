// Running external tools (cmake, compilers) with their output captured, not leaked to stdout.
import { spawn } from "node:child_process";
import { ToolMissingError, WasmcuError } from "./errors.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of output as it arrives (e.g. to stream build logs to stderr). */
  onOutput?: (chunk: string) => void;
  installHint?: string;
}

/** Runs `cmd args` and resolves with its exit code and output; rejects only if it cannot start. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      opts.onOutput?.(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      opts.onOutput?.(d);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") reject(new ToolMissingError(cmd, opts.installHint ?? `install ${cmd}`));
      else reject(new WasmcuError(`could not start ${cmd}: ${err.message}`));
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Finds a program on PATH; returns its absolute path or undefined. */
export async function which(cmd: string): Promise<string | undefined> {
  const r = await run("sh", ["-c", `command -v ${cmd}`]).catch(() => undefined);
  const p = r?.stdout.trim();
  return r && r.code === 0 && p ? p : undefined;
}
