// Device workloads and model inference on the emulated RP2040 (rp2040js, Cortex-M0+ at
// 125 MHz): cycles counted by the firmware's SysTick inside the emulator; and the same on
// the emulated ESP32-C3 (esp32c3-sim, RV32IMC at 160 MHz): cycles from the C3's counter
// (mpccr), which counts the sim's cost model (host-tools/src/sim/esp32c3/cost.ts). Both are
// emulated cycles, not a measurement of silicon.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { localBoardFirmware } from "../../host-tools/src/boards/launch.ts";
import { deviceSim } from "./lib/device-sim.mjs";
import { resolveBoard } from "../../host-tools/src/boards/registry.ts";
import { runDeviceModel } from "../../host-tools/src/workflows/model.ts";

const root = path.resolve(import.meta.dirname, "../..");
const models = path.resolve(root, "../shared/reference-models");
const c3 = resolveBoard("esp32c3-sim");
const c3Image = await localBoardFirmware(c3); // the merged image the emulated ROM boots
const withDevice = await deviceSim("wasmcu-bench-dev-");
/** rp2040-sim (ideal: no flash timing model here; 36-flash-timing has both), or `sim`. */
const withSim = (model, fn, sim) => withDevice(model, (link) => fn(link), sim ? { sim } : {});

