// Differential execution: random valid modules from binaryen's `wasm-opt -ttf`, every
// exported function called (with zero arguments, or seeded ones) in V8 (this Node) and in
// each engine that speaks the spec REPL protocol (`wasmcu-vm --repl` by default; the AOT
// engine's session too), results, traps (their kind) and the fuzzing-support log (hash and
// count) compared after each call.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { answer } from "../../../../host-tools/src/aot/repl.js";
import { AotSpecSession } from "../../../../host-tools/src/aot/spec-session.js";
import { exportSig, moduleInfo, type ValType } from "./wasm-binary.js";
import { q, Repl } from "./repl.js";
import { prng } from "../../../helpers/prng.js";

export { prng };

const here = path.dirname(fileURLToPath(import.meta.url));

/** Features the runtime claims (WebAssembly 2.0 without SIMD; no threads, tail calls, GC, EH, memory64).
 * Reference types stay off: binaryen 108's -ttf writes them with its pre-standard subtyping
 * (funcref where externref is expected), which V8 and we both reject. */
export const TTF_FEATURES = [
  "--mvp-features", "--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
  "--enable-bulk-memory", "--enable-multivalue",
];


export function wasmOptAvailable(): string | false {
  const r = spawnSync(WASM_OPT, ["--version"], { encoding: "utf8" });
  return r.error || r.status !== 0 ? "wasm-opt is not installed (apt-get install binaryen)" : false;
}

/**
 * Debian's wasm-opt (binaryen 108, scripts/apt-packages.txt), never the npm binaryen's that
 * `npm test` puts first on PATH (node_modules/.bin, through assemblyscript): -ttf's output, and
 * the fuzzing-support imports it calls, differ between binaryen versions, so a seed must mean
 * one module.
 */
export const WASM_OPT = (process.env.PATH ?? "").split(path.delimiter)
  .filter((dir) => dir && !dir.split(path.sep).includes("node_modules"))
  .map((dir) => path.join(dir, "wasm-opt"))
  .find((p) => existsSync(p)) ?? "wasm-opt";

/** One -ttf module from `size` seeded random bytes. */
export function ttfModule(dir: string, rnd: () => number, size: number, name: string, denan = true): Uint8Array<ArrayBuffer> {
  const seed = Uint8Array.from({ length: size }, () => Math.floor(rnd() * 256));
  const input = path.join(dir, `${name}.bin`), out = path.join(dir, `${name}.wasm`);
  writeFileSync(input, seed);
  // --denan: a NaN's sign and payload are the engine's choice (any arithmetic NaN), and a
  // reinterpret or a store makes them visible; binaryen rewrites NaNs to 0 so results compare.
  const r = spawnSync(WASM_OPT, ["-ttf", input, ...TTF_FEATURES, ...(denan ? ["--denan"] : []), "-o", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wasm-opt -ttf failed: ${r.stderr}`);
  return new Uint8Array(readFileSync(out));
}

export function assembleHelper(dir: string): Uint8Array<ArrayBuffer> {
  const out = path.join(dir, "fuzzing-support.wasm");
  const r = spawnSync("wat2wasm", [path.join(here, "fuzzing-support.wat"), "-o", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wat2wasm: ${r.stderr}`);
  return new Uint8Array(readFileSync(out));
}

const f32bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0]!;
const f64bits = (x: number) => new BigUint64Array(Float64Array.of(x).buffer)[0]!;

/** A result value as both sides can print it: bit patterns, NaN as "nan", references as null/non-null. */
function fromJs(t: ValType, v: unknown): string {
  switch (t) {
    case "i32": return `i32:${(v as number) >>> 0}`;
    case "i64": return `i64:${BigInt.asUintN(64, v as bigint)}`;
    case "f32": return Number.isNaN(v) ? "f32:nan" : `f32:${f32bits(v as number)}`;
    case "f64": return Number.isNaN(v) ? "f64:nan" : `f64:${f64bits(v as number)}`;
    default: return `${t}:${v === null ? "null" : "ref"}`;
  }
}

