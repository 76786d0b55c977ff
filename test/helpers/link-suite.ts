// The link to the real device firmware in an emulator (UART0 at 115200, received bytes paced
// in emulated time), one body for rp2040-sim and esp32c3-sim: on a clean line a deploy needs no
// retransmission and the emulated UART drops no byte (its RX FIFO never overflows: the firmware
// drains it by interrupt into its ring, and the host keeps no more in flight than the ring
// takes); through a line that changes 1% of the bytes in each direction, with bursts, deploy,
// model run, the event stream and a signed OTA push still succeed, and so do `wasmcu monitor`,
// `model run --port` and `deploy` on a noisy port of their own. The emulator is slower than a
// chip, so the clean line's waits are long; a lossy line's follow the measured round trip.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../host-tools/src/build/app.js";
import { launchSimBoard, type LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { deploy } from "../../host-tools/src/workflows/deploy.js";
import { runDeviceModel } from "../../host-tools/src/workflows/model.js";
import { parseUpdateFile, pushUpdate } from "../../host-tools/src/workflows/ota-push.js";
import { DeviceLink, type LinkEvent } from "../../host-tools/src/link/session.js";
import { faultyTransport, openSerial } from "../../host-tools/src/link/transport.js";
import { openBoardPort } from "./board-port.js";
import { sharedDir } from "./paths.js";
import { expectIntactBlinkLines, ONE_PERCENT } from "./noise.js";
import { sign, updatableApp } from "./ota.js";
import { deployThroughNoise, monitorThroughNoise, modelRunThroughNoise } from "./noisy-cli.js";
import type { SimBoard } from "./sim-boards.js";
import { noUartDropsTest } from "./uart-drops.js";

const hello = path.join(sharedDir, "reference-models", "hello_world_int8");

/**
 * The link tests on `sb`: clean line (paced and real time), and with `noise` 1% noise with
 * bursts (in-process and through the CLI's own commands).
 */
export function linkSuite(sb: SimBoard, opts: { noise: boolean }): void {
  // The noisy-line tests are the link's, not the chip's: one emulator runs them (CI time).
  const noisy = opts.noise ? false : "the noisy-line tests run on rp2040-sim and the host board";
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-${sb.name}-link-`));
  let board: LaunchedBoard;
  let blink: Uint8Array;

  before(async () => {
    blink = readFileSync((await buildApp("blink")).wasm);
    writeFileSync(path.join(tmp, "blink.wasm"), blink);
    board = await launchSimBoard(sb.target, { firmware: sb.firmware(), app: path.join(tmp, "blink.wasm"),
      flashFile: path.join(tmp, "flash.bin"), waitForHost: true, speed: Infinity });
  });

  after(async () => {
    await board?.stop();
  });

  async function open(seed?: number) {
    const raw = await openBoardPort(board.uartPath, 115200);
    const f = seed === undefined ? undefined : faultyTransport(raw, { ...ONE_PERCENT, seed });
    const link = new DeviceLink(f ?? raw, { baud: 115200, timeoutMs: 10_000, deadlineMs: 60_000 });
    const events: LinkEvent[] = [];
    link.onEvent((e) => events.push(e));
    try {
      await link.connect(120_000);
    } catch (e) {
      await link.close(); // a failed test must not keep the board's port (and its lock) open
      throw e;
    }
    return { link, events, stats: f?.stats };
  }

  test(`${sb.name}: a deploy on a clean line needs no retransmission and the UART drops no byte`, async () => {
    const { link } = await open();
    try {
      const r = await deploy(link, { app: blink, model: readFileSync(path.join(hello, "model.tflite")) });
      assert.equal(r.retransmissions, 0, JSON.stringify({ app: r.app!.stats, model: r.model!.stats }));
      assert.equal(r.after.rx_dropped, r.before.rx_dropped, "the device rejected frames (bytes lost or damaged on the way in)");
      const out = await runDeviceModel(link, [readFileSync(path.join(hello, "in_3.in0.bin"))]);
      assert.deepEqual(Buffer.from(out.outputs[0]!), readFileSync(path.join(hello, "out_3.out0.bin")));
      assert.equal(link.retransmissions, 0);
    } finally {
      await link.close();
    }
  });

  test(`${sb.name} at real-time speed (idling in WFI between bytes, as a chip does): a 29 KiB deploy drops no UART byte, resends nothing`, async () => {
    // Before rp2040-sim woke WFI on an interrupt already pending, this deploy lost bytes
    // to RX FIFO overruns (283 for 64 KiB) and needed retransmissions.
    // blink sleeps between its turns (hal_idle_until: WFI with interrupts masked), as apps do.
    const rt = await launchSimBoard(sb.target, { firmware: sb.firmware(), app: path.join(tmp, "blink.wasm"),
      flashFile: path.join(tmp, "flash-rt.bin"), waitForHost: true, speed: 1 });
    const link = new DeviceLink(await openSerial(rt.uartPath, 115200), { baud: 115200, timeoutMs: 10_000, deadlineMs: 60_000 });
    try {
      await link.connect(120_000);
      const model = readFileSync(path.join(sharedDir, "reference-models", "keyword_scrambled_8bit", "model.tflite"));
      const r = await deploy(link, { model });
      assert.equal((r.after.model as { bytes: number }).bytes, model.length);
      assert.equal(r.retransmissions, 0);
      assert.equal(r.after.rx_dropped, r.before.rx_dropped);
    } finally {
      await link.close();
      await rt.stop();
    }
  });

  test(`${sb.name} through 1% noise in each direction with bursts: deploy, model run and the event stream keep going`, { skip: noisy }, async () => {
    const { link, events, stats } = await open(2501);
    try {
      const r = await deploy(link, { app: blink });
      assert.equal((r.after.app as { bytes: number }).bytes, blink.length);
      assert.ok(r.retransmissions > 0, "nothing was resent: the noise did not reach the link");
      const out = await runDeviceModel(link, [readFileSync(path.join(hello, "in_7.in0.bin"))]);
      assert.deepEqual(Buffer.from(out.outputs[0]!), readFileSync(path.join(hello, "out_7.out0.bin")));
      await expectIntactBlinkLines(events, 3, 60_000);
    } finally {
      await link.close();
    }
    assert.ok(stats!.corrupted > 50, JSON.stringify(stats));
  });

  test(`${sb.name}: wasmcu monitor through 1% noise in each direction with bursts keeps showing intact log lines and exits cleanly`, { skip: noisy }, async () => {
    await monitorThroughNoise(board.uartPath, 2503, { seconds: 8, minLines: 3 });
  });

  test(`${sb.name}: wasmcu model run --port through 1% noise in each direction with bursts writes TFLM's output bytes`, { skip: noisy }, async () => {
    await modelRunThroughNoise(board.uartPath, 2504, tmp);
  });

  test(`${sb.name}: wasmcu deploy through 1% noise in each direction with bursts lands the app and reports the retransmissions`, { skip: noisy }, async () => {
    await deployThroughNoise(board.uartPath, 2505, path.join(tmp, "blink.wasm"));
  });

  test(`${sb.name} through 1% noise in each direction with bursts: a signed OTA push lands and is confirmed`, { skip: noisy }, async () => {
    const { link, stats } = await open(2502);
    try {
      const v1 = sign(await updatableApp("v1", "confirms"), 1);
      const r = await pushUpdate(link, parseUpdateFile(v1, "update"), { confirmTimeoutMs: 120_000 });
      assert.equal(r.outcome, "confirmed");
    } finally {
      await link.close();
    }
    assert.ok(stats!.corrupted > 50, JSON.stringify(stats));
  });

  noUartDropsTest(false, sb.name);
}
