// `wasmcu model run` on boards: over the link to a running host board (--port), and on
// the emulated RP2040 and ESP32-C3 (--board rp2040-sim, esp32c3-sim). Same output bytes as TFLM either way.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { wasmcu } from "../../helpers/cli.js";
import { hostBin, sharedDir } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const hello = path.join(sharedDir, "reference-models", "hello_world_int8");

test("wasmcu model run --port runs the model on a running host board and writes TFLM's output bytes", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-model-port-"));
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), flashFile: path.join(tmp, "flash.bin") });
  try {
    const r = await wasmcu(["model", "run", path.join(hello, "model.tflite"), "--input", path.join(hello, "in_3.in0.bin"),
      "--output-prefix", path.join(tmp, "p"), "--port", board.uartPath, "--json"], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { outputs: { file: string }[]; arena_bytes: number };
    assert.equal(j.outputs[0]!.file, path.join(tmp, "p") + ".out0.bin");
    assert.deepEqual(readFileSync(j.outputs[0]!.file), readFileSync(path.join(hello, "out_3.out0.bin")));
    assert.ok(j.arena_bytes > 0);
  } finally {
    await board.stop();
  }
});

for (const [sim, input] of [["rp2040-sim", 5], ["esp32c3-sim", 7]] as const) {
  test(`wasmcu model run --board ${sim} reports emulated cycles and writes TFLM's output bytes`, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-model-sim-"));
    const r = await wasmcu(["model", "run", path.join(hello, "model.tflite"), "--input", path.join(hello, `in_${input}.in0.bin`),
      "--output-prefix", path.join(tmp, "p"), "--board", sim, "--json"], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { cycles: number; note: string };
    assert.ok(j.cycles > 1000, `cycles ${j.cycles}`);
    assert.match(j.note, /emulated/);
    assert.deepEqual(readFileSync(path.join(tmp, "p.out0.bin")), readFileSync(path.join(hello, `out_${input}.out0.bin`)));
  });
}

test("wasmcu model run on a board with a missing input file names the file", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-model-bad-"));
  const r = await wasmcu(["model", "run", path.join(hello, "model.tflite"), "--input", path.join(tmp, "nope.bin"),
    "--output-prefix", path.join(tmp, "p"), "--port", "/dev/null"], { timeoutMs: 60_000 });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cannot read input .*nope\.bin/);
});

noUartDropsTest();
