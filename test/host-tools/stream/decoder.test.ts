// Damaged, truncated and chunked .wqs input: every good block is still decoded, and the
// damage is reported with its byte offset.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeWqs, encodeHeader, encodeSamples, WqsDecoder, type StreamHeader } from "../../../host-tools/src/stream/index.js";

const header: StreamHeader = {
  channels: [{ name: "a", lo: -2, hi: 2 }, { name: "b", lo: 0, hi: 100 }], int8: false, zscore: false, timeExp: -3, blockSamples: 32, window: 0, hop: 0,
};
const samples = Array.from({ length: 32 * 5 }, (_, i) => ({ t: 1_700_000_000_000 + i * 20, values: [Math.sin(i / 5), (i * 7) % 100] }));
const bytes = encodeSamples(header, samples);
const hlen = encodeHeader(header).length;
const clean = decodeWqs(bytes);
const offsets = clean.blocks.map((b) => b.offset);

test("a clean stream decodes to 5 blocks with consecutive sequence numbers", () => {
  assert.equal(clean.blocks.length, 5);
  assert.deepEqual(clean.blocks.map((b) => b.seq), [0, 1, 2, 3, 4]);
  assert.equal(offsets[0], hlen);
  assert.deepEqual(clean.damage, []);
});

test("a flipped payload byte in block 2 is reported at that block's offset; blocks 0, 1, 3, 4 are decoded", () => {
  const bad = Uint8Array.from(bytes);
  bad[offsets[2]! + 20] = bad[offsets[2]! + 20]! ^ 0x40;
  const d = decodeWqs(bad);
  assert.deepEqual(d.blocks.map((b) => b.seq), [0, 1, 3, 4]);
  assert.equal(d.damage.length, 1);
  assert.equal(d.damage[0]!.offset, offsets[2]);
  assert.equal(d.damage[0]!.length, offsets[3]! - offsets[2]!);
  assert.match(d.damage[0]!.reason, new RegExp(`damaged block at byte ${offsets[2]}: CRC mismatch`));
  assert.deepEqual(d.lost, [{ fromSeq: 2, toSeq: 2 }]);
  assert.deepEqual(d.blocks[2], clean.blocks[3]);
});

test("a damaged length field does not lose the blocks behind it", () => {
  const bad = Uint8Array.from(bytes);
  bad[offsets[1]! + 9] = 0x7f; // payload length now huge: impossible for 32 samples
  const d = decodeWqs(bad);
  assert.deepEqual(d.blocks.map((b) => b.seq), [0, 2, 3, 4]);
  assert.match(d.damage[0]!.reason, /payload length \d+ is impossible/);
});

test("a damaged length that is still plausible is caught by the CRC and the decoder resynchronises", () => {
  const bad = Uint8Array.from(bytes);
  bad[offsets[1]! + 8] = bad[offsets[1]! + 8]! + 30; // plausible, but wrong
  const d = decodeWqs(bad);
  assert.deepEqual(d.blocks.map((b) => b.seq), [0, 2, 3, 4]);
});

test("a stream cut inside the last block reports a truncated block at its offset with the bytes it needed", () => {
  const cut = bytes.subarray(0, offsets[4]! + 30);
  const d = decodeWqs(cut);
  assert.deepEqual(d.blocks.map((b) => b.seq), [0, 1, 2, 3]);
  assert.equal(d.damage.length, 1);
  assert.match(d.damage[0]!.reason, new RegExp(`truncated block at byte ${offsets[4]}: it needs \\d+ bytes, the stream ends after 30`));
});

test("garbage between blocks is skipped and reported", () => {
  const junk = Uint8Array.from([0x57, 0x42, 1, 2, 3, 0x57, 9, 9]);
  const mixed = Buffer.concat([bytes.subarray(0, offsets[3]!), junk, bytes.subarray(offsets[3]!)]);
  const d = decodeWqs(mixed);
  assert.deepEqual(d.blocks.map((b) => b.seq), [0, 1, 2, 3, 4]);
  assert.equal(d.damage.length, 1);
  assert.equal(d.damage[0]!.offset, offsets[3]);
  assert.equal(d.damage[0]!.length, junk.length);
});

