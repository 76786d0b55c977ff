// A command that talks to a board ends its process by itself when the board does not
// answer: it closes what it opened (the port, timers, listeners) on its failure path too,
// and nothing calls process.exit() after main. Each command runs in a child process of its
// own (helpers/cli.ts: wasmcuMain) against a pseudo-terminal whose other end never answers,
// or answers the handshake and then goes quiet; the check is that the process exits (a port
// left open never lets it) and that main left nothing open. In CI an `ota push` whose board
// stopped answering printed its error and then hung for 300 s.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Cmd, FrameType, LinkStatus } from "../../host-tools/src/link/constants.js";
import { encodeFrame, FrameDecoder } from "../../host-tools/src/link/frame.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { EXIT } from "../../host-tools/src/lib/exit-codes.js";
import { openPtyBridge, type PtyBridge } from "../../host-tools/src/sim/pty.js";
import { wasmcu, wasmcuMain, type CliResult, type ProbeResult } from "../helpers/cli.js";
import { sign } from "../helpers/ota.js";
import { sharedDir } from "../helpers/paths.js";

const EMPTY_WASM = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const hello = path.join(sharedDir, "reference-models", "hello_world_int8");
// Far longer than any of these commands takes to give up (its link's deadlines, 30 s for a
// handshake): a process that has not exited by then never will.
const EXIT_TIMEOUT_MS = 300_000;

/** A port nobody answers on: bytes written to it are read and dropped. */
const silentPort = (): Promise<PtyBridge> => openPtyBridge(() => {});

/** A board that answers the first INFO (the handshake) and then never again, as one that hangs after its reset. */
async function quietAfterHandshake(): Promise<PtyBridge> {
  const decoder = new FrameDecoder();
  let answered = false;
  const pty: PtyBridge = await openPtyBridge((bytes) => {
    for (const item of decoder.push(bytes)) {
      if (answered || item.kind !== "frame" || item.frame.type !== Cmd.Info) continue;
      answered = true;
      const seq = item.frame.seq;
      pty.write(encodeFrame({ type: FrameType.Data, flags: 0, seq, payload: new TextEncoder().encode('{"board":"host"}') }));
      pty.write(encodeFrame({ type: FrameType.Ack, flags: 0, seq, payload: Uint8Array.of(LinkStatus.Ok) }));
    }
  });
  return pty;
}

/** A port this process holds open (and locked), as a monitor or another wasmcu command would. */
async function heldPort(): Promise<PtyBridge> {
  const pty = await silentPort();
  const held = await openSerial(pty.path, 115200);
  return { path: pty.path, write: (b) => pty.write(b), close: async () => {
    await held.close();
    await pty.close();
  } };
}

function assertNoAnswer(r: CliResult): void {
  assert.equal(r.code, EXIT.DEVICE, r.stderr);
  assert.match(r.stderr, /no answer from the device/);
  assert.doesNotMatch(r.stderr, /    at |internal error/);
}

test("commands whose board does not answer exit by themselves, leaving nothing open, with the device error", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-cli-exit-"));
  const update = path.join(dir, "app.wimg");
  writeFileSync(update, sign(EMPTY_WASM, 1));
  writeFileSync(path.join(dir, "app.wasm"), EMPTY_WASM);
  const cases: { name: string; port: () => Promise<PtyBridge>; args: (port: string) => string[]; check: (r: CliResult) => void }[] = [
    { name: "ota push, no answer to the handshake", port: silentPort, args: (p) => ["ota", "push", update, "--port", p], check: assertNoAnswer },
    { name: "ota push, the board quiet after the handshake", port: quietAfterHandshake, args: (p) => ["ota", "push", update, "--port", p], check: assertNoAnswer },
    { name: "ota status", port: silentPort, args: (p) => ["ota", "status", "--port", p, "--json"], check: assertNoAnswer },
    { name: "ota confirm", port: silentPort, args: (p) => ["ota", "confirm", "--port", p], check: assertNoAnswer },
    { name: "deploy", port: silentPort, args: (p) => ["deploy", "--app", path.join(dir, "app.wasm"), "--port", p, "--logs", "0"], check: assertNoAnswer },
    {
      name: "model run --port", port: silentPort, check: assertNoAnswer,
      args: (p) => ["model", "run", path.join(hello, "model.tflite"), "-i", path.join(hello, "in_4.in0.bin"), "-o", path.join(dir, "out"), "--port", p],
    },
    // Not a failure: a monitor of a board that says nothing ends when its time is up.
    { name: "monitor --for 2", port: silentPort, args: (p) => ["monitor", "--port", p, "--for", "2"], check: (r) => assert.equal(r.code, EXIT.OK, r.stderr) },
    // A port another program holds: the monitor fails at once, long before its --for is up.
    {
      name: "monitor --for 600 on a port held by another program", port: heldPort,
      args: (p) => ["monitor", "--port", p, "--for", "600"],
      check: (r) => {
        assert.equal(r.code, EXIT.DEVICE, r.stderr);
        assert.match(r.stderr, /cannot open serial port .*Cannot lock port/);
      },
    },
  ];
  const ports = await Promise.all(cases.map((c) => c.port()));
  try {
    const results = await Promise.allSettled(cases.map((c, i) => wasmcuMain(c.args(ports[i]!.path), { timeoutMs: EXIT_TIMEOUT_MS })));
    // Every case's outcome, not only the first: a hang in one says nothing of the others.
    const hung = results.flatMap((r, i) => (r.status === "rejected" ? [`${cases[i]!.name}: ${(r.reason as Error).message}`] : []));
    assert.deepEqual(hung, []);
    cases.forEach((c, i) => {
      const r = (results[i] as PromiseFulfilledResult<ProbeResult>).value;
      c.check(r);
      assert.deepEqual(r.leftOpen, [], `${c.name}: main left these open\n${r.stderr}`);
    });
  } finally {
    await Promise.all(ports.map((p) => p.close()));
  }
});

test("the wasmcu bin ends by itself after `ota push` gets no answer (it has no exit timer to fall back on)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-cli-exit-bin-"));
  const update = path.join(dir, "app.wimg");
  writeFileSync(update, sign(EMPTY_WASM, 1));
  const port = await silentPort();
  try {
    assertNoAnswer(await wasmcu(["ota", "push", update, "--port", port.path], { timeoutMs: EXIT_TIMEOUT_MS }));
  } finally {
    await port.close();
  }
});
