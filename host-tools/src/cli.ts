// The CLI boundary: parses arguments, runs a command, and turns typed errors into
// a clear message and an exit status. Nothing below this file prints or exits.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import path from "node:path";
import { commands } from "./commands/index.js";
import { paletteFor } from "./lib/colour.js";
import { fsErrorToWasmcu, WasmcuError } from "./lib/errors.js";
import { EXIT, exitCodeHelp } from "./lib/exit-codes.js";
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
    .configureOutput({ outputError: (text, write) => write(paletteFor(process.stderr).red(text)) })
    .addHelpText("after", `\n${exitCodeHelp()}\n\nColour: on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 on when piped.`)
    .exitOverride();
  for (const c of commands) c.register(program);
  // Every command (subcommands too) throws instead of exiting, so that usage errors get
  // the documented status (2) at the boundary below.
  const walk = (c: Command): void => {
    for (const sub of c.commands) {
      sub.exitOverride();
      walk(sub);
    }
  };
  walk(program);
  return program;
}

/** Every command a user can run, as its words (["ota", "make"]): the leaves of the program. */
export function leafCommands(program: Command = buildProgram()): string[][] {
  const out: string[][] = [];
  const walk = (c: Command, words: string[]): void => {
    for (const sub of c.commands) {
      if (sub.name() === "help") continue;
      if (sub.commands.length) walk(sub, [...words, sub.name()]);
      else out.push([...words, sub.name()]);
    }
  };
  walk(program, []);
  return out;
}

/** Prints an error for a person (or as JSON when --json was given) and returns the exit status. */
export function reportError(err: unknown, argv: string[]): number {
  const json = argv.includes("--json");
  const c = paletteFor(process.stderr);
  // Commander has printed its own message (or the help): help and --version are success,
  // everything else it reports is usage.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  // A file error no command caught itself still names its path, never a stack.
  const known = err instanceof WasmcuError ? err : fsErrorToWasmcu(err);
  if (known) {
    if (json) {
      process.stdout.write(JSON.stringify({ error: { code: known.code, message: known.message, hint: known.hint, exit: known.exitCode, ...known.data } }, null, 2) + "\n");
    }
    process.stderr.write(`${c.red(c.bold("wasmcu: error:"))} ${known.message}\n`);
    if (known.details) process.stderr.write(known.details.endsWith("\n") ? known.details : known.details + "\n");
    if (known.hint) process.stderr.write(`${c.cyan("hint:")} ${known.hint}\n`);
    return known.exitCode;
  }
  // A bug: the message, and the stack only on request (a user never sees Node's frames).
  const e = err as Error | undefined;
  const message = e instanceof Error ? e.message || e.name : String(err);
  if (json) process.stdout.write(JSON.stringify({ error: { code: "E_INTERNAL", message, exit: EXIT.INTERNAL } }, null, 2) + "\n");
  process.stderr.write(`${c.red(c.bold("wasmcu: internal error:"))} ${message}\n`);
  if (process.env.WASMCU_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write(`${c.cyan("hint:")} this is a bug in wasmcu: run again with WASMCU_DEBUG=1 for the details and report them\n`);
  return EXIT.INTERNAL;
}

export async function main(argv = process.argv): Promise<number> {
  // `wasmcu run ... | head`: a reader that has had enough is the end of the output, not an
  // error. Boards this process started stop by themselves when it is gone.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  // An error thrown where no command awaits it (an event handler, a stream callback) is still
  // a message with its status, never Node's report of an uncaught exception.
  const fatal = (err: unknown) => process.exit(reportError(err, argv));
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return reportError(err, argv);
  }
}
