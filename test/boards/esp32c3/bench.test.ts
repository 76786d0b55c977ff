// `wasmcu bench --board esp32c3-sim`: the bench app's phases and a model at app and engine
// level on the emulated ESP32-C3, with rp2040-sim's table; every cycle figure labelled as the
// sim's cost model (emulated), and the options that need rp2040-sim's power rig refused. One
// run per phase and no fib24 (50 M emulated cycles) keep it short.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { wasmcu } from "../../helpers/cli.js";
import { sharedDir } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

test("wasmcu bench --board esp32c3-sim: phases and a model with emulated cycles, labelled with the sim's cost model", async () => {
  const model = path.join(sharedDir, "reference-models", "hello_world_int8", "model.tflite");
  const r = await wasmcu(["bench", "--board", "esp32c3-sim", "--runs", "1", "--phases", "gpio-toggle", "sha256-1k", "alloc-1k", "stream-encode",
    "--models", model, "--json"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { simulated: boolean; source: string; board: string; f_hz: number; phases: { phase: string; cycles?: { median: number }; notes: string[] }[] };
  assert.equal(j.simulated, true);
  assert.equal(j.board, "esp32c3-sim");
  assert.equal(j.f_hz, 160e6);
  assert.match(j.source, /emulated ESP32-C3 .*cost model .*not silicon; no current monitor/);
  assert.deepEqual(j.phases.map((p) => p.phase), ["gpio-toggle", "sha256-1k", "alloc-1k", "stream-encode", "infer:hello_world_int8", "engine:hello_world_int8"]);
  // The C3's cycle counter (mpccr) counts the sim's emulated cycles: every phase has them.
  for (const p of j.phases) assert.ok((p.cycles?.median ?? 0) > 0, `${p.phase}: cycles`);
});

test("wasmcu bench --board esp32c3-sim refuses the rp2040-sim rig's --supply and --freq (usage, status 2)", async () => {
  for (const args of [["--supply", "3.3"], ["--freq", "80M"]]) {
    const r = await wasmcu(["bench", "--board", "esp32c3-sim", ...args], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /only with --board rp2040-sim/);
  }
});

noUartDropsTest(false, "esp32c3-sim");
