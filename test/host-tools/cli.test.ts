import assert from "node:assert/strict";
import { test } from "node:test";
import { wasmcu } from "../helpers/cli.js";

test("wasmcu boards --json lists host, rp2040, esp32 and esp32c3 with their flash layouts", async () => {
  const r = await wasmcu(["boards", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const boards = JSON.parse(r.stdout) as { name: string; flash: { layout: { name: string }[] } }[];
  assert.deepEqual(boards.map((b) => b.name).sort(), ["esp32", "esp32c3", "host", "rp2040"]);
  for (const b of boards) assert.ok(b.flash.layout.some((r) => r.name === "app_a"));
});

test("wasmcu boards marks the ESP-IDF esp32 port as not built here, and names esp32c3's emulator", async () => {
  const r = await wasmcu(["boards"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^esp32 \[not built here\]/m);
  assert.match(r.stdout, /^esp32c3 \(emulated: --board esp32c3-sim\) — /m);
});

test("every command has --help", async () => {
  const top = await wasmcu(["--help"]);
  assert.equal(top.code, 0);
  const commands = [...top.stdout.matchAll(/^  (\w+) /gm)].map((m) => m[1]!).filter((c) => c !== "help" && c !== "vm");
  assert.ok(commands.includes("boards") && commands.includes("build") && commands.includes("doctor"));
  for (const c of commands) {
    const r = await wasmcu([c, "--help"]);
    assert.equal(r.code, 0, `${c} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: wasmcu ${c}`));
  }
});

test("an unknown board is a clear usage error with exit status 2", async () => {
  const r = await wasmcu(["build", "--board", "atmega", "--no-firmware"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown board "atmega"/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/); // no stack trace
});

test("an unknown board with --json also reports the error as JSON", async () => {
  const r = await wasmcu(["build", "--board", "atmega", "--json"]);
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.stdout).error.code, "E_BOARD");
});

test("a missing app is a clear error naming the expected path", async () => {
  const r = await wasmcu(["build", "--app", "no-such-app", "--no-firmware"]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no app "no-such-app": expected .*firmware\/apps\/no-such-app\/main\.ts/);
  assert.match(r.stderr, /apps here: .*blink/);
});

test("an app that does not compile shows asc's message at file:line:col, not a stack trace", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-app-"));
  writeFileSync(path.join(dir, "main.ts"), "export function loop(): void { let x: i32 = \"text\"; }\n");
  const r = await wasmcu(["build", "--app", dir, "--no-firmware"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /compiling .*main\.ts failed: 1 error/);
  assert.match(r.stderr, /main\.ts:1:45: error: .*not assignable.* \[TS2322\]/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});

test("wasmcu build --app blink --no-firmware compiles the app and reports its size as JSON", async () => {
  const r = await wasmcu(["build", "--app", "blink", "--no-firmware", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { app: { name: string; bytes: number } };
  assert.equal(j.app.name, "blink");
  assert.ok(j.app.bytes > 100);
});

test("an unknown option is a usage error with exit status 2 and a hint", async () => {
  const r = await wasmcu(["boards", "--frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--frobnicate'/);
});
