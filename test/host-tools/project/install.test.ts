// A user's own project, outside this repository: the packed CLI installed with npm, `npx
// wasmcu new`, the README's commands, the app on the host board and on rp2040-sim, and
// build-time refusals with file:line:col. npm installs offline (test/helpers/pack.ts).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { packWasmcu, sh, writeOfflineLock } from "../../helpers/pack.js";
import { repoRoot } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const work = mkdtempSync(path.join(os.tmpdir(), "wasmcu-user-"));
const project = path.join(work, "my-project");
const demo = path.join(project, "demo");
// Firmware builds are cached per machine; this test's cache lives in the repo's build/ (kept
// between runs here, empty on a clean clone), never in the user's ~/.cache.
const cache = path.join(repoRoot, "build", "user-cache");
// As a user's shell has it: no npm settings from an outer `npm test`, and not inside a test
// runner (NODE_TEST_CONTEXT makes the project's own `node --test` report to this one).
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !k.toLowerCase().startsWith("npm_") && k !== "NODE_TEST_CONTEXT"));
Object.assign(env, { WASMCU_CACHE_DIR: cache, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" });
let tarball = "";

const npm = (args: string[], cwd: string, timeoutMs = 300_000) => sh("npm", args, { cwd, env, timeoutMs });
const npx = (args: string[], cwd = demo, timeoutMs = 600_000) => sh("npx", ["--no-install", "wasmcu", ...args], { cwd, env, timeoutMs });
const OFFLINE = "\n(npm installs offline here: its cache must hold the repository's dependencies, as `npm ci` leaves them)";
const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  mkdirSync(project);
  tarball = await packWasmcu(work);
});
after(() => rmSync(work, { recursive: true, force: true }));

// What this file runs, in its order, is the README's quick start for a user's project
// (blinky there is demo here; the tarball's path is the one npm pack made).
test("the README's quick start for a user's project has the commands this test runs", () => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const block = /^## Your own app, in your own project\n[\s\S]*?```sh\n([\s\S]*?)```/m.exec(readme)?.[1] ?? "";
  const cmds = block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean);
  const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
  const ran = [`npm install --save-dev /path/to/wasmcu-${version}.tgz`, "npx wasmcu new blinky", "cd blinky", "npm install", "npx wasmcu build",
    "npx wasmcu run --board host", "npx wasmcu run --board rp2040-sim", "npx wasmcu board start dev --board host", "npx wasmcu deploy --port dev", "npx wasmcu board stop dev"];
  let at = -1;
  for (const c of ran) {
    const i = cmds.indexOf(c);
    assert.ok(i > at, `the README's quick start does not have "${c}" after the step before it:\n${cmds.join("\n")}`);
    at = i;
  }
});

test("the packed CLI installs into a project with npm install --save-dev and runs there with npx", async () => {
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "my-project", private: true }, null, 2));
  writeOfflineLock(project, tarball);
  const i = await npm(["install", "--save-dev", tarball], project);
  assert.equal(i.code, 0, i.stderr + OFFLINE);
  const pkg = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  assert.match(pkg.devDependencies.wasmcu!, /^file:.*wasmcu-\d+\.\d+\.\d+\.tgz$/);
  const v = await npx(["--version"], project, 60_000);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version);
  // The firmware sources come with it, so the user's machine can build boards.
  for (const f of ["CMakeLists.txt", "firmware/device/natives.def", "firmware/runtime/include/wr.h", "boards/rp2040/board.json", "sdk.ts"]) {
    assert.ok(existsSync(path.join(project, "node_modules", "wasmcu", f)), f);
  }
});

