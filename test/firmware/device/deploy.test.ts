// Deploying over the link to a running host board: the protocol end to end, through a
// noisy link model, and a transfer cut off half-way that must leave the old app running.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { DeviceLink, Target, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { faultyTransport, openSerial, type Transport } from "../../../host-tools/src/link/transport.js";
import { hostBin } from "../../helpers/paths.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-deploy-"));
let board: LaunchedBoard;

/** Builds the counter app with its VERSION string replaced (and padded to make it bigger). */
async function counter(version: string, pad = 0): Promise<Uint8Array> {
  const dir = path.join(tmp, `counter-${version}`);
  mkdirSync(dir, { recursive: true });
  const src = readFileSync(path.join(import.meta.dirname, "apps/counter/main.ts"), "utf8")
    .replace('"v1"', JSON.stringify(version + (pad ? "-" + "x".repeat(pad) : "")))
    .replace("../../../../../firmware/sdk/index", path.relative(dir, path.resolve(import.meta.dirname, "../../../firmware/sdk/index")));
  writeFileSync(path.join(dir, "main.ts"), src);
  return readFileSync((await buildApp(dir, { outDir: path.join(dir, "build") })).wasm);
}

function waitFor(events: LinkEvent[], pred: (e: LinkEvent) => boolean, ms: number, what: string): Promise<LinkEvent> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}; saw:\n${events.map((e) => JSON.stringify(e)).join("\n")}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

async function connect(wrap?: (t: Transport) => Transport) {
  const raw = await openSerial(board.uartPath, 115200);
  const link = new DeviceLink(wrap ? wrap(raw) : raw, { timeoutMs: 1000, attempts: 12 });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  return { link, events };
}

before(async () => {
  const v1 = await counter("v1");
  writeFileSync(path.join(tmp, "v1.wasm"), v1);
  board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: path.join(tmp, "v1.wasm"), flashFile: path.join(tmp, "flash.bin") });
});

after(async () => {
  await board?.stop();
});

test("info reports the board, its layout and the app in app_a", async () => {
  const { link } = await connect();
  const info = await link.info().finally(() => link.close());
  assert.equal(info.board, "host");
  assert.equal(info.protocol, 1);
  assert.deepEqual((info.app as { slot: string }).slot, "app_a");
  assert.ok((info.layout as { name: string }[]).some((r) => r.name === "model"));
});

test("deploy writes the inactive slot, verifies, activates, and the new app runs", async () => {
  const v2 = await counter("v2");
  const { link, events } = await connect();
  try {
  const r = await deploy(link, { app: v2 });
  assert.equal((r.before.app as { slot: string }).slot, "app_a");
  assert.equal((r.after.app as { slot: string; bytes: number }).slot, "app_b");
  assert.equal((r.after.app as { bytes: number }).bytes, v2.length);
  // Framing overhead: at least 90% of what went over the wire was image bytes.
  assert.ok(r.app!.stats.payloadBytes / r.app!.stats.wireBytes >= 0.9, JSON.stringify(r.app!.stats));
  await waitFor(events, (e) => e.kind === "log" && e.text === "counter v2 up", 5000, "v2 to start");
  // What is in flash is what was sent.
  const info = await link.info();
  const slot = (info.layout as { name: string; offset: number }[]).find((x) => x.name === "app_b")!;
  assert.deepEqual(Buffer.from(await link.read(slot.offset + 32, v2.length)), Buffer.from(v2));
  } finally {
    await link.close();
  }
});

test("deploy through a link that corrupts, drops, duplicates and delays bytes still ends verified", async () => {
  // One byte in a thousand corrupted in each direction (most full-size frames are hit),
  // bytes dropped and duplicated, 2% of whole chunks lost, reordering-free delays.
  const v3 = await counter("v3");
  let stats;
  const { link, events } = await connect((t) => {
    const f = faultyTransport(t, { corrupt: 0.001, drop: 0.0005, duplicate: 0.0005, dropChunk: 0.02, maxDelayMs: 15, seed: 1234 });
    stats = f.stats;
    return f;
  });
  let r;
  try {
    r = await deploy(link, { app: v3 });
    assert.equal((r.after.app as { bytes: number }).bytes, v3.length);
    // Any v3 line shows v3 runs: log frames are not resent, so the faulty link may eat "up" itself.
    await waitFor(events, (e) => e.kind === "log" && e.text.startsWith("counter v3 "), 5000, "v3 to start");
  } finally {
    await link.close();
  }
  assert.ok(stats!.corrupted > 0, "the fault model corrupted nothing");
  assert.ok(r.app!.stats.retransmissions > 0, "no retransmission was needed: the test did not exercise recovery");
});

test("a transfer cut off half-way fails clearly and the previous app keeps running", async () => {
  const v4 = await counter("v4", 3000); // big enough for several chunks
  const probe = await connect();
  const before = await probe.link.info().finally(() => probe.link.close());
  let sentBytes = 0;
  const { link } = await connect((t) => ({
    description: "a link that dies after 2 KiB",
    write: (d) => {
      sentBytes += d.length;
      if (sentBytes < 2048) t.write(d);
    },
    onData: (fn) => t.onData(fn),
    close: () => t.close(),
  }));
  try {
    await assert.rejects(deploy(link, { app: v4 }), /no answer from the device/);
  } finally {
    await link.close();
  }
  const fresh = await connect();
  try {
    const info = await fresh.link.info();
    assert.deepEqual(info.app, before.app, "the half-written slot must not be active");
    assert.equal(info.app_state, 1, "the previous app must still be running");
    await waitFor(fresh.events, (e) => e.kind === "log" && /^counter v\d tick \d+$/.test(e.text), 3000, "the previous app to keep ticking");
  } finally {
    await fresh.link.close();
  }
});

test("writing a model larger than the model area is refused before anything changes", async () => {
  const { link } = await connect();
  try {
    const before = await link.info();
    const huge = new Uint8Array(2 * 1024 * 1024);
    await assert.rejects(link.writeImage(Target.Model, huge), /image does not fit the slot/);
    const after = await link.info();
    assert.deepEqual(after.app, before.app);
    assert.equal(after.app_state, 1, "the app must still be running");
  } finally {
    await link.close();
  }
});
