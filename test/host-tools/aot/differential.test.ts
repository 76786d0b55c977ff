// Random valid modules from binaryen's `wasm-opt -ttf` (the interpreter's differential harness)
// through the AOT engine (compiled to Thumb, run on the emulated Cortex-M0+) and the interpreter
// (wasmcu-vm), both against V8: every export with seeded arguments, the same result or the same
// trap kind, and the same fuzzing-support log. Bounded here; `node scripts/fuzz.mjs N --only
// differential-aot` runs more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aotEngine, differential, interpreterEngine, wasmOptAvailable } from "../../firmware/runtime/attack/differential.js";

const SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261207);
const COUNT = 100;
const skip = wasmOptAvailable();

test(`${COUNT} -ttf modules (seed ${SEED}) through the AOT engine and wasmcu-vm agree with V8 export by export`, { skip }, async () => {
  const s = await differential({ seed: SEED, count: COUNT, argSeed: SEED + 1, engines: [aotEngine(), interpreterEngine()] });
  assert.deepEqual(s.divergences, []);
  assert.equal(s.rejected, 0, "generated modules should be valid for all");
  assert.ok(s.calls > COUNT * 3 && s.traps > 0 && s.logged > 0, JSON.stringify(s));
  process.stderr.write(`AOT differential: ${JSON.stringify(s)}\n`);
});
