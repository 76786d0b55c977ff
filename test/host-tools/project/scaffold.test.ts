// `wasmcu new`: what it writes, where the wasmcu dependency comes from, what it refuses.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { scaffoldProject, wasmcuSpec } from "../../../host-tools/src/project/scaffold.js";
import { firmwareSourcesHash } from "../../../host-tools/src/lib/paths.js";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot } from "../../helpers/paths.js";

const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

test("wasmcu new writes an app project with the SDK imported by package name and the next commands", async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "wasmcu-new-"));
  const r = await wasmcu(["new", "blinky", "--json"], { cwd: parent });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { dir: string; files: string[]; wasmcu: string; next: string[] };
  assert.equal(j.dir, path.join(parent, "blinky"));
  assert.equal(j.wasmcu, `^${version}`);
  assert.deepEqual(j.next, ["cd blinky", "npm install", "npx wasmcu run --board host"]);
  const pkg = JSON.parse(readFileSync(path.join(j.dir, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  assert.equal(pkg.devDependencies.wasmcu, `^${version}`);
  assert.match(readFileSync(path.join(j.dir, "src", "main.ts"), "utf8"), /^import \{ gpio, log, time \} from "wasmcu\/sdk";$/m);
  assert.deepEqual(JSON.parse(readFileSync(path.join(j.dir, "asconfig.json"), "utf8")), { extends: "wasmcu/asconfig.json" });
});

test("the new project depends on wasmcu as the project it is made in does (a file: tarball relative to itself)", () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "wasmcu-new-"));
  writeFileSync(path.join(parent, "package.json"), JSON.stringify({ devDependencies: { wasmcu: "file:vendor/wasmcu-1.2.3.tgz" } }));
  assert.equal(wasmcuSpec(parent, path.join(parent, "apps", "a")), "file:../../vendor/wasmcu-1.2.3.tgz");
  writeFileSync(path.join(parent, "package.json"), JSON.stringify({ devDependencies: { wasmcu: "^9.0.0" } }));
  assert.equal(wasmcuSpec(parent, path.join(parent, "a")), "^9.0.0");
});

test("wasmcu new refuses a name npm would not take and a folder that is not empty, exiting non-zero", async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "wasmcu-new-"));
  const bad = await wasmcu(["new", "My App"], { cwd: parent });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"My App" is not a usable project name/);
  mkdirSync(path.join(parent, "taken"));
  writeFileSync(path.join(parent, "taken", "x"), "");
  const taken = await wasmcu(["new", "taken"], { cwd: parent });
  assert.equal(taken.code, 5); // the exit-code scheme: an output (the project folder) cannot be written
  assert.match(taken.stderr, /^wasmcu: error: taken already exists and is not empty$/m);
  assert.throws(() => scaffoldProject("taken", parent), /not empty/);
});

test("the firmware cache key changes when a firmware source changes, and only then", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "wasmcu-hash-"));
  mkdirSync(path.join(root, "boards", "x"), { recursive: true });
  writeFileSync(path.join(root, "CMakeLists.txt"), "project(x)\n");
  writeFileSync(path.join(root, "boards", "x", "a.c"), "int a;\n");
  const h1 = firmwareSourcesHash(root);
  assert.match(h1, /^[0-9a-f]{16}$/);
  assert.equal(firmwareSourcesHash(root), h1);
  mkdirSync(path.join(root, "firmware", "apps"), { recursive: true });
  writeFileSync(path.join(root, "firmware", "apps", "app.ts"), "// apps are not firmware\n");
  assert.equal(firmwareSourcesHash(root), h1);
  writeFileSync(path.join(root, "boards", "x", "a.c"), "int a = 1;\n");
  assert.notEqual(firmwareSourcesHash(root), h1);
});
