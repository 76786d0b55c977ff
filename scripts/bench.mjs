#!/usr/bin/env node
// `npm run bench`: runs every script in scripts/bench/ in name order. Each prints its
// own Markdown tables, saying how each figure was measured (host instructions by
// callgrind, emulator cycles by rp2040js, ...). Speed goals are checked here, not in tests.
//   node scripts/bench.mjs [filter...]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "bench");
const filters = process.argv.slice(2);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
let failed = 0;
for (const s of scripts) {
  process.stdout.write(`\n<!-- ${s} -->\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(dir, s)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${s} failed (status ${r.status})\n`);
  }
}
process.exit(failed ? 1 : 0);
