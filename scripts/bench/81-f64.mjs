// f64 add/sub/mul as AOT code calls them (helper table entries 14-16): our ARMv6-M routines
// (firmware/runtime/src/f64_armv6m.S) beside libgcc's __aeabi_dadd/dsub/dmul, each called on
// 256 ordinary operand pairs (bench/native/f64.c) bare on rp2040js's core from flash without
// wait states; per call, BL and return included. The figures host-tools/src/aot/soft-float.ts
// f64ArithCycles charges. Emulated cycles, never silicon.
//   node --import tsx scripts/bench/81-f64.mjs
import { nativeM0 } from "./lib/native-m0.mjs";

const m0 = nativeM0(["bench/native/f64.c", "firmware/runtime/src/f64_armv6m.S"]);
const base = m0.run("loop_none").cycles;
const perCall = (name) => {
  const r = m0.run(name);
  return { result: r.result, cycles: (r.cycles - base) / 256 };
};
console.log("## f64 add/sub/mul for AOT code on rp2040js: emulated cycles per call\n");
console.log(`Method: \`${m0.command}\`, each routine on the same 256 pairs (fractions random, exponents within 2^±8), less the same loop without the call.\n`);
console.log("| op | ours (f64_armv6m.S) | libgcc | ours / libgcc | same results |");
console.log("|---|---:|---:|---:|---|");
let failed = false;
for (const [op, ours, gcc] of [["add", "loop_add", "loop_dadd"], ["sub", "loop_sub", "loop_dsub"], ["mul", "loop_mul", "loop_dmul"]]) {
  const a = perCall(ours);
  const b = perCall(gcc);
  if (a.result !== b.result) failed = true;
  console.log(`| ${op} | ${a.cycles.toFixed(1)} | ${b.cycles.toFixed(1)} | ${(a.cycles / b.cycles).toFixed(2)} | ${a.result === b.result ? "yes" : "NO"} |`);
}
process.exit(failed ? 1 : 0);
