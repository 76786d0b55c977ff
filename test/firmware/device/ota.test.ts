// Signed OTA updates on the host board, end to end over the link: a development board
// adopts its first signed image, a delta patch boots on trial and is confirmed by the app,
// every kind of bad update is refused without touching the running image or the slot
// states, trial images that trap or never confirm are rolled back, and model and bundle
// images run their model from the signed slot.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { region, resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { otaStatus, parseUpdateFile, pushUpdate, UpdateRejectedError, type OtaStatus, type UpdateFile } from "../../../host-tools/src/workflows/ota-push.js";
import { Cmd, DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { faultyTransport, openSerial } from "../../../host-tools/src/link/transport.js";
import { encodeDelta } from "../../../host-tools/src/ota/delta.js";
import { bundlePayload } from "../../../host-tools/src/ota/image.js";
import { crc32 } from "../../../host-tools/src/lib/crc32.js";
import { hostBin, sharedDir } from "../../helpers/paths.js";
import { sign, strangerSigner, updatableApp } from "../../helpers/ota.js";

const target = resolveBoard("host");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-dev-"));
const flashFile = path.join(tmp, "flash.bin");
let board: LaunchedBoard;
let link: DeviceLink;
const events: LinkEvent[] = [];
const img: Record<string, Buffer> = {};

const asUpdate = (b: Uint8Array, what = "update") => parseUpdateFile(b, what);
const logs = () => events.flatMap((e) => (e.kind === "log" ? [e.text] : []));

before(async () => {
  const dev = await updatableApp("dev", "confirms");
  writeFileSync(path.join(tmp, "dev.wasm"), dev);
  img.v1 = sign(await updatableApp("v1", "confirms"), 1);
  img.v2 = sign(await updatableApp("v2", "confirms"), 2);
  img.v3trap = sign(await updatableApp("v3", "traps"), 3);
  img.v4lazy = sign(await updatableApp("v4", "never-confirms"), 4);
  board = await launchHostBoard(target, { firmware: hostBin("wasmcu-host"), app: path.join(tmp, "dev.wasm"), flashFile });
  link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  link.onEvent((e) => events.push(e));
  await link.connect(20_000);
});

after(async () => {
  await link?.close();
  await board?.stop();
});

async function status(): Promise<OtaStatus> {
  return otaStatus(link);
}

/** The running slot's bytes and the state records: what no refused update may change. */
async function protectedBytes(): Promise<Buffer> {
  const s = await status();
  const slot = region(target.board, s.app.slot!);
  const settings = region(target.board, "settings");
  return Buffer.concat([Buffer.from(await link.read(slot.offset, 16384)), Buffer.from(await link.read(settings.offset, 16384))]);
}

test("a development board adopts its first signed image and then refuses unsigned deploys", async () => {
  const s0 = await status();
  assert.equal(s0.app.signed, false);
  const r = await pushUpdate(link, asUpdate(img.v1!), { confirmTimeoutMs: 10_000 });
  assert.equal(r.decision.decision, "adopt");
  assert.equal(r.outcome, "confirmed");
  const s = await status();
  assert.equal(s.app.signed, true);
  assert.equal(s.app.version, "1.1.0");
  assert.equal(s.app.floor, 1);
  await assert.rejects(deploy(link, { app: readFileSync(path.join(tmp, "dev.wasm")) }), /unsigned deploys are refused/);
  assert.equal((await status()).app.version, "1.1.0");
});

test("a delta patch is written beside the running image, boots on trial and the app confirms it", async () => {
  const patch = encodeDelta(img.v1!, img.v2!);
  assert.ok(patch.length < img.v2!.length / 4, `patch ${patch.length} B for a ${img.v2!.length} B image`);
  const before = await status();
  const r = await pushUpdate(link, asUpdate(patch), { confirmTimeoutMs: 10_000 });
  assert.equal(r.decision.decision, "pending");
  assert.notEqual(r.decision.slot, before.app.slot);
  assert.equal(r.outcome, "confirmed");
  const s = await status();
  assert.deepEqual([s.app.version, s.app.state, s.app.floor, s.app.slot], ["1.2.0", "confirmed", 2, r.decision.slot]);
  assert.ok(logs().some((l) => l.startsWith("updatable v2 state 2")), "the new app started on trial");
  assert.ok(logs().some((l) => l === "confirm ok"));
});

/** Sends BEGIN (with the header of `full`), the first `send` bytes, then FINISH. */
async function rawUpdate(mode: 0 | 1, full: Uint8Array, send: number): Promise<void> {
  const hdr = mode === 0 ? 128 : 96;
  const begin = new Uint8Array(5 + hdr);
  begin[0] = mode;
  new DataView(begin.buffer).setUint32(1, full.length, true);
  begin.set(full.subarray(0, hdr), 5);
  const step = async (what: string, cmd: Cmd, p?: Uint8Array) => {
    const r = await link.command(cmd, p, { timeoutMs: 10_000 });
    if (r.status !== 0) throw new UpdateRejectedError(`${what}: ${r.detail}`);
  };
  await step("begin", Cmd.OtaBegin, begin);
  for (let off = 0; off < send; off += 1000) {
    const piece = full.subarray(off, Math.min(send, off + 1000));
    const p = new Uint8Array(4 + piece.length);
    new DataView(p.buffer).setUint32(0, off, true);
    p.set(piece, 4);
    await step("data", Cmd.OtaData, p);
  }
  await step("finish", Cmd.OtaFinish);
}

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at]! ^= 0x01;
  return c;
}

