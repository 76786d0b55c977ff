// Checks of a compiled app against what the device runs: every import is a native the
// firmware provides (firmware/device/natives.def), with its types, and the app exports
// setup() and loop() taking and returning nothing (firmware/device/src/app.c calls them so).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { NativeDef } from "../sdk/natives.js";
import { diagnosticAt, type Diagnostic } from "./diagnostics.js";
import type { FuncType, WasmInfo } from "./wasm-info.js";

export interface AppSources {
  /** The app's entry file (its exports are looked up here). */
  entry: string;
  /** Folders whose .ts files are the app's own (searched for declarations). */
  dirs: string[];
}

/**
 * An app that serves only calls over the link (firmware/apps/bench) says so with this
 * comment in its entry file; it then needs no loop().
 */
export const NO_LOOP_DIRECTIVE = "// wasmcu: no-loop";

const sig = (t: FuncType | undefined) => (t ? `(${t.params.join(", ")})${t.results.length ? ` -> ${t.results.join(", ")}` : ""}` : "(?)");
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function tsFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== "node_modules" && e.name !== "build") walk(p);
      else if (e.isFile() && e.name.endsWith(".ts")) out.push(p);
    }
  };
  for (const d of dirs) if (existsSync(d) && statSync(d).isDirectory()) walk(d);
  return out.sort();
}

/** Where the app declares an import: `@external("mod", "name")`, or `declare function name` in file `mod.ts`. */
function findDeclaration(files: { file: string; text: string }[], module: string, name: string): { file: string; offset: number; text: string } | undefined {
  const ext = new RegExp(`@external\\(\\s*["']${escape(module)}["']\\s*,\\s*["']${escape(name)}["']\\s*\\)`);
  const declName = (text: string, from: number) => {
    const m = /declare\s+function\s+(\w+)/.exec(text.slice(from));
    return m && m.index < 200 ? from + m.index + m[0].length - m[1]!.length : from;
  };
  for (const f of files) {
    const m = ext.exec(f.text);
    if (m) return { ...f, offset: declName(f.text, m.index) };
  }
  for (const f of files) {
    if (path.basename(f.file, ".ts") !== module) continue;
    const one = new RegExp(`@external\\(\\s*["']${escape(name)}["']\\s*\\)`).exec(f.text);
    if (one) return { ...f, offset: declName(f.text, one.index) };
    const d = new RegExp(`declare\\s+function\\s+(${escape(name)})\\b`).exec(f.text);
    if (d) return { ...f, offset: d.index + d[0].length - name.length };
  }
  return undefined;
}

/** Every problem the device would find only when it loads or runs the app. */
export function checkApp(info: WasmInfo, natives: NativeDef[], sources: AppSources): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const files = tsFiles(sources.dirs).map((file) => ({ file, text: readFileSync(file, "utf8") }));
  if (!files.some((f) => f.file === sources.entry) && existsSync(sources.entry)) files.unshift({ file: sources.entry, text: readFileSync(sources.entry, "utf8") });
  const byKey = new Map(natives.map((n) => [`${n.module}.${n.name}`, n]));
  const at = (module: string, name: string, message: string, hint: string) => {
    const where = findDeclaration(files, module, name);
    const d = { severity: "error" as const, message: `${message}; ${hint}`, code: "WASMCU_IMPORT" };
    return where ? diagnosticAt(where.file, where.offset, d, where.text) : diagnosticAt(sources.entry, undefined, d);
  };
  for (const imp of info.imports) {
    if (imp.kind !== "func") {
      diags.push(at(imp.module, imp.name, `the app imports a ${imp.kind} "${imp.module}.${imp.name}"`, "the device provides only the functions of firmware/device/natives.def"));
      continue;
    }
    const def = byKey.get(`${imp.module}.${imp.name}`);
    if (!def) {
      const known = natives.filter((n) => n.module === imp.module).map((n) => n.name);
      diags.push(at(imp.module, imp.name, `"${imp.module}.${imp.name}" is not a native the firmware provides`,
        known.length ? `natives in "${imp.module}": ${known.join(", ")} (firmware/device/natives.def)` : "see firmware/device/natives.def for the natives there are"));
    } else if (!imp.type || !same(imp.type.params, def.wasmParams) || !same(imp.type.results, def.wasmResults)) {
      diags.push(at(imp.module, imp.name, `"${imp.module}.${imp.name}" is declared as ${sig(imp.type)}`,
        `the firmware provides ${sig({ params: def.wasmParams, results: def.wasmResults })}`));
    }
  }
  const entry = files.find((f) => f.file === sources.entry);
  const noLoop = entry?.text.includes(NO_LOOP_DIRECTIVE) ?? false;
  for (const fn of ["setup", "loop"]) {
    const exp = info.exports.find((e) => e.name === fn);
    const decl = entry ? new RegExp(`export\\s+(?:async\\s+)?function\\s+(${fn})\\b`).exec(entry.text) : null;
    const offset = decl ? decl.index + decl[0].length - fn.length : undefined;
    const d = (message: string) => diagnosticAt(sources.entry, offset, { severity: "error", message, code: "WASMCU_EXPORT" }, entry?.text);
    if (!exp) {
      if (fn === "loop" && noLoop) continue;
      const hidden = entry ? new RegExp(`(^|[^\\w.])function\\s+(${fn})\\s*\\(`, "m").exec(entry.text) : null;
      if (hidden) {
        diags.push(diagnosticAt(sources.entry, hidden.index + hidden[0].lastIndexOf(fn), { severity: "error", code: "WASMCU_EXPORT",
          message: `${fn}() is not exported, so the device cannot call it: write \`export function ${fn}\`` }, entry!.text));
        continue;
      }
      diags.push(d(`the app does not export ${fn}(): the device calls ${fn === "setup" ? "setup() once at start" : "loop() again and again after setup()"}; ` +
        `add \`export function ${fn}(): void { ... }\` to this file`));
    } else if (exp.kind !== "func") {
      diags.push(d(`the app exports "${fn}" as a ${exp.kind}; it must be a function: export function ${fn}(): void`));
    } else if (!exp.type || exp.type.params.length || exp.type.results.length) {
      diags.push(d(`${fn}() has the type ${sig(exp.type)}; the device calls it with no arguments and no result: export function ${fn}(): void`));
    }
  }
  return diags;
}
