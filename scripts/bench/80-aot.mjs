// Ahead-of-time compilation (issue #20). First the shared workloads compiled to Cortex-M0+
// Thumb by host-tools/src/aot and run on rp2040js's core without firmware (code in flash at the
// XIP address, memory and stack in SRAM); native C and wasm3 figures are the shared README's,
// measured the same way. Then the bench app (firmware/apps/bench) as the device runs it on
// rp2040-sim, interpreted and as a .waot, beside the same workloads in C run bare on the same
// emulated core (bench/native/workloads.c), without and with the flash timing model; the goals
// of issue #20; code size, host compile time and the loader's flash size. Emulated cycles,
// never silicon.
//   node --import tsx scripts/bench/80-aot.mjs
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { compileModule } from "../../host-tools/src/aot/compile.ts";
import { readModule } from "../../host-tools/src/aot/module.ts";
import { SimMachine } from "../../host-tools/src/aot/sim-run.ts";
import { buildAppImage, codeSectionBytes } from "../../host-tools/src/build/aot.ts";
import { buildApp } from "../../host-tools/src/build/app.ts";
import { buildFirmware } from "../../host-tools/src/build/firmware.ts";
import { deviceSim, target } from "./lib/device-sim.mjs";
import { nativeWorkloads } from "./lib/native-m0.mjs";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const benchDir = path.join(repoRoot, "..", "shared", "bench-wasm");

/** "| fib (fib(24)) | 86,878,666 cycles | 87,253,773 | 1,950,651 | 2,442,990 |" from the shared README. */
function referenceCycles(workload) {
  const readme = readFileSync(path.join(benchDir, "README.md"), "utf8");
  // the emulated-RP2040 table's row: four cycle counts
  const numbers = (l) => l.split("|").slice(2, 6).map((c) => Number(c.replace(/[^0-9]/g, "")));
  const row = readme.split("\n").find((l) => l.startsWith(`| ${workload} `) && numbers(l).every((n) => n > 1000));
  if (!row) return undefined;
  const n = numbers(row);
  return { wasm3Os: n[0], nativeOs: n[2] };
}

const workloads = [
  { name: "fib", export: "fib", args: [24], readme: "fib (fib(24))", goal: 4.0e6 },
  { name: "matvec_r10", export: "run", args: [], readme: "matvec_r10" },
];

const fmt = (n) => (n === undefined ? "-" : Math.round(n).toLocaleString("en-US"));
console.log("## AOT (Cortex-M0+ Thumb) on rp2040js: emulated cycles\n");
console.log("| workload | AOT cycles | native C -Os | wasm3 -Os | AOT / native | goal | function code / code section | compile (host ms) |");
console.log("|---|---:|---:|---:|---:|---|---:|---:|");
let failed = false;
for (const w of workloads) {
  const bytes = new Uint8Array(readFileSync(path.join(benchDir, `${w.name}.wasm`)));
  const t0 = performance.now();
  const m = readModule(bytes);
  const compiled = compileModule(m);
  const compileMs = performance.now() - t0;
  const fn = m.exports.find((e) => e.name === w.export);
  const run = SimMachine.forModule(m, compiled).call(fn.index, w.args);
  if (run.trap) {
    failed = true;
    console.log(`| ${w.name} | trap: ${run.trap.kind} | | | | | | |`);
    continue;
  }
  const ref = referenceCycles(w.readme) ?? {};
  const ratio = compiled.functionBytes / codeSectionBytes(bytes);
  const goal = w.goal === undefined ? "" : `≤ ${fmt(w.goal)}: ${run.cycles <= w.goal ? "met" : `missed by ${fmt(run.cycles - w.goal)}`}`;
  console.log(`| ${w.name} | ${fmt(run.cycles)} | ${fmt(ref.nativeOs)} | ${fmt(ref.wasm3Os)} | ${ref.nativeOs ? (run.cycles / ref.nativeOs).toFixed(2) + "×" : "-"} | ${goal} | ${ratio.toFixed(2)} (goal ≤ 4) | ${compileMs.toFixed(1)} |`);
}
console.log("\nFunction code includes each function's literal pools and trap sites, and the subroutines the functions share (bounds checks, unaligned accesses, f64 comparisons and conversions); the entry and trap stubs are not counted.");

