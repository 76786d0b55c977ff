// Replayed and reordered .wqs blocks: a block whose sequence number was already passed
// (a duplicate, or one arriving after a later block) is dropped with a warning, never
// emitted; `wasmcu dequantize` exits 3 ("damaged input") on any damage unless --salvage.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { decodeWqs, encodeHeader, encodeSamples, type StreamHeader } from "../../../host-tools/src/stream/index.js";
import { wasmcu } from "../../helpers/cli.js";

const header: StreamHeader = {
  channels: [{ name: "a", lo: 0, hi: 100 }], int8: false, zscore: false, timeExp: -3, blockSamples: 16, window: 0, hop: 0,
};
const samples = Array.from({ length: 16 * 4 }, (_, i) => ({ t: 1_000 + i * 10, values: [(i * 3) % 100] }));
const bytes = encodeSamples(header, samples);
const hlen = encodeHeader(header).length;
const clean = decodeWqs(bytes);
const blockBytes = clean.blocks.map((b, i) => bytes.subarray(b.offset, clean.blocks[i + 1]?.offset ?? bytes.length));
/** The stream with its blocks in the given order (by sequence number). */
const reorder = (order: number[]) => Buffer.concat([bytes.subarray(0, hlen), ...order.map((s) => blockBytes[s]!)]);

describe("the decoder drops blocks whose sequence number goes backwards", () => {
  test("the clean stream has blocks 0..3 (control)", () => {
    assert.deepEqual(clean.blocks.map((b) => b.seq), [0, 1, 2, 3]);
    assert.deepEqual(clean.dropped, []);
  });

  test("a replayed block is dropped, not emitted twice", () => {
    const d = decodeWqs(reorder([0, 1, 1, 2, 3]));
    assert.deepEqual(d.blocks.map((b) => b.seq), [0, 1, 2, 3]);
    assert.equal(d.dropped.length, 1);
    assert.deepEqual({ seq: d.dropped[0]!.seq, expected: d.dropped[0]!.expectedSeq }, { seq: 1, expected: 2 });
    assert.deepEqual(d.lost, []);
  });

  test("a block arriving after a later one is dropped; the gap it leaves is reported lost", () => {
    const d = decodeWqs(reorder([0, 2, 1, 3]));
    assert.deepEqual(d.blocks.map((b) => b.seq), [0, 2, 3]);
    assert.deepEqual(d.dropped.map((x) => x.seq), [1]);
    assert.deepEqual(d.lost, [{ fromSeq: 1, toSeq: 1 }]);
  });
});

describe("CLI: dequantize exits 3 on any damage unless --salvage", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wqs-seq-"));
  const file = (name: string, data: Uint8Array) => {
    const p = path.join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const rows = (csv: string) => readFileSync(csv, "utf8").trim().split("\n").length - 1;

  test("a clean stream exits 0 without warnings (control)", async () => {
    const r = await wasmcu(["dequantize", file("clean.wqs", bytes), "-o", path.join(dir, "clean.csv")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(rows(path.join(dir, "clean.csv")), 64);
  });

  for (const [name, order, warning] of [
    ["a duplicated block", [0, 1, 1, 2, 3], /warning: .*block 1 at byte \d+ dropped: sequence number 1 repeats or goes backwards \(expected 2\)/],
    ["sequence numbers going backwards", [0, 2, 1, 3], /warning: .*block 1 at byte \d+ dropped: sequence number 1 repeats or goes backwards \(expected 3\)/],
    ["a lost block", [0, 1, 3], /warning: .*block 2 lost/],
  ] as const) {
    test(`${name}: a warning on stderr, the extra samples not emitted, exit 3; --salvage exits 0`, async () => {
      const input = file(`${order.join("")}.wqs`, reorder([...order]));
      const csv = path.join(dir, `${order.join("")}.csv`);
      const r = await wasmcu(["dequantize", input, "-o", csv]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, warning);
      assert.match(r.stderr, /damaged input/);
      assert.equal(rows(csv), 16 * new Set(order.filter((s, i) => order.slice(0, i).every((p) => p < s))).size);
      const s = await wasmcu(["dequantize", input, "-o", csv, "--salvage"]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stderr, warning);
    });
  }
});
