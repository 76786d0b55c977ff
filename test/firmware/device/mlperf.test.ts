// The MLPerf Tiny runner's serial protocol on the host board: sessions scripted byte for byte
// as MLCommons' runner sends them (host-tools/src/workflows/mlperf-runner.ts says which runner
// file each step follows), for ad01, kws01, vww01 and ic01 in performance and accuracy mode,
// with every window's m-results line equal to what the reference submitter prints for TFLM's
// output; and the protocol's details (names, errors, event frames held back).
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
import { gatherInferResults } from "../../../host-tools/src/workflows/mlperf-runner.js";
import { pyFixed } from "../../../host-tools/src/workflows/mlperf-results.js";
import { wasmcu } from "../../helpers/cli.js";
import { makeDataset, MODEL_DIRS, runChecked } from "../../helpers/mlperf.js";
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

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-mlperf-"));
before(async () => {
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

/** The port the protocol tests use is closed while a scripted session opens its own. */
async function closePort(): Promise<void> {
  await new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res()));
}
async function reopenPort(): Promise<void> {
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
}

async function deployModel(dir: string): Promise<void> {
  const link = new DeviceLink(await openSerial(board.uartPath, 115200));
  try {
    await deploy(link, { model: readFileSync(path.join(dir, "model.tflite")) });
  } finally {
    await link.close();
  }
}

test("name% and profile% identify the device and name the benchmark the runner's scripts are keyed by", async () => {
  assert.deepEqual(await session("name%"), ["m-name-dut-[wasmcu 0.1.0]", "m-ready"]);
  assert.deepEqual(await session("profile%"), ["m-profile-[ULPMark-ML v1.0.0]", "m-model-[ad01]", "m-ready"]);
});

test("ad01 takes a float32 window, quantizes it with the input's scale and zero point and answers one score", async () => {
  const meta = JSON.parse(readFileSync(path.join(ad01, "meta.json"), "utf8")) as { inputs: { scale: number; zero_point: number }[] };
  const q = meta.inputs[0]!;
  const floats = new Float32Array([...new Int8Array(readFileSync(path.join(ad01, "in_8.in0.bin")))].map((v) => Math.fround(Math.fround(v - q.zero_point) * Math.fround(q.scale))));
  const bytes = Buffer.from(floats.buffer);
  assert.deepEqual(await session(`db load ${bytes.length}%`), ["m-[Expecting 2560 bytes]", "m-ready"]);
  for (let i = 0; i < bytes.length; i += 31) {
    const lines = await session(`db ${bytes.subarray(i, i + 31).toString("hex")}%`);
    assert.deepEqual(lines, i + 31 >= bytes.length ? ["m-load-done", "m-ready"] : ["m-ready"]);
  }
  const r = await session("infer 3 1%");
  assert.deepEqual(r.slice(0, 3), ["m-warmup-start-1", "m-warmup-done", "m-infer-start-3"]);
  assert.match(r[3]!, /^m-lap-us-\d+$/);
  assert.match(r[4]!, /^m-lap-us-\d+$/);
  assert.equal(r[5], "m-infer-done");
  assert.match(r[6]!, /^m-results-\[\d+\.\d{3}\]$/);
  assert.equal(r[7], "m-ready");
  assert.deepEqual(await session("results%"), [r[6], "m-ready"]);
  // infer with no warmup count does the reference's 10; the warmup lines come even for 0.
  assert.deepEqual((await session("infer 1 0%")).slice(0, 2), ["m-warmup-start-0", "m-warmup-done"]);
  assert.equal((await session("infer%"))[0], "m-warmup-start-10");
  // A loop longer than a second says it is alive once a second; the runner's parse is unchanged.
  const long = await session("infer 15000 0%");
  const lapAt = long.findIndex((l) => l.startsWith("m-lap-us-"));
  const progress = long.filter((l) => l.startsWith("m-infer-progress-"));
  const t = long.filter((l) => l.startsWith("m-lap-us-")).map((l) => Number(l.slice(9)));
  if (t[1]! - t[0]! > 1_100_000) assert.ok(progress.length >= 1, long.join(" | "));
  assert.ok(progress.every((l) => /^m-infer-progress-\d+$/.test(l) && long.indexOf(l) > lapAt && long.indexOf(l) < long.lastIndexOf(`m-lap-us-${t[1]}`)));
  assert.equal(gatherInferResults(long, 15000, 0).results?.length, 1);
  // db print: the bytes as loaded, 8 a line.
  const printed = await session("db print%");
  assert.equal(printed[0], `m-buffer-${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("-")}`);
  assert.equal(printed.length, 2560 / 8 + 1);
});