// ---- the bench app on rp2040-sim: AOT vs the interpreter vs native C
const DEVICE_WORKLOADS = [
  // [export, what, operations per call, native C function, goal per operation (cycles)]
  ["fib24", "fib(24), recursive (150,049 calls)", 1, "fib24", 4.0e6],
  ["sha256_1k", "SHA-256 of 1 KiB (AssemblyScript)", 1, "sha256_1k", 0.6e6],
  ["stream_encode_1000", "stream encoder, per 2-channel sample", 1000, undefined, 3000],
  ["gpio_toggle_1000", "GPIO write from the app (a native call)", 1000, undefined, undefined],
  ["alloc_1k_100", "1 KiB allocation, Uint8Array(1024) (collections included)", 100, undefined, undefined],
];
const benchWasm = (await buildApp("bench")).wasm;
const t1 = performance.now();
const aot = buildAppImage(benchWasm);
const aotBuildMs = performance.now() - t1;
const withDevice = await deviceSim("wasmcu-bench-aot-");
const waot = readFileSync(aot.waot);
const callAll = async (link) => {
  const out = {};
  for (const [name] of DEVICE_WORKLOADS) out[name] = await link.call(name, 600_000);
  return out;
};
/** Each workload's calls on rp2040-sim, or the error that stopped the session. */
const session = async (opts) => {
  try {
    return await withDevice(undefined, callAll, opts);
  } catch (e) {
    return { error: e.message.split("\n")[0] };
  }
};
const native = nativeWorkloads();
const nativeOf = Object.fromEntries(DEVICE_WORKLOADS.filter((w) => w[3]).map((w) => [w[0], native.run(w[3])]));
const goals = [];
for (const flashModel of [false, true]) {
  const interp = await session({ flashModel });
  const compiled = await session({ flashModel, app: waot });
  const model = flashModel ? "with the flash timing model (XIP cache and QSPI wait states: what to expect on a Pico)" : "without the flash timing model (rp2040js's ideal: no wait states)";
  console.log(`\n## The bench app on rp2040-sim, ${model}: emulated cycles per operation\n`);
  console.log("Method: the bench app built as `wasmcu build` builds it, in the app slot of the shipped rp2040 firmware, once as the .wasm (the interpreter) and once as the .waot of `wasmcu build --engine aot`; the host calls each export over the link and the device counts cycles around the call. Native C: the same algorithm in bench/native/workloads.c (`" + native.command + "`), run bare on the same emulated core from flash (no firmware, so no flash model: its figure is the ideal in both tables).\n");
  console.log("| workload | per | AOT | interpreter | native C | AOT / native | interpreter / AOT | results |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---|");
  for (const [name, what, per, , goal] of DEVICE_WORKLOADS) {
    const a = compiled.error ? undefined : compiled[name];
    const i = interp.error ? undefined : interp[name];
    const n = nativeOf[name];
    const same = a && i ? (a.result === i.result ? "same" : `DIFFER: ${a.result} vs ${i.result}`) : "-";
    if (a && i && a.result !== i.result) failed = true;
    const op = (c) => (c === undefined ? "-" : fmt(c / per));
    console.log(`| ${what} | ${per > 1 ? "op" : "call"} | ${a ? op(a.cycles) : `failed: ${compiled.error}`} | ${i ? op(i.cycles) : `failed: ${interp.error}`} | ${n ? op(n.cycles) : "-"} | ` +
      `${a && n ? (a.cycles / n.cycles).toFixed(2) + "×" : "-"} | ${a && i ? (i.cycles / a.cycles).toFixed(1) + "×" : "-"} | ${same} |`);
    if (goal !== undefined) goals.push([`${what}${flashModel ? ", flash model" : ""}`, goal, a ? a.cycles / per : undefined]);
  }
  if (compiled.error || interp.error) failed = true;
}

