// The exit statuses of every wasmcu command: one table, shown in `wasmcu --help`, in the
// README's CLI section, and used by the typed errors in errors.ts.

export const EXIT = {
  /** The command did what it was asked. */
  OK: 0,
  /** The job itself failed: a build error, a missing tool, a rolled-back update, a failed check. */
  FAILED: 1,
  /** Usage: an unknown option, a missing or bad argument, an unknown board. */
  USAGE: 2,
  /** Bad input data: an input file that is missing, unreadable, a folder, malformed or damaged. */
  INPUT: 3,
  /** The device or its port: no port, a port that cannot be opened, a board that does not answer or refuses. */
  DEVICE: 4,
  /** An output cannot be written: its folder is missing, it is a folder, or writing is not allowed. */
  OUTPUT: 5,
  /** Internal error: a bug in wasmcu (set WASMCU_DEBUG=1 for its stack trace, and report it). */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as text, for `wasmcu --help` (the README's CLI section holds the same lines). */
export function exitCodeHelp(): string {
  const rows: [number, string][] = [
    [EXIT.OK, "ok"],
    [EXIT.FAILED, "the job failed (build error, missing tool, rejected or rolled-back update, failed check)"],
    [EXIT.USAGE, "usage: unknown option, missing or bad argument, unknown board"],
    [EXIT.INPUT, "bad input data: an input file missing, unreadable, a folder, malformed or damaged"],
    [EXIT.DEVICE, "device or port problem: no port, port busy or missing, board not answering or refusing"],
    [EXIT.OUTPUT, "an output cannot be written (missing folder, a folder in place of a file, no permission)"],
    [EXIT.INTERNAL, "internal error: a bug in wasmcu (WASMCU_DEBUG=1 shows the stack trace; please report it)"],
  ];
  return ["Exit status:", ...rows.map(([c, t]) => `    ${String(c).padStart(2)}  ${t}`)].join("\n");
}
