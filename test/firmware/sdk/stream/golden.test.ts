// The device SDK (AssemblyScript, firmware/sdk/stream) and the host library
// (host-tools/src/stream) must produce the committed golden .wqs bytes exactly.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decodeWqs, ChannelQuantizer, RunningZScore } from "../../../../host-tools/src/stream/index.js";
import { hostEncode, loadGoldens } from "./golden.js";
import { compileHarness, nodeEngine, runGolden, vmEngine, vmPath, type Engine } from "./harness.js";

const goldens = loadGoldens();
let wasm = "";
const engines: Engine[] = [];

before(async () => {
  wasm = await compileHarness(goldens.map((g) => g.input));
  engines.push(await nodeEngine(wasm));
  const vm = vmPath();
  if (vm) engines.push(await vmEngine(vm, wasm));
});

after(async () => {
  for (const e of engines) await e.close();
});

test("there are golden vectors for uint8, int8+zscore, windows and real data", () => {
  assert.deepEqual(goldens.map((g) => g.name), ["basic-u8", "int8-zscore", "seattle-100", "window-8-4"]);
});

for (const [k, g] of goldens.entries()) {
  test(`host encoder reproduces golden ${g.name} byte for byte`, () => {
    assert.deepEqual(Buffer.from(hostEncode(g.input)), Buffer.from(g.wqs));
  });

  test(`device SDK encoder (AssemblyScript) reproduces golden ${g.name} byte for byte`, async (t) => {
    for (const e of engines) {
      await t.test(`under ${e.name}`, async () => {
        const out = await runGolden(e, k);
        assert.deepEqual(Buffer.from(out), Buffer.from(g.wqs));
      });
    }
  });

  test(`golden ${g.name} decodes to the codes of its input, with no damage`, () => {
    const d = decodeWqs(g.wqs);
    assert.deepEqual(d.damage, []);
    const C = g.input.channels.length;
    const qs = g.input.channels.map((c) => new ChannelQuantizer(c, g.input.int8));
    const zs = g.input.channels.map(() => new RunningZScore());
    const codes = g.input.samples.map((s) => s.slice(1).map((x, c) => qs[c]!.quantize(g.input.zscore ? zs[c]!.next(x) : x)));
    const W = g.input.window;
    const hop = g.input.hop;
    // Expected sample indices per block: consecutive blocks, or overlapping windows.
    const expected: number[][] = [];
    if (W) for (let end = W; end <= codes.length; end += hop) expected.push([...Array(W).keys()].map((i) => end - W + i));
    else for (let s = 0; s < codes.length; s += g.input.blockSamples) expected.push([...Array(Math.min(g.input.blockSamples, codes.length - s)).keys()].map((i) => s + i));
    assert.equal(d.blocks.length, expected.length);
    d.blocks.forEach((b, bi) => {
      assert.equal(b.seq, bi);
      expected[bi]!.forEach((si, i) => {
        assert.equal(b.t[i], g.input.samples[si]![0]);
        for (let c = 0; c < C; c++) assert.equal(b.q[i * C + c], codes[si]![c]);
      });
    });
  });
}
