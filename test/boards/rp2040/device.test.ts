// The real device firmware (runtime, engine, link) on the emulated RP2040: the same apps
// and models behave as on the host board. Cycle counts come from rp2040js, not silicon.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { runDeviceModel } from "../../../host-tools/src/workflows/model.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { hostBin, rp2040Elf, sharedDir } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-dev-"));
const models = path.join(sharedDir, "reference-models");

interface Session {
  board: LaunchedBoard;
  link: DeviceLink;
  events: LinkEvent[];
  gpio: { pin: number; level: number; cycle: number }[];
}

/** WASMCU_TEST_FLASH_MODEL=1: the emulator with its flash timing model (outputs must not change). */
const flashModel = process.env.WASMCU_TEST_FLASH_MODEL === "1";

async function start(kind: "host" | "sim", app?: string): Promise<Session> {
  const gpio: Session["gpio"] = [];
  const flashFile = path.join(tmp, `${kind}-${Date.now()}.bin`);
  const board = kind === "sim"
    ? await launchSimBoard(resolveBoard("rp2040-sim"), { firmware: rp2040Elf(), app, flashFile, waitForHost: true, speed: Infinity,
      onGpio: (pin, level, cycle) => gpio.push({ pin, level, cycle }), flashModel })
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

async function until(pred: () => boolean, ms: number, what: string) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const blinkLines = (s: Session) => s.events.flatMap((e) => (e.kind === "log" ? [e.text.replace(/ at \d+ ms$/, "")] : []))
  .filter((t) => t.startsWith("blink"));

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

test("blink on rp2040-sim logs and toggles GPIO 25 exactly as on the host board", async () => {
  await until(() => blinkLines(sim!).length >= 6, 60_000, "six blink lines from rp2040-sim");
  await until(() => blinkLines(host!).length >= 6, 10_000, "six blink lines from the host board");
  assert.deepEqual(blinkLines(sim!).slice(0, 6), blinkLines(host!).slice(0, 6));
  // The pin reads low from reset until blink first drives it: compare from the first high.
  const simAll = sim!.gpio.filter((g) => g.pin === 25).map((g) => g.level);
  const simEdges = simAll.slice(simAll.indexOf(1));
  const hostEdges = host!.gpio.filter((g) => g.pin === 25).map((g) => g.level);
  // The emulator reports the pin's level changes (its reset level is low), the host board every write.
  assert.deepEqual(simEdges.slice(0, 5), hostEdges.slice(0, 5));
  const hello = sim!.events.find((e) => e.kind === "hello");
  assert.ok(hello && hello.kind === "hello" && hello.info.board === "rp2040");
});

test("GPIO edges on rp2040-sim are ~500 ms of emulated cycles apart at 125 MHz", () => {
  const all = sim!.gpio.filter((g) => g.pin === 25);
  // The first few edges: later ones also wait for link traffic other tests cause.
  const c = all.slice(all.findIndex((g) => g.level === 1)).map((g) => g.cycle).slice(0, 6);
  assert.ok(c.length >= 4);
  for (let i = 1; i < c.length; i++) {
    const ms = (c[i]! - c[i - 1]!) / 125e3;
    assert.ok(ms > 495 && ms < 520, `edge ${i}: ${ms.toFixed(1)} ms of emulated time`);
  }
});

test("hello_world_int8 deployed to rp2040-sim over the link gives TFLM's bytes for every golden case", async () => {
  const d = await deploy(sim!.link, { model: readFileSync(path.join(models, "hello_world_int8", "model.tflite")) });
  assert.equal(d.retransmissions, 0, "a clean line needs no retransmission");
  for (let k = 0; k < 12; k++) {
    const r = await runDeviceModel(sim!.link, [readFileSync(path.join(models, "hello_world_int8", `in_${k}.in0.bin`))]);
    assert.deepEqual(Buffer.from(r.outputs[0]!), readFileSync(path.join(models, "hello_world_int8", `out_${k}.out0.bin`)), `case ${k}`);
    assert.ok(r.cycles > 0, "the emulator counts cycles");
  }
});

for (const [name, cases] of [["micro_speech_quantized", [0, 8]]] as const) {
  test(`${name} on rp2040-sim matches TFLM's bytes (cases ${cases.join(", ")})`, async () => {
    const d = await deploy(sim!.link, { model: readFileSync(path.join(models, name, "model.tflite")) });
    assert.equal(d.retransmissions, 0, "a clean line needs no retransmission");
    for (const k of cases) {
      const r = await runDeviceModel(sim!.link, [readFileSync(path.join(models, name, `in_${k}.in0.bin`))], { reset: true });
      assert.deepEqual(Buffer.from(r.outputs[0]!), readFileSync(path.join(models, name, `out_${k}.out0.bin`)), `case ${k}`);
    }
  });
}

test("with WASMCU_TEST_FLASH_MODEL=1 the emulator ran its flash timing model (XIP reads of code and model counted)",
  { skip: flashModel ? false : "WASMCU_TEST_FLASH_MODEL is not 1" }, async () => {
    const regions = await sim!.board.xipStats!();
    for (const name of ["code", "model"]) assert.ok((regions.find((r) => r.name === name)?.accesses ?? 0) > 0, name);
  });

test("rp2040-sim resent no command in these sessions", () => {
  assert.equal(sim!.link.retransmissions, 0);
});

noUartDropsTest();
