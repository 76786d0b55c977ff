// The MLPerf Tiny runner's serial protocol, driven by a scripted session like its runner's.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { SerialPort } from "serialport";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { encodeFrame, FrameDecoder, FrameType, type Frame } from "../../../host-tools/src/link/frame.js";
import { Cmd, DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { compileApp } from "../../host-tools/ota/pairs.js";
import { hostBin, sharedDir } from "../../helpers/paths.js";

const ad01 = path.join(sharedDir, "reference-models", "ad01_int8");
let board: LaunchedBoard;
let port: SerialPort;
let text = "";
let raw = Buffer.alloc(0);
const frames: Frame[] = [];

// An app that logs every 50 ms: the runner must never see those frames among its lines.
const TICKER = `
import { log, time } from "SDK";
export function loop(): void {
  log.info("tick");
  time.sleep(50);
}
`;

before(async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-mlperf-"));
  board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), flashFile: path.join(tmp, "flash.bin") });
  const link = new DeviceLink(await openSerial(board.uartPath, 115200));
  await deploy(link, { model: readFileSync(path.join(ad01, "model.tflite")), app: await compileApp(TICKER) });
  await link.close();
  port = new SerialPort({ path: board.uartPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  // The runner's lines share the wire with the device's frames: after the deploy the board
  // announces its app state in a frame, which may land just before an answer. Keep the text only.
  const decoder = new FrameDecoder();
  port.on("data", (d: Buffer) => {
    raw = Buffer.concat([raw, d]);
    for (const item of decoder.push(d)) {
      if (item.kind === "text") text += item.text;
      else if (item.kind === "frame") frames.push(item.frame);
    }
  });
});

after(async () => {
  await new Promise<void>((res) => (port?.isOpen ? port.close(() => res()) : res()));
  await board?.stop();
});

async function waitFor(re: RegExp, cmd: string): Promise<void> {
  const t0 = Date.now();
  while (!re.test(text)) {
    if (Date.now() - t0 > 20_000) throw new Error(`no ${re} after ${cmd}; got ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends one command and returns the m-/e- lines up to and including m-ready. */
async function session(cmd: string): Promise<string[]> {
  text = "";
  port.write(cmd);
  await waitFor(/m-ready\r\n/, cmd);
  return text.split("\r\n").filter((l) => /^[me]-/.test(l));
}

test("name% and profile% identify the device", async () => {
  assert.deepEqual(await session("name%"), ["m-name-dut-[wasmcu 0.1.0]", "m-ready"]);
  const p = await session("profile%");
  assert.equal(p[0], "m-profile-[ULPMark-ML v1.0.0]");
  assert.equal(p.at(-1), "m-ready");
});

test("db load, db HEX, infer and results give the model's output as the runner expects", async () => {
  const input = readFileSync(path.join(ad01, "in_8.in0.bin"));
  assert.deepEqual(await session(`db load ${input.length}%`), [`m-[Expecting ${input.length} bytes]`, "m-ready"]);
  // The runner sends the bytes in chunks of hex digits.
  for (let i = 0; i < input.length; i += 32) {
    const lines = await session(`db ${input.subarray(i, i + 32).toString("hex")}%`);
    assert.equal(lines.at(-1), "m-ready");
    if (i + 32 >= input.length) assert.equal(lines[0], "m-load-done");
  }
  const r = await session("infer 3 1%");
  assert.deepEqual(r.slice(0, 4), ["m-warmup-start-1", "m-warmup-done", "m-infer-start-3", r[3]]);
  assert.match(r[3]!, /^m-lap-us-\d+$/);
  assert.match(r[4]!, /^m-lap-us-\d+$/);
  assert.equal(r[5], "m-infer-done");
  // The expected values: TFLM's output bytes for this input, dequantized, to 3 decimals.
  const meta = JSON.parse(readFileSync(path.join(ad01, "meta.json"), "utf8")) as { outputs: { scale: number; zero_point: number }[] };
  const out = readFileSync(path.join(ad01, "out_8.out0.bin"));
  const q = meta.outputs[0]!;
  const want = [...new Int8Array(out.buffer, out.byteOffset, out.length)].map((v) => (Math.fround(q.scale) * (v - q.zero_point)).toFixed(3));
  const got = /^m-results-\[(.*)\]$/.exec(r[6]!)![1]!.split(",");
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(Number(g) - Number(want[i])) <= 0.0011, `value ${i}: ${g} vs ${want[i]}`));
  assert.equal((await session("results%"))[0], r[6]);
});

test("errors are e-[...] lines and the session goes on", async () => {
  assert.deepEqual(await session("frobnicate%"), ["e-[Unknown command: frobnicate]", "m-ready"]);
  assert.deepEqual(await session("db load 2%"), ["m-[Expecting 2 bytes]", "m-ready"]);
  assert.deepEqual(await session("db zz%"), ["e-[db: not a hex digit]", "m-ready"]);
  assert.deepEqual(await session("infer 1 0%"), ["e-[input 0 needs 640 bytes; 0 are loaded]", "m-ready"]);
  assert.deepEqual(await session("name%"), ["m-name-dut-[wasmcu 0.1.0]", "m-ready"]);
});

test("while the runner drives the port no frame lands among its lines; a wasmcu host's frame brings the events back", async () => {
  await session("name%");
  raw = Buffer.alloc(0);
  frames.length = 0;
  await new Promise((r) => setTimeout(r, 300)); // six ticks' worth of log lines, held back
  const lines = await session("profile%");
  assert.equal(lines.at(-1), "m-ready");
  assert.equal(raw.indexOf(0), -1, `a frame delimiter reached the runner: ${JSON.stringify(raw.toString("latin1"))}`);
  assert.match(raw.toString("latin1"), /^m-profile-\[[^\]]*\]\r\nm-model-\[[^\]]*\]\r\nm-ready\r\n$/);
  // Any frame from the host (here an info request) ends the text session.
  port.write(encodeFrame({ type: Cmd.Info, flags: 0, seq: 1, payload: new Uint8Array(0) }));
  const t0 = Date.now();
  while (!frames.some((f) => f.type === FrameType.Log) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(frames.some((f) => f.type === FrameType.Data), "the info request was answered");
  assert.ok(frames.some((f) => f.type === FrameType.Log), "the app's log lines flow again");
});
