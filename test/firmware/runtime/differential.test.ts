// Random valid modules from binaryen's `wasm-opt -ttf`, every export run in V8 and in
// wasmcu-vm: results, traps and the fuzzing-support logs must be the same. Seeded and
// bounded here; `npm run fuzz` runs more (scripts/fuzz.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { differential, wasmOptAvailable } from "./attack/differential.js";

const SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261206);
const COUNT = 150;
const skip = wasmOptAvailable();

test("the harness reports a divergence when the two sides' logs differ (control)", { skip }, async () => {
  const s = await differential({ seed: SEED, count: 3, skewV8Log: true });
  assert.ok(s.divergences.length > 0 && s.divergences.every((d) => /log hash\/count/.test(d)), s.divergences.join("\n"));
});

test(`${COUNT} -ttf modules (seed ${SEED}): every export gives the same result, trap and log in V8 and wasmcu-vm`, { skip }, async () => {
  const s = await differential({ seed: SEED, count: COUNT });
  assert.deepEqual(s.divergences, []);
  assert.equal(s.rejected, 0, "generated modules should be valid for both");
  // the run compared something: calls, traps and logs all occurred
  assert.ok(s.calls > COUNT * 3 && s.traps > 0 && s.logged > 0, JSON.stringify(s));
  process.stderr.write(`differential: ${JSON.stringify(s)}\n`);
});
