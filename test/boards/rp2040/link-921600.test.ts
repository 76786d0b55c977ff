// The link to the RP2040 firmware built for 921600 baud (-DWASMCU_RP2040_BAUD=921600) in
// rp2040js, at real-time speed (the core idles in WFI between bytes, as a chip does; bytes
// arrive 8x faster than at 115200, 11 µs apart in emulated time): a deploy of an app and a
// model on a clean line needs no retransmission, the device rejects no frame, the model gives
// TFLM's bytes, and (the file's last test) the emulated UART0 drops no byte.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { runDeviceModel } from "../../../host-tools/src/workflows/model.js";
import { sharedDir } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";
import { missingToolchain, rp2040BaudElf } from "./firmware.js";

const BAUD = 921600;
const skip = missingToolchain() ?? false;
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-921600-"));
const hello = path.join(sharedDir, "reference-models", "hello_world_int8");
let board: LaunchedBoard | undefined;

before(async () => {
  if (skip) return;
  board = await launchSimBoard(resolveBoard("rp2040-sim"), { firmware: await rp2040BaudElf(BAUD), flashFile: path.join(tmp, "flash.bin"),
    waitForHost: true, speed: 1 });
});

after(async () => {
  await board?.stop();
});

test("rp2040-sim at 921600 baud: a deploy on a clean line needs no retransmission and the device rejects no frame", { skip, timeout: 600_000 }, async () => {
  // The emulator may fall behind real time on a busy machine: long waits keep a clean line free of retransmissions.
  const link = new DeviceLink(await openSerial(board!.uartPath, BAUD), { baud: BAUD, timeoutMs: 10_000, deadlineMs: 60_000 });
  try {
    const hello1 = await link.connect(120_000);
    assert.equal(hello1.board, "rp2040");
    const app = readFileSync((await buildApp("blink")).wasm);
    const model = readFileSync(path.join(hello, "model.tflite"));
    const r = await deploy(link, { app, model });
    assert.equal((r.after.app as { bytes: number }).bytes, app.length);
    assert.equal((r.after.model as { bytes: number }).bytes, model.length);
    assert.equal(r.retransmissions, 0, JSON.stringify({ app: r.app!.stats, model: r.model!.stats }));
    assert.equal(r.after.rx_dropped, r.before.rx_dropped, "the device rejected frames (bytes lost or damaged on the way in)");
    const out = await runDeviceModel(link, [readFileSync(path.join(hello, "in_6.in0.bin"))]);
    assert.deepEqual(Buffer.from(out.outputs[0]!), readFileSync(path.join(hello, "out_6.out0.bin")));
    assert.equal(link.retransmissions, 0);
  } finally {
    await link.close();
  }
});

noUartDropsTest(skip);
