// An app's debug info, kept on the host and never deployed: asc writes the name section and a
// source map; we take both out of the module (the deployed bytes are exactly those of a build
// without them) and store them as <app>.debug.json beside the .wasm and in a per-user cache
// keyed by the SHA-256 of the deployed .wasm, so a session that only sees the device's app
// (`--port`) finds them too. `symbolize` turns a trap's frames (function index, offset) into
// function names and source positions.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InputError } from "../lib/errors.js";
import { decodeMappings, lookup, type Mapping } from "./sourcemap.js";

/** What asc is asked for on top of a normal build: names and a source map (taken out again by splitDebugInfo). */
export const DEBUG_ASC_ARGS = ["--debug", "--sourceMap"];

const FORMAT = "wasmcu-debug/1";

export interface DebugInfo {
  format: typeof FORMAT;
  /** SHA-256 (hex) of the deployed .wasm. */
  sha256: string;
  /** The name section's function names: [function index, name]. */
  functions: [number, string][];
  /** Source files, absolute (the standard library's stay "~lib/..."). */
  sources: string[];
  /** The source map's mappings (base64 VLQ; columns are byte offsets in the module). */
  mappings: string;
  /** Each function body's bytes in the module: [function index, start, end]. */
  code: [number, number, number][];
}

/** One frame of a trap, with what the debug info says about it. */
export interface SourceFrame {
  func: number;
  offset: number;
  /** The function's name in the source ("readSample", "StaticArray<i32>#__get"). */
  name?: string;
  /** The source file, relative to the working directory when below it, else absolute; "~lib/..." for the standard library. */
  file?: string;
  line?: number;
  column?: number;
  /** In AssemblyScript's standard library (~lib), not the app's code. */
  library: boolean;
  /** The wasm function this source function was inlined into by the optimizer (then `name` is the source's). */
  inlinedInto?: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The per-user cache of debug info: $WASMCU_CACHE_DIR, else $XDG_CACHE_HOME/wasmcu, else ~/.cache/wasmcu. */
export function debugCacheDir(): string {
  const base = process.env.WASMCU_CACHE_DIR
    ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "wasmcu");
  return path.join(base, "debug");
}

/** Where the debug info of a built .wasm (or of the .waot beside it) is kept beside it. */
export function debugInfoFile(wasm: string): string {
  return wasm.replace(/\.(wasm|waot)$/, "") + ".debug.json";
}

interface Section {
  id: number;
  name: string;
  start: number;
  body: number;
  end: number;
}

