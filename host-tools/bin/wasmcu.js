#!/usr/bin/env node
// The wasmcu CLI. Runs the compiled TypeScript in host-tools/dist, compiling it
// first (once, output on stderr) if it is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, "..", "dist", "cli.js");
if (!existsSync(entry)) {
  const tsc = path.join(here, "..", "..", "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(here, "..", "tsconfig.json")], { stdio: ["ignore", 2, 2] });
  if (r.status !== 0) {
    process.stderr.write("wasmcu: could not compile the CLI; run `npm run setup` first\n");
    process.exit(1);
  }
}
const { main } = await import(entry);
// No process.exit(): every command closes what it opened (ports, timers, boards), on failure
// too, so the process ends by itself once main returns and its output is flushed
// (test/host-tools/cli-exit.test.ts runs failing commands and checks that they do).
process.exitCode = await main(process.argv);
