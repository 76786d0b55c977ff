// The CLI, the tests and the model scripts type-check under strict settings (tsx runs
// them without checking, so this is where a type error shows).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "./helpers/paths.js";

test("tsc --noEmit over host-tools, test and models reports no error", () => {
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(repoRoot, "tsconfig.json")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
