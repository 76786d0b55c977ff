// CALL over the link runs an app's export on the device and times it there.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { hostBin } from "../../helpers/paths.js";

let board: LaunchedBoard;
let link: DeviceLink;

before(async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-call-"));
  board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: (await buildApp("bench")).wasm, flashFile: path.join(tmp, "flash.bin") });
  link = new DeviceLink(await openSerial(board.uartPath, 115200));
  await link.connect();
});

after(async () => {
  await link?.close();
  await board?.stop();
});

test("the bench app's workloads return their known results on the device", async () => {
  assert.equal((await link.call("fib24")).result, 46368n);
  const data = Buffer.from(Array.from({ length: 1024 }, (_, i) => i & 0xff));
  assert.equal((await link.call("sha256_1k")).result, BigInt(createHash("sha256").update(data).digest().readInt32BE(0)));
  assert.equal((await link.call("gpio_toggle_1000")).result, 1000n);
  assert.equal((await link.call("alloc_1k_100")).result, 102400n);
  assert.ok((await link.call("stream_encode_1000")).result > 0n, "the encoder finished no block in 1000 samples");
});

test("a call reports the time it took on the device", async () => {
  const r = await link.call("idle_100ms");
  assert.ok(r.micros >= 100_000, `${r.micros} us`);
});

test("calling an export that does not exist is a clear error", async () => {
  await assert.rejects(link.call("no_such_thing"), /call no_such_thing failed on the device: no such exported function/);
});