test("feeding the stream one byte at a time decodes the same blocks (incremental decoder)", () => {
  const dec = new WqsDecoder();
  const blocks = [];
  for (let i = 0; i < bytes.length; i++) for (const e of dec.push(bytes.subarray(i, i + 1))) if (e.type === "block") blocks.push(e.block);
  for (const e of dec.end()) assert.notEqual(e.type, "damage");
  assert.deepEqual(blocks, clean.blocks);
});

test("a stream with only a partial header is a clear error", () => {
  assert.throws(() => decodeWqs(bytes.subarray(0, 10)), /truncated .wqs header: the stream ends after 10 bytes/);
  assert.throws(() => decodeWqs(new Uint8Array(0)), /empty .wqs input/);
});

test("payload checks: a width over 9 bits, non-zero padding, a run past n and stray bytes are each refused with their offset", async () => {
  const { decodePayload } = await import("../../../host-tools/src/stream/index.js");
  const h: StreamHeader = { ...header, channels: [header.channels[0]!] };
  // zz(t0)=0, run token 3 (two zero dods), first code 5, width 1, bits 1 then 0: deltas -1, 0
  const ok = Uint8Array.from([0x00, 0x03, 0x05, 0x01, 0x01]);
  const d = decodePayload(h, 3, ok);
  assert.deepEqual([...d.q], [5, 4, 4]);
  assert.throws(() => decodePayload(h, 3, Uint8Array.from([0x00, 0x03, 0x05, 0x0a, 0x00, 0x00])), /width 10 at payload byte 3 is over 9 bits/);
  assert.throws(() => decodePayload(h, 3, Uint8Array.from([0x00, 0x03, 0x05, 0x01, 0x09])), /padding bits at payload byte 4 are not 0/);
  assert.throws(() => decodePayload(h, 3, Uint8Array.from([0x00, 0x05, 0x05, 0x00])), /a run of 3 timestamps .* overshoots the block's 3 samples/);
  assert.throws(() => decodePayload(h, 3, Uint8Array.from([0x00, 0x03, 0x05, 0x00, 0x77])), /1 stray bytes after the samples at payload byte 4/);
  assert.throws(() => decodePayload(h, 3, Uint8Array.from([0x00, 0x03, 0x00, 0x01, 0x01])), /code -1 of sample 1 channel 0 .* outside 0..255/);
});

test("random corruption (seeded): only untouched blocks come out, every one of them does, and nothing but InputError is thrown", async () => {
  const { rng } = await import("../../firmware/sdk/stream/rng.js");
  const { InputError } = await import("../../../host-tools/src/lib/errors.js");
  const r = rng(2024);
  const ends = [...offsets.slice(1), bytes.length];
  for (let trial = 0; trial < 300; trial++) {
    const bad = Uint8Array.from(bytes);
    const hits: number[] = [];
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
      const at = hlen + Math.floor(r() * (bytes.length - hlen));
      bad[at] = bad[at]! ^ (1 + Math.floor(r() * 255));
      hits.push(at);
    }
    let d;
    try {
      d = decodeWqs(bad);
    } catch (e) {
      assert.ok(e instanceof InputError, String(e));
      continue;
    }
    const untouched = clean.blocks.filter((b, i) => !hits.some((h) => h >= offsets[i]! && h < ends[i]!));
    for (const b of untouched) assert.ok(d.blocks.some((x) => x.seq === b.seq && x.offset === b.offset), `trial ${trial}: block ${b.seq} lost`);
    for (const b of d.blocks) assert.deepEqual(b, clean.blocks[b.seq], `trial ${trial}: block ${b.seq} altered`);
    if (untouched.length < clean.blocks.length) assert.ok(d.damage.length > 0, `trial ${trial}: damage not reported`);
  }
});
