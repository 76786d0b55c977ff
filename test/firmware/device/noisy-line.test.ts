// The link on the host board through a clean line and through a line that changes 1% of
// the bytes in each direction, with bursts (the seeded fault model of link/transport.ts):
// a clean deploy needs no retransmission, at 115200 and at 921600 baud; through the noise
// deploy, model run, the event stream and a signed OTA push all still succeed, and so do the
// CLI's `wasmcu monitor`, `model run --port`, `deploy` and `ota push` on a noisy port of their own.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { runDeviceModel } from "../../../host-tools/src/workflows/model.js";
import { parseUpdateFile, pushUpdate } from "../../../host-tools/src/workflows/ota-push.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { faultyTransport, openSerial } from "../../../host-tools/src/link/transport.js";
import { expectIntactBlinkLines, ONE_PERCENT } from "../../helpers/noise.js";
import { hostBin, sharedDir } from "../../helpers/paths.js";
import { wasmcu } from "../../helpers/cli.js";
import { sign, updatableApp } from "../../helpers/ota.js";
import { deployThroughNoise, monitorThroughNoise, modelRunThroughNoise, otaPushThroughNoise } from "../../helpers/noisy-cli.js";


const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-noisy-"));
const models = path.join(sharedDir, "reference-models");
let board: LaunchedBoard;
let blink: Uint8Array;

before(async () => {
  blink = readFileSync((await buildApp("blink")).wasm);
  writeFileSync(path.join(tmp, "blink.wasm"), blink);
  board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: path.join(tmp, "blink.wasm"), flashFile: path.join(tmp, "flash.bin") });
});

after(async () => {
  await board?.stop();
});

async function open(seed?: number) {
  const raw = await openSerial(board.uartPath, 115200);
  const f = seed === undefined ? undefined : faultyTransport(raw, { ...ONE_PERCENT, seed });
  // Through the noise, a command's retries may need more than the default 20 s when the test
  // machine is busy (other boards, other test files): what is tested is that they get through.
  const link = new DeviceLink(f ?? raw, { baud: 115200, ...(f ? { deadlineMs: 90_000 } : {}) });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  return { link, events, stats: f?.stats };
}

test("a deploy on a clean line needs no retransmission and the device drops no received byte", async () => {
  const { link } = await open();
  try {
    const r = await deploy(link, { app: blink, model: readFileSync(path.join(models, "hello_world_int8", "model.tflite")) });
    assert.equal(r.retransmissions, 0);
    assert.equal(r.app!.stats.retransmissions, 0);
    assert.equal(r.model!.stats.retransmissions, 0);
    assert.equal(r.after.rx_dropped, r.before.rx_dropped, "the device rejected frames (bytes lost or damaged on the way in)");
  } finally {
    await link.close();
  }
});

test("wasmcu deploy --json reports the retransmissions: none on a clean line", async () => {
  const r = await wasmcu(["deploy", "--port", board.uartPath, "--app", path.join(tmp, "blink.wasm"), "--logs", "0", "--json"], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { retransmissions: number; app: { stats: { retransmissions: number } } };
  assert.equal(out.retransmissions, 0);
  assert.equal(out.app.stats.retransmissions, 0);
});

test("through 1% noise in each direction with bursts: deploy, model run and the event stream keep going", async () => {
  const { link, events, stats } = await open(1501);
  try {
    await link.connect(20_000);
    const model = readFileSync(path.join(models, "hello_world_int8", "model.tflite"));
    const r = await deploy(link, { app: blink, model });
    assert.equal((r.after.app as { bytes: number }).bytes, blink.length);
    assert.equal((r.after.model as { bytes: number }).bytes, model.length);
    assert.ok(r.retransmissions > 0, "nothing was resent: the noise did not reach the link");
    for (const k of [0, 5]) {
      const out = await runDeviceModel(link, [readFileSync(path.join(models, "hello_world_int8", `in_${k}.in0.bin`))]);
      assert.deepEqual(Buffer.from(out.outputs[0]!), readFileSync(path.join(models, "hello_world_int8", `out_${k}.out0.bin`)), `case ${k}`);
    }
    // The event stream (wasmcu monitor): intact lines keep coming through the noise.
    await expectIntactBlinkLines(events, 4, 20_000);
  } finally {
    await link.close();
  }
  assert.ok(stats!.corrupted > 200 && stats!.bursts > 0, JSON.stringify(stats));
});

test("wasmcu monitor through 1% noise in each direction with bursts keeps showing intact log lines and exits cleanly", async () => {
  await monitorThroughNoise(board.uartPath, 1503, { seconds: 6, minLines: 4 });
});

test("wasmcu model run --port through 1% noise in each direction with bursts writes TFLM's output bytes", async () => {
  await modelRunThroughNoise(board.uartPath, 1504, tmp);
});

test("wasmcu deploy through 1% noise in each direction with bursts lands the app and reports the retransmissions", async () => {
  await deployThroughNoise(board.uartPath, 1505, path.join(tmp, "blink.wasm"));
});

test("through 1% noise in each direction with bursts: a signed OTA push lands and is confirmed", async () => {
  const { link, stats } = await open(1502);
  try {
    await link.connect(20_000);
    const v5 = sign(await updatableApp("v5", "confirms"), 5);
    const r = await pushUpdate(link, parseUpdateFile(v5, "update"), { confirmTimeoutMs: 60_000 });
    assert.equal(r.outcome, "confirmed");
  } finally {
    await link.close();
  }
  assert.ok(stats!.corrupted > 100, JSON.stringify(stats));
});

test("wasmcu ota push through 1% noise in each direction with bursts: the signed update lands and is confirmed", async () => {
  const file = path.join(tmp, "v6.update");
  writeFileSync(file, sign(await updatableApp("v6", "confirms"), 6));
  await otaPushThroughNoise(board.uartPath, 1506, file);
});

test("at 921600 baud (the host board's UART paced at that rate) a deploy on a clean line needs no retransmission", async () => {
  const fast = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), baud: 921600, flashFile: path.join(tmp, "flash-921600.bin") });
  const link = new DeviceLink(await openSerial(fast.uartPath, 921600), { baud: 921600 });
  try {
    const model = readFileSync(path.join(models, "hello_world_int8", "model.tflite"));
    const r = await deploy(link, { app: blink, model });
    assert.equal((r.after.model as { bytes: number }).bytes, model.length);
    assert.equal(r.retransmissions, 0);
    assert.equal(r.after.rx_dropped, r.before.rx_dropped, "the device rejected frames (bytes lost or damaged on the way in)");
  } finally {
    await link.close();
    await fast.stop();
  }
});
