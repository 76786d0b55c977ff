// The AssemblyScript build for devices: the minimal runtime (collected by the device, which
// needs __collect exported) unless an app opts out with its own asconfig.json.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ascOptions, buildApp } from "../../../host-tools/src/build/app.js";
import { repoRoot } from "../../../host-tools/src/lib/paths.js";

const soak = path.join(repoRoot, "test", "firmware", "device", "apps", "soak", "main.ts");

/** The soak app copied into a folder of its own, its SDK import pointed back at the repo. */
function appDir(name: string): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-asc-")), name);
  mkdirSync(dir, { recursive: true });
  const sdk = path.relative(dir, path.join(repoRoot, "firmware", "sdk", "index"));
  writeFileSync(path.join(dir, "main.ts"), readFileSync(soak, "utf8").replace("../../../../../firmware/sdk/index", sdk));
  return dir;
}

test("apps build with the minimal runtime at -O3 and export __collect for the device", async () => {
  const dir = appDir("plain");
  assert.deepEqual(ascOptions(path.join(dir, "main.ts")), ["--config", path.join(repoRoot, "asconfig.json"), "--target", "release"]);
  const b = await buildApp(dir, { outDir: path.join(dir, "build"), force: true });
  const wat = readFileSync(b.wasm.replace(/\.wasm$/, ".wat"), "utf8");
  assert.match(wat, /\(export "__collect" \(func \$~lib\/rt\/tcms\/__collect\)\)/);
  assert.doesNotMatch(wat, /itcms|~stack_check/, "no incremental collector, no shadow stack");
});

test("an app with its own asconfig.json beside main.ts builds with that instead", async () => {
  const dir = appDir("optout");
  const own = path.join(dir, "asconfig.json");
  writeFileSync(own, JSON.stringify({ extends: path.relative(dir, path.join(repoRoot, "asconfig.json")), options: { runtime: "incremental" } }));
  assert.deepEqual(ascOptions(path.join(dir, "main.ts"), "debug"), ["--config", own, "--target", "debug"]);
  const b = await buildApp(dir, { outDir: path.join(dir, "build"), force: true });
  assert.match(readFileSync(b.wasm.replace(/\.wasm$/, ".wat"), "utf8"), /~lib\/rt\/itcms\/__new/);
});