function fromRepl(tok: string): string {
  const [t, bits] = tok.split(":") as [string, string];
  if (t === "f32" && bits !== "null") {
    const b = Number(bits);
    return (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 ? "f32:nan" : tok;
  }
  if (t === "f64") {
    const b = BigInt(bits);
    return (b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn) !== 0n ? "f64:nan" : tok;
  }
  if (t === "funcref" || t === "externref") return `${t}:${bits === "null" ? "null" : "ref"}`;
  return tok;
}

const zeroArg = (t: ValType): { js: unknown; repl: string } =>
  t === "i64" ? { js: 0n, repl: "i64:0" } : t === "funcref" || t === "externref" ? { js: null, repl: `${t}:null` } : { js: 0, repl: `${t}:0` };

const EDGE_I32 = [0, 1, 2, 7, 8, 31, 32, 255, 256, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff];
const F32 = new Float32Array(1);

/** A seeded argument: edge values and random bits for integers, finite values for floats
 * (a NaN argument's payload does not survive JavaScript). */
function seededArg(t: ValType, rnd: () => number): { js: unknown; repl: string } {
  const u32 = () => (rnd() < 0.5 ? EDGE_I32[Math.floor(rnd() * EDGE_I32.length)] ?? 0 : Math.floor(rnd() * 2 ** 32));
  if (t === "i32") {
    const v = u32();
    return { js: v | 0, repl: `i32:${v >>> 0}` };
  }
  if (t === "i64") {
    const v = (BigInt(u32()) << 32n) | BigInt(u32());
    return { js: BigInt.asIntN(64, v), repl: `i64:${v}` };
  }
  if (t === "f32" || t === "f64") {
    const x = rnd() < 0.3 ? [0, -0, 1, -1, 0.5, 2 ** 31, -(2 ** 63), Infinity][Math.floor(rnd() * 8)] ?? 0 : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 80 - 20);
    if (t === "f32") {
      F32[0] = x;
      return { js: F32[0], repl: `f32:${f32bits(F32[0] ?? 0)}` };
    }
    return { js: x, repl: `f64:${f64bits(x)}` };
  }
  return zeroArg(t);
}

type Outcome = string; // "result ..." | "trap KIND" | "exhaustion" | "instantiate: ..."

/** The spec's trap kinds, from V8's messages or a REPL's (the spec's wording). */
const TRAP_KINDS: [RegExp, string][] = [
  [/unreachable/i, "unreachable"],
  [/memory access out of bounds|out of bounds memory/i, "memory out of bounds"],
  [/divide by zero|remainder by zero/i, "divide by zero"],
  // V8 says "float unrepresentable" for both a NaN and an out-of-range truncation, where the
  // spec says "invalid conversion" and "integer overflow": one kind against V8, and the
  // engines' own words compared with each other
  [/integer overflow|divide result unrepresentable|float unrepresentable|invalid conversion/i, "integer overflow or invalid conversion"],
  [/table index is out of bounds|undefined element|out of bounds table|table access out of bounds/i, "table out of bounds"],
  // V8 says one thing for a null entry and a signature mismatch
  [/null function|signature mismatch|uninitialized element|indirect call type mismatch/i, "indirect call"],
];

function trapKind(message: string): string {
  return `trap ${TRAP_KINDS.find(([re]) => re.test(message))?.[1] ?? `(${message})`}`;
}

function v8Outcome(e: unknown): Outcome {
  if (e instanceof WebAssembly.RuntimeError) return trapKind(e.message);
  if (e instanceof RangeError && /call stack/i.test(e.message)) return "exhaustion";
  return `js error: ${String(e)}`;
}

function replOutcome(answer: string): Outcome {
  if (answer.startsWith("result")) return ["result", ...answer.split(" ").slice(1).map(fromRepl)].join(" ");
  if (answer.startsWith("trap:")) return trapKind(answer.slice(5).trim());
  if (answer.startsWith("exhaustion:")) return "exhaustion";
  return answer;
}

/** An engine under test: one REPL answer line per command line. */
export interface Engine {
  name: string;
  send(cmd: string): Promise<string>;
  kill(): void;
}

