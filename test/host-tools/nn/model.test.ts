// `wasmcu model info|run` on the host engine: the command writes the same
// output bytes TFLM gave, describes models, and reports bad input clearly.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot, sharedDir } from "../../helpers/paths.js";
import { lstmModel } from "../../firmware/nn/tflite-builder.js";
import { InputError } from "../../../host-tools/src/lib/errors.js";

const models = path.join(sharedDir, "reference-models");
const skip = !existsSync(models) && "no ../shared/reference-models";
const tmp = mkdtempSync(path.join(tmpdir(), "wasmcu-model-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("wasmcu model", { skip }, () => {
  test("run writes PREFIX.out0.bin equal to TFLM's output and reports it as JSON", async () => {
    const m = path.join(models, "kws_ref_model");
    const prefix = path.join(tmp, "kws");
    const r = await wasmcu(["model", "run", path.join(m, "model.tflite"), "--input", path.join(m, "in_8.in0.bin"),
      "--output-prefix", prefix, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { outputs: { file: string; bytes: number }[]; arena_bytes: number; invokes: number };
    assert.equal(report.outputs[0]!.file, `${prefix}.out0.bin`);
    assert.equal(report.invokes, 1);
    assert.ok(readFileSync(`${prefix}.out0.bin`).equals(readFileSync(path.join(m, "out_8.out0.bin"))));
  });

  test("run prints each output's values, dequantized and raw, and --json carries them (-o and --output-prefix alike)", async () => {
    const m = path.join(models, "kws_ref_model");
    const expected = readFileSync(path.join(m, "out_8.out0.bin"));
    const raw = [...new Int8Array(expected.buffer, expected.byteOffset, expected.length)];
    const json = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_8.in0.bin"), "-o", path.join(tmp, "v"), "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const o = (JSON.parse(json.stdout) as { outputs: { scale: number; zero_point: number; values: { raw: number[]; dequantized: number[] } }[] }).outputs[0]!;
    assert.deepEqual(o.values.raw, raw);
    assert.deepEqual(o.values.dequantized, raw.map((q) => (q - o.zero_point) * o.scale));
    const text = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_8.in0.bin"), "--output-prefix", path.join(tmp, "w")]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(readFileSync(path.join(tmp, "w.out0.bin")).equals(expected));
    assert.match(text.stdout, new RegExp(`^  raw int8 \\[${raw.slice(0, 3).join(", ")}, `, "m"));
    assert.match(text.stdout, /^  values \[-?\d/m);
  });

  test("run --frames feeds a stream to one interpreter (stateful LSTM)", async () => {
    const m = path.join(models, "trained_lstm_int8");
    const prefix = path.join(tmp, "lstm");
    const r = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_13.in0.bin"),
      "-o", prefix, "--frames", "4"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*lstm\.out0\.bin \(40 bytes/);
    assert.ok(readFileSync(`${prefix}.out0.bin`).equals(readFileSync(path.join(m, "out_13.out0.bin"))));
  });

  test("info lists operators in order, tensors, arena and flash", async () => {
    const r = await wasmcu(["model", "info", path.join(models, "micro_speech_quantized", "model.tflite"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { ops: { op: string }[]; arena_bytes: number; inputs: { shape: number[]; type: string }[]; unsupported_ops: string[] };
    assert.deepEqual(info.ops.map((o) => o.op), ["RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"]);
    assert.deepEqual(info.inputs[0]!.shape, [1, 1960]);
    assert.equal(info.inputs[0]!.type, "INT8");
    assert.ok(info.arena_bytes > 0 && info.arena_bytes <= 7312);
    assert.deepEqual(info.unsupported_ops, []);
    const text = await wasmcu(["model", "info", path.join(models, "micro_speech_quantized", "model.tflite")]);
    assert.match(text.stdout, /arena: \d+ B/);
    assert.match(text.stdout, /DEPTHWISE_CONV_2D/);
  });

  test("info - reads the model from stdin: the same description as from its file, and no file named -", () => {
    const file = path.join(models, "micro_speech_quantized", "model.tflite");
    const bin = path.join(repoRoot, "host-tools/bin/wasmcu.js");
    const viaFile = spawnSync(process.execPath, [bin, "model", "info", file, "--json"], { cwd: tmp, encoding: "utf8" });
    const viaStdin = spawnSync(process.execPath, [bin, "model", "info", "-", "--json"], { cwd: tmp, input: readFileSync(file), encoding: "utf8" });
    assert.equal(viaStdin.status, 0, viaStdin.stderr);
    // The same description, the model named as given ("-").
    assert.deepEqual(JSON.parse(viaStdin.stdout), { ...JSON.parse(viaFile.stdout), model: "-" });
    assert.equal(existsSync(path.join(tmp, "-")), false);
    // Nothing on stdin is an empty model: bad input, not a hang or a stack trace.
    const empty = spawnSync(process.execPath, [bin, "model", "info", "-"], { cwd: tmp, input: "", encoding: "utf8" });
    assert.equal(empty.status, 3, empty.stderr);
    assert.doesNotMatch(empty.stderr, /^\s+at /m);
  });

  test("a wrong input size names the tensor and the expected byte count", async () => {
    const m = path.join(models, "hello_world_int8");
    const r = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(models, "kws_ref_model", "in_0.in0.bin"), "-o", path.join(tmp, "x"), "--json"]);
    assert.equal(r.code, 3);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, "E_INPUT");
    assert.match(err.message, /tensor 0 'serving_default_dense_input:0', INT8\): .* has 490 bytes, expected 1/);
  });

  test("a missing model file and a real board without --port are clear errors", async () => {
    const a = await wasmcu(["model", "info", path.join(tmp, "nope.tflite")]);
    assert.equal(a.code, 3);
    assert.match(a.stderr, /model .*nope\.tflite does not exist/);
    const m = path.join(models, "hello_world_int8");
    const b = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_0.in0.bin"), "-o", path.join(tmp, "b"), "--board", "rp2040"]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /--board rp2040 is not available yet/);
    // per-operator profiling is the host engine's: elsewhere it is refused before any board starts
    const c = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_0.in0.bin"), "-o", path.join(tmp, "c"), "--board", "rp2040-sim", "--profile"]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /--profile: only with --board host .* on --board rp2040-sim the device times the whole invoke/);
    const d = await wasmcu(["model", "run", path.join(m, "model.tflite"), "-i", path.join(m, "in_0.in0.bin"), "-o", path.join(tmp, "d"), "--port", "/dev/null", "--repeat", "3"]);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /--repeat: only with --board host .* on --port \/dev\/null/);
  });
});

describe("wasmcu model info on a model whose arena cannot be planned", () => {
  // Reads fine, but the LSTM's prepare refuses its cell-state scale of 2^20: bad input, with
  // the exit status the CLI gives bad input (InputError's).
  const BAD_INPUT = new InputError("").exitCode;
  const file = path.join(tmp, "unplannable.tflite");
  writeFileSync(file, lstmModel({ cellScale: 2 ** 20 }));

  test("describes the model on stdout, says why the arena cannot be planned on stderr, exits non-zero", async () => {
    const r = await wasmcu(["model", "info", file]);
    assert.equal(r.code, BAD_INPUT);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /UNIDIRECTIONAL_SEQUENCE_LSTM/);
    assert.doesNotMatch(r.stdout, /cell state/);
    assert.match(r.stderr, /^wasmcu: error: .*unplannable\.tflite: the arena cannot be planned: .*cell state \(tensor 14 'cell_state'\)/m);
  });

  test("--json: one JSON document (the error) on stdout, the message on stderr, exits non-zero", async () => {
    const r = await wasmcu(["model", "info", file, "--json"]);
    assert.equal(r.code, BAD_INPUT);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    assert.match(err.message, /the arena cannot be planned: .*cell state/);
    assert.match(r.stderr, /wasmcu: error: .*cell state/);
  });

  test("a model that plans exits 0 with nothing on stderr (control)", async () => {
    const ok = path.join(tmp, "plannable.tflite");
    writeFileSync(ok, lstmModel({ cellScale: 2 ** -11 }));
    const r = await wasmcu(["model", "info", ok]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /arena: \d+ B/);
  });
});