test("errors are e-[...] lines closed by m-ready, and the session goes on", async () => {
  assert.deepEqual(await session("frobnicate 1 2%"), ["e-[Unknown command: frobnicate]", "m-ready"]);
  assert.deepEqual(await session("db%"), ["e-[Command 'db' requires a subcommand]", "m-ready"]);
  assert.deepEqual(await session("db load 0%"), ["e-[Command 'db load' must be >0 bytes]", "m-ready"]);
  assert.deepEqual(await session("db load 2%"), ["m-[Expecting 2 bytes]", "m-ready"]);
  assert.deepEqual(await session("db zz%"), ["e-[Invalid hex digit]", "m-ready"]);
  assert.deepEqual(await session("db 123%"), ["e-[Insufficent number of hex digits]", "m-ready"]);
  // Digits past the announced count are ignored, as the reference does.
  assert.deepEqual(await session("db 0102ff%"), ["m-load-done", "m-ready"]);
  assert.deepEqual(await session("db 03%"), ["e-[db: all bytes are loaded (db load N to start again)]", "m-ready"]);
  assert.deepEqual(await session("infer 1 0%"), ["e-[ad01 needs 2560 bytes of input; 2 are loaded]", "m-ready"]);
  assert.deepEqual(await session("infer 0%"), ["e-[Inference iterations must be >0]", "m-ready"]);
  assert.deepEqual(await session("infer 1 x%"), ["e-[Inference warmup must be >=0]", "m-ready"]);
  assert.deepEqual(await session("name%"), ["m-name-dut-[wasmcu 0.1.0]", "m-ready"]);
});

test("a load larger than the MLPerf buffer goes to the engine RAM the model leaves free, and is refused once the model changes", async () => {
  // The host board's buffer is 1 MiB; its engine arena 4 MiB, of which ad01 uses a few KiB.
  assert.deepEqual(await session("db load 2000000%"), ["m-[Expecting 2000000 bytes]", "m-ready"]);
  assert.deepEqual(await session("db 00ff%"), ["m-ready"]);
  assert.deepEqual(await session("db load 5000000%"), [
    `e-[db load 5000000: at most 1048576 bytes (DEV_MLPERF_DB_BYTES), or ${(await spareBytes())} the model leaves free in the engine's RAM]`, "m-ready"]);
  assert.deepEqual(await session("db load 2000000%"), ["m-[Expecting 2000000 bytes]", "m-ready"]);
  await closePort();
  try {
    await deployModel(MODEL_DIRS.kws01);
  } finally {
    await reopenPort();
  }
  assert.deepEqual(await session("db 00ff%"), ["e-[the model changed since db load: load the input again]", "m-ready"]);
  assert.deepEqual(await session("db 00ff%"), ["e-[db: no load in progress (db load N first)]", "m-ready"]);
  await closePort();
  try {
    await deployModel(ad01);
  } finally {
    await reopenPort();
  }
});

/** The host board's engine arena (4 MiB) less what ad01 uses, rounded up to 16 bytes. */
async function spareBytes(): Promise<number> {
  const line = (await session("db load 99999999%"))[0]!;
  return Number(/or (\d+) the model/.exec(line)![1]);
}

for (const model of ["ad01", "kws01", "vww01", "ic01"] as const) {
  test(`${model}: the runner's performance and accuracy scripts, byte for byte, give the reference's results`, async (t) => {
    await closePort();
    try {
      await deployModel(MODEL_DIRS[model]);
      const perf = await runChecked(board.uartPath, model, "p", tmp);
      // What went on the wire: name, profile, then per window db load, 31-byte db chunks and
      // infer N W, each command's text and its '%' in two writes (SerialDevice.write_line).
      const inputBytes = { ad01: 2560, kws01: 490, vww01: 27648, ic01: 3072 }[model];
      const cmds = perf.sent.filter((s) => s !== "%");
      assert.equal(perf.sent.length, 2 * cmds.length);
      assert.deepEqual(cmds.slice(0, 3), ["name", "profile", `db load ${inputBytes}`]);
      assert.ok(cmds.slice(3, 3 + Math.ceil(inputBytes / 31)).every((c, i) => /^db [0-9a-f]+$/.test(c) && c.length === 3 + 2 * Math.min(31, inputBytes - 31 * i)));
      const infer = { ad01: "infer 1500 10", kws01: "infer 70 10", vww01: "infer 20 5", ic01: "infer 20 5" }[model];
      assert.equal(cmds[3 + Math.ceil(inputBytes / 31)], infer);
      assert.equal(cmds.filter((c) => c === infer).length, 5);
      assert.ok(perf.result.throughput!.median > 0);
      t.diagnostic(`${model}: median throughput ${perf.result.throughput!.median.toFixed(3)} inf./s on the host board (${infer})`);
      const acc = await runChecked(board.uartPath, model, "a", tmp);
      assert.ok(acc.sent.filter((s) => s === "infer 1 0").length === acc.result.windows.length);
      assert.equal(typeof acc.result.accuracy, "number");
      // Each classifier file's class is TFLM's argmax; ad01's random windows score far above the real ones.
      assert.equal(pyFixed(acc.result.accuracy!, 1), "100.0");
      if (model === "ad01" || model === "vww01") assert.equal(acc.result.auc, 1);
    } finally {
      await deployModel(ad01);
      await reopenPort();
    }
  });
}

