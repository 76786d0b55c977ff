// Models on the device, over the link: deploy a reference model to the host board, run it
// with the golden inputs through the link's model commands, and run it from an
// AssemblyScript app through the SDK.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { deviceModelInfo, runDeviceModel } from "../../../host-tools/src/workflows/model.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { hostBin, sharedDir } from "../../helpers/paths.js";

const models = path.join(sharedDir, "reference-models");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-model-"));
let board: LaunchedBoard;
let link: DeviceLink;
const events: LinkEvent[] = [];

before(async () => {
  board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), flashFile: path.join(tmp, "flash.bin") });
  link = new DeviceLink(await openSerial(board.uartPath, 115200));
  link.onEvent((e) => events.push(e));
});

after(async () => {
  await link?.close();
  await board?.stop();
});

for (const name of ["hello_world_int8", "ad01_int8", "micro_speech_quantized", "simple_add_model"]) {
  test(`${name}: deployed over the link and run on the host board, every golden case matches TFLM's bytes`, async () => {
    const meta = JSON.parse(readFileSync(path.join(models, name, "meta.json"), "utf8")) as {
      cases: { k: number; inputs: string[]; outputs?: string[]; status: string }[];
    };
    await deploy(link, { model: readFileSync(path.join(models, name, "model.tflite")) });
    const info = await deviceModelInfo(link);
    assert.ok(info.arena_bytes > 0);
    let checked = 0;
    for (const c of meta.cases.filter((c) => c.status === "ok" && c.outputs && typeof c.k === "number")) {
      const inputs = c.inputs.map((f) => readFileSync(path.join(models, name, f)));
      const r = await runDeviceModel(link, inputs, { reset: true });
      c.outputs!.forEach((f, i) => {
        assert.deepEqual(Buffer.from(r.outputs[i]!), readFileSync(path.join(models, name, f)), `case ${c.k} output ${i}`);
      });
      checked++;
    }
    assert.ok(checked >= 8, `only ${checked} cases`);
  });
}

test("a wrong-sized input is refused with the tensor's expected size", async () => {
  await deploy(link, { model: readFileSync(path.join(models, "hello_world_int8", "model.tflite")) });
  await assert.rejects(runDeviceModel(link, [new Uint8Array(3)]), /input 0 is 3 bytes; tensor 0 \(INT8 \[1,1\]\) needs 1/);
});

test("the sine app runs hello_world through the AssemblyScript SDK and gets sin(x) back", async () => {
  await deploy(link, { model: readFileSync(path.join(models, "hello_world_int8", "model.tflite")) });
  const app = readFileSync((await buildApp("sine")).wasm);
  events.length = 0;
  await deploy(link, { app });
  const t0 = Date.now();
  const points: { x: number; y: number }[] = [];
  while (points.length < 8 && Date.now() - t0 < 10_000) {
    await new Promise((r) => setTimeout(r, 100));
    points.length = 0;
    for (const e of events) {
      const m = e.kind === "log" ? /^sine: x=([\d.e-]+) y=([\d.e-]+) \(\d+ us\)$/.exec(e.text) : null;
      if (m) points.push({ x: Number(m[1]), y: Number(m[2]) });
    }
  }
  assert.ok(points.length >= 8, JSON.stringify(events.slice(0, 20)));
  assert.ok(events.some((e) => e.kind === "log" && e.text === "sine: model has 1 input(s), 1 output(s)"));
  // The model is a small int8 fit of sin(x) on [0, 2π]: within 0.15 everywhere.
  for (const p of points) assert.ok(Math.abs(p.y - Math.sin(p.x)) < 0.15, `x=${p.x}: y=${p.y}, sin=${Math.sin(p.x)}`);
});
