// The CLI boundary: parses arguments, runs a command, and turns typed errors into
// a clear message and an exit status. Nothing below this file prints or exits.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import path from "node:path";
import { commands } from "./commands/index.js";
import { WasmcuError } from "./lib/errors.js";
import { repoRoot } from "./lib/paths.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("wasmcu")
    .description("build, flash, deploy, benchmark and update AssemblyScript apps and int8 models on microcontrollers")
    .version(version())
    .showHelpAfterError("(add --help for usage)")
    .enablePositionalOptions()
    .exitOverride();
  for (const c of commands) c.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/** Prints an error for a person (or as JSON when --json was given) and returns the exit status. */
export function reportError(err: unknown, argv: string[]): number {
  const json = argv.includes("--json");
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof WasmcuError) {
    if (json) {
      process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint, ...err.data } }, null, 2) + "\n");
    }
    process.stderr.write(`wasmcu: error: ${err.message}\n`);
    if (err.details) process.stderr.write(err.details.endsWith("\n") ? err.details : err.details + "\n");
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`wasmcu: internal error: ${e?.stack ?? String(err)}\n`);
  return 70;
}

export async function main(argv = process.argv): Promise<number> {
  // `wasmcu run ... | head`: a reader that has had enough is the end of the output, not an
  // error. Boards this process started stop by themselves when it is gone.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return reportError(err, argv);
  }
}
