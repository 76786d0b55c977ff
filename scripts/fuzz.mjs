#!/usr/bin/env node
// `npm run fuzz`: the attacks `npm test` runs bounded, run longer.
//   node scripts/fuzz.mjs [COUNT] [--seed N] [--only differential,mutants,link] [--libfuzzer SECONDS]
// COUNT (default 1000) -ttf modules for the V8-vs-wasmcu differential (`differential-aot`, not
// run unless named: the same through the AOT engine and the interpreter), 20 x COUNT .wasm
// mutants and 20 x COUNT link streams. The seed is random unless given, and printed first:
// rerun a finding with the same --seed and COUNT. --libfuzzer also runs the libFuzzer targets
// (runtime and nn, ASan + UBSan) for SECONDS each.
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { buildHost, repoRoot } from "./lib/cmake.mjs";

const args = process.argv.slice(2);
let count = 1000, seed = randomInt(1, 2 ** 31), only = "differential,mutants,link", libfuzzer = 0;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (i + 1 >= args.length) usage(`${a} needs a value`);
    return args[++i];
  };
  if (a === "--seed") seed = Number(value());
  else if (a === "--only") only = value();
  else if (a === "--libfuzzer") libfuzzer = Number(value());
  else if (/^\d+$/.test(a)) count = Number(a);
  else usage(`unknown argument ${a}`);
}
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || !Number.isInteger(libfuzzer)) usage("bad number");

function usage(msg) {
  process.stderr.write(`fuzz: ${msg}\nusage: node scripts/fuzz.mjs [COUNT] [--seed N] [--only differential,mutants,link] [--libfuzzer SECONDS]\n`);
  process.exit(2);
}

process.stdout.write(`fuzz: seed ${seed}, count ${count} (rerun: node scripts/fuzz.mjs ${count} --seed ${seed} --only ${only})\n`);
try {
  await buildHost("build/host");
} catch (e) {
  process.stderr.write(`fuzz: ${e.message}\n`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ["--import", "tsx", "test/helpers/fuzz-run.ts", String(seed), String(count), only],
  { cwd: repoRoot, stdio: "inherit" });
let status = run.status ?? 1;
if (libfuzzer > 0) {
  const lf = spawnSync(process.execPath, ["--import", "tsx", "--test", "test/firmware/runtime/fuzz.test.ts", "test/firmware/nn/fuzz.test.ts"],
    { cwd: repoRoot, stdio: "inherit", env: { ...process.env, WASMCU_FUZZ_SECONDS: String(libfuzzer) } });
  if (lf.status !== 0) status = 1;
}
process.exit(status);
