// The error walk: every command of the CLI (enumerated from the commander program, so a new
// command is walked without anyone adding it here) is run with a missing input, an output that
// cannot be written, and a folder where a file belongs (and the reverse). Each must answer with
// a message naming the path and the documented exit status, and never with Node's stack.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import type { Command, Option } from "commander";
import { buildProgram, leafCommands } from "../../host-tools/src/cli.js";
import { EXIT } from "../../host-tools/src/lib/exit-codes.js";
import { wasmcu, type CliResult } from "../helpers/cli.js";

const program = buildProgram();
const leaves = leafCommands(program);

function find(words: string[]): Command {
  let c: Command = program;
  for (const w of words) c = c.commands.find((s) => s.name() === w)!;
  return c;
}

/** Options that name a file or folder the command writes. */
const OUTPUT_FLAGS = ["--output", "--out", "--output-prefix", "--record"];
/** Options that name a file or folder the command reads. */
const INPUT_FLAGS = ["--model", "--models", "--input", "--calibration", "--calibrate", "--eval", "--from", "--to", "--app",
  "--uf2", "--app-image", "--bootloader", "--partitions", "--flasher-args"];
/** Positional arguments that are names, not files. */
const NOT_FILES = new Set(["name", "names", "args"]);
/** Commands left out, and why. */
const SKIP: Record<string, string> = {
  vm: "passes its arguments to the wasmcu-vm program, which reports its own errors (test/firmware/runtime)",
};
/** Values for options a command cannot start without (everything else gets a file). */
const SAMPLE: Record<string, string> = { "--key": "wasmcu-dev", "--board": "host" };
const BOARD_FOR: Record<string, string> = { flash: "esp32" };
/** Options that belong to one board of a command with --board. */
const BOARD_FOR_OPTION: Record<string, string> = { "--uf2": "rp2040" };

let tmp = "";
let junk = ""; // an existing file whose contents no command accepts
let folder = ""; // an existing folder
let readOnly = ""; // an existing file nobody but root may write

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-error-walk-"));
  junk = path.join(tmp, "junk.csv");
  writeFileSync(junk, "not what anything expects\n");
  folder = path.join(tmp, "a-folder.wasm");
  mkdirSync(folder);
  readOnly = path.join(tmp, "read-only.out");
  writeFileSync(readOnly, "");
  chmodSync(readOnly, 0o444);
});

const name = (words: string[]) => words.join(" ");
const long = (o: Option) => o.long ?? "";
const isDirOption = (o: Option) => /<dir>/.test(o.flags);

/** Arguments that get `command` past its own usage checks, with `input` for every file it reads
 * (and, unless `withOutput` is false, a writable output where it has an output option). */
function baseArgs(words: string[], input: string, withOutput = true, forOption = ""): string[] {
  const c = find(words);
  const args = [...words];
  for (const a of c.registeredArguments) if (a.required) args.push(NOT_FILES.has(a.name()) ? "walk" : input);
  for (const o of c.options) {
    if (!o.mandatory) continue;
    if (long(o) === "--board") args.push("--board", BOARD_FOR_OPTION[forOption] ?? BOARD_FOR[name(words)] ?? "host");
    else args.push(long(o), SAMPLE[long(o)] ?? input);
  }
  // Usage checks a command makes itself: the options it cannot run without.
  if (name(words) === "convert") args.push("--calibration", input);
  if (name(words) === "model run") args.push("--input", input);
  const o = c.options.find((x) => long(x) === "--output");
  if (withOutput && o) args.push("--output", path.join(tmp, `out-${words.join("-")}${isDirOption(o) ? "" : ".out"}`));
  return args;
}