/** The AOT engine (compiled to Thumb, run on the emulated Cortex-M0+) as an Engine, in process. */
export function aotEngine(): Engine {
  const session = new AotSpecSession();
  const send = async (cmd: string) => {
    try {
      return answer(session, cmd);
    } catch (e) {
      return `error internal: ${(e as Error).message.split("\n")[0]}`;
    }
  };
  return { name: "aot", send, kill: () => {} };
}

/** `wasmcu-vm --repl` as an Engine. */
export function interpreterEngine(): Engine {
  const repl = new Repl();
  return { name: "wasmcu", send: (cmd) => repl.send(cmd), kill: () => repl.kill() };
}

export interface DiffStats {
  modules: number;
  calls: number;
  traps: number;
  /** Calls after which either side ran out of stack: the rest of that module is not compared. */
  exhausted: number;
  /** Modules neither side could instantiate (a trap in the start function or a segment): compared as such. */
  instantiationTraps: number;
  /** fuzzing-support log calls made on the V8 side (each compared through the hash). */
  logged: number;
  /** Generated modules both V8 and wasmcu reject (should stay 0 with the features above). */
  rejected: number;
  divergences: string[];
}

/** Runs `count` modules from `seed`; `keep` gets each diverging module's bytes. */
export async function differential(opts: {
  seed: number;
  count: number;
  /** The engines compared with V8 (default: wasmcu-vm alone). */
  engines?: Engine[];
  /** Seeded arguments from this seed (default: zeros). */
  argSeed?: number;
  keep?: (name: string, wasm: Uint8Array) => void;
  log?: (s: string) => void;
  /** Logs one extra value on the V8 side before each module (the harness's own control test). */
  skewV8Log?: boolean;
}): Promise<DiffStats> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-diff-"));
  const stats: DiffStats = { modules: 0, calls: 0, traps: 0, exhausted: 0, instantiationTraps: 0, rejected: 0, logged: 0, divergences: [] };
  const engines = opts.engines ?? [interpreterEngine()];
  const argRnd = opts.argSeed === undefined ? undefined : prng(opts.argSeed);
  try {
    const helperBytes = assembleHelper(dir);
    const helperPath = path.join(dir, "fuzzing-support.wasm");
    const helperModule = new WebAssembly.Module(helperBytes);
    const rnd = prng(opts.seed);
    for (let n = 0; n < opts.count; n++) {
      const name = `m${n}`;
      const bytes = ttfModule(dir, rnd, 1000 + Math.floor(rnd() * 7000), name);
      const file = path.join(dir, `${name}.wasm`);
      stats.modules++;
      const diverge = (what: string) => {
        stats.divergences.push(`seed ${opts.seed} module ${n}: ${what}`);
        opts.keep?.(`seed${opts.seed}-m${n}`, bytes);
      };
      // V8
      const helper = new WebAssembly.Instance(helperModule, {});
      const hx = helper.exports as { hash: WebAssembly.Global; count: WebAssembly.Global; "log-i32": (x: number) => void };
      if (opts.skewV8Log) hx["log-i32"](1);
      let inst: WebAssembly.Instance | undefined;
      let v8Inst: Outcome = "ok";
      try {
        inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { "fuzzing-support": helper.exports });
      } catch (e) {
        v8Inst = e instanceof WebAssembly.RuntimeError ? "trap" : e instanceof WebAssembly.CompileError ? "rejected" : `error: ${String(e)}`;
      }
      const outcome = await compareModule({ engines, file, helperPath, bytes, inst, v8Inst, hx, argRnd, stats, diverge });
      if (outcome === "rejected") stats.rejected++;
      else if (outcome === "trapped") stats.instantiationTraps++;
      stats.logged += hx.count.value as number;
      if (opts.log && (n + 1) % 50 === 0) opts.log(`${n + 1} modules, ${stats.calls} calls, ${stats.divergences.length} divergences`);
    }
  } finally {
    for (const e of engines) e.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}

