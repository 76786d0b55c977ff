// The engine's C unit tests (fixed point against the gemmlowp definitions,
// multiplier decomposition, planner, error formatter, API argument and arena
// checks), run through the host build.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { hostBin, sharedDir } from "../../helpers/paths.js";

const here = path.dirname(fileURLToPath(import.meta.url));

test("nn C unit tests pass, including the API checks on real models", () => {
  const models = [path.join(here, "corpus", "two_ops.tflite")];
  for (const m of ["hello_world_int8", "keyword_scrambled_8bit", "trained_lstm_int8"]) {
    const p = path.join(sharedDir, "reference-models", m, "model.tflite");
    if (existsSync(p)) models.push(p);
  }
  const r = spawnSync(hostBin("nn-unit-tests"), models, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
});
