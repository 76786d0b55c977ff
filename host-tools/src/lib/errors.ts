// Typed errors: library code throws these; only the CLI boundary prints them and exits.
// Each kind carries its exit status from the one scheme in exit-codes.ts.
import { EXIT } from "./exit-codes.js";

/** An error meant for the user: `message` says what went wrong and where, `hint` what to do. */
export class WasmcuError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** Extra text shown after the message (e.g. a compiler's diagnostics). */
  readonly details: string | undefined;
  /** Machine-readable extras for --json (e.g. a build's `diagnostics`), merged into the error object. */
  readonly data: Record<string, unknown> | undefined;

  constructor(message: string, opts: { code?: string; hint?: string; exitCode?: number; details?: string; data?: Record<string, unknown> } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = opts.code ?? "E_WASMCU";
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.FAILED;
    this.details = opts.details;
    this.data = opts.data;
  }
}

/** Bad command-line usage: exit status 2, like commander's own usage errors. */
export class UsageError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_USAGE", hint, exitCode: EXIT.USAGE });
  }
}

/** A board name, board.json or board capability problem (an unknown board name is usage: exit 2). */
export class BoardError extends WasmcuError {
  constructor(message: string, hint?: string, exitCode: number = EXIT.FAILED) {
    super(message, { code: "E_BOARD", hint, exitCode });
  }
}

/** A compiler, linker or CMake failure; `details` carries the tool's own messages. */
export class BuildError extends WasmcuError {
  constructor(message: string, details?: string, hint?: string, data?: Record<string, unknown>) {
    super(message, { code: "E_BUILD", details, hint, data });
  }
}

/** A required program or package is missing from this machine. */
export class ToolMissingError extends WasmcuError {
  constructor(tool: string, installHint: string) {
    super(`${tool} is not installed`, { code: "E_TOOL_MISSING", hint: installHint });
  }
}

/** Malformed, missing or unreadable input data (a file the user gave us): says what and where. */
export class InputError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_INPUT", hint, exitCode: EXIT.INPUT });
  }
}

/** The device or the link to it misbehaved (timeout, bad frame, refused command), or its port. */
export class DeviceError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_DEVICE", hint, exitCode: EXIT.DEVICE });
  }
}

/** An output file or folder cannot be written; the message names the path and why. */
export class OutputError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_OUTPUT", hint, exitCode: EXIT.OUTPUT });
  }
}

/** Node's words for the file errors a user can cause, for messages that name the path. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT": return "no such file or folder";
    case "ENOTDIR": return "a part of the path is a file, not a folder";
    case "EISDIR": return "it is a folder, not a file";
    case "EACCES": case "EPERM": return "permission denied";
    case "EROFS": return "read-only file system";
    case "ENOSPC": return "no space left on the device";
    case "EEXIST": return "it already exists";
    case "EBUSY": return "it is busy";
    default: return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** A Node file-system error (ENOENT, EACCES...) as a typed error naming its path, or undefined
 * when `e` is not one. The CLI boundary uses it as a safety net; library code should throw
 * InputError/OutputError itself, knowing which side the path is on. */
export function fsErrorToWasmcu(e: unknown): WasmcuError | undefined {
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (!err || typeof err !== "object" || typeof err.code !== "string" || typeof err.syscall !== "string") return undefined;
  const where = err.path ?? err.dest;
  if (!where) return undefined;
  const writing = ["mkdir", "write", "rename", "unlink", "copyfile", "rmdir", "symlink", "chmod", "utime"].includes(err.syscall);
  const why = describeFsError(err);
  return writing ? new OutputError(`cannot write ${where}: ${why}`) : new InputError(`cannot read ${where}: ${why}`);
}
