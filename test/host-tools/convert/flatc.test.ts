// The written .tflite is a standard TFLite FlatBuffer: Debian's flatc decodes
// it against the upstream schema (../shared/reference-models/schema.fbs) and
// the JSON has the fields TFLite readers rely on.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { convertInMemory } from "../../../host-tools/src/convert/index.js";
import { sharedDir } from "../../helpers/paths.js";
import { samples, saveModel, seedWeights, tf, tfReady, tmpDir } from "./helpers.js";

const FLATC = "/usr/bin/flatc";

/** flatc 2.0.8 (Debian) does not parse `(deprecated)` on enum values and union members,
 *  which the newest schema uses twice; a temporary copy without those attributes is
 *  the same schema for every other purpose. */
function schemaForFlatc(dir: string): string {
  const src = readFileSync(path.join(sharedDir, "reference-models", "schema.fbs"), "utf8");
  const fixed = src.replace(/^(\s+[A-Z_0-9]+ = \d+) \(deprecated\),/gm, "$1,").replace(/^(\s+[A-Za-z0-9]+Options) \(deprecated\),/gm, "$1,");
  const out = path.join(dir, "schema.fbs");
  writeFileSync(out, fixed);
  return out;
}

/** Offsets of every Buffer.data payload, read with a minimal FlatBuffers walk. */
function bufferDataOffsets(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const u32 = (o: number) => dv.getUint32(o, true);
  const field = (table: number, id: number): number | undefined => {
    const vt = table - dv.getInt32(table, true);
    if (4 + 2 * id >= dv.getUint16(vt, true)) return undefined;
    const off = dv.getUint16(vt + 4 + 2 * id, true);
    return off ? table + off : undefined;
  };
  const deref = (at: number) => at + u32(at);
  const root = u32(0);
  const buffers = deref(field(root, 4)!);
  const out: number[] = [];
  for (let i = 0; i < u32(buffers); i++) {
    const t = deref(buffers + 4 + 4 * i);
    const d = field(t, 0);
    if (d !== undefined) out.push(deref(d) + 4);
  }
  return out;
}

test("flatc decodes a converted model and the JSON has the standard TFLite structure", { skip: !existsSync(FLATC) && "flatc is not installed (apt-get install flatbuffers-compiler)" }, async () => {
  await tfReady();
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 1 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, activation: "softmax" }));
  seedWeights(m, 7);
  const dir = tmpDir("flatc");
  const file = await saveModel(m, dir);
  const conv = convertInMemory(file, { file: "cal", samples: samples(16, 72, 8) }, { floatIo: true });
  const tflite = path.join(dir, "model.tflite");
  writeFileSync(tflite, conv.bytes);
  execFileSync(FLATC, ["--json", "--strict-json", "--raw-binary", "-o", dir, schemaForFlatc(dir), "--", tflite], { stdio: "pipe" });
  const model = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8")) as Record<string, unknown>;
  // flatc names its output after the input file: model.tflite -> model.json (overwrites the TF.js
  // model.json, which is no longer needed).
  assert.equal(model.version, 3);
  const codes = model.operator_codes as { deprecated_builtin_code?: number; builtin_code?: string; version?: number }[];
  assert.deepEqual(codes.map((c) => c.builtin_code), ["QUANTIZE", "CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"]);
  assert.deepEqual(codes.map((c) => c.deprecated_builtin_code), [114, 3, 4, 22, 9, 25, 6]);
  const buffers = model.buffers as { data?: number[] }[];
  assert.deepEqual(buffers[0], {}, "buffer 0 is the empty buffer");
  const sg = (model.subgraphs as Record<string, unknown>[])[0]!;
  const tensors = sg.tensors as { shape: number[]; type: string; buffer: number; name: string; quantization?: { scale?: number[]; zero_point?: number[]; quantized_dimension?: number } }[];
  const ops = sg.operators as { opcode_index: number; inputs: number[]; outputs: number[]; builtin_options_type?: string; builtin_options?: Record<string, unknown> }[];
  const input = tensors[(sg.inputs as number[])[0]!]!;
  const output = tensors[(sg.outputs as number[])[0]!]!;
  assert.equal(input.type, "FLOAT32");
  assert.deepEqual(input.shape, [1, 6, 6, 2]);
  assert.equal(output.type, "FLOAT32");
  assert.deepEqual(output.shape, [1, 2]);
  // CONV_2D: int8 input/output, per-channel int8 weights on dim 0, int32 bias with zero points 0.
  const conv2d = ops[1]!;
  assert.equal(conv2d.builtin_options_type, "Conv2DOptions");
  assert.deepEqual(conv2d.builtin_options, { padding: "VALID", stride_w: 1, stride_h: 1, fused_activation_function: "RELU", dilation_w_factor: 1, dilation_h_factor: 1 });
  const [x, w, b] = conv2d.inputs.map((i) => tensors[i]!);
  assert.equal(x!.type, "INT8");
  assert.equal(w!.type, "INT8");
  assert.deepEqual(w!.shape, [3, 3, 3, 2]);
  assert.equal(w!.quantization!.scale!.length, 3);
  assert.deepEqual(w!.quantization!.zero_point, [0, 0, 0]);
  assert.equal(w!.quantization!.quantized_dimension ?? 0, 0);
  assert.equal(buffers[w!.buffer]!.data!.length, 3 * 3 * 3 * 2);
  assert.equal(b!.type, "INT32");
  assert.deepEqual(b!.quantization!.zero_point, [0, 0, 0]);
  for (let c = 0; c < 3; c++) {
    const want = x!.quantization!.scale![0]! * w!.quantization!.scale![c]!;
    // flatc prints floats to 6 decimal places, so this holds to the printed precision.
    assert.ok(Math.abs(b!.quantization!.scale![c]! - want) <= 0.05 * want, "bias scale = input scale x weight scale");
  }
  // DEPTHWISE_CONV_2D: per-channel on dim 3.
  const dw = ops[2]!;
  assert.equal(dw.builtin_options_type, "DepthwiseConv2DOptions");
  assert.equal(tensors[dw.inputs[1]!]!.quantization!.quantized_dimension, 3);
  assert.deepEqual(tensors[dw.inputs[1]!]!.shape, [1, 2, 2, 3]);
  assert.equal(ops[3]!.builtin_options_type, "ReshapeOptions");
  assert.equal(ops[4]!.builtin_options_type, "FullyConnectedOptions");
  assert.equal(ops[5]!.builtin_options_type, "SoftmaxOptions");
  assert.equal((ops[5]!.builtin_options as { beta: number }).beta, 1);
  const softmaxOut = tensors[ops[5]!.outputs[0]!]!;
  assert.deepEqual(softmaxOut.quantization!.zero_point, [-128]);
  assert.ok(Math.abs(softmaxOut.quantization!.scale![0]! - 1 / 256) < 1e-6, "softmax output scale 1/256 (printed to 6 places)");
  // Every weight buffer's payload starts 16-byte aligned.
  const offs = bufferDataOffsets(conv.bytes);
  assert.ok(offs.length >= 6);
  for (const o of offs) assert.equal(o % 16, 0, `buffer data at ${o}`);
});