/** A valid-looking patch header (CRC right) for a base of `old` that announces `newLen` bytes. */
function patchHeaderFor(old: Buffer, newLen: number, body: Buffer): Buffer {
  const real = encodeDelta(old, old);
  const h = Buffer.from(real.subarray(0, 96));
  h.writeUInt32LE(newLen, 12);
  h[80] = 0; // raw body
  h.writeUInt32LE(body.length, 84);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 92);
  return Buffer.concat([h, body]);
}

test("bad updates are refused before the running image or the slot states change", async () => {
  const base = await protectedBytes();
  const running = (await status()).app;
  const v5 = sign(await updatableApp("v5", "confirms"), 5);
  const old = sign(await updatableApp("old", "confirms"), 1);
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["a lower security counter", () => pushUpdate(link, asUpdate(old)), /security counter lower/],
    ["a key the firmware does not trust", () => pushUpdate(link, asUpdate(sign(img.v1!.subarray(128), 9, { signer: strangerSigner() }))), /unknown key id/],
    ["a patch for another base", () => pushUpdate(link, asUpdate(encodeDelta(img.v1!, v5))), /wrong base/],
    ["a truncated patch", () => rawUpdate(1, encodeDelta(img.v2!, v5), 200), /truncated/],
    ["a truncated image", () => rawUpdate(0, v5, v5.length - 1), /truncated/],
    ["a patch that writes past the slot", () => rawUpdate(1, patchHeaderFor(img.v2!, 300_000, Buffer.from([2, 0x80, 0x80, 0x10, 0])), 101), /does not fit/],
    ["a patch with a corrupted body", () => pushUpdate(link, asUpdate(flip(encodeDelta(img.v2!, v5), 140))), /mismatch|malformed|outside/],
  ];
  // Every part of a signed image matters: header fields, payload bytes, signature bytes.
  for (const at of [4, 8, 9, 10, 12, 16, 24, 28, 32, 50, 63, 64, 80, 100, 127, 128, 129, 500, v5.length - 1]) {
    const bad = flip(v5, at);
    cases.push([`image byte ${at} changed`, () => pushUpdate(link, { mode: "image", header: asUpdate(v5).header, bytes: bad } as UpdateFile),
      /signature|SHA-256|header|version|unknown key|security counter|does not match/]);
  }
  for (const [what, run, why] of cases) {
    await assert.rejects(run(), (e: Error) => {
      assert.match(e.message, why, what);
      return true;
    }, what);
    const s = (await status()).app;
    assert.deepEqual([s.slot, s.version, s.state, s.floor], [running.slot, running.version, running.state, running.floor], what);
  }
  assert.ok(base.equals(await protectedBytes()), "the running slot and the state records are unchanged");
  assert.ok(cases.length >= 25, `${cases.length} refusals`);
});

test("a trial image that traps is rolled back after the watchdog resets the chip", async () => {
  const r = await pushUpdate(link, asUpdate(encodeDelta(img.v2!, img.v3trap!)), { confirmTimeoutMs: 15_000 });
  assert.equal(r.outcome, "rolled-back");
  const s = await status();
  assert.deepEqual([s.app.version, s.app.state, s.app.rolled_back], ["1.2.0", "confirmed", true]);
  assert.ok(logs().some((l) => l.includes("the trial image failed")));
});

