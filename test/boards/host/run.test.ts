// The foundation's end-to-end path: blink built with asc, run by the C runtime inside the
// host board's firmware, its logs and GPIO writes read back over the pty with serialport.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot } from "../../helpers/paths.js";

test("wasmcu run --board host shows blink's log lines and GPIO toggles over the UART", async () => {
  const flash = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-run-")), "flash.bin");
  const r = await wasmcu(["run", "--board", "host", "--app", "blink", "--for", "2.2", "--flash", flash, "--json"], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const hello = events.find((e) => e.kind === "hello") as { info: { board: string; protocol: number; app: { slot: string } } } | undefined;
  assert.ok(hello, "no hello frame");
  assert.equal(hello.info.board, "host");
  assert.equal(hello.info.app.slot, "app_a");
  const logs = events.filter((e) => e.kind === "log").map((e) => String(e.text));
  assert.ok(logs.includes("blink: started on the board's LED"), logs.join("\n"));
  const blinks = logs.filter((l) => /^blink #\d+: led (on|off) at \d+ ms$/.test(l));
  assert.ok(blinks.length >= 4, `only ${blinks.length} blink lines in 2.2 s:\n${logs.join("\n")}`);
  const gpio = events.filter((e) => e.kind === "gpio" && e.pin === 25).map((e) => e.level);
  assert.ok(gpio.length >= 4);
  gpio.forEach((level, i) => assert.equal(level, i % 2 === 0 ? 1 : 0, `write ${i} of pin 25`));
  assert.ok(!events.some((e) => e.kind === "app" && e.state === "trapped"), "the app trapped");
});

test("the human output of wasmcu run prints timestamped log lines and GPIO changes", async () => {
  const flash = path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-run-")), "flash.bin");
  const r = await wasmcu(["run", "--board", "host", "--app", "blink", "--for", "1.2", "--flash", flash], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /device: host firmware 0\.1\.0, protocol 1/);
  assert.match(r.stdout, /\[\s+\d+\.\d{3}\] info  blink #1: led on at \d+ ms/);
  assert.match(r.stdout, /\[\s+\d+\.\d{3}\] gpio  pin 25 -> high/);
});

test("a trap in the app is reported with the runtime's message, and run exits non-zero", async () => {
  const { writeFileSync } = await import("node:fs");
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-trap-"));
  writeFileSync(path.join(dir, "main.ts"), [
    'import { log } from "' + path.relative(dir, path.join(repoRoot, "firmware/sdk/index")) + '";',
    "let n = 0;",
    "export function setup(): void { log.info(\"about to fail\"); }",
    "export function loop(): void { n++; assert(n < 2, \"n too big\"); }",
  ].join("\n"));
  const flash = path.join(dir, "flash.bin");
  const r = await wasmcu(["run", "--board", "host", "--app", dir, "--for", "1", "--flash", flash, "--json"], { timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const trap = events.find((e) => e.kind === "app" && e.state === "trapped") as { detail: string } | undefined;
  assert.ok(trap, r.stdout);
  assert.match(trap.detail, /loop\(\): .*abort: n too big at .*main\.ts:4/);
});
