import assert from "node:assert/strict";
import { test } from "node:test";
import { cobsDecode, cobsEncode } from "../../../host-tools/src/link/cobs.js";
import { decodeFrame, encodeFrame, FrameDecoder, FrameType } from "../../../host-tools/src/link/frame.js";

test("COBS output never contains a zero and round-trips, across 254-byte block boundaries", () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (const len of [0, 1, 253, 254, 255, 508, 509, 1000]) {
    for (const zeros of [0, 0.1, 1]) {
      const data = Uint8Array.from({ length: len }, () => (rnd() / 255 < zeros ? 0 : (rnd() % 255) + 1));
      const enc = cobsEncode(data);
      assert.ok(!enc.includes(0), `len ${len}`);
      assert.ok(enc.length <= len + Math.ceil(len / 254) + 1);
      assert.deepEqual(cobsDecode(enc), data);
    }
  }
});

test("COBS decoding rejects a code byte that points past the block", () => {
  assert.equal(cobsDecode(Uint8Array.from([5, 1, 2])), undefined);
});

test("a frame round-trips and its CRC catches any single flipped bit", () => {
  const frame = { type: FrameType.Log, flags: 0, seq: 513, payload: Uint8Array.from([2, 1, 0, 0, 0, 104, 105]) };
  const wire = encodeFrame(frame);
  assert.equal(wire[wire.length - 1], 0);
  const back = decodeFrame(wire.subarray(0, wire.length - 1));
  assert.deepEqual(back, frame);
  for (let i = 0; i < wire.length - 1; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = wire.slice(0, wire.length - 1);
      bad[i]! ^= 1 << bit;
      if (bad[i] === 0) continue; // a zero would split the block: the decoder sees two blocks
      assert.ok("error" in decodeFrame(bad), `flip byte ${i} bit ${bit}`);
    }
  }
});

test("the stream decoder resynchronises after garbage and passes plain text through", () => {
  const d = new FrameDecoder();
  const f1 = encodeFrame({ type: FrameType.Log, flags: 0, seq: 1, payload: Uint8Array.from([2, 0, 0, 0, 0, 65]) });
  const f2 = encodeFrame({ type: FrameType.Gpio, flags: 0, seq: 2, payload: Uint8Array.from([25, 1, 0, 0, 0, 0]) });
  const text = new TextEncoder().encode("boot: hello\n");
  const junk = Uint8Array.from([0x9c, 0x01, 0x02, 0x00]);
  const stream = new Uint8Array([...text, 0, ...junk, ...f1, ...f2]);
  // Feed it in awkward pieces, as a UART would.
  const items = [];
  for (let i = 0; i < stream.length; i += 3) items.push(...d.push(stream.subarray(i, i + 3)));
  const kinds = items.map((x) => x.kind);
  assert.deepEqual(kinds, ["text", "garbage", "frame", "frame"]);
  assert.equal(items[0]!.kind === "text" && items[0]!.text, "boot: hello\n");
});

test("a boot ROM's banner read in one chunk with the firmware's first frame (no delimiter between) is text, then the frame", () => {
  const f = encodeFrame({ type: FrameType.Log, flags: 0, seq: 1, payload: Uint8Array.from([2, 0, 0, 0, 0, 65]) });
  const banner = new TextEncoder().encode("ESP-ROM:esp32c3-api1-20210207\r\nentry 0x40380100\r\n");
  const items = new FrameDecoder().push(new Uint8Array([...banner, ...f]));
  assert.deepEqual(items.map((x) => x.kind), ["text", "frame"]);
  assert.equal(items[0]!.kind === "text" && items[0]!.text, "ESP-ROM:esp32c3-api1-20210207\r\nentry 0x40380100\r\n");
  // Text before a block that is no frame at all stays garbage, as before.
  assert.deepEqual(new FrameDecoder().push(new Uint8Array([...banner, 0x9c, 0x01, 0x02, 0x00])).map((x) => x.kind), ["garbage"]);
});