const workloads = [
  ["fib24", "fib(24), recursive (150,049 calls)", 1, "wasm3 -Os on rp2040js: 86,878,666 cycles, -O2: 87,253,773 (../shared/bench-wasm/README.md); wasm3 publishes 1.93 s at 48 MHz (~93 M)"],
  ["sha256_1k", "SHA-256 of 1 KiB (AssemblyScript, unchecked() where the index is proven)", 1, ""],
  ["gpio_toggle_1000", "GPIO write from AssemblyScript", 1000, "per write"],
  ["alloc_1k_100", "1 KiB allocation, Uint8Array(1024) (minimal runtime; a __collect() every 25, included)", 100, "per allocation: two heap blocks (the view and its buffer), zeroed"],
  ["alloc_static_1k_100", "1 KiB allocation, StaticArray<u8>(1024) (same loop)", 100, "per allocation: one heap block, zeroed"],
  ["stream_encode_1000", "sensor stream: quantize + .wqs encode, 2 channels, the encoder alone", 1000, "per sample (firmware/sdk/stream); samples made before the timed call"],
  ["__collect", "garbage collection the device runs after each call into the app (bench app's heap)", 1, "not inside any figure above"],
];
const measured = {};
const callAll = async (link) => {
  const cycles = {};
  for (const [name] of workloads) cycles[name] = (await link.call(name, 600_000)).cycles;
  return cycles;
};
const m0 = await withSim(undefined, callAll);
const rv = await withSim(undefined, callAll, { target: c3, firmware: c3Image });
const perOp = (c, per) => (per > 1 ? Math.round(c / per).toLocaleString("en") : "");
const rows = workloads.map(([name, what, per, note]) => {
  measured[name] = m0[name] / per;
  return [what, m0[name].toLocaleString("en"), perOp(m0[name], per), rv[name].toLocaleString("en"), perOp(rv[name], per), note];
});
console.log("\n## Device workloads on rp2040-sim and esp32c3-sim (emulated Cortex-M0+ at 125 MHz, rp2040js cycles; emulated RV32IMC at 160 MHz, the sim's cost model; not silicon)\n");
console.log("Method: the bench app (firmware/apps/bench) built as `wasmcu build` builds it (asconfig.json release: minimal runtime, -O3, shrinkLevel 0) runs on our runtime inside the shipped rp2040 firmware (interpreter -O3, the rest -Os) and the shipped esp32c3 firmware; the host calls each export over the link and the device counts cycles around the call (SysTick on the RP2040, mpccr on the C3, which counts esp32c3-sim's cost model: host-tools/src/sim/esp32c3/cost.ts). App level: what the app's code costs.\n");
console.log("| workload | rp2040-sim cycles | per op | esp32c3-sim cycles | per op | for scale |");
console.log("|---|---:|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

const TFLM = {
  hello_world_int8: [13036, 10363], ad01_int8: [4248474, 2359278], micro_speech_quantized: [20833415, 3362054],
  kws_ref_model: [95527331, 39477216], pretrainedResnet_quant: [225987181, 136669311], vww_96_int8: [220284418, 118429014],
  person_detect: [209785428, 113647391],
};
// WASMCU_BENCH_MODELS=a,b: only these models (a quick look); default: all of them.
const only = process.env.WASMCU_BENCH_MODELS?.split(",");
const all = ["hello_world_int8", "ad01_int8", "micro_speech_quantized", "keyword_scrambled_8bit", "trained_lstm_int8",
  "kws_ref_model", "str_ww_ref_model", "micro_speech_lstm", "dtln_noise_suppression", "pretrainedResnet_quant", "person_detect", "vww_96_int8"];
const list = only ? all.filter((m) => only.includes(m)) : all;
const mrows = [];
const appGoal = [];
for (const name of list) {
  const dir = path.join(models, name);
  const meta = JSON.parse(readFileSync(path.join(dir, "meta.json"), "utf8"));
  const inputs = meta.inputs.map((t, i) => existsSync(path.join(dir, `in_0.in${i}.bin`))
    ? readFileSync(path.join(dir, `in_0.in${i}.bin`)) : Buffer.alloc(t.bytes, 0));
  const measure = async (link) => {
    const engine = await runDeviceModel(link, inputs, { reset: true });
    // The same invoke as an app makes it: the bench app's Model.open() + invoke(), same inputs.
    await link.call("infer", 600_000); // opens the model once, as an app does in setup()
    const app = await link.call("infer", 600_000);
    if (app.result !== 0n) throw new Error(`the bench app's infer() returned ${app.result}`);
    const bytes = Number((await link.call("model_io_prepare")).result);
    const io = await link.call("model_io", 600_000);
    return { ...engine, appCycles: app.cycles, ioBytes: bytes, ioCycles: io.cycles };
  };
  try {
    const tflite = readFileSync(path.join(dir, "model.tflite"));
    const r = await withSim(tflite, measure);
    const c = await withSim(tflite, measure, { target: c3, firmware: c3Image });
    const golden = path.join(dir, "out_0.out0.bin");
    const same = (x) => Buffer.compare(Buffer.from(x.outputs[0]), readFileSync(golden)) === 0;
    const match = existsSync(golden) ? (same(r) && same(c) ? "yes" : "NO") : "held out";
    const t = TFLM[name];
    const limit = r.cycles * 1.02 + 5000;
    appGoal.push([name, r.cycles, r.appCycles, limit]);
    mrows.push([name, r.cycles.toLocaleString("en"), r.appCycles.toLocaleString("en"), `${(r.appCycles - r.cycles).toLocaleString("en")} (${r.appCycles <= limit ? "met" : "MISSED"})`,
      `${r.ioBytes.toLocaleString("en")} B: ${r.ioCycles.toLocaleString("en")} (${(r.ioCycles / r.ioBytes).toFixed(2)}/B)`,
      t ? t[0].toLocaleString("en") : "", t ? t[1].toLocaleString("en") : "", c.cycles.toLocaleString("en"), c.appCycles.toLocaleString("en"), match]);
  } catch (e) {
    mrows.push([name, `failed: ${e.message.split("\n")[0]}`, "", "", "", "", "", "", "", ""]);
  }
}
console.log("\n## Inference on rp2040-sim and esp32c3-sim (emulated Cortex-M0+ at 125 MHz, rp2040js cycles; emulated RV32IMC at 160 MHz, the sim's cost model; not silicon)\n");
console.log("Method: model programmed into the model slot, case 0's input written over the link. Engine level: one MODEL_INVOKE, cycles counted by the device around nn_invoke alone. App level: the bench app's infer() export (the model opened once, then invoke(), timed on its second call) over CALL, cycles counted around the call. Tensor copies: the bench app's setInput(0) + getOutput(0) of whole tensors. TFLM columns (engine level) from ../shared/reference-models/README.md (same emulator). esp32c3-sim columns: the same two measurements on the esp32c3 firmware (emulated cycles of the sim's cost model); its engine level is the first invoke after a reset, which pays the flash cache's cold misses on the weights read in place (164 cycles per 32-byte line), where the app level's second invoke finds them cached. Output: both boards give TFLM's bytes.\n");
console.log("| model | engine cycles (nn_invoke) | app-level invoke() cycles | app − engine (goal ≤ 2% + 5 K) | setInput + getOutput | TFLM reference | TFLM + CMSIS-NN | esp32c3-sim engine | esp32c3-sim app level | output = TFLM bytes |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
for (const r of mrows) console.log(`| ${r.join(" | ")} |`);

// ---- goals of issue 16, from the figures above
const WASM3_FIB = { Os: 86878666, O2: 87253773 };
const fmt = (n) => Math.round(n).toLocaleString("en");
const goal = (what, value, limit, unit, note = "") => [what, `≤ ${fmt(limit)} ${unit}`, `${fmt(value)} ${unit}`,
  value <= limit ? "met" : `missed by ${fmt(value - limit)} (${((100 * (value - limit)) / limit).toFixed(0)}%)`, note];
const goals = [
  goal("SHA-256 of 1 KiB from AssemblyScript", measured.sha256_1k, 6.0e6, "cycles"),
  goal("stream encoder, per 2-channel sample (encoder alone)", measured.stream_encode_1000, 15000, "cycles"),
  goal("1 KiB allocation (Uint8Array)", measured.alloc_1k_100, 20000, "cycles",
    `collections inside the call included; one heap block (StaticArray<u8>): ${fmt(measured.alloc_static_1k_100)}`),
  goal("GPIO write from an app", measured.gpio_toggle_1000, 400, "cycles", "the app's loop around the call included"),
  goal("fib(24), shipped build (interpreter -O3) vs wasm3 -O2", measured.fib24, WASM3_FIB.O2, "cycles",
    "wasm3 -O3 not measured; -O2 is the nearest level in ../shared/bench-wasm (wasm3 -Os: 86,878,666)"),
];
const worst = appGoal.reduce((w, g) => (!w || g[2] - g[3] > w[2] - w[3] ? g : w), undefined);
if (worst) {
  const missed = appGoal.filter((g) => g[2] > g[3]).map((g) => g[0]);
  goals.push([`app-level invoke() vs engine, ${appGoal.length} models`, "≤ engine + 2% + 5,000 cycles",
    `worst: ${worst[0]} ${fmt(worst[2] - worst[1])} over ${fmt(worst[1])}`,
    missed.length ? `missed on ${missed.join(", ")}` : "met on every model", ""]);
}
console.log("\n## Goals (issue 16), rp2040-sim emulated cycles from the tables above\n");
console.log("| goal | target | measured | | note |");
console.log("|---|---|---|---|---|");
for (const g of goals) console.log(`| ${g.join(" | ")} |`);
