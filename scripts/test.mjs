#!/usr/bin/env node
// `npm test`: builds the host firmware tree once, then runs every test file under test/
// (TypeScript, node:test; C unit tests and fuzz runs are driven from test files too).
// Node's test runner prints the summary: tests, pass, fail.
//   node scripts/test.mjs [filter...]   only files whose path contains a filter
import { spawn } from "node:child_process";
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
  process.stderr.write("test: building the esp32c3 firmware (build/esp32c3) for the emulated board\n");
  await buildBoard("esp32c3", "build/esp32c3");
} catch (e) {
  process.stderr.write(`test: ${e.message}\n`);
  process.exit(1);
}

// No test may hang the run: each test has a time limit, a test file's process exits when its
// tests are done even if a failed test left a handle open (a serial port, a child), and the
// whole run stops with a clear message well before CI's own limit.
const TEST_TIMEOUT_MS = 10 * 60_000;
const RUN_LIMIT_MS = 75 * 60_000;
const runner = spawn(process.execPath, [
  "--import", "tsx",
  "--test",
  "--test-concurrency=2",
  `--test-timeout=${TEST_TIMEOUT_MS}`,
  "--test-force-exit",
  "--test-reporter=spec",
  ...files.map((f) => path.relative(repoRoot, f)),
], { cwd: repoRoot, stdio: "inherit", detached: true });
// The runner has its own process group so that the files' processes go with it.
function stopRunner(signal) {
  try {
    process.kill(-runner.pid, signal);
  } catch {
    runner.kill(signal);
  }
}
const limit = setTimeout(() => {
  process.stderr.write(`test: the run passed ${RUN_LIMIT_MS / 60_000} minutes; stopping it (the tests above finished, the rest did not)\n`);
  stopRunner("SIGKILL");
}, RUN_LIMIT_MS);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => stopRunner(sig));
runner.on("exit", (code, signal) => {
  clearTimeout(limit);
  process.exit(code ?? (signal ? 1 : 0));
});