test("npx wasmcu new demo makes a project whose README commands install, build and run it", async () => {
  const n = await npx(["new", "demo"], project, 60_000);
  assert.equal(n.code, 0, n.stderr);
  assert.match(n.stdout, /^created demo\//m);
  for (const f of ["package.json", "asconfig.json", "src/main.ts", "README.md", "test/app.test.mjs"]) assert.ok(existsSync(path.join(demo, f)), f);
  assert.match(readFileSync(path.join(demo, "src/main.ts"), "utf8"), /from "wasmcu\/sdk"/);
  const readme = readFileSync(path.join(demo, "README.md"), "utf8");
  for (const c of ["npm install", "npx wasmcu build", "npx wasmcu run --board host"]) assert.ok(readme.includes(c), c);
  // The new project depends on the same tarball, relative to itself.
  const pkg = JSON.parse(readFileSync(path.join(demo, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  assert.equal(path.resolve(demo, pkg.devDependencies.wasmcu!.slice("file:".length)), tarball);

  writeOfflineLock(demo, tarball);
  const i = await npm(["install"], demo);
  assert.equal(i.code, 0, i.stderr + OFFLINE);
  const b = await npx(["build"], demo);
  assert.equal(b.code, 0, b.stderr);
  // Output in the app's own folder; every path printed is one to paste from here.
  assert.match(b.stderr, /^app demo: build\/demo\.wasm \(/m);
  assert.ok(existsSync(path.join(demo, "build", "demo.wasm")));
  const fw = /^firmware: (.+)$/m.exec(b.stdout);
  assert.ok(fw, b.stdout);
  for (const p of fw[1]!.split(", ")) assert.ok(existsSync(path.resolve(demo, p)), `printed path ${p} does not exist from ${demo}`);
  assert.ok(!existsSync(path.join(repoRoot, "build", "apps", "demo")), "the build went into the repository");
});

test("the firmware is built once per machine, outside the project, and used by every project with the same wasmcu", async () => {
  const first = await npx(["build", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const j = JSON.parse(first.stdout) as { firmware: { dir: string; artifacts: string[] } };
  assert.equal(path.dirname(j.firmware.dir), cache);
  assert.match(path.basename(j.firmware.dir), /^host-[0-9a-f]{16}$/);
  const exe = j.firmware.artifacts.find((a) => a.endsWith("wasmcu-host"))!;
  const built = statSync(exe).mtimeMs;
  // Again from the demo, and from the project around it, which has its own copy of the package.
  for (const cwd of [demo, project]) {
    const again = await npx(["build", "--json"], cwd);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { firmware: { dir: string } }).firmware.dir, j.firmware.dir);
    assert.equal(statSync(exe).mtimeMs, built, `wasmcu-host was rebuilt for ${cwd}`);
  }
});

for (const board of ["host", "rp2040-sim"]) {
  test(`npx wasmcu run --board ${board} runs the new app (its setup log, LED writes), the board's flash in the project`, async () => {
    const r = await npx(["run", "--board", board, "--for", "3", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(path.join(demo, "build", `${board}-flash.bin`)), "the board's flash image is not in the project's build/");
    const ev = events(r.stdout);
    const logs = ev.filter((e) => e.kind === "log").map((e) => String(e.text));
    assert.ok(logs.includes("demo: started"), `${r.stdout}\n${r.stderr}`);
    assert.ok(ev.some((e) => (e.kind === "gpio" || e.kind === "sim-gpio") && e.pin === 25), "no write to the LED pin");
    assert.ok(!ev.some((e) => e.kind === "app" && e.state === "trapped"), "the app trapped");
  });
}

// The Done-when of #17: a division by zero planted in the user's own src/main.ts, run with the
// README's command (no --for: the trap ends the run), is shown at that file and line, on both boards.
for (const board of ["host", "rp2040-sim"]) {
  test(`a division by zero planted in src/main.ts: npx wasmcu run --board ${board} shows src/main.ts:LINE and exits non-zero`, async () => {
    const main = path.join(demo, "src", "main.ts");
    const good = readFileSync(main, "utf8");
    const lines = good.split("\n");
    const loop = lines.findIndex((l) => l.startsWith("export function loop(): void {"));
    assert.ok(loop > 0, good);
    // A divisor that reaches 0 on the second loop(): no compiler can fold it away.
    lines.splice(loop, 0, "let divisor = 2;", "");
    lines.splice(loop + 3, 0, "  divisor--;", '  log.info("ratio " + (100 / divisor).toString());');
    const divLine = loop + 5; // 1-based line of the division
    assert.match(lines[divLine - 1]!, /100 \/ divisor/);
    try {
      writeFileSync(main, lines.join("\n"));
      const r = await npx(["run", "--board", board]);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^trap: integer divide by zero$/m);
      assert.match(r.stdout, new RegExp(`^    at loop \\(src/main\\.ts:${divLine}:\\d+\\)$`, "m"), r.stdout);
      assert.equal(r.stdout.split("integer divide by zero").length - 1, 1, `the trap is printed once:\n${r.stdout}`);
    } finally {
      writeFileSync(main, good);
    }
  });
}

test("in the project: board start runs its app in the background, deploy without --app deploys it there by name", async () => {
  const bgEnv = { ...env, WASMCU_RUNTIME_DIR: path.join(work, "boards") };
  const run = (args: string[]) => sh("npx", ["--no-install", "wasmcu", ...args], { cwd: demo, env: bgEnv, timeoutMs: 600_000 });
  const s = await run(["board", "start", "dev", "--board", "host", "--json"]);
  assert.equal(s.code, 0, s.stderr);
  try {
    // Without --app, the project in this folder: built, and programmed before boot.
    assert.equal((JSON.parse(s.stdout) as { app?: string }).app, path.join(demo, "build", "demo.wasm"));
    const d = await run(["deploy", "--port", "dev", "--logs", "3", "--json"]);
    assert.equal(d.code, 0, d.stderr);
    const j = JSON.parse(d.stdout) as { app?: { bytes: number }; events: { kind: string; text?: string }[] };
    assert.ok(j.app, "deploy without --app deployed no app");
    assert.equal(j.app.bytes, statSync(path.join(demo, "build", "demo.wasm")).size);
    assert.ok(j.events.some((e) => e.kind === "log" && e.text === "demo: started"), JSON.stringify(j.events));
  } finally {
    const stop = await run(["board", "stop", "dev"]);
    assert.equal(stop.code, 0, stop.stderr);
  }
  // Outside a project, with nothing to deploy, deploy says what it needs (usage, exit 2).
  const none = await sh("npx", ["--no-install", "wasmcu", "deploy", "--port", "/dev/null"], { cwd: project, env: bgEnv, timeoutMs: 60_000 });
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /nothing to deploy: give --app and\/or --model/);
});

test("the project's own test (npm test) passes on the host board", async () => {
  const r = await npm(["test"], demo, 600_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /# pass 1/);
});

test("an app importing a native the firmware lacks, or without loop(), is refused at build time with file:line:col", async () => {
  const main = path.join(demo, "src", "main.ts");
  const good = readFileSync(main, "utf8");
  try {
    writeFileSync(main, [
      'import { log } from "wasmcu/sdk";',
      "",
      '@external("wasmcu", "gpio_toggle")',
      "declare function gpioToggle(pin: i32): void;",
      "",
      'export function setup(): void { log.info("x"); gpioToggle(25); }',
      "export function loop(): void {}",
    ].join("\n"));
    const missing = await npx(["build", "--no-firmware"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /^src\/main\.ts:4:18: error: "wasmcu\.gpio_toggle" is not a native the firmware provides/m);
    assert.ok(!existsSync(path.join(demo, "build", "demo.wasm")), "a refused build left its .wasm");
    const json = await npx(["build", "--no-firmware", "--json"]);
    assert.notEqual(json.code, 0);
    const diags = (JSON.parse(json.stdout) as { error: { diagnostics: { file: string; line: number; column: number; severity: string }[] } }).error.diagnostics;
    assert.deepEqual(diags.map((d) => [d.file, d.line, d.column, d.severity]), [["src/main.ts", 4, 18, "error"]]);

    writeFileSync(main, ['import { log } from "wasmcu/sdk";', "", 'export function setup(): void { log.info("no loop"); }'].join("\n"));
    const noLoop = await npx(["build", "--no-firmware"]);
    assert.notEqual(noLoop.code, 0);
    assert.match(noLoop.stderr, /^src\/main\.ts: error: the app does not export loop\(\)/m);
  } finally {
    writeFileSync(main, good);
  }
});

noUartDropsTest();
