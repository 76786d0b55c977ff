// Damaged and hostile models: each is refused with an error that says what
// is wrong and where (table, field, index), never a crash.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildModel, fcOptions, i32, i8, lstmModel, Op, type ModelSpec } from "./tflite-builder.js";
import { infoModel, runModel } from "./nn-run.js";

function goodSpec(): ModelSpec {
  return {
    tensors: [
      { shape: [1, 2], type: "INT8", scale: 0.5, zeroPoint: 0, name: "input" },
      { shape: [1, 2], type: "INT8", scale: 1, data: i8([1, 2]) },
      { shape: [1], type: "INT32", scale: 0.5, data: i32([0]) },
      { shape: [1, 1], type: "INT8", scale: 1, zeroPoint: 0 },
    ],
    ops: [{ code: Op.FULLY_CONNECTED, inputs: [0, 1, 2], outputs: [3], options: fcOptions() }],
    inputs: [0],
    outputs: [3],
  };
}

/** Refused by `wasmcu-nn info` (exit 1) with a message matching `re`: on
 * stderr when the model cannot be read, in the JSON "error" when it reads but
 * cannot be planned. */
function refused(model: Uint8Array, re: RegExp): void {
  const r = infoModel(model);
  assert.notEqual(r.status, 0, "the model was accepted");
  const message = r.stderr || (JSON.parse(r.stdout) as { error: string }).error;
  assert.match(message, re);
  assert.doesNotMatch(r.stderr, /Segmentation|Aborted|sanitizer/);
}

describe("malformed models are refused with a specific error", () => {
  test("the well-formed model is accepted (control)", () => {
    const r = infoModel(buildModel(goodSpec()));
    assert.equal(r.status, 0, r.stderr);
  });

  test("a file shorter than a FlatBuffer header", () => {
    refused(new Uint8Array([1, 2, 3, 4, 5]), /model is 5 bytes: too short/);
  });

  test("a truncated file", () => {
    const good = buildModel(goodSpec());
    refused(good.subarray(0, Math.floor(good.length / 2)), /outside the model|past the end|truncated/);
  });

  test("a file that is not a TFLite model", () => {
    const m = buildModel(goodSpec());
    m.set(new TextEncoder().encode("XXXX"), 4);
    refused(m, /file identifier is not 'TFL3'/);
  });

  test("a root offset beyond the end", () => {
    const m = buildModel(goodSpec());
    new DataView(m.buffer).setUint32(0, m.length + 100, true);
    refused(m, /bad root offset \d+: model root 0: table offset \d+ is outside the model/);
  });

  test("a vtable offset out of range", () => {
    const m = buildModel(goodSpec());
    const dv = new DataView(m.buffer);
    const root = dv.getUint32(0, true);
    dv.setInt32(root, 0x7ffffff0, true); // vtable = table - soffset: far before the file
    refused(m, /vtable of the table at offset \d+ is out of range/);
  });

  test("a tensor whose buffer index is out of range", () => {
    const spec = goodSpec();
    spec.tensors[3]!.buffer = 99;
    refused(buildModel(spec), /tensor 3: buffer index 99 out of range \(3 buffers\)/);
  });

  test("a tensor shape whose byte size overflows", () => {
    const spec = goodSpec();
    spec.tensors[3]!.shape = [65536, 65536, 16];
    refused(buildModel(spec), /tensor 3: shape overflows/);
  });

  test("a negative dimension", () => {
    const spec = goodSpec();
    spec.tensors[0]!.shape = [1, -2];
    refused(buildModel(spec), /tensor 0: dimension 1 is -2/);
  });

  test("constant data that does not match the shape", () => {
    const spec = goodSpec();
    spec.tensors[1]!.shape = [1, 3];
    refused(buildModel(spec), /tensor 1: buffer 1 holds 2 bytes, its shape needs 3/);
  });

  test("an operator input index out of range", () => {
    const spec = goodSpec();
    spec.ops[0]!.inputs = [0, 1, 7];
    refused(buildModel(spec), /operator 0: input 2 is tensor 7, out of range \(4 tensors\)/);
  });

  test("an unsupported operator is named at load time", () => {
    const spec = goodSpec();
    spec.ops[0]!.code = 47; // EXP
    const r = infoModel(buildModel(spec));
    assert.equal(r.status, 1);
    const info = JSON.parse(r.stdout) as { unsupported_ops: string[]; error: string };
    assert.deepEqual(info.unsupported_ops, ["EXP"]);
    assert.match(info.error, /operator 0 \(EXP, builtin code 47\) is not supported/);
  });

  test("an unsupported tensor type", () => {
    const spec = goodSpec();
    spec.tensors[3]!.type = "STRING";
    refused(buildModel(spec), /tensor 3 has type STRING, which the engine cannot store/);
  });

  test("a kernel-level inconsistency names the operator", () => {
    const spec = goodSpec();
    spec.tensors[3]!.shape = [1, 3]; // 3 outputs from a 1-row weight matrix
    refused(buildModel(spec), /operator 0 \(FULLY_CONNECTED\): output depth 3 does not fit weights \[1, 2\]/);
  });
});

