// Typed errors: library code throws these; only the CLI boundary prints them and exits.

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
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
    this.data = opts.data;
  }
}

/** Bad command-line usage: exit status 2, like commander's own usage errors. */
export class UsageError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_USAGE", hint, exitCode: 2 });
  }
}

/** A board name, board.json or board capability problem. */
export class BoardError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_BOARD", hint });
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

/** Malformed input data (a file the user gave us): says what and where. */
export class InputError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_INPUT", hint });
  }
}

/** The device or the link to it misbehaved (timeout, bad frame, refused command). */
export class DeviceError extends WasmcuError {
  constructor(message: string, hint?: string) {
    super(message, { code: "E_DEVICE", hint });
  }
}