interface ModuleRun {
  engines: Engine[];
  file: string;
  helperPath: string;
  bytes: Uint8Array;
  inst: WebAssembly.Instance | undefined;
  v8Inst: Outcome;
  hx: { hash: WebAssembly.Global; count: WebAssembly.Global };
  argRnd: (() => number) | undefined;
  stats: DiffStats;
  diverge: (what: string) => void;
}

/** One module in every engine beside V8: instantiation, then each export in turn. */
async function compareModule(r: ModuleRun): Promise<"ok" | "rejected" | "trapped" | "diverged"> {
  const { engines, stats, diverge } = r;
  let rejected = true;
  for (const engine of engines) {
    for (const cmd of ["reset", `module ${q(r.helperPath)} $fs`, `register "fuzzing-support" $fs`]) {
      const a = await engine.send(cmd);
      if (a !== "ok") throw new Error(`${engine.name}: ${cmd}: ${a}`);
    }
    const loaded = await engine.send(`module ${q(r.file)} $m`);
    const ourInst = loaded === "ok" ? "ok" : loaded.startsWith("error uninstantiable") ? "trap"
      : /^error (malformed|invalid)/.test(loaded) ? "rejected" : loaded;
    if (r.v8Inst === "rejected" && ourInst === "rejected") continue;
    rejected = false;
    if (r.v8Inst !== ourInst) {
      diverge(`instantiation: V8 ${r.v8Inst}, ${engine.name} ${ourInst}`);
      return "diverged";
    }
  }
  if (rejected) return "rejected";
  if (!r.inst) return "trapped";
  const info = moduleInfo(r.bytes);
  const funcs = info.exports.filter((e) => e.kind === 0);
  const init = funcs.find((e) => e.name === "hangLimitInitializer");
  const ex = r.inst.exports as Record<string, (...a: unknown[]) => unknown>;
  for (const e of funcs) {
    if (e === init) continue;
    const sig = exportSig(info, e);
    if (init) {
      ex[init.name]!();
      for (const engine of engines) await engine.send(`invoke $m ${q(init.name)}`);
    }
    const args = sig.params.map((t) => (r.argRnd ? seededArg(t, r.argRnd) : zeroArg(t)));
    let v8: Outcome;
    try {
      const res = ex[e.name]!(...args.map((a) => a.js));
      const vals = sig.results.length === 1 ? [res] : sig.results.length === 0 ? [] : (res as unknown[]);
      v8 = ["result", ...sig.results.map((t, i) => fromJs(t, vals[i]))].join(" ");
    } catch (err) {
      v8 = v8Outcome(err);
    }
    const log = `${(r.hx.hash.value as number) >>> 0} ${r.hx.count.value as number}`;
    const outcomes: string[] = [];
    const answers: string[] = [];
    for (const engine of engines) {
      answers.push(await engine.send(`invoke $m ${q(e.name)} ${args.map((a) => a.repl).join(" ")}`.trimEnd()));
      outcomes.push(replOutcome(answers[answers.length - 1] ?? ""));
    }
    stats.calls++;
    if (v8 === "exhaustion" || outcomes.includes("exhaustion")) {
      stats.exhausted++;
      return "ok"; // the stacks differ in depth: state after a partial run is not comparable
    }
    const wrong = engines.findIndex((_, k) => outcomes[k] !== v8);
    if (wrong >= 0) {
      diverge(`${e.name}: V8 ${v8}, ${engines[wrong]?.name} ${outcomes[wrong]}`);
      return "diverged";
    }
    const trapText = answers.findIndex((a) => a.startsWith("trap:") && a !== answers[0]);
    if (trapText >= 0) {
      diverge(`${e.name}: ${engines[0]?.name} ${answers[0]}, ${engines[trapText]?.name} ${answers[trapText]}`);
      return "diverged";
    }
    if (v8.startsWith("trap")) stats.traps++;
    for (const engine of engines) {
      const h = await engine.send("get $fs hash"), c = await engine.send("get $fs count");
      const ourLog = `${h.replace("result i32:", "")} ${c.replace("result i32:", "")}`;
      if (log !== ourLog) {
        diverge(`${e.name}: log hash/count V8 ${log}, ${engine.name} ${ourLog}`);
        return "diverged";
      }
    }
  }
  return "ok";
}
