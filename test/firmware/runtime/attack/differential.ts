// Differential execution: random valid modules from binaryen's `wasm-opt -ttf`, every
// exported function called with zero arguments in V8 (this Node) and in `wasmcu-vm --repl`,
// results, traps and the fuzzing-support log (hash and count) compared after each call.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

type Outcome = string; // "result ..." | "trap" | "exhaustion" | "instantiate: ..."

function v8Outcome(e: unknown): Outcome {
  if (e instanceof WebAssembly.RuntimeError) return "trap";
  if (e instanceof RangeError && /call stack/i.test(e.message)) return "exhaustion";
  return `js error: ${String(e)}`;
}

function replOutcome(answer: string): Outcome {
  if (answer.startsWith("result")) return ["result", ...answer.split(" ").slice(1).map(fromRepl)].join(" ");
  if (answer.startsWith("trap:")) return "trap";
  if (answer.startsWith("exhaustion:")) return "exhaustion";
  return answer;
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
  keep?: (name: string, wasm: Uint8Array) => void;
  log?: (s: string) => void;
  /** Logs one extra value on the V8 side before each module (the harness's own control test). */
  skewV8Log?: boolean;
}): Promise<DiffStats> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-diff-"));
  const stats: DiffStats = { modules: 0, calls: 0, traps: 0, exhausted: 0, instantiationTraps: 0, rejected: 0, logged: 0, divergences: [] };
  const repl = new Repl();
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
      // wasmcu-vm
      for (const cmd of ["reset", `module ${q(helperPath)} $fs`, `register "fuzzing-support" $fs`]) {
        const a = await repl.send(cmd);
        if (a !== "ok") throw new Error(`repl: ${cmd}: ${a}`);
      }
      const loaded = await repl.send(`module ${q(file)} $m`);
      const ourInst = loaded === "ok" ? "ok" : loaded.startsWith("error uninstantiable") ? "trap"
        : /^error (malformed|invalid)/.test(loaded) ? "rejected" : loaded;
      if (v8Inst === "rejected" && ourInst === "rejected") {
        stats.rejected++;
        continue;
      }
      if (v8Inst !== ourInst) {
        diverge(`instantiation: V8 ${v8Inst}, wasmcu ${ourInst}`);
        continue;
      }
      if (!inst) {
        stats.instantiationTraps++;
        continue;
      }
      const info = moduleInfo(bytes);
      const funcs = info.exports.filter((e) => e.kind === 0);
      const init = funcs.find((e) => e.name === "hangLimitInitializer");
      const ex = inst.exports as Record<string, (...a: unknown[]) => unknown>;
      for (const e of funcs) {
        if (e === init) continue;
        const sig = exportSig(info, e);
        if (init) {
          ex[init.name]!();
          await repl.send(`invoke $m ${q(init.name)}`);
        }
        const args = sig.params.map(zeroArg);
        let v8: Outcome;
        try {
          const r = ex[e.name]!(...args.map((a) => a.js));
          const vals = sig.results.length === 1 ? [r] : sig.results.length === 0 ? [] : (r as unknown[]);
          v8 = ["result", ...sig.results.map((t, i) => fromJs(t, vals[i]))].join(" ");
        } catch (err) {
          v8 = v8Outcome(err);
        }
        const ours = replOutcome(await repl.send(`invoke $m ${q(e.name)} ${args.map((a) => a.repl).join(" ")}`.trimEnd()));
        stats.calls++;
        if (v8 === "exhaustion" || ours === "exhaustion") {
          stats.exhausted++;
          break; // the two stacks differ in depth: state after a partial run is not comparable
        }
        if (v8 !== ours) {
          diverge(`${e.name}: V8 ${v8}, wasmcu ${ours}`);
          break;
        }
        if (v8 === "trap") stats.traps++;
        const log = `${(hx.hash.value as number) >>> 0} ${hx.count.value as number}`;
        const h = await repl.send("get $fs hash"), c = await repl.send("get $fs count");
        const ourLog = `${h.replace("result i32:", "")} ${c.replace("result i32:", "")}`;
        if (log !== ourLog) {
          diverge(`${e.name}: log hash/count V8 ${log}, wasmcu ${ourLog}`);
          break;
        }
      }
      stats.logged += hx.count.value as number;
      if (opts.log && (n + 1) % 50 === 0) opts.log(`${n + 1} modules, ${stats.calls} calls, ${stats.divergences.length} divergences`);
    }
  } finally {
    repl.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}
