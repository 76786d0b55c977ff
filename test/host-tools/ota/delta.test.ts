import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { crc32 } from "../../../host-tools/src/lib/crc32.js";
import { applyDelta, encodeDelta, parsePatchHeader, PATCH_HEADER_SIZE } from "../../../host-tools/src/ota/delta.js";
import { appPairs, perturbModel, referenceModel, tfliteBuffers } from "./pairs.js";

describe("delta encoder", () => {
  test("round trips through the reference decoder on the realistic app and model pairs, and stays small", async () => {
    const apps = await appPairs();
    const model = referenceModel("kws_ref_model");
    const cases: [string, Buffer, Buffer, number][] = [
      ["changed constant", apps.base, apps.constant, 0.1],
      ["new function", apps.base, apps.newFunction, 0.2],
      ["retrained model (10% of weight bytes +-1)", model, perturbModel(model, 0.1), 0.3],
    ];
    for (const [name, a, b, bound] of cases) {
      assert.ok(!a.equals(b), `${name}: the pair differs`);
      const p = encodeDelta(a, b);
      assert.ok(applyDelta(a, p).equals(b), name);
      assert.ok(p.length < b.length * bound, `${name}: ${p.length} B patch for ${b.length} B (bound ${bound})`);
    }
  });

  test("round trips on unrelated, shifted, shrunk and grown data", () => {
    const a = randomBytes(5000);
    const cases = [
      randomBytes(3000),
      Buffer.concat([randomBytes(17), a]),
      a.subarray(100, 4000),
      Buffer.concat([a.subarray(0, 2000), randomBytes(500), a.subarray(2000), a.subarray(0, 700)]),
      Buffer.from([1]),
    ];
    for (const b of cases) assert.ok(applyDelta(a, encodeDelta(a, b)).equals(b));
  });

  test("the header carries both lengths and SHA-256s; a different base is refused", () => {
    const a = randomBytes(1000), b = Buffer.concat([a, Buffer.from("tail")]);
    const p = encodeDelta(a, b);
    const h = parsePatchHeader(p);
    assert.equal(h.oldLength, 1000);
    assert.equal(h.newLength, 1004);
    const other = Buffer.from(a); other[500]! ^= 1;
    assert.throws(() => applyDelta(other, p), /different old image/);
    assert.throws(() => applyDelta(a, p.subarray(0, p.length - 1)), /truncated/);
    const crc = Buffer.from(p); crc[10]! ^= 1;
    assert.throws(() => applyDelta(a, crc), /header CRC/);
    assert.ok(p.length > PATCH_HEADER_SIZE);
  });

  test("bytes after END are refused whether the body is raw or range-coded", () => {
    const a = randomBytes(3000), b = Buffer.concat([a.subarray(0, 1000), randomBytes(50), a.subarray(1000)]);
    for (const coding of ["raw", "range"] as const) {
      for (const extra of [Buffer.alloc(64), Buffer.alloc(1, 0x55), randomBytes(64)]) {
        const good = encodeDelta(a, b, undefined, { coding });
        assert.ok(applyDelta(a, good).equals(b), coding);
        const patch = Buffer.concat([good, extra]);
        patch.writeUInt32LE(good.length - PATCH_HEADER_SIZE + extra.length, 84);
        patch.writeUInt32LE(crc32(patch.subarray(0, PATCH_HEADER_SIZE - 4)), PATCH_HEADER_SIZE - 4);
        assert.throws(() => applyDelta(a, patch), new RegExp(`patch: ${extra.length} bytes after END$`), coding);
      }
    }
  });

  test("the model pair perturbs only tensor buffers (the flatbuffer structure stays put)", () => {
    const model = referenceModel("kws_ref_model");
    const bufs = tfliteBuffers(model).filter((b) => b.length >= 256);
    assert.ok(bufs.length > 0);
    const p = perturbModel(model, 0.1);
    for (let i = 0; i < model.length; i++) {
      if (model[i] !== p[i]) assert.ok(bufs.some((b) => i >= b.offset && i < b.offset + b.length), `byte ${i} outside weights`);
    }
  });
});
