import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../host-tools/src/build/app.js";
import { launchHostBoard } from "../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../host-tools/src/boards/registry.js";
import { wasmcu } from "../helpers/cli.js";
import { hostBin } from "../helpers/paths.js";

test("wasmcu monitor shows a running board's log lines with host timestamps, as NDJSON with --json", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-monitor-"));
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: (await buildApp("blink")).wasm, flashFile: path.join(tmp, "flash.bin") });
  try {
    const r = await wasmcu(["monitor", "--port", board.uartPath, "--for", "1.3", "--json"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; text?: string; host_time: string });
    const logs = events.filter((e) => e.kind === "log");
    assert.ok(logs.length >= 2, r.stdout);
    assert.ok(logs.every((e) => /^blink #\d+: led (on|off) at \d+ ms$/.test(e.text!)));
    assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.host_time))));
  } finally {
    await board.stop();
  }
});

test("wasmcu monitor waits for a port that is not there (yet) and stops when --for runs out", async () => {
  const r = await wasmcu(["monitor", "--port", "/dev/pts/does-not-exist", "--for", "0.5"], { timeoutMs: 30_000 });
  // Waiting for a port that never appears is not an error; it ends when --for runs out.
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
});

test("wasmcu monitor --record from a board that sends no stream says nothing was recorded and writes no file", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-monitor-rec-"));
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: (await buildApp("blink")).wasm, flashFile: path.join(tmp, "flash.bin") });
  try {
    const rec = path.join(tmp, "r.wqs");
    const r = await wasmcu(["monitor", "--port", board.uartPath, "--for", "1", "--record", rec], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: the board sent no sensor stream header: nothing recorded, .*r\.wqs not written/);
    assert.doesNotMatch(r.stderr, /recorded 0 blocks/);
    assert.equal(existsSync(rec), false);
  } finally {
    await board.stop();
  }
});