function readSections(bytes: Uint8Array, what: string): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new InputError(`${what} is not a WebAssembly module`);
  }
  const out: Section[] = [];
  let p = 8;
  const leb = (): number => {
    let v = 0, shift = 0, b: number;
    do {
      if (p >= bytes.length) throw new InputError(`${what}: section header runs past the end`);
      b = bytes[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  while (p < bytes.length) {
    const start = p;
    const id = bytes[p++]!;
    const len = leb();
    const body = p;
    if (body + len > bytes.length) throw new InputError(`${what}: section ${id} runs past the end`);
    let name = "";
    if (id === 0) {
      const n = leb();
      name = Buffer.from(bytes.subarray(p, p + n)).toString("utf8");
    }
    out.push({ id, name, start, body, end: body + len });
    p = body + len;
  }
  return out;
}

/** A reader of LEB128 numbers and bytes over part of a module. */
function reader(bytes: Uint8Array, start: number, end: number) {
  let p = start;
  return {
    get at() {
      return p;
    },
    skip(n: number) {
      p += n;
    },
    u8(): number {
      return p < end ? bytes[p++]! : 0;
    },
    leb(): number {
      let v = 0, shift = 0, b: number;
      do {
        b = p < end ? bytes[p++]! : 0;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return v;
    },
  };
}

/** Where each function body is: imported functions come first in the index space. */
function codeRanges(bytes: Uint8Array, sections: Section[]): [number, number, number][] {
  let imported = 0;
  const imp = sections.find((s) => s.id === 2);
  if (imp) {
    const r = reader(bytes, imp.body, imp.end);
    for (let n = r.leb(); n > 0; n--) {
      r.skip(r.leb()); // module
      r.skip(r.leb()); // name
      const kind = r.u8();
      if (kind === 0) {
        r.leb();
        imported++;
      } else if (kind === 1) {
        r.u8();
        if (r.u8() & 1) r.leb();
        r.leb();
      } else if (kind === 2) {
        if (r.u8() & 1) r.leb();
        r.leb();
      } else if (kind === 3) {
        r.u8();
        r.u8();
      } else return [];
    }
  }
  const code = sections.find((s) => s.id === 10);
  if (!code) return [];
  const r = reader(bytes, code.body, code.end);
  const out: [number, number, number][] = [];
  for (let i = 0, n = r.leb(); i < n; i++) {
    const size = r.leb();
    out.push([imported + i, r.at, r.at + size]);
    r.skip(size);
  }
  return out;
}

/** The function names of a name section (subsection 1), by index. */
function functionNames(bytes: Uint8Array, s: Section): [number, string][] {
  const r = reader(bytes, s.body, s.end);
  r.skip(r.leb()); // the section's own name ("name")
  const out: [number, string][] = [];
  while (r.at < s.end) {
    const sub = r.u8();
    const len = r.leb();
    const end = r.at + len;
    if (sub === 1) {
      for (let count = r.leb(); count > 0 && r.at < end; count--) {
        const index = r.leb();
        const n = r.leb();
        out.push([index, Buffer.from(bytes.subarray(r.at, r.at + n)).toString("utf8")]);
        r.skip(n);
      }
    }
    r.skip(end - r.at);
  }
  return out;
}

/**
 * After asc wrote `wasm` with DEBUG_ASC_ARGS: takes the name section and the source map
 * (`wasm`.map, whose sources are relative to `sourceBase`, the directory asc ran in) out of
 * the build, writes the .wasm back without them, and keeps the debug info beside it and in
 * the cache. Returns it.
 */
export function splitDebugInfo(wasm: string, sourceBase: string): DebugInfo {
  const bytes = new Uint8Array(readFileSync(wasm));
  const sections = readSections(bytes, wasm);
  const dropped = (s: Section) => s.id === 0 && (s.name === "name" || s.name === "sourceMappingURL");
  const nameSection = sections.find((s) => s.id === 0 && s.name === "name");
  const kept = Buffer.concat([bytes.subarray(0, 8), ...sections.filter((s) => !dropped(s)).map((s) => bytes.subarray(s.start, s.end))]);
  const mapFile = `${wasm}.map`;
  let sources: string[] = [];
  let mappings = "";
  if (existsSync(mapFile)) {
    const map = JSON.parse(readFileSync(mapFile, "utf8")) as { sources?: string[]; mappings?: string };
    sources = (map.sources ?? []).map((s) => (s.startsWith("~lib/") ? s : path.resolve(sourceBase, s)));
    mappings = map.mappings ?? "";
    rmSync(mapFile);
  }
  const info: DebugInfo = {
    format: FORMAT,
    sha256: sha256Hex(kept),
    functions: nameSection ? functionNames(bytes, nameSection) : [],
    sources,
    mappings,
    code: codeRanges(kept, readSections(kept, wasm)),
  };
  // Replaced, never rewritten in place: a board another process starts may be reading it.
  writeAtomically(wasm, kept);
  writeAtomically(debugInfoFile(wasm), JSON.stringify(info) + "\n");
  cacheDebugInfo(info);
  return info;
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Puts debug info into the per-user cache (best effort: an unwritable cache only loses `--port` sessions their names). */
export function cacheDebugInfo(info: DebugInfo): void {
  try {
    const dir = debugCacheDir();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${info.sha256}.json`); // rewritten: the sources may have moved since
    writeAtomically(file, JSON.stringify(info) + "\n");
  } catch {
    // no cache: the copy beside the build output still serves `run` and `deploy`
  }
}

/** Puts the debug info kept beside a built .wasm into the cache again (an up-to-date build). */
export function recacheDebugInfo(wasm: string): void {
  const info = readInfo(debugInfoFile(wasm));
  if (info) cacheDebugInfo(info);
}

function readInfo(file: string): DebugInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as DebugInfo;
    return info.format === FORMAT ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The debug info of a module with this SHA-256: beside `wasm` if given and matching, else from the cache. */
export function findDebugInfo(sha256: string, wasm?: string): DebugInfo | undefined {
  if (wasm) {
    const beside = readInfo(debugInfoFile(wasm));
    if (beside?.sha256 === sha256) {
      cacheDebugInfo(beside);
      return beside;
    }
  }
  return readInfo(path.join(debugCacheDir(), `${sha256}.json`));
}

/** "test/app/main/readSample" -> "readSample"; "~lib/array/Array<~lib/string/String>#push" -> "Array<~lib/string/String>#push". */
export function shortName(name: string): string {
  let depth = 0, cut = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === "<") depth++;
    else if (c === ">") depth--;
    else if (c === "/" && depth === 0) cut = i + 1;
  }
  return name.slice(cut);
}

/** The last mapped position at or before `offset` and at or after `start` that `want` accepts. */
function nearestBefore(table: readonly Mapping[], offset: number, start: number, want: (m: Mapping) => boolean): Mapping | undefined {
  let i = table.length - 1;
  while (i >= 0 && table[i]!.offset > offset) i--;
  for (; i >= 0 && table[i]!.offset >= start; i--) {
    const m = table[i]!;
    if (m.source >= 0 && want(m)) return m;
  }
  return undefined;
}

const DECLARATION = /^\s*(?:export\s+)?(?:function\s+([A-Za-z_$][\w$]*)|(?:(?:public|private|protected|static|override|get|set)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\([^;]*$)/;
const NOT_NAMES = new Set(["if", "for", "while", "switch", "catch", "return", "do", "else"]);

/**
 * The function of the app's source a line is in, by the declaration above it with less
 * indentation (the optimizer inlines small functions: the wasm function is then the caller).
 */
export function enclosingFunction(lines: readonly string[], line: number): string | undefined {
  const indent = (l: string) => l.length - l.trimStart().length;
  let limit = indent(lines[line - 1] ?? "");
  for (let i = line - 2; i >= 0 && limit > 0; i--) {
    const l = lines[i]!;
    if (!l.trim() || l.trimStart().startsWith("//") || l.trimStart().startsWith("*") || indent(l) >= limit) continue;
    limit = indent(l);
    const m = DECLARATION.exec(l);
    const name = m?.[1] ?? m?.[2];
    if (name && !NOT_NAMES.has(name)) return name;
  }
  return undefined;
}

const sourceLines = new Map<string, string[] | null>();
function linesOf(file: string): string[] | undefined {
  if (!sourceLines.has(file)) {
    try {
      sourceLines.set(file, readFileSync(file, "utf8").split("\n"));
    } catch {
      sourceLines.set(file, null);
    }
  }
  return sourceLines.get(file) ?? undefined;
}

const tables = new WeakMap<DebugInfo, Mapping[]>();

/** The frames with names and source positions where the debug info has them. */
export function symbolize(info: DebugInfo | undefined, frames: readonly { func: number; offset: number }[], cwd = process.cwd()): SourceFrame[] {
  let table = info ? tables.get(info) : undefined;
  if (info && !table) {
    table = decodeMappings(info.mappings);
    tables.set(info, table);
  }
  const names = new Map(info?.functions ?? []);
  const bodies = new Map((info?.code ?? []).map(([index, start, end]) => [index, { start, end }]));
  const isLib = (m: Mapping) => info!.sources[m.source]?.startsWith("~lib/") ?? true;
  return frames.map(({ func, offset }) => {
    const full = names.get(func);
    const f: SourceFrame = { func, offset, library: full?.startsWith("~lib/") ?? false };
    if (full) f.name = shortName(full);
    let m = table ? lookup(table, offset) : undefined;
    const body = bodies.get(func);
    if (table && body && (!m || (isLib(m) && !f.library))) {
      // An unmapped instruction (a call to abort), or the standard library inlined into the
      // app's own function: the nearest position before it in this function, in the app's
      // code if there is one there (the expression that called into the library).
      m = nearestBefore(table, offset, body.start, (x) => !isLib(x)) ?? m ?? nearestBefore(table, offset, body.start, () => true);
    }
    const src = m ? info!.sources[m.source] : undefined;
    if (m && src !== undefined) {
      const rel = path.isAbsolute(src) ? path.relative(cwd, src) : src;
      f.file = path.isAbsolute(src) && (rel.startsWith("..") || path.isAbsolute(rel)) ? src : rel;
      f.line = m.line + 1;
      f.column = m.column + 1;
      f.library = src.startsWith("~lib/");
      const lines = path.isAbsolute(src) && f.name && !f.library ? linesOf(src) : undefined;
      const inSource = lines ? enclosingFunction(lines, f.line) : undefined;
      if (inSource && f.name && inSource !== f.name && !f.name.endsWith(`#${inSource}`) && !f.name.endsWith(`:${inSource}`)) {
        f.inlinedInto = f.name;
        f.name = inSource;
      }
    }
    return f;
  });
}