// ---- sizes and the loader
const wasmCode = codeSectionBytes(new Uint8Array(readFileSync(benchWasm)));
const ratio = aot.aotCodeBytes / wasmCode;
/** The text + data bytes of each AOT object of the rp2040 firmware's runtime (firmware/runtime/src/aot*.c and
 * the f64 routines, f64_armv6m.S), by arm-none-eabi-size: what the objects hold before the link drops what
 * nothing calls. */
function aotObjects() {
  const dir = path.join(firmwareDir, "firmware/runtime/CMakeFiles/wasmcu_runtime.dir/src");
  const objects = readdirSync(dir).filter((f) => (f.startsWith("aot") || f.startsWith("f64_")) && f.endsWith(".obj")).map((f) => path.join(dir, f));
  if (objects.length === 0) return {};
  const rows = execFileSync("arm-none-eabi-size", objects, { encoding: "utf8" }).trim().split("\n").slice(1);
  return Object.fromEntries(rows.map((r) => {
    const [text, data, , , , file] = r.trim().split(/\s+/);
    return [path.basename(file, ".obj"), Number(text) + Number(data)];
  }));
}
const firmwareDir = (await buildFirmware(target.board)).dir;
const objects = aotObjects();
/** The loader, linker, entry and trap mapping (aot.c); the C helpers AOT code calls (aot_helpers.c) are apart: the issue's goal is for the former. */
const loader = objects["aot.c"];
console.log("\n## AOT image of the bench app\n");
console.log(`| | bytes |\n|---|---:|\n| wasm code section | ${fmt(wasmCode)} |\n| AOT function code | ${fmt(aot.aotCodeBytes)} (${ratio.toFixed(2)}× the code section) |\n| .waot (code, tables, the .wasm) | ${fmt(aot.bytes)} |`);
console.log(`\nHost compile time of the bench app: ${aot.compileMs.toFixed(0)} ms (the whole .waot written: ${aotBuildMs.toFixed(0)} ms).`);
console.log(`AOT objects of the rp2040 firmware's runtime, text + data (arm-none-eabi-size, before the link): ${Object.entries(objects).map(([o, b]) => `${o} ${fmt(b)} B`).join(", ") || "none found"}. ` +
  "aot.c is the loader, linker, entry and trap mapping; aot_helpers.c the helpers AOT code calls (division, soft float, 64-bit, memory, tables, import calls), on the numerics they share with the interpreter (numeric.h); f64_armv6m.S the f64 add/sub/mul AOT code calls (fast paths, libgcc's routines for the rest: `scripts/bench/81-f64.mjs`).");

console.log("\n## Goals (issue 20), rp2040-sim emulated cycles\n");
console.log("| goal | target | measured | |");
console.log("|---|---|---|---|");
const verdict = (v, limit, unit = "") => (v === undefined ? "not measured" : v <= limit ? "met" : `missed by ${fmt(v - limit)}${unit} (${((100 * (v - limit)) / limit).toFixed(0)}%)`);
for (const [what, limit, v] of goals) console.log(`| ${what} | ≤ ${fmt(limit)} cycles | ${v === undefined ? "-" : fmt(v)} | ${verdict(v, limit)} |`);
console.log(`| AOT code per wasm code byte (bench app) | ≤ 4× | ${ratio.toFixed(2)}× | ${ratio <= 4 ? "met" : `missed by ${(ratio - 4).toFixed(2)}×`} |`);
console.log(`| loader flash (loader, linker, trap mapping: aot.c) | ≤ 4,096 B | ${loader ? fmt(loader) + " B" : "-"} | ${verdict(loader, 4096, " B")} |`);
process.exit(failed ? 1 : 0);
