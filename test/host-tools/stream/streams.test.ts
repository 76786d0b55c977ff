// The Node stream wrappers (what `wasmcu monitor --record` and other live sources use).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { encodeSamples, WqsDecodeStream, WqsEncodeStream, type DecodeEvent, type StreamHeader } from "../../../host-tools/src/stream/index.js";

const header: StreamHeader = {
  channels: [{ name: "x", lo: -1, hi: 1 }, { name: "y", lo: 0, hi: 4 }], int8: false, zscore: false, timeExp: -6, blockSamples: 50, window: 0, hop: 0,
};
const samples = Array.from({ length: 777 }, (_, i) => ({ t: i * 1000 + (i % 13 === 0 ? 7 : 0), values: [Math.cos(i / 9), (i % 40) / 10] }));

test("WqsEncodeStream turns sample objects into the same bytes as encodeSamples", async () => {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(samples), new WqsEncodeStream(header), async function* (src) {
    for await (const c of src) chunks.push(c as Buffer);
  });
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(encodeSamples(header, samples)));
});

test("WqsDecodeStream yields the header, then every block, from arbitrary chunking", async () => {
  const bytes = Buffer.from(encodeSamples(header, samples));
  const pieces = [];
  for (let i = 0; i < bytes.length; i += 37) pieces.push(bytes.subarray(i, i + 37));
  const events: DecodeEvent[] = [];
  await pipeline(Readable.from(pieces), new WqsDecodeStream(), async function* (src) {
    for await (const e of src) events.push(e as DecodeEvent);
  });
  assert.equal(events[0]!.type, "header");
  const blocks = events.flatMap((e) => (e.type === "block" ? [e.block] : []));
  assert.equal(blocks.length, Math.ceil(777 / 50));
  assert.deepEqual(blocks.flatMap((b) => [...b.t]), samples.map((s) => s.t));
});
