// Structure-aware .wasm mutants (LEB immediates, opcodes, section sizes and order) of the
// committed corpus and of -ttf modules: V8 and our validator accept and reject the same
// ones, beyond features we do not claim (SIMD, tail calls, ...). Seeded and bounded here;
// `npm run fuzz` runs more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { agreement } from "./attack/agreement.js";
import { wasmOptAvailable } from "./attack/differential.js";

const SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261206);
const COUNT = 3000;
const skip = wasmOptAvailable();

test("the harness reports a disagreement when the verdicts differ (control)", { skip }, async () => {
  const s = await agreement({ seed: SEED, count: 50, ttfBases: 1, v8Validate: () => true });
  assert.ok(s.disagreements.length > 0);
});

test(`${COUNT} mutants (seed ${SEED}): V8 and wasmcu-vm agree on accept/reject`, { skip }, async () => {
  const s = await agreement({ seed: SEED, count: COUNT });
  assert.deepEqual(s.disagreements, []);
  // both verdicts occurred: the mutants reach past the framing and are not all valid
  assert.ok(s.bothValid > COUNT / 20 && s.bothInvalid > COUNT / 20, JSON.stringify(s));
  process.stderr.write(`wasm mutants: ${JSON.stringify(s)}\n`);
});
