// The device's C link code and the host's TypeScript codec must agree byte for byte.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { test } from "node:test";
import { decodeFrame, encodeFrame } from "../../../host-tools/src/link/frame.js";
import { hostBin } from "../../helpers/paths.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const codec = (...args: string[]) => execFileSync(hostBin("test_link_codec"), args, { encoding: "utf8" }).trim();

const payloads = [
  new Uint8Array(0),
  Uint8Array.from([0]),
  Uint8Array.from([2, 0xe8, 3, 0, 0, ...new TextEncoder().encode("blink #1: led on")]),
  Uint8Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? 0 : i & 0xff)),
  Uint8Array.from({ length: 1024 }, (_, i) => (i % 255) + 1),
];

test("frames encoded in C are byte-identical to the TypeScript encoder's", () => {
  for (const [i, payload] of payloads.entries()) {
    const c = codec("encode", String(2 + i), String(300 * i), hex(payload));
    assert.equal(c, hex(encodeFrame({ type: 2 + i, flags: 0, seq: 300 * i, payload })), `payload ${i}`);
  }
});

test("the C decoder accepts TypeScript frames and rejects a corrupted one", () => {
  for (const payload of payloads) {
    const wire = encodeFrame({ type: 0x41, flags: 0, seq: 7, payload });
    assert.equal(codec("decode", hex(wire)), `65 7 ${hex(payload)}`.trimEnd());
    const bad = wire.slice();
    bad[3] = bad[3] === 0x55 ? 0x56 : 0x55;
    const r = spawnSync(hostBin("test_link_codec"), ["decode", hex(bad)], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^error: (crc|bad cobs)/);
    assert.ok("error" in decodeFrame(bad.subarray(0, bad.length - 1)));
  }
});

test("an oversized payload is refused by the C sender", () => {
  assert.throws(() => codec("encode", "2", "0", "ab".repeat(1025)));
});

// What the device's receiver (link_rx_bytes) makes of a byte stream.
const receive = (stream: Uint8Array, chunk?: number) =>
  codec("receive", hex(stream), ...(chunk ? [String(chunk)] : [])).split("\n");
const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** A frame whose first COBS code byte is `code`: its first zero byte sits at body offset code - 1. */
function frameWithFirstCode(code: number): { wire: Uint8Array; type: number; seq: number; payload: Uint8Array } {
  const payload = Uint8Array.from({ length: Math.max(12, code) }, (_, i) => (i === code - 1 - 4 ? 0 : 0x30 + (i % 16)));
  const f = { type: 0x41, flags: 0x5a, seq: 0x0201, payload };
  const wire = encodeFrame(f);
  assert.equal(wire[0], code, "the test frame starts with the wanted code byte");
  return { wire, ...f };
}

test("the receiver takes a frame whose first COBS code byte is 0x0a, 0x0d or '%', not a line ending or an empty text command", () => {
  for (const code of [0x0a, 0x0d, 0x25]) {
    const f = frameWithFirstCode(code);
    const line = `frame ${f.type} ${f.seq} ${hex(f.payload)}`;
    for (const chunk of [undefined, 1]) {
      // at the very start, after a delimiter, after another frame, after a text command
      assert.deepEqual(receive(f.wire, chunk), [line, "dropped 0"], `code ${code}`);
      assert.deepEqual(receive(cat(Uint8Array.of(0), f.wire), chunk), [line, "dropped 0"]);
      assert.deepEqual(receive(cat(f.wire, f.wire), chunk), [line, line, "dropped 0"]);
      assert.deepEqual(receive(cat(text("name%"), f.wire), chunk), ["text name", line, "dropped 0"]);
    }
  }
});

test("line endings around the MLPerf runner's text commands are still ignored, and frames after them decode", () => {
  const f = frameWithFirstCode(0x0a);
  const line = `frame ${f.type} ${f.seq} ${hex(f.payload)}`;
  const plain = encodeFrame({ type: 2, flags: 0, seq: 9, payload: text("hi") });
  for (const chunk of [undefined, 1, 3]) {
    assert.deepEqual(receive(text("\r\nname%\r\ndb load 10%\n\r"), chunk), ["text name", "text db load 10", "dropped 0"]);
    assert.deepEqual(receive(cat(text("name%\r\n"), plain), chunk), ["text name", `frame 2 9 ${hex(text("hi"))}`, "dropped 0"]);
    assert.deepEqual(receive(cat(text("name%\r\n"), f.wire), chunk), ["text name", line, "dropped 0"]);
    assert.deepEqual(receive(cat(text("\n"), f.wire), chunk), [line, "dropped 0"]);
    // a '%' with no text before it is no command (it may be a frame's first code byte)
    assert.deepEqual(receive(text("\r\n%name%%%\n"), chunk), ["text name", "dropped 0"]);
  }
});