function assertClean(r: CliResult, what: string): void {
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /^\s+at .+(\(|:\d+)/m, `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(all, /node:internal|internal error/, `${what}: an internal error\n${r.stderr}`);
}

/** Runs one case; returns what is wrong with the answer ("" when nothing is). */
async function check(args: string[], expect: number[], mustName: string): Promise<string> {
  const what = `wasmcu ${args.join(" ")}`;
  const r = await wasmcu(args, { timeoutMs: 60_000 });
  try {
    assertClean(r, what);
    assert.ok(expect.includes(r.code), `${what}: exit ${r.code}, expected ${expect.join(" or ")}\n${r.stderr}`);
    assert.ok(r.stderr.includes(mustName), `${what}: the message does not name ${mustName}\n${r.stderr}`);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

/** All the cases' problems at once, so that one run shows every command that misbehaves. */
function assertNone(problems: string[]): void {
  const bad = problems.filter(Boolean);
  assert.equal(bad.length, 0, `${bad.length} of ${problems.length} cases failed:\n\n${bad.join("\n\n")}`);
}

test("the walk sees every command, subcommands included", () => {
  const names = leaves.map(name);
  for (const c of ["bench", "sign", "quantize", "dequantize", "ota make", "ota push", "power chart", "keys export", "model run", "monitor"]) {
    assert.ok(names.includes(c), `${c} is not among ${names.join(", ")}`);
  }
});

test("every command: a missing input file is named, exit 3, no stack trace", async () => {
  const missing = path.join(tmp, "no-such-folder", "missing.wasm");
  let runs = 0;
  const problems: string[] = [];
  for (const words of leaves) {
    if (SKIP[name(words)]) continue;
    const c = find(words);
    const fileArgs = c.registeredArguments.filter((a) => !NOT_FILES.has(a.name()));
    if (fileArgs.length) {
      // A command whose only file argument is optional (flash [firmware]) gets it too.
      const optional = fileArgs.every((a) => !a.required) ? [missing] : [];
      problems.push(await check([...baseArgs(words, missing), ...optional], [EXIT.INPUT], missing));
      runs++;
    }
    for (const o of c.options.filter((x) => INPUT_FLAGS.includes(long(x)))) {
      problems.push(await check([...baseArgs(words, junk, true, long(o)), long(o), missing], [EXIT.INPUT], missing));
      runs++;
    }
  }
  assertNone(problems);
  assert.ok(runs >= 15, `only ${runs} runs`);
});

test("every command: a folder given as an input file is named, exit 3, no stack trace", async () => {
  let runs = 0;
  const problems: string[] = [];
  for (const words of leaves) {
    if (SKIP[name(words)]) continue;
    const c = find(words);
    if (!c.registeredArguments.some((a) => a.required && !NOT_FILES.has(a.name()))) continue;
    problems.push(await check(baseArgs(words, folder), [EXIT.INPUT], folder));
    runs++;
  }
  assertNone(problems);
  assert.ok(runs >= 8, `only ${runs} runs`);
});

test("every command: an output that cannot be written is named before any work, exit 5, no stack trace", async () => {
  const notAFolder = path.join(junk, "x.out"); // a path through a file: unwritable even for root
  let runs = 0;
  const problems: string[] = [];
  for (const words of leaves) {
    if (SKIP[name(words)]) continue;
    for (const o of find(words).options.filter((x) => OUTPUT_FLAGS.includes(long(x)))) {
      const bad = isDirOption(o) ? [notAFolder] : ["/nonexist/x.out", notAFolder];
      // A read-only file stops everyone but root (who may write anywhere: the cases above hold for root too).
      if (!isDirOption(o) && process.getuid?.() !== 0) bad.push(readOnly);
      for (const p of bad) {
        problems.push(await check([...baseArgs(words, junk, false), long(o), p], [EXIT.OUTPUT], p));
        runs++;
      }
    }
  }
  assertNone(problems);
  assert.ok(runs >= 12, `only ${runs} runs`);
});

test("every command: a folder where an output file belongs (or a file where a folder belongs) is named, exit 5", async () => {
  let runs = 0;
  const problems: string[] = [];
  for (const words of leaves) {
    if (SKIP[name(words)]) continue;
    for (const o of find(words).options.filter((x) => OUTPUT_FLAGS.includes(long(x)))) {
      const p = isDirOption(o) ? junk : folder;
      // A prefix names files beside it: a folder as the prefix is a folder in the way only with its suffix.
      if (long(o) === "--output-prefix" || (name(words) === "model run" && long(o) === "--output")) continue;
      problems.push(await check([...baseArgs(words, junk, false), long(o), p], [EXIT.OUTPUT], p));
      runs++;
    }
  }
  assertNone(problems);
  assert.ok(runs >= 8, `only ${runs} runs`);
});

test("usage errors from the parser exit 2 and the help names the exit statuses", async () => {
  const r = await wasmcu(["boards", "--frobnicate"]);
  assert.equal(r.code, EXIT.USAGE);
  assertClean(r, "boards --frobnicate");
  const sub = await wasmcu(["ota", "make", "--from", junk]);
  assert.equal(sub.code, EXIT.USAGE, sub.stderr);
  assert.match(sub.stderr, /required option/);
  const help = await wasmcu(["--help"]);
  assert.equal(help.code, 0);
  for (const [code, word] of [[0, "ok"], [2, "usage"], [3, "input"], [4, "device"], [5, "output"], [70, "internal"]] as const) {
    assert.match(help.stdout, new RegExp(`^\\s+${code}\\s+.*${word}`, "m"), `exit ${code} is not in wasmcu --help`);
  }
});

test("errors are red on request (FORCE_COLOR) and plain when piped or with NO_COLOR", async () => {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...env } = process.env;
  const args = ["sign", path.join(tmp, "none.wasm"), "--key", "wasmcu-dev"];
  const piped = await wasmcu(args, { env });
  assert.equal(piped.code, EXIT.INPUT);
  assert.doesNotMatch(piped.stderr, /\x1b\[/);
  const forced = await wasmcu(args, { env: { ...env, FORCE_COLOR: "1" } });
  assert.match(forced.stderr, /^\x1b\[31m\x1b\[1mwasmcu: error:\x1b\[22m\x1b\[39m cannot read payload /);
  const off = await wasmcu(args, { env: { ...env, FORCE_COLOR: "1", NO_COLOR: "1" } });
  assert.doesNotMatch(off.stderr, /\x1b\[/);
});

test("an internal error (a bug) prints its message and status 70, its stack only with WASMCU_DEBUG=1", async () => {
  const { spawnSync } = await import("node:child_process");
  const { repoRoot } = await import("../helpers/paths.js");
  const code = `const m = await import(${JSON.stringify(path.join(repoRoot, "host-tools/src/cli.ts"))}); ` +
    `process.exitCode = m.reportError(new TypeError("x is not a function"), []);`;
  const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: repoRoot, encoding: "utf8", env });
  const { WASMCU_DEBUG: _d, FORCE_COLOR: _f, ...env } = process.env;
  const plain = run(env);
  assert.equal(plain.status, EXIT.INTERNAL);
  assert.match(plain.stderr, /^wasmcu: internal error: x is not a function\nhint: this is a bug in wasmcu: run again with WASMCU_DEBUG=1/);
  assert.doesNotMatch(plain.stderr, /^\s+at /m);
  const debug = run({ ...env, WASMCU_DEBUG: "1" });
  assert.match(debug.stderr, /^\s+at /m);
  // a Node file error that escaped a command still names its path, as bad input or as an output
  const fsErr = (syscall: string) => `const m = await import(${JSON.stringify(path.join(repoRoot, "host-tools/src/cli.ts"))}); ` +
    `const e = Object.assign(new Error("ENOENT"), { code: "ENOENT", syscall: "${syscall}", path: "/no/where" }); process.exitCode = m.reportError(e, []);`;
  const read = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", fsErr("open")], { cwd: repoRoot, encoding: "utf8", env });
  assert.equal(read.status, EXIT.INPUT);
  assert.match(read.stderr, /cannot read \/no\/where: no such file or folder/);
  const write = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", fsErr("mkdir")], { cwd: repoRoot, encoding: "utf8", env });
  assert.equal(write.status, EXIT.OUTPUT);
  assert.match(write.stderr, /cannot write \/no\/where: no such file or folder/);
});
