// Files a user names on the command line. Inputs are checked (and read) with messages that name
// the path; outputs are checked before any long work starts, so a typo in -o costs nothing.
// "-" is stdin for an input and stdout for an output, wherever a file is read or written.
import { accessSync, constants, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describeFsError, InputError, OutputError, UsageError } from "./errors.js";

/** "-": stdin for an input, stdout for an output. */
export const STDIO = "-";
export const isStdio = (p: string | undefined): p is "-" => p === STDIO;

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function writable(p: string): string | undefined {
  try {
    accessSync(p, constants.W_OK);
    return undefined;
  } catch (e) {
    return describeFsError(e);
  }
}

/** The nearest existing folder at or above `dir`, or the first thing in the way that is not a folder. */
function nearestExisting(dir: string): { at: string; stat: Stats } {
  let at = path.resolve(dir);
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statOrUndefined(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOTDIR") throw e;
    }
    if (st) return { at, stat: st };
    const up = path.dirname(at);
    if (up === at) return { at, stat: statSync(at) };
    at = up;
  }
}

/**
 * Checks that `file` can be written as a file (before the work that produces it): its folder
 * exists, it is not a folder itself, and writing there is allowed. "-" (stdout) always passes.
 * `what` names the option in messages ("-o").
 */
export function checkOutputFile(file: string, what = "output"): void {
  if (isStdio(file)) return;
  const fail = (why: string, hint?: string) => new OutputError(`cannot write ${what} ${file}: ${why}`, hint);
  let st: Stats | undefined;
  try {
    st = statOrUndefined(file);
  } catch (e) {
    throw fail(describeFsError(e));
  }
  if (st?.isDirectory()) throw fail("it is a folder", `give a file name, e.g. ${path.join(file, "out")}`);
  if (st) {
    const why = writable(file);
    if (why) throw fail(why);
    return;
  }
  const dir = path.dirname(path.resolve(file));
  const { at, stat } = nearestExisting(dir);
  if (!stat.isDirectory()) throw fail(`${at} is a file, not a folder`);
  if (at !== dir) throw fail(`the folder ${dir} does not exist`, `create it first (mkdir -p ${dir})`);
  const why = writable(dir);
  if (why) throw fail(`${why} in ${dir}`);
}

/** Checks that `dir` can be (or is) a folder to write files into; missing folders are created
 * later by the writer (mkdir -p). "-" is refused: a set of files cannot go to stdout. */
export function checkOutputDir(dir: string, what = "output folder"): void {
  if (isStdio(dir)) throw new UsageError(`${what} must be a folder; "-" (stdout) cannot hold several files`);
  const fail = (why: string) => new OutputError(`cannot write ${what} ${dir}: ${why}`);
  let found: { at: string; stat: Stats };
  try {
    found = nearestExisting(dir);
  } catch (e) {
    throw fail(describeFsError(e));
  }
  if (!found.stat.isDirectory()) {
    throw fail(found.at === path.resolve(dir) ? "it is a file, not a folder" : `${found.at} is a file, not a folder`);
  }
  const why = writable(found.at);
  if (why) throw fail(found.at === path.resolve(dir) ? why : `${why} in ${found.at}`);
}

/** "-o -" puts the data on stdout, so --json (which also wants stdout) cannot go with it. */
export function checkStdoutFree(file: string | undefined, json: boolean | undefined, option = "-o"): void {
  if (isStdio(file) && json) throw new UsageError(`${option} - writes the data to stdout: it cannot go with --json`);
}

/** Creates an output folder (and its parents), as a typed error naming it when that fails. */
export function makeOutputDir(dir: string, what = "output folder"): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot write ${what} ${dir}: ${describeFsError(e)}`);
  }
}

/** Writes a whole output file, or stdout for "-". */
export function writeOutput(file: string, data: string | Uint8Array, what = "output"): void {
  if (isStdio(file)) {
    process.stdout.write(data);
    return;
  }
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new OutputError(`cannot write ${what} ${file}: ${describeFsError(e)}`);
  }
}

/** A stream to an output file, or to stdout for "-" (which is not closed at the end). */
export function outputStream(file: string): Writable {
  if (!isStdio(file)) return createWriteStream(file);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      process.stdout.write(chunk, (err) => cb(err ?? null));
    },
  });
}

/** Removes a partly written output (never stdout). */
export function removeOutput(file: string): void {
  if (!isStdio(file)) rmSync(file, { force: true });
}

/** Checks that `file` is a readable file ("-", stdin, passes). */
export function checkInputFile(file: string, what = "input"): void {
  if (isStdio(file)) return;
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${describeFsError(e)}`);
  }
  if (st.isDirectory()) throw new InputError(`cannot read ${what} ${file}: it is a folder, not a file`);
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${describeFsError(e)}`);
  }
}

/** The bytes of an input file, or of stdin for "-". */
export function readInput(file: string, what = "input"): Buffer {
  checkInputFile(file, what);
  try {
    return readFileSync(isStdio(file) ? 0 : file);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${isStdio(file) ? "from stdin" : file}: ${describeFsError(e)}`);
  }
}

/** The text of an input file, or of stdin for "-". */
export function readInputText(file: string, what = "input"): string {
  return readInput(file, what).toString("utf8");
}

let spoolDir: string | undefined;

/**
 * A path for an input: the file itself after checking it, or for "-" stdin copied into a
 * temporary file named `stdin<ext>` (for code that needs a path, or reads its input twice).
 * The temporary folder goes when the process exits.
 */
export function inputPath(file: string, what = "input", ext = ""): string {
  if (!isStdio(file)) {
    checkInputFile(file, what);
    return file;
  }
  return spool(readInput(file, what), ext);
}

/** Bytes (stdin's, already read) in a temporary file named `stdin<ext>`; it goes at exit. */
export function spool(bytes: Uint8Array, ext = ""): string {
  if (!spoolDir) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-stdin-"));
    spoolDir = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const p = path.join(spoolDir, `stdin${ext}`);
  writeFileSync(p, bytes);
  return p;
}
