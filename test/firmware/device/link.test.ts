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
