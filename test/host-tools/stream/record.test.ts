// A live sensor stream: the sensor app encodes .wqs blocks on the device (host board),
// `wasmcu monitor --record` writes them to a file, `wasmcu dequantize` reads it back.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { StreamRecorder } from "../../../host-tools/src/stream/record.js";
import { wasmcu } from "../../helpers/cli.js";
import { hostBin } from "../../helpers/paths.js";

test("monitor --record writes the board's .wqs stream and dequantize restores the samples", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-record-"));
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: (await buildApp("sensor")).wasm,
    flashFile: path.join(tmp, "flash.bin"), waitForHost: true });
  const wqs = path.join(tmp, "live.wqs");
  try {
    const r = await wasmcu(["monitor", "--port", board.uartPath, "--record", wqs, "--for", "2.5", "--json"], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const rec = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; blocks?: number }).find((e) => e.kind === "recorded");
    assert.ok(rec && rec.blocks! >= 2, r.stdout);
  } finally {
    await board.stop();
  }
  const csv = path.join(tmp, "back.csv");
  const d = await wasmcu(["dequantize", wqs, "-o", csv], { timeoutMs: 60_000 });
  assert.equal(d.code, 0, d.stderr);
  const rows = readFileSync(csv, "utf8").trim().split("\n");
  const header = rows[0]!.split(",");
  assert.deepEqual(header.slice(1), ["accel_x", "temp_c"]);
  const data = rows.slice(1).map((l) => l.split(",").map(Number));
  assert.ok(data.length >= 128, `${data.length} samples`);
  const step = [4 / 255, 20 / 255];
  for (const [i, [t, ax, temp]] of data.entries()) {
    // Timestamps are microseconds on a 10 ms grid; values within half a step of the source
    // signal (plus the CSV's rounding to 4 decimals).
    const s = t! / 1e6;
    if (i > 0) assert.equal((t! - data[i - 1]![0]!) % 10_000, 0, `sample ${i} off the 10 ms grid`);
    assert.ok(Math.abs(ax! - 0.8 * Math.sin(2 * Math.PI * 1.5 * s)) <= step[0]! / 2 + 1e-4, `accel at ${s}: ${ax}`);
    assert.ok(Math.abs(temp! - (21 + 0.5 * s)) <= step[1]! / 2 + 1e-4, `temp at ${s}: ${temp}`);
  }
});

test("the recorder drops blocks until it has a header and refuses a header that changes", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-record-unit-"));
  const r = new StreamRecorder(path.join(tmp, "x.wqs"));
  r.push(false, Uint8Array.of(1, 2, 3));
  r.push(true, Uint8Array.of(9, 9));
  r.push(false, Uint8Array.of(4, 5));
  r.push(true, Uint8Array.of(9, 9));
  assert.throws(() => r.push(true, Uint8Array.of(9, 8)), /stream format changed/);
  const st = r.close();
  assert.deepEqual(st, { file: path.join(tmp, "x.wqs"), bytes: 4, blocks: 1, droppedBeforeHeader: 1 });
  assert.deepEqual([...readFileSync(path.join(tmp, "x.wqs"))], [9, 9, 4, 5]);
});
