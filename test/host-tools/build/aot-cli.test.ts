// `wasmcu build --engine aot` and the commands that take its .waot (sign, deploy), as a user
// runs them: the image is read back by the image reader (host-tools/src/aot/image.ts), a
// function the compiler refuses is a build error naming the function and offset, and a
// damaged .waot is refused before anything is signed or sent, the running app untouched.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { compileModule } from "../../../host-tools/src/aot/compile.js";
import { readImage, writeImage } from "../../../host-tools/src/aot/image.js";
import { readModule } from "../../../host-tools/src/aot/module.js";
import { compileForAot } from "../../../host-tools/src/build/aot.js";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { startLocalBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { BuildError } from "../../../host-tools/src/lib/errors.js";
import { parseImage } from "../../../host-tools/src/ota/image.js";
import { loadNatives } from "../../../host-tools/src/sdk/natives.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { wasmcu } from "../../helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-aot-cli-"));
const boards: LaunchedBoard[] = [];
after(async () => {
  for (const b of boards) await b.stop();
});

/** blink built for AOT through the CLI: the .wasm and the .waot beside it. */
async function blinkAot(): Promise<{ wasm: string; waot: string }> {
  const r = await wasmcu(["build", "--engine", "aot", "--no-firmware", "--app", "blink", "--json"], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const app = (JSON.parse(r.stdout) as { app: { wasm: string; waot: string; engine: string } }).app;
  assert.equal(app.engine, "aot");
  return app;
}

/** A copy of `waot` with one byte of its embedded module changed (the module's SHA-256 no longer matches). */
function tampered(waot: string): string {
  const bytes = new Uint8Array(readFileSync(waot));
  const image = readImage(bytes);
  const at = image.sections.module.offset + image.sections.module.size - 1;
  bytes[at] = bytes[at]! ^ 0x01;
  const file = path.join(tmp, "tampered.waot");
  writeFileSync(file, bytes);
  return file;
}

test("build --engine aot writes a .waot beside the .wasm that carries it, checked by the image reader", async () => {
  const { wasm, waot } = await blinkAot();
  assert.equal(waot, wasm.replace(/\.wasm$/, ".waot"));
  const image = readImage(new Uint8Array(readFileSync(waot)));
  assert.deepEqual(Buffer.from(image.module), readFileSync(wasm), "the embedded module is the built .wasm");
  const natives = new Set(loadNatives().map((n) => `${n.module}.${n.name}`));
  assert.ok(image.imports.length > 0 && image.imports.every((i) => natives.has(`${i.module}.${i.name}`)),
    "the imports to bind are natives of firmware/device/natives.def");
  assert.ok(image.funcs.length > 0 && image.code.length > 0);
});

test("build --engine aot with a board that does not run Cortex-M0+ code is a usage error", async () => {
  const r = await wasmcu(["build", "--engine", "aot", "--board", "esp32c3", "--app", "blink"], { timeoutMs: 120_000 });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /does not run AOT code, which is Cortex-M0\+ Thumb/);
});

test("a function the AOT compiler refuses is a build error naming the function and byte", () => {
  // (module (func atomic.fence)): an instruction of the threads proposal, which the compiler refuses
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
    0x03, 0x02, 0x01, 0x00, // function 0
    0x0a, 0x07, 0x01, 0x05, 0x00, 0xfe, 0x03, 0x00, 0x0b, // body: atomic.fence
  ]);
  assert.throws(() => compileForAot(bytes, path.join(tmp, "fence.wasm")), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.match(e.message, /fence\.wasm cannot be compiled ahead of time/);
    assert.match(e.details ?? "", /the AOT compiler cannot compile wasm function 0 at byte 0x17: opcode 0xfe is not compiled yet/);
    return true;
  });
});

test("sign wraps a .waot as an app; a damaged .waot is refused and nothing is written", async () => {
  const { waot } = await blinkAot();
  const out = path.join(tmp, "blink-aot.wimg");
  let r = await wasmcu(["sign", waot, "--key", "wasmcu-dev", "--version", "1.0.0", "-o", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const signed = readFileSync(out);
  const h = parseImage(signed);
  assert.equal(h.kind, "app");
  assert.deepEqual(signed.subarray(signed.length - h.payloadLength), readFileSync(waot), "the payload is the .waot, byte for byte");

  const bad = path.join(tmp, "bad.wimg");
  r = await wasmcu(["sign", tampered(waot), "--key", "wasmcu-dev", "-o", bad]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /tampered\.waot: \.waot image: the embedded module does not match its SHA-256/);
  assert.equal(existsSync(bad), false, "no signed image of a damaged .waot");
});

test("deploy refuses a damaged .waot, and any .waot for a board without a Cortex-M0+, before sending anything: the running app goes on", async () => {
  const { waot } = await blinkAot();
  const target = resolveBoard("host");
  const wasm = (await buildApp("blink")).wasm;
  const board = await startLocalBoard(target, { app: wasm, flashFile: path.join(tmp, "deploy-host.bin") });
  boards.push(board);
  const hello = async () => {
    const link = new DeviceLink(await openSerial(board.uartPath, target.board.serial.baud));
    try {
      await link.connect();
      return await link.info();
    } finally {
      await link.close();
    }
  };
  const before = await hello();
  const r = await wasmcu(["deploy", "--board", "host", "--port", board.uartPath, "--app", tampered(waot), "--logs", "0"], { timeoutMs: 120_000 });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /the embedded module does not match its SHA-256/);
  assert.deepEqual((await hello()).app, before.app, "the same app, in the same slot");

  // a sound .waot, but for a board that runs no Cortex-M0+ code: refused before it is sent
  const other = await wasmcu(["deploy", "--board", "host", "--port", board.uartPath, "--app", waot, "--logs", "0"], { timeoutMs: 120_000 });
  assert.equal(other.code, 2, other.stdout + other.stderr);
  assert.match(other.stderr, /does not run AOT code, which is Cortex-M0\+ Thumb: nothing was sent/);
  assert.deepEqual((await hello()).app, before.app, "the same app, in the same slot");
});

test("a .waot whose imports the firmware does not provide is refused before it is signed (deploy runs the same check), naming the import", async () => {
  // (module (import "env" "nope" (func)) (func (export "setup") (call 0)) (func (export "loop")))
  const wasm = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
    0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x6e, 0x6f, 0x70, 0x65, 0x00, 0x00, // import env.nope
    0x03, 0x03, 0x02, 0x00, 0x00, // functions 1 and 2
    0x07, 0x10, 0x02, 0x05, 0x73, 0x65, 0x74, 0x75, 0x70, 0x00, 0x01, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x02, // exports
    0x0a, 0x09, 0x02, 0x04, 0x00, 0x10, 0x00, 0x0b, 0x02, 0x00, 0x0b, // bodies
  ]);
  const m = readModule(wasm);
  const file = path.join(tmp, "nope.waot");
  writeFileSync(file, writeImage(m, compileModule(m)));
  const out = path.join(tmp, "nope.wimg");
  const r = await wasmcu(["sign", file, "--key", "wasmcu-dev", "-o", out]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /nope\.waot: the app imports env\.nope \(\) -> \(\), which the firmware does not provide/);
  assert.equal(existsSync(out), false);
});
