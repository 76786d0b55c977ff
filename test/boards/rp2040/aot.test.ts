// AOT apps on the emulated RP2040: blink, gesture and the bench app built with `--engine aot`
// (a .waot in the app slot, its Thumb code run in place from flash by the runtime's loader)
// give what the interpreter gives on the host board: the same log lines, classifications and
// call results. The device says which engine it loaded (its debug line), so a silent fall back
// to the interpreter would fail here.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { buildAppImage } from "../../../host-tools/src/build/aot.js";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { otaStatus, parseUpdateFile, pushUpdate } from "../../../host-tools/src/workflows/ota-push.js";
import { imageLogLines } from "../../helpers/app-lines.js";
import { wasmcu } from "../../helpers/cli.js";
import { sign, updatableApp } from "../../helpers/ota.js";
import { classify } from "../../helpers/gesture.js";
import { hostBin } from "../../helpers/paths.js";
import { launchTestBoard, rp2040Sim } from "../../helpers/sim-boards.js";

const sim = rp2040Sim();
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-aot-"));
const boards: LaunchedBoard[] = [];
after(async () => {
  for (const b of boards) await b.stop();
});

async function built(app: string): Promise<{ wasm: string; waot: string }> {
  const wasm = (await buildApp(app)).wasm;
  return { wasm, waot: buildAppImage(wasm).waot };
}

const LOADED_AOT = /^development AOT app from app_a: /;

test("blink as a .waot on rp2040-sim logs exactly what the interpreter logs on the host board", async () => {
  const { wasm, waot } = await built("blink");
  const blinks = (lines: string[]) => lines.filter((l) => l.startsWith("blink")).map((l) => l.replace(/ at \d+ ms$/, ""));
  const enough = (lines: string[]) => blinks(lines).length >= 6;
  const [aot, interp] = await Promise.all([imageLogLines("sim", waot, { enough }), imageLogLines("host", wasm, { enough })]);
  assert.ok(aot.some((l) => LOADED_AOT.test(l)), `the device loaded AOT code:\n${aot.join("\n")}`);
  assert.equal(blinks(aot).length >= 6, true, aot.join("\n"));
  assert.deepEqual(blinks(aot).slice(0, 6), blinks(interp).slice(0, 6));
});

test("gesture as a .waot on rp2040-sim classifies the seeded windows as the interpreter does on the host board", async () => {
  const { waot } = await built("gesture");
  const [host, aot] = await Promise.all([classify(undefined, 8), classify(sim, 8, [], waot)]);
  assert.equal(host.length, 9, host.join("\n"));
  assert.deepEqual(aot, host);
});

/** A link to a started board (the emulator is slow to answer: long waits) and the log lines it sends. */
async function logged(board: LaunchedBoard): Promise<{ link: DeviceLink; logs: string[] }> {
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 10_000, deadlineMs: 600_000, attempts: 3 });
  const logs: string[] = [];
  link.onEvent((e: LinkEvent) => {
    if (e.kind === "log") logs.push(e.text);
  });
  return { link, logs };
}

/** Calls each export over the link on a started board; its results and the device's log lines. */
async function callAll(board: LaunchedBoard, exports: string[]): Promise<{ results: Record<string, string>; logs: string[]; engine: unknown }> {
  const { link, logs } = await logged(board);
  try {
    await link.connect(60_000);
    const engine = ((await link.info()).app as { engine?: unknown } | null)?.engine;
    const results: Record<string, string> = {};
    for (const name of exports) results[name] = String((await link.call(name, 600_000)).result);
    return { results, logs, engine };
  } finally {
    await link.close();
  }
}

