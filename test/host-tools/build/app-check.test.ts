// Build-time checks of an app against the device: imports only from natives.def with its
// types, setup()/loop() exported as () -> void, every problem at file:line:col.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import type { Diagnostic } from "../../../host-tools/src/build/diagnostics.js";
import { BuildError } from "../../../host-tools/src/lib/errors.js";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot } from "../../helpers/paths.js";

const sdk = path.join(repoRoot, "firmware", "sdk", "index");

/** An app folder with main.ts made of these lines (the SDK imported by a relative path). */
function app(lines: string[]): { dir: string; main: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-check-"));
  const main = path.join(dir, "main.ts");
  writeFileSync(main, lines.join("\n").replace("SDK", path.relative(dir, sdk)) + "\n");
  return { dir, main };
}

async function refused(dir: string): Promise<Diagnostic[]> {
  const err = await buildApp(dir).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof BuildError, `the build was not refused: ${String(err)}`);
  return (err.data as { diagnostics: Diagnostic[] }).diagnostics;
}

const LOOP = "export function loop(): void {}";

test("an import that natives.def does not list is refused at the line and column of its declaration", async () => {
  const { dir, main } = app(['import { log } from "SDK";', "", '@external("wasmcu", "gpio_toggle")', "declare function gpioToggle(pin: i32): void;",
    'export function setup(): void { log.info("x"); gpioToggle(25); }', LOOP]);
  const d = await refused(dir);
  assert.equal(d.length, 1);
  assert.deepEqual([d[0]!.file, d[0]!.line, d[0]!.column, d[0]!.code], [main, 4, 18, "WASMCU_IMPORT"]);
  assert.match(d[0]!.message, /"wasmcu\.gpio_toggle" is not a native the firmware provides; natives in "wasmcu": gpio_mode, /);
});

test("a native declared with other types than the firmware's is refused, naming both signatures", async () => {
  const { dir } = app(['@external("wasmcu", "gpio_write")', "declare function write(pin: i32): void;", "export function setup(): void { write(1); }", LOOP]);
  const [d] = await refused(dir);
  assert.equal(d!.line, 2);
  assert.match(d!.message, /"wasmcu\.gpio_write" is declared as \(i32\); the firmware provides \(i32, i32\)/);
});

test("an import of a module's own declare (asc names the module after the file) is found in that file", async () => {
  const { dir, main } = app(["declare function beep(ms: i32): void;", "export function setup(): void { beep(3); }", LOOP]);
  const [d] = await refused(dir);
  assert.deepEqual([d!.file, d!.line, d!.column], [main, 1, 18]);
  assert.match(d!.message, /"main\.beep" is not a native/);
});

test("an app without loop() is refused; one saying `// wasmcu: no-loop` (served over the link) is not", async () => {
  const { dir, main } = app(["export function setup(): void {}"]);
  const [d] = await refused(dir);
  assert.equal(d!.file, main);
  assert.equal(d!.line, undefined);
  assert.match(d!.message, /the app does not export loop\(\)/);
  const lib = app(["// wasmcu: no-loop", "export function setup(): void {}", "export function ping(): i32 { return 1; }"]);
  assert.ok((await buildApp(lib.dir)).bytes > 0);
});

test("a loop() that is not exported is refused at its name, saying to export it", async () => {
  const { dir, main } = app(["export function setup(): void {}", "", "function loop(): void {}"]);
  const [d] = await refused(dir);
  assert.deepEqual([d!.file, d!.line, d!.column, d!.code], [main, 3, 10, "WASMCU_EXPORT"]);
  assert.match(d!.message, /loop\(\) is not exported/);
});

test("setup() or loop() with arguments or a result is refused at its name", async () => {
  const { dir, main } = app(["export function setup(): void {}", "", "export function loop(): i32 { return 1; }"]);
  const [d] = await refused(dir);
  assert.deepEqual([d!.file, d!.line, d!.column, d!.code], [main, 3, 17, "WASMCU_EXPORT"]);
  assert.match(d!.message, /loop\(\) has the type \(\) -> i32/);
});

test("compiler errors carry file:line:col, a refused build leaves no .wasm, and building again is refused again", async () => {
  const { dir, main } = app(["export function setup(): void {", "  const x: i32 = nope;", "}", LOOP]);
  const [d] = await refused(dir);
  assert.deepEqual([d!.file, d!.line, d!.column, d!.code], [main, 2, 18, "TS2304"]);
  assert.ok(!existsSync(path.join(repoRoot, "build", "apps", path.basename(dir), `${path.basename(dir)}.wasm`)));
  await refused(dir);
});

test("wasmcu build prints file:line:col errors, carries them in --json and exits non-zero", async () => {
  const { dir, main } = app(['@external("wasmcu", "nope")', "declare function nope(): void;", "export function setup(): void { nope(); }", LOOP]);
  const human = await wasmcu(["build", "--app", dir, "--no-firmware"]);
  assert.equal(human.code, 1);
  assert.ok(human.stderr.includes(`${main}:2:18: error: "wasmcu.nope" is not a native the firmware provides`), human.stderr);
  assert.ok(!human.stderr.includes("    at "), "a stack trace");
  const json = await wasmcu(["build", "--app", dir, "--no-firmware", "--json"]);
  assert.equal(json.code, 1);
  const e = (JSON.parse(json.stdout) as { error: { code: string; diagnostics: Diagnostic[] } }).error;
  assert.equal(e.code, "E_BUILD");
  assert.deepEqual(e.diagnostics.map((x) => [x.file, x.line, x.column]), [[main, 2, 18]]);
});

test("an app project (package.json + src/main.ts) imports the SDK as wasmcu/sdk and builds into its own build/", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-project-"));
  mkdirSync(path.join(dir, "src"));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(repoRoot, path.join(dir, "node_modules", "wasmcu")); // as npm installs it
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "blinky" }));
  writeFileSync(path.join(dir, "src", "main.ts"), ['import { gpio, log } from "wasmcu/sdk";',
    'export function setup(): void { gpio.pinMode(25, gpio.PinMode.Output); log.info("hi"); }', LOOP].join("\n"));
  const b = await buildApp(dir);
  assert.equal(b.app, "blinky");
  assert.equal(b.wasm, path.join(dir, "build", "blinky.wasm"));
  const r = await wasmcu(["build", "--no-firmware"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^app blinky: build\/blinky\.wasm \(.*\), up to date$/m);
});
