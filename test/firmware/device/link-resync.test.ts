// The device's receiver (link_rx_bytes) finds a good frame glued to damaged bytes as the host's
// FrameDecoder does (test/host-tools/link/resync.test.ts): the same streams give the same frames.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { encodeFrame, FrameDecoder } from "../../../host-tools/src/link/frame.js";
import { damagedStreams, frameKey } from "../../helpers/damaged-streams.js";
import { hostBin } from "../../helpers/paths.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const receive = (stream: Uint8Array) => execFileSync(hostBin("test_link_codec"), ["receive", hex(stream)], { encoding: "utf8" }).trim().split("\n");
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test("a damaged frame whose delimiter was lost, then a good frame: the device takes the good one and counts one drop", () => {
  const a = encodeFrame({ type: 0x51, flags: 0, seq: 10, payload: Uint8Array.from({ length: 40 }, (_, i) => i) });
  const b = { type: 0x51, flags: 0, seq: 11, payload: Uint8Array.from([1, 2, 3]) };
  const line = `frame 81 11 ${hex(b.payload)}`;
  for (let at = 0; at < a.length - 1; at++) {
    const bad = a.slice();
    bad[at] = bad[at] === 0x5a ? 0x5b : 0x5a;
    bad[a.length - 1] = 0x77;
    assert.deepEqual(receive(cat(bad, encodeFrame(b))), [line, "dropped 1"], `damage at ${at}`);
  }
  // Line ends before a frame are still no drop; other text before one is.
  assert.deepEqual(receive(cat(Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x0a, 0x0d]), encodeFrame(b))), [line, "dropped 0"]);
  assert.deepEqual(receive(cat(new TextEncoder().encode("boot"), encodeFrame(b))), [line, "dropped 1"]);
});

test("seeded damaged streams: the device's receiver delivers the same frames as the host's decoder, every intact one", () => {
  const streams = damagedStreams(20261207, 1500);
  // Many streams a call, each ended by a delimiter of its own.
  for (let i = 0; i < streams.length; ) {
    const batch = [];
    let bytes = 0;
    while (i < streams.length && bytes + streams[i]!.stream.length < 40_000) {
      bytes += streams[i]!.stream.length + 1;
      batch.push(streams[i++]!);
    }
    const stream = cat(...batch.flatMap((s) => [s.stream, Uint8Array.of(0)]));
    const device = receive(stream).filter((l) => l.startsWith("frame "));
    const host = new FrameDecoder().push(stream).flatMap((x) => (x.kind === "frame" ? [`frame ${frameKey(x.frame)}`] : []));
    assert.deepEqual(device, host, `streams ${i - batch.length}..${i - 1}`);
    for (const s of batch) for (const k of s.intact) assert.ok(device.includes(`frame ${frameKey(s.sent[k]!)}`), "an intact frame was lost");
  }
});