test("the bench app as a .waot on rp2040-sim returns what the interpreter returns, export by export", async () => {
  const { wasm, waot } = await built("bench");
  const exports = ["fib24", "sha256_1k", "stream_prepare", "stream_encode_1000", "gpio_toggle_1000", "alloc_1k_100", "alloc_static_1k_100"];
  const simBoard = await launchTestBoard(sim, path.join(tmp, "bench-sim.bin"), { app: waot });
  boards.push(simBoard);
  const hostBoard = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: wasm, flashFile: path.join(tmp, "bench-host.bin"), waitForHost: true });
  boards.push(hostBoard);
  const [aot, interp] = await Promise.all([callAll(simBoard, exports), callAll(hostBoard, exports)]);
  assert.ok(aot.logs.some((l) => LOADED_AOT.test(l)), `the device loaded AOT code:\n${aot.logs.join("\n")}`);
  assert.deepEqual([aot.engine, interp.engine], ["aot", "interp"], "HELLO says which engine runs the app");
  assert.equal(aot.results.fib24, "46368");
  assert.equal(aot.results.sha256_1k, String(0x785b0751 | 0), "SHA-256 of the 1 KiB (node:crypto's first word)");
  assert.deepEqual(aot.results, interp.results);
});

test("deploy --port puts a .waot on a running rp2040-sim: it runs as AOT code and logs", async () => {
  const { waot } = await built("blink");
  const board = await launchTestBoard(sim, path.join(tmp, "deploy.bin"));
  boards.push(board);
  const r = await wasmcu(["deploy", "--board", "rp2040-sim", "--port", board.uartPath, "--app", waot, "--logs", "5", "--json"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { after: { app: { engine: string; bytes: number } }; events: { kind: string; text?: string }[] };
  assert.equal(out.after.app.engine, "aot");
  const logs = out.events.flatMap((e) => (e.kind === "log" && e.text ? [e.text] : []));
  assert.ok(logs.some((l) => LOADED_AOT.test(l)) && logs.some((l) => l.startsWith("blink #1: led on")), logs.join("\n"));
});

test("a signed .waot pushed over OTA is adopted and runs as AOT code from the signed slot; a damaged one is refused, the app untouched", async () => {
  const wasm = path.join(tmp, "updatable.wasm");
  writeFileSync(wasm, await updatableApp("aot1", "confirms"));
  const waot = readFileSync(buildAppImage(wasm).waot);
  const board = await launchTestBoard(sim, path.join(tmp, "ota.bin"));
  boards.push(board);
  const { link, logs } = await logged(board);
  try {
    await link.connect(120_000);
    const a = await pushUpdate(link, parseUpdateFile(sign(waot, 1), "signed .waot"), { confirmTimeoutMs: 60_000 });
    assert.deepEqual([a.decision.decision, a.outcome], ["adopt", "confirmed"]);
    // the first signed image is adopted as confirmed: its app starts outside a trial
    assert.ok(logs.some((l) => /^signed AOT app from app_[ab]: /.test(l)) && logs.some((l) => l.startsWith("updatable aot1 state")), logs.join("\n"));
    const running = (await link.info()).app as { engine: string; signed: boolean };
    assert.deepEqual([running.engine, running.signed], ["aot", true]);

    const damaged = sign(waot, 2);
    damaged[damaged.length - 100]! ^= 0x01; // a byte of the payload: the signature no longer holds
    await assert.rejects(pushUpdate(link, parseUpdateFile(damaged, "damaged"), { confirmTimeoutMs: 10_000 }));
    const st = await otaStatus(link);
    assert.deepEqual([st.app.version, st.app.state], ["1.1.0", "confirmed"]);
    assert.deepEqual((await link.info()).app, running, "the same signed AOT app runs");
  } finally {
    await link.close();
  }
});

test("monitor --port finds a running .waot's debug info by the module it carries: the trap at the app's source line", async () => {
  process.env.WASMCU_CACHE_DIR ??= path.join(tmp, "cache");
  const { waot } = await built(path.join("test", "firmware", "device", "apps", "trap-divide"));
  const board = await launchTestBoard(sim, path.join(tmp, "monitor.bin"), { app: waot });
  boards.push(board);
  const r = await wasmcu(["monitor", "--board", "rp2040-sim", "--port", board.uartPath, "--for", "8", "--json"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const traps = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; frames?: { name: string; file: string; line: number }[] })
    .filter((e) => e.kind === "trap");
  assert.equal(traps.length, 1, r.stdout);
  assert.deepEqual(traps[0]!.frames!.map((f) => [f.name, f.file, f.line]),
    [["readSample", path.join("test", "firmware", "device", "apps", "trap-divide", "main.ts"), 8]]);
});
