#!/usr/bin/env node
// `npm test`: builds the host firmware tree once, then runs every test file under test/
// (TypeScript, node:test; C unit tests and fuzz runs are driven from test files too).
// Node's test runner prints the summary: tests, pass, fail.
//   node scripts/test.mjs [filter...]   only files whose path contains a filter
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { buildBoard, buildHost, repoRoot } from "./lib/cmake.mjs";

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : findTests(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests(path.join(repoRoot, "test"))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`test: no test files match ${filters.join(" ")}\n`);
  process.exit(1);
}

try {
  process.stderr.write("test: building the host firmware tree (build/host)\n");
  await buildHost("build/host");
  process.stderr.write("test: building the rp2040 firmware (build/rp2040) for the emulated board\n");
  await buildBoard("rp2040", "build/rp2040");
} catch (e) {
  process.stderr.write(`test: ${e.message}\n`);
  process.exit(1);
}

const r = spawnSync(process.execPath, [
  "--import", "tsx",
  "--test",
  "--test-concurrency=2",
  "--test-reporter=spec",
  ...files.map((f) => path.relative(repoRoot, f)),
], { cwd: repoRoot, stdio: "inherit" });
process.exit(r.status ?? 1);
