// The device link over the RP2040's own USB port (CDC-ACM, boards/rp2040/src/usb_cdc.c) on
// rp2040-sim: rp2040js's CDC host helper enumerates the real device firmware, and the
// harness bridges the CDC port to a second pseudo-terminal the CLI opens like any serial port.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { startRp2040Sim, type Rp2040Sim } from "../../../host-tools/src/sim/rp2040.js";
import { rp2040Elf } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-usb-"));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function linkOn(port: string): Promise<DeviceLink> {
  // The emulator runs slower than a chip: long waits keep a clean line free of retransmissions.
  const link = new DeviceLink(await openSerial(port, 115200), { timeoutMs: 10_000, deadlineMs: 60_000 });
  cleanups.push(() => link.close());
  return link;
}

test("the USB host enumerates the device firmware: descriptors, address, configuration, DTR", async () => {
  const sim: Rp2040Sim = await startRp2040Sim({ image: rp2040Elf(), flashFile: path.join(tmp, "enum.bin"), usb: true, pty: true });
  cleanups.push(() => sim.stop());
  assert.match(sim.usbPtyPath ?? "", /^\/dev\//);
  const at = await sim.waitForUsbConnected({ timeoutMs: 30_000 });
  assert.ok(at > 0);
  // The helper found the CDC data interface's bulk endpoints in the configuration descriptor.
  const cdc = (sim as unknown as { usbCdc: { inEndpoint: number; outEndpoint: number } }).usbCdc;
  assert.deepEqual([cdc.inEndpoint, cdc.outEndpoint], [2, 2]);
  assert.equal(sim.error, undefined);
});

test("the link answers over USB while DTR is set and falls back to UART0 when it drops", async () => {
  const sim = await startRp2040Sim({ image: rp2040Elf(), flashFile: path.join(tmp, "dtr.bin"), usb: true, pty: true });
  cleanups.push(() => sim.stop());
  await sim.waitForUsbConnected({ timeoutMs: 30_000 });

  const usb = await linkOn(sim.usbPtyPath!);
  const info = await usb.connect(30_000);
  assert.equal(info.board, "rp2040");
  assert.ok(sim.usbText.length > 0, "the reply came over USB");

  // A terminal closing the port clears DTR: output goes back to UART0, input still works from both.
  sim.usbSetControlLineState(false);
  await sim.runFor({ us: 1000 });
  const usbBefore = sim.usbText.length;
  const uart = await linkOn(sim.ptyPath!);
  assert.equal((await uart.connect(30_000)).board, "rp2040");
  assert.equal(sim.usbText.length, usbBefore, "nothing went to USB with DTR clear");

  sim.usbSetControlLineState(true);
  await sim.runFor({ us: 1000 });
  assert.equal((await usb.info()).board, "rp2040");
  assert.ok(sim.usbText.length > usbBefore);
  assert.equal(sim.error, undefined);
});

test("over the USB pseudo-terminal from launchSimBoard: connect, info, deploy an app and see it run", async () => {
  const board: LaunchedBoard = await launchSimBoard(resolveBoard("rp2040-sim"), {
    firmware: rp2040Elf(), flashFile: path.join(tmp, "deploy.bin"), usb: true, waitForHost: true, speed: Infinity });
  cleanups.push(() => board.stop());
  assert.ok(board.usbPath, "launchSimBoard reports the usb: line");
  const link = await linkOn(board.usbPath!);
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  const first = await link.connect(60_000);
  assert.equal(first.board, "rp2040");
  const info = await link.info();
  assert.ok((info.layout as { name: string }[]).some((r) => r.name === "app_a"));

  const blink = readFileSync((await buildApp("blink")).wasm);
  const r = await deploy(link, { app: blink });
  assert.equal(r.app?.bytes, blink.length);
  assert.equal(r.retransmissions, 0, "a clean line needs no retransmission");
  assert.ok(r.after.app, "the device reports the deployed app");
  const t0 = Date.now();
  while (!events.some((e) => e.kind === "log" && e.text.startsWith("blink"))) {
    if (Date.now() - t0 > 60_000) throw new Error(`no blink log over USB; events: ${JSON.stringify(events.slice(-5))}`);
    await new Promise((res) => setTimeout(res, 50));
  }
});

noUartDropsTest();