test("wasmcu bench --mlperf drives the runner's accuracy session on a board, reports the reference's scores and writes the runner's results.txt", async () => {
  const ds = makeDataset(tmp, "ad01", "a");
  const out = path.join(tmp, "acc-results");
  await closePort();
  try {
    const r = await wasmcu(["bench", "--mlperf", ds.dir, "--mode", "a", "--port", board.uartPath, "-o", out, "--json"], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { model: string; windows: { file: string; segment: number; infer: { results: number[] } }[]; accuracy: number; auc: number };
    assert.equal(j.model, "ad01");
    assert.equal(j.windows.length, ds.windows);
    for (const w of j.windows) assert.equal(`m-results-[${w.infer.results[0]!.toFixed(3)}]`, ds.expected.get(`${w.file}#${w.segment}`));
    assert.equal(j.auc, 1);
    // main.py @6b4e30ae: "Top 1%" (the best (precision + recall) / 2 for one score a file) and roc_auc_score.
    const lines = readFileSync(path.join(out, "results.txt"), "utf8").split("\n");
    assert.match(lines[0]!, /^\d{4}\.\d{6} ulp-mlperf: Top 1% = 100\.0$/);
    assert.match(lines[1]!, /^\d{4}\.\d{6} ulp-mlperf: AUC = 1\.000$/);
    assert.deepEqual(lines.slice(2), [""]);
    const bad = await wasmcu(["bench", "--mlperf", ds.dir, "--mode", "x", "--port", board.uartPath], { timeoutMs: 60_000 });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mode x: expected p \(performance\) or a \(accuracy\)/);
    assert.doesNotMatch(bad.stderr, /    at /);
    // The results folder is checked before the session: a file in its place costs nothing.
    const blocked = await wasmcu(["bench", "--mlperf", ds.dir, "--mode", "a", "--port", board.uartPath, "-o", path.join(ad01, "model.tflite")], { timeoutMs: 60_000 });
    assert.equal(blocked.code, 5, blocked.stderr);
    assert.match(blocked.stderr, /cannot write results folder .*model\.tflite: it is a file, not a folder/);
  } finally {
    await reopenPort();
  }
});

test("wasmcu bench --mlperf in performance mode writes the runner's results.txt: the median throughput, or its error 2 when the loop took under 10 s", async () => {
  const ds = makeDataset(tmp, "ad01", "p");
  const out = path.join(tmp, "perf-results");
  await closePort();
  try {
    // 15000 inferences a window, not the yaml's 1500: the host board's loop then passes the runner's 10 s.
    const r = await wasmcu(["bench", "--mlperf", ds.dir, "--mode", "p", "--mlperf-infer", "15000 10", "--port", board.uartPath, "-o", out, "--json"], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { throughput: { median: number }; errors: string[] };
    const text = readFileSync(path.join(out, "results.txt"), "utf8");
    const t = "\\d{4}\\.\\d{6} ulp-mlperf: ";
    if (j.errors.includes("error 2")) {
      assert.match(text, new RegExp(`^${t}ERROR 2 - loop exited before 10 seconds elapsed\\.\\n$`));
    } else {
      assert.deepEqual(j.errors, []);
      const rule = `${t}-{57}`;
      assert.match(text, new RegExp(`^${rule}\\n${t}Median throughput is +${pyFixed(j.throughput.median, 3).replace(".", "\\.")} inf\\./sec\\.\\n${rule}\\n$`));
    }
  } finally {
    await reopenPort();
  }
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