describe("bad inputs at run time", () => {
  test("a wrong input size names the tensor and the expected byte count", () => {
    const r = runModel(buildModel(goodSpec()), [new Uint8Array(5)]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /input 0 \(tensor 0 'input', INT8\): .* has 5 bytes, expected 2/);
  });

  test("a missing input file count is reported", () => {
    const r = runModel(buildModel(goodSpec()), []);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /model has 1 input tensor\(s\); got 0 --input file\(s\)/);
  });
});

describe("scales whose fixed-point shifts the kernels cannot compute exactly are refused at prepare", () => {
  test("an LSTM with a cell-state scale of 2^-11 plans and runs (control)", () => {
    const m = lstmModel({ cellScale: 2 ** -11 });
    assert.equal(infoModel(m).status, 0, infoModel(m).stderr);
    const r = runModel(m, [i8([20, -30])]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs[0]?.length, 2);
  });

  for (const [name, scale] of [["2^20", 2 ** 20], ["2^3", 8], ["1e-30", 1e-30], ["2^-56", 2 ** -56]] as const) {
    test(`an LSTM cell-state scale of ${name} is refused, naming the cell-state tensor`, () => {
      const m = lstmModel({ cellScale: scale });
      refused(m, /UNIDIRECTIONAL_SEQUENCE_LSTM.*cell state \(tensor 14 'cell_state'\) scale 2\^-?\d+/);
      const r = runModel(m, [i8([20, -30])]);
      assert.equal(r.status, 1, "the model ran");
      assert.match(r.stderr, /cell state \(tensor 14 'cell_state'\)/);
    });
  }

  test("the widest cell-state scales the kernel computes exactly, 2^2 and 2^-43, are accepted", () => {
    for (const scale of [4, 2 ** -43]) {
      const r = runModel(lstmModel({ cellScale: scale }), [i8([127, -128])]);
      assert.equal(r.status, 0, `${scale}: ${r.stderr}`);
    }
  });

  test("int16 TANH and LOGISTIC with an input scale whose multiplier would overflow or vanish are refused", () => {
    for (const code of [Op.TANH, Op.LOGISTIC]) {
      for (const scale of [1e30, 100, 1e-30]) {
        const m = buildModel({
          tensors: [
            { shape: [1, 4], type: "INT16", scale, zeroPoint: 0, name: "in16" },
            { shape: [1, 4], type: "INT16", scale: 2 ** -15, zeroPoint: 0, name: "out16" },
          ],
          ops: [{ code, inputs: [0], outputs: [1] }],
          inputs: [0],
          outputs: [1],
        });
        refused(m, /input \(tensor 0 'in16'\) scale/);
      }
    }
  });
});
