// Seeded random link streams through the device's receiver: good frames (any flags, so any
// first COBS code byte), text commands with line ends, garbage and damaged frames, fed in
// chunks of any size; exactly the good frames and the text commands come out, in order.
// `npm run fuzz` runs more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame } from "../../../host-tools/src/link/frame.js";
import { linkCase, looksLikeText, prng, receive } from "./link-streams.js";

const SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261206);
const COUNT = 400;

test(`${COUNT} random link streams (seed ${SEED}): the receiver delivers every good frame and text command, nothing else`, () => {
  const rnd = prng(SEED);
  const seen = new Set<string>();
  let ambiguous = 0;
  for (let n = 0; n < COUNT; n++) {
    const c = linkCase(rnd);
    ambiguous += c.ambiguous;
    c.parts.forEach((p) => seen.add(p));
    assert.deepEqual(receive(c), c.expect, `stream ${n} (${c.parts.join(", ")}; chunk ${c.chunk}): ${Buffer.from(c.stream).toString("hex")}`);
  }
  assert.deepEqual([...seen].sort(), ["damaged", "frame", "garbage", "text"]);
  process.stderr.write(`link streams: ${COUNT}, frames that would read as text and were redrawn: ${ambiguous}\n`);
});

test("a frame that reads as a text command is still taken for one (the known limit the streams above avoid)", () => {
  // flags 0x21 and a printable payload with a '%': every wire byte up to it is printable
  const wire = encodeFrame({ type: 0x4d, flags: 0x21, seq: 0x4141, payload: new TextEncoder().encode("run_this_export_with_a_long_name%x") });
  assert.ok(looksLikeText(wire));
  assert.match(receive({ stream: wire, chunk: wire.length, expect: [], parts: [], ambiguous: 0 })[0]!, /^text /);
});
