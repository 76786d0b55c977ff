// The int16 sigmoid/tanh knot table in firmware/nn/src/quant.c is the output of our own
// formula (scripts/gen-sigmoid-knots.mjs), not a hand-copied table.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../helpers/paths.js";

test("kSigmoidKnots in quant.c equals the balanced-chord sigmoid formula, knot for knot", async () => {
  // @ts-expect-error: a plain .mjs script, no type declarations
  const { sigmoidKnots } = (await import("../../../scripts/gen-sigmoid-knots.mjs")) as { sigmoidKnots: () => number[] };
  const src = readFileSync(path.join(repoRoot, "firmware/nn/src/quant.c"), "utf8");
  const start = src.indexOf("kSigmoidKnots[256] = {");
  const body = src.slice(start + "kSigmoidKnots[256] = {".length, src.indexOf("};", start));
  const table = body.split(",").map((v) => Number(v.trim()));
  assert.deepEqual(table, sigmoidKnots());
});
