// The natives list (firmware/device/natives.def) read from TypeScript, so the host
// side checks apps and the SDK against the same single definition the device binds.
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../lib/paths.js";

export type WasmValType = "i32" | "i64" | "f32" | "f64";

export interface NativeDef {
  module: string;
  name: string;
  /** The signature letters as written: i I f F, and "*~" for a checked (pointer, length). */
  params: string;
  results: string;
  /** The same as WebAssembly value types ("*" and "~" are i32 each). */
  wasmParams: WasmValType[];
  wasmResults: WasmValType[];
}

const LETTER: Record<string, WasmValType> = { i: "i32", I: "i64", f: "f32", F: "f64", "*": "i32", "~": "i32" };

function toWasm(sig: string, where: string): WasmValType[] {
  return [...sig].map((c) => {
    const t = LETTER[c];
    if (!t) throw new Error(`${where}: unknown signature letter '${c}'`);
    return t;
  });
}

export const nativesDefPath = path.join(repoRoot, "firmware", "device", "natives.def");

export function parseNativesDef(text: string, file = nativesDefPath): NativeDef[] {
  const body = text.replace(/\/\*[\s\S]*?\*\//g, "");
  const re = /WASMCU_NATIVE\(\s*(\w+)\s*,\s*(\w+)\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*,\s*(\w+)\s*\)/g;
  const defs: NativeDef[] = [];
  for (const m of body.matchAll(re)) {
    const where = `${file}: ${m[1]}.${m[2]}`;
    if (/\*(?!~)/.test(m[3]!)) throw new Error(`${where}: '*' must be followed by '~' (pointer, length)`);
    defs.push({ module: m[1]!, name: m[2]!, params: m[3]!, results: m[4]!, wasmParams: toWasm(m[3]!, where), wasmResults: toWasm(m[4]!, where) });
  }
  return defs;
}

export function loadNatives(): NativeDef[] {
  return parseNativesDef(readFileSync(nativesDefPath, "utf8"));
}
