// The engine against TensorFlow Lite Micro's reference kernels: every case of
// every reference model in ../shared/reference-models gives the exact output
// bytes TFLM gave, every activation of the dumped cases matches TFLM's layer
// by layer, the arena is no larger than TFLM's, and the held-out models
// load, plan and run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { hostBin, sharedDir } from "../../helpers/paths.js";
import { referenceModels, writeXorshiftInputs } from "../../helpers/reference-models.js";

const modelsDir = path.join(sharedDir, "reference-models");
const haveModels = existsSync(modelsDir);

interface Meta {
  model_name: string;
  arena_used_bytes: number;
  inputs: { bytes: number; dtype: string; shape: number[] }[];
  outputs: { bytes: number; dtype: string; scale: number; zero_point: number }[];
  cases?: { k: number; kind: string; inputs: string[]; outputs: string[]; status: string }[];
  layer_dumps?: { cases: { k: number; status: string; index: string }[] };
}

const models = (): string[] => referenceModels(modelsDir);

const meta = (m: string): Meta => JSON.parse(readFileSync(path.join(modelsDir, m, "meta.json"), "utf8")) as Meta;
const tmp = mkdtempSync(path.join(tmpdir(), "nn-golden-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(hostBin("wasmcu-nn"), args, { encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("reference models: output bytes equal TFLM's", { skip: !haveModels && "no ../shared/reference-models" }, () => {
  for (const m of models()) {
    const md = meta(m);
    const cases = (md.cases ?? []).filter((c) => c.status === "ok");
    if (cases.length === 0) continue;
    test(`${m}: all ${cases.length} cases match`, () => {
      for (const c of cases) {
        const prefix = path.join(tmp, `${m}-${c.k}`);
        const args = ["run", path.join(modelsDir, m, "model.tflite")];
        for (const i of c.inputs) args.push("--input", path.join(modelsDir, m, i));
        args.push("--output-prefix", prefix);
        // A stream case feeds cases 0..3 to one interpreter, outputs back to back.
        if (c.kind === "random_stream") args.push("--frames", String(4));
        const r = run(args);
        assert.equal(r.status, 0, `${m} case ${c.k}: ${r.stderr}`);
        c.outputs.forEach((o, j) => {
          const got = readFileSync(`${prefix}.out${j}.bin`);
          const want = readFileSync(path.join(modelsDir, m, o));
          assert.ok(got.equals(want), `${m} case ${c.k} (${c.kind}) output ${j} differs from TFLM`);
        });
      }
    });
  }
});

describe("reference models: every activation equals TFLM's, layer by layer", { skip: !haveModels && "no reference models" }, () => {
  for (const m of models()) {
    const md = meta(m);
    for (const dump of md.layer_dumps?.cases ?? []) {
      if (dump.status !== "ok") continue;
      test(`${m}: case ${dump.k} activations`, () => {
        const index = JSON.parse(readFileSync(path.join(modelsDir, m, dump.index), "utf8")) as {
          tensors: { index: number; file: string }[];
        };
        const c = md.cases!.find((x) => x.k === dump.k)!;
        const dir = mkdtempSync(path.join(tmp, `${m}-layers-`));
        const args = ["run", path.join(modelsDir, m, "model.tflite")];
        for (const i of c.inputs) args.push("--input", path.join(modelsDir, m, i));
        args.push("--output-prefix", path.join(dir, "o"), "--dump", dir);
        const r = run(args);
        assert.equal(r.status, 0, r.stderr);
        let compared = 0;
        for (const t of index.tensors) {
          const mine = path.join(dir, `t${t.index}.bin`);
          if (!existsSync(mine)) continue; // graph inputs are not op outputs
          compared++;
          assert.ok(readFileSync(mine).equals(readFileSync(path.join(modelsDir, m, t.file))),
            `${m} case ${dump.k}: tensor ${t.index} differs from TFLM`);
        }
        assert.ok(compared >= 1, "no activation was compared");
      });
    }
  }
});

describe("reference models: arena at or below TFLM's", { skip: !haveModels && "no reference models" }, () => {
  test("every model plans into no more arena than TFLM used", () => {
    for (const m of models()) {
      const r = run(["info", path.join(modelsDir, m, "model.tflite"), "--json"]);
      assert.equal(r.status, 0, `${m}: ${r.stderr}`);
      const info = JSON.parse(r.stdout) as { arena_bytes: number; unsupported_ops: string[] };
      assert.deepEqual(info.unsupported_ops, [], m);
      assert.ok(info.arena_bytes <= meta(m).arena_used_bytes,
        `${m}: ${info.arena_bytes} B > TFLM's ${meta(m).arena_used_bytes} B`);
    }
  });
});

describe("held-out models load, plan and run", { skip: !haveModels && "no reference models" }, () => {
  for (const m of models()) {
    const md = meta(m);
    if ((md.cases ?? []).length > 0) continue;
    test(`${m} runs on xorshift input and gives a softmax distribution`, () => {
      const args = ["run", path.join(modelsDir, m, "model.tflite")];
      for (const p of writeXorshiftInputs(path.join(tmp, m), md.inputs)) args.push("--input", p);
      args.push("--output-prefix", path.join(tmp, m), "--json");
      const r = run(args);
      assert.equal(r.status, 0, r.stderr);
      const out = readFileSync(path.join(tmp, `${m}.out0.bin`));
      assert.equal(out.length, md.outputs[0]!.bytes);
      // int8 softmax outputs (scale 1/256, zp -128): probabilities add up to ~1.
      const o = md.outputs[0]!;
      if (o.dtype === "INT8" && o.zero_point === -128 && Math.abs(o.scale - 1 / 256) < 1e-9) {
        const sum = Array.from(new Int8Array(out.buffer, out.byteOffset, out.length)).reduce((s, v) => s + v + 128, 0);
        assert.ok(Math.abs(sum - 256) <= out.length, `probabilities sum to ${sum}/256`);
      }
    });
  }
});