test("an image that never confirms gets three boots; the host can also confirm one", async () => {
  const r = await pushUpdate(link, asUpdate(img.v4lazy!), { confirmTimeoutMs: 0 });
  assert.equal(r.outcome, "trial");
  for (const boots of [2, 3]) {
    await link.reset();
    await link.connect(20_000);
    const s = await otaStatus(link);
    assert.deepEqual([s.app.version, s.app.state, s.app.trial_boots], ["1.4.0", "trial", boots]);
  }
  await link.reset();
  await link.connect(20_000);
  const back = await otaStatus(link);
  assert.deepEqual([back.app.version, back.app.state, back.app.rolled_back], ["1.2.0", "confirmed", true]);

  const again = await pushUpdate(link, asUpdate(img.v4lazy!), { confirmTimeoutMs: 0 });
  assert.equal(again.outcome, "trial");
  await assert.rejects(pushUpdate(link, asUpdate(sign(img.v1!.subarray(128), 7))), /on trial/);
  const r2 = await link.command(Cmd.OtaConfirm);
  assert.equal(r2.status, 0);
  const s = await status();
  assert.deepEqual([s.app.version, s.app.state, s.app.floor], ["1.4.0", "confirmed", 4]);
});

test("model and bundle images: the model runs from the signed slot", async () => {
  const tflite = readFileSync(path.join(sharedDir, "reference-models", "hello_world_int8", "model.tflite"));
  const m = await pushUpdate(link, asUpdate(sign(tflite, 1, { kind: "model" })), { confirmTimeoutMs: 5_000 });
  assert.equal(m.decision.pair, "model");
  assert.equal(m.outcome, "confirmed");
  let info = await link.info();
  assert.equal((info.model as { signed: boolean }).signed, true);
  assert.equal((await link.command(Cmd.ModelInfo)).status, 0);

  const app = await updatableApp("v6", "confirms");
  const parts = bundlePayload(app, tflite);
  const bundle = sign(parts.payload, 6, { kind: "bundle", appLength: parts.appLength });
  const b = await pushUpdate(link, asUpdate(bundle), { confirmTimeoutMs: 10_000 });
  assert.equal(b.outcome, "confirmed");
  info = await link.info();
  const model = info.model as { slot: string; signed: boolean; bytes: number };
  assert.deepEqual([model.slot, model.signed, model.bytes], [b.decision.slot, true, tflite.length]);
  const mi = await link.command(Cmd.ModelInfo);
  assert.equal(mi.status, 0, mi.detail);
  assert.ok(logs().some((l) => l.startsWith("updatable v6 state 2")));
});

test("an update over a noisy line (corrupted, dropped, duplicated bytes) still lands intact", async () => {
  await link.close();
  const f = faultyTransport(await openSerial(board.uartPath, 115200),
    { corrupt: 0.001, drop: 0.0005, duplicate: 0.0005, dropChunk: 0.02, maxDelayMs: 15, seed: 99 });
  const noisy = new DeviceLink(f, { timeoutMs: 1000, attempts: 12 });
  noisy.onEvent((e) => events.push(e));
  try {
    await noisy.connect(20_000);
    const v7 = sign(await updatableApp("v7", "confirms"), 7);
    const r = await pushUpdate(noisy, asUpdate(v7), { confirmTimeoutMs: 20_000 });
    assert.equal(r.outcome, "confirmed");
    const s = await otaStatus(noisy);
    assert.deepEqual([s.app.version, s.app.state, s.app.floor], ["1.7.0", "confirmed", 7]);
    const faults = f.stats.corrupted + f.stats.dropped + f.stats.duplicated + f.stats.chunksDropped;
    assert.ok(faults > 0, "the line really was noisy");
  } finally {
    await noisy.close();
    // Leave a clean link for after().
    link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  }
});

test("the host board refuses RECOVERY (the bootloader's serial recovery on request): no bootloader started its firmware, which keeps serving the link", async () => {
  await link.connect(20_000);
  await assert.rejects(link.recovery(), /not allowed now" \(no wasmcu bootloader started this firmware: no serial recovery to enter\)/);
  assert.equal((await otaStatus(link)).app.state, "confirmed");
});
