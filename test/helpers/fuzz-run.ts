// The long attack runs behind `npm run fuzz` (scripts/fuzz.mjs), the same harnesses the
// bounded tests use: V8-vs-wasmcu differential on -ttf modules, .wasm mutants validated by
// both, random link streams through the device's receiver. Prints the seed and the counts;
// keeps every finding under build/fuzz-findings/; exit status 1 if there is any.
//   node --import tsx test/helpers/fuzz-run.ts SEED COUNT PARTS
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { agreement } from "../firmware/runtime/attack/agreement.js";
import { aotEngine, differential, interpreterEngine } from "../firmware/runtime/attack/differential.js";
import { linkCase, prng, receive } from "../firmware/device/link-streams.js";
import { repoRoot } from "./paths.js";

const [seedArg, countArg, partsArg] = process.argv.slice(2);
const seed = Number(seedArg), count = Number(countArg);
const parts = new Set((partsArg ?? "differential,mutants,link").split(","));
const out = path.join(repoRoot, "build", "fuzz-findings");
const keep = (name: string, bytes: Uint8Array, why = "") => {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `${name}.wasm`), bytes);
  if (why) writeFileSync(path.join(out, `${name}.txt`), why + "\n");
};
const say = (s: string) => process.stdout.write(s + "\n");
let findings = 0;

if (parts.has("differential")) {
  const t = Date.now();
  const s = await differential({ seed, count, keep, log: (l) => say(`  differential: ${l}`) });
  say(`differential: ${s.modules} modules, ${s.calls} calls, ${s.traps} traps, ${s.logged} log calls, ${s.exhausted} stack exhaustions, ` +
    `${s.instantiationTraps} instantiation traps, ${s.rejected} rejected by both, ${s.divergences.length} divergences (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  for (const d of s.divergences) say(`  DIVERGENCE ${d}`);
  findings += s.divergences.length;
}
if (parts.has("differential-aot")) {
  // the AOT engine and the interpreter beside V8, seeded arguments (the bounded run is
  // test/host-tools/aot/differential.test.ts)
  const t = Date.now();
  const s = await differential({ seed, count, argSeed: seed + 1, engines: [aotEngine(), interpreterEngine()], keep, log: (l) => say(`  differential-aot: ${l}`) });
  say(`differential-aot: ${s.modules} modules, ${s.calls} calls, ${s.traps} traps, ${s.logged} log calls, ${s.exhausted} stack exhaustions, ` +
    `${s.instantiationTraps} instantiation traps, ${s.rejected} rejected by all, ${s.divergences.length} divergences (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  for (const d of s.divergences) say(`  DIVERGENCE ${d}`);
  findings += s.divergences.length;
}
if (parts.has("mutants")) {
  const t = Date.now();
  const s = await agreement({ seed, count: count * 20, keep, log: (l) => say(`  mutants: ${l}`) });
  say(`wasm mutants: ${s.mutants} mutants, ${s.bothValid} valid for both, ${s.bothInvalid} invalid for both, ` +
    `unclaimed features ${JSON.stringify(s.unclaimed)}, ${s.limits} engine limits, ${s.timeouts} timeouts, ${s.disagreements.length} disagreements (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  for (const d of s.disagreements) say(`  DISAGREEMENT ${d}`);
  findings += s.disagreements.length;
}
if (parts.has("link")) {
  const t = Date.now();
  const rnd = prng(seed);
  let bad = 0, ambiguous = 0;
  const n = count * 20;
  for (let i = 0; i < n; i++) {
    const c = linkCase(rnd);
    ambiguous += c.ambiguous;
    const got = receive(c);
    if (JSON.stringify(got) !== JSON.stringify(c.expect)) {
      bad++;
      keep(`seed${seed}-link${i}`, c.stream, `chunk ${c.chunk}\nexpected ${JSON.stringify(c.expect)}\ngot ${JSON.stringify(got)}`);
      say(`  LINK stream ${i} (${c.parts.join(", ")}): expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
    }
  }
  say(`link streams: ${n} streams, ${bad} wrong, ${ambiguous} text-like frames redrawn (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  findings += bad;
}
say(findings ? `${findings} finding(s), kept in ${path.relative(repoRoot, out)}/` : "no findings");
process.exitCode = findings ? 1 : 0;
