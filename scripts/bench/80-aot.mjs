// Ahead-of-time compilation (issue #20): the shared workloads compiled to Cortex-M0+ Thumb by
// host-tools/src/aot and run on rp2040js's core without firmware (code in flash at the XIP
// address, memory and stack in SRAM). Emulated cycles (rp2040js charges no flash wait states),
// never silicon; native C and wasm3 figures are the shared README's, measured the same way.
// The interpreter's fib(24) on the same emulator is in 35-device.
//   node --import tsx scripts/bench/80-aot.mjs
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { compileModule } from "../../host-tools/src/aot/compile.ts";
import { readModule } from "../../host-tools/src/aot/module.ts";
import { SimMachine } from "../../host-tools/src/aot/sim-run.ts";

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

/** The size of the module's code section (id 10), its payload. */
function codeSectionBytes(bytes) {
  let p = 8;
  const leb = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    if (id === 10) return size;
    p += size;
  }
  return NaN;
}

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
console.log("\nFunction code includes each function's literal pools and trap sites; the entry and trap stubs shared by the image are not counted.");
process.exit(failed ? 1 : 0);
