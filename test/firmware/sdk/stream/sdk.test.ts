// The device SDK's stream pieces (firmware/sdk/stream), compiled with asc and run under
// Node's WebAssembly engine and, when it is built, the project's runtime (wasmcu-vm):
// sampler, filters, running statistics, ring windows, quantizer and calibration.
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { ChannelQuantizer, RunningZScore, toF32Range } from "../../../../host-tools/src/stream/index.js";
import { loadGoldens } from "./golden.js";
import { compileHarness, f32, f64, i32, i64, nodeEngine, vmEngine, vmPath, type Engine } from "./harness.js";
import { rng } from "./rng.js";

const engines: { name: string; start: (wasm: string) => Promise<Engine> }[] = [{ name: "node", start: nodeEngine }];
const vm = vmPath();
if (vm) engines.push({ name: "wasmcu-vm", start: (wasm) => vmEngine(vm, wasm) });

for (const { name, start } of engines) describe(`under ${name}`, () => {
  let e: Engine;
  const num = async (fn: string, ...a: Parameters<Engine["call"]>[1][]) => Number(await e.call(fn, ...a));

  before(async () => {
    e = await start(await compileHarness(loadGoldens().map((g) => g.input)));
  });

  after(async () => {
    await e.close();
  });

  test("sampler keeps to its grid, reports how late each sample is and counts missed periods", async () => {
    await e.call("samplerInit", i64(1000), i64(5000));
    assert.equal(await num("samplerPoll", i64(4999)), 0); // not due yet
    assert.equal(await num("samplerPoll", i64(5000)), 1);
    assert.equal(await num("samplerDrift"), 0);
    assert.equal(await num("samplerNext"), 6000);
    assert.equal(await num("samplerPoll", i64(6250)), 1); // 250 late: next stays on the grid
    assert.equal(await num("samplerDrift"), 250);
    assert.equal(await num("samplerNext"), 7000);
    assert.equal(await num("samplerPoll", i64(6999)), 0);
    assert.equal(await num("samplerPoll", i64(9100)), 1); // 7000 and 8000 missed, 9000 taken 100 late
    assert.equal(await num("samplerMissed"), 2);
    assert.equal(await num("samplerDrift"), 100);
    assert.equal(await num("samplerMaxDrift"), 250);
    assert.equal(await num("samplerLast"), 9000, "the sample's grid instant");
    assert.equal(await num("samplerNext"), 10000);
    assert.equal(await num("samplerTaken"), 3);
  });

  test("median filter returns the median of the last width samples and rejects a spike", async () => {
    assert.equal(await num("medianInit", i32(4)), 5); // even widths round up to odd
    const xs = [1, 2, 100, 3, 4, 5, -50, 6, 7];
    const got: number[] = [];
    for (const x of xs) got.push(await num("medianNext", f64(x)));
    const hist: number[] = [];
    const want = xs.map((x) => {
      hist.push(x);
      const w = hist.slice(-5).sort((a, b) => a - b);
      return w[(w.length - 1) >> 1]!;
    });
    assert.deepEqual(got, want);
    assert.ok(!got.includes(100) && !got.includes(-50));
  });

  test("EMA filter starts at the first sample and moves alpha of the way each step", async () => {
    await e.call("emaInit", f64(0.25));
    assert.equal(await num("emaNext", f64(8)), 8);
    assert.equal(await num("emaNext", f64(0)), 6);
    assert.equal(await num("emaNext", f64(6)), 6);
    assert.equal(await num("emaNext", f64(10)), 7);
  });

  test("running z-score and offset removal give the host's bits exactly (Welford, same operation order)", async () => {
    const r = rng(3);
    await e.call("statsReset");
    const host = new RunningZScore();
    for (let i = 0; i < 500; i++) {
      const x = 20 + Math.sin(i / 10) * 3 + (r() - 0.5);
      assert.equal(Object.is(await num("statsZscore", f64(x)), host.next(x)), true, `sample ${i}`);
    }
    assert.equal(await num("statsMean"), host.mean);
    assert.equal(await num("statsStd"), Math.sqrt(host.m2 / host.n));
    await e.call("statsReset");
    assert.equal(await num("statsRemoveOffset", f64(10)), 0);
    assert.equal(await num("statsRemoveOffset", f64(20)), 5);
  });

  test("ring buffer yields a window of the last length samples every hop samples, oldest first", async () => {
    await e.call("ringInit", i32(4), i32(2));
    const ready: number[] = [];
    for (let i = 0; i < 9; i++) if (await num("ringPush", i64(100 + i), f64(i * 1.5))) ready.push(i);
    assert.deepEqual(ready, [3, 5, 7]); // full at 4 samples, then every 2
    const times: number[] = [];
    const values: number[] = [];
    // After the 9th push (index 8) the window is samples 5..8.
    for (let i = 0; i < 4; i++) {
      times.push(await num("ringTime", i32(i)));
      values.push(await num("ringValue", i32(i)));
    }
    assert.deepEqual(times, [105, 106, 107, 108]);
    assert.deepEqual(values, [7.5, 9, 10.5, 12]);
  });

  test("device quantizer gives the host's codes for random values in and out of range, and counts saturation", async () => {
    const r = rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const { lo, hi } = toF32Range(-100 + r() * 100, r() * 200 + 0.001);
      const int8 = trial % 2 === 1;
      assert.equal(await num("quantInit", f32(lo), f32(hi), i32(int8 ? 1 : 0)), 1);
      const host = new ChannelQuantizer({ lo, hi }, int8);
      for (let i = 0; i < 200; i++) {
        const x = lo - (hi - lo) * 0.1 + r() * (hi - lo) * 1.2;
        const q = await num("quantize", f64(x));
        assert.equal(q, host.quantize(x), `x=${x} in [${lo}, ${hi}]`);
        assert.equal(await num("dequantize", i32(q)), host.dequantize(q));
      }
      assert.equal(await num("quantSaturated"), host.saturated);
      assert.ok(host.saturated > 0);
    }
    assert.equal(await num("quantInit", f32(1), f32(1), i32(0)), 0, "an empty range is refused");
  });

  test("a calibration run on the device widens the observed range to f32 exactly as the host does", async () => {
    const r = rng(5);
    for (let trial = 0; trial < 10; trial++) {
      await e.call("calibReset");
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < 50; i++) {
        const x = (r() - 0.5) * 10 ** (trial - 3);
        min = Math.min(min, x);
        max = Math.max(max, x);
        await e.call("calibAdd", f64(x));
      }
      assert.equal(await num("calibApply", i32(0)), 1);
      const want = toF32Range(min, max);
      assert.equal(await num("quantLow"), want.lo);
      assert.equal(await num("quantHigh"), want.hi);
      assert.ok(want.lo <= min && want.hi >= max);
    }
    await e.call("calibReset");
    await e.call("calibAdd", f64(3));
    assert.equal(await num("calibApply", i32(0)), 1, "a constant channel gets a non-empty range");
    assert.ok((await num("quantLow")) < 3 && (await num("quantHigh")) > 3);
  });

  test("the device CRC-32 (a table in data) gives zlib's CRC of every single byte", async () => {
    for (let b = 0; b < 256; b++) assert.equal((await num("crcOfByte", i32(b))) >>> 0, crc32(Buffer.of(b)), `byte ${b}`);
  });

  test("addValuesFrom() takes one sample of an interleaved buffer and refuses an offset past its end", async () => {
    assert.equal(await num("fromValues", i32(2)), 191, "0.75 of 0..1 is code 191");
    assert.equal(await num("fromValues", i32(3)), -3, "ERR_VALUES_RANGE");
    assert.equal(await num("fromValues", i32(-1)), -3);
  });

  test("the device encoder refuses a code out of range or time going back, and keeps the block intact", async () => {
    await e.call("guardInit", i32(0));
    assert.equal(await num("guardAdd", i64(10), i32(200)), 0);
    assert.equal(await num("guardAdd", i64(20), i32(256)), -2, "ERR_CODE_RANGE");
    assert.equal(await num("guardAdd", i64(20), i32(-1)), -2);
    assert.equal(await num("guardAdd", i64(5), i32(3)), -1, "ERR_TIME_BACKWARDS");
    assert.equal(await num("guardPending"), 1, "refused samples were not added");
    await e.call("guardInit", i32(1));
    assert.equal(await num("guardAdd", i64(0), i32(-128)), 0);
    assert.equal(await num("guardAdd", i64(1), i32(128)), -2);
    assert.equal(await num("guardAdd", i64(1), i32(127)), 0);
  });
});
