// The real device firmware (runtime, engine, link) on an emulated board: the same apps and
// models behave as on the host board. One body for every emulator (test/boards/<chip>/
// device.test.ts call it); cycle counts come from the emulator, never silicon.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../host-tools/src/build/app.js";
import { launchHostBoard, launchSimBoard, type LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../host-tools/src/boards/registry.js";
import { deploy } from "../../host-tools/src/workflows/deploy.js";
import { runDeviceModel } from "../../host-tools/src/workflows/model.js";
import { DeviceLink, type LinkEvent } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { hostBin, sharedDir } from "./paths.js";
import type { SimBoard } from "./sim-boards.js";
import { noUartDropsTest } from "./uart-drops.js";

const models = path.join(sharedDir, "reference-models");

interface Session {
  board: LaunchedBoard;
  link: DeviceLink;
  events: LinkEvent[];
  gpio: { pin: number; level: number; cycle: number }[];
}

async function until(pred: () => boolean, ms: number, what: string) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const blinkLines = (s: Session) => s.events.flatMap((e) => (e.kind === "log" ? [e.text.replace(/ at \d+ ms$/, "")] : []))
  .filter((t) => t.startsWith("blink"));

/** Blink beside the host board, then hello_world and micro_speech deployed over the link, on `sb`. */
export function deviceSuite(sb: SimBoard, opts: { microSpeechCases: readonly number[] }): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-${sb.name}-dev-`));
  const chip = sb.target.board.name;

  async function start(kind: "host" | "sim", app?: string): Promise<Session> {
    const gpio: Session["gpio"] = [];
    const flashFile = path.join(tmp, `${kind}-${Date.now()}.bin`);
    const board = kind === "sim"
      ? await launchSimBoard(sb.target, { firmware: sb.firmware(), app, flashFile, waitForHost: true, speed: Infinity,
        onGpio: (pin, level, cycle) => gpio.push({ pin, level, cycle }) })
      : await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app, flashFile, waitForHost: true, traceGpio: true });
    // The emulator runs slower than a chip: long waits keep a clean line free of retransmissions.
    const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 10_000, deadlineMs: 60_000 });
    const events: LinkEvent[] = [];
    link.onEvent((e) => {
      events.push(e);
      if (e.kind === "gpio") gpio.push({ pin: e.pin, level: e.level, cycle: 0 });
    });
    await link.connect(60_000);
    return { board, link, events, gpio };
  }

  async function stop(s: Session | undefined) {
    await s?.link.close();
    await s?.board.stop();
  }

  let sim: Session | undefined;
  let host: Session | undefined;
  before(async () => {
    const blink = (await buildApp("blink")).wasm;
    [sim, host] = await Promise.all([start("sim", blink), start("host", blink)]);
  });
  after(async () => {
    await stop(sim);
    await stop(host);
  });

  test(`blink on ${sb.name} logs exactly as on the host board and toggles its LED (GPIO ${sb.ledPin}) the same way`, async () => {
    await until(() => blinkLines(sim!).length >= 6, 60_000, `six blink lines from ${sb.name}`);
    await until(() => blinkLines(host!).length >= 6, 10_000, "six blink lines from the host board");
    assert.deepEqual(blinkLines(sim!).slice(0, 6), blinkLines(host!).slice(0, 6));
    const hostLed = resolveBoard("host").board.led_pin;
    // The pin reads low from reset until blink first drives it: compare from the first high.
    const simAll = sim!.gpio.filter((g) => g.pin === sb.ledPin).map((g) => g.level);
    const simEdges = simAll.slice(simAll.indexOf(1));
    const hostEdges = host!.gpio.filter((g) => g.pin === hostLed).map((g) => g.level);
    // The emulator reports the pin's level changes (its reset level is low), the host board every write.
    assert.deepEqual(simEdges.slice(0, 5), hostEdges.slice(0, 5));
    const hello = sim!.events.find((e) => e.kind === "hello");
    assert.ok(hello && hello.kind === "hello" && hello.info.board === chip);
  });

  test(`GPIO edges on ${sb.name} are ~500 ms of emulated cycles apart at ${sb.clockHz / 1e6} MHz`, () => {
    const all = sim!.gpio.filter((g) => g.pin === sb.ledPin);
    // The first few edges: later ones also wait for link traffic other tests cause.
    const c = all.slice(all.findIndex((g) => g.level === 1)).map((g) => g.cycle).slice(0, 6);
    assert.ok(c.length >= 4);
    for (let i = 1; i < c.length; i++) {
      const ms = (c[i]! - c[i - 1]!) / (sb.clockHz / 1000);
      assert.ok(ms > 495 && ms < 520, `edge ${i}: ${ms.toFixed(1)} ms of emulated time`);
    }
  });

  test(`hello_world_int8 deployed to ${sb.name} over the link gives TFLM's bytes for every golden case`, async () => {
    const d = await deploy(sim!.link, { model: readFileSync(path.join(models, "hello_world_int8", "model.tflite")) });
    assert.equal(d.retransmissions, 0, "a clean line needs no retransmission");
    for (let k = 0; k < 12; k++) {
      const r = await runDeviceModel(sim!.link, [readFileSync(path.join(models, "hello_world_int8", `in_${k}.in0.bin`))]);
      assert.deepEqual(Buffer.from(r.outputs[0]!), readFileSync(path.join(models, "hello_world_int8", `out_${k}.out0.bin`)), `case ${k}`);
      assert.ok(r.cycles > 0, "the emulator counts cycles");
    }
  });

  const name = "micro_speech_quantized";
  test(`${name} on ${sb.name} matches TFLM's bytes (cases ${opts.microSpeechCases.join(", ")})`, async () => {
    const d = await deploy(sim!.link, { model: readFileSync(path.join(models, name, "model.tflite")) });
    assert.equal(d.retransmissions, 0, "a clean line needs no retransmission");
    for (const k of opts.microSpeechCases) {
      const r = await runDeviceModel(sim!.link, [readFileSync(path.join(models, name, `in_${k}.in0.bin`))], { reset: true });
      assert.deepEqual(Buffer.from(r.outputs[0]!), readFileSync(path.join(models, name, `out_${k}.out0.bin`)), `case ${k}`);
    }
  });

  test(`${sb.name} resent no command in these sessions`, () => {
    assert.equal(sim!.link.retransmissions, 0);
  });

  noUartDropsTest(false, sb.name);
}
