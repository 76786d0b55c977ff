// The host's stream decoder finds a good frame glued to damaged bytes (a noise burst that also
// destroyed the delimiter before it), and never makes up a frame that was not sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame, FrameDecoder, FrameType, type Frame, type StreamItem } from "../../../host-tools/src/link/frame.js";
import { damagedStreams, frameKey } from "../../helpers/damaged-streams.js";

const ack = (seq: number): Frame => ({ type: FrameType.Ack, flags: 0, seq, payload: Uint8Array.from([0, 0x61, 0x70, 0x70]) });
const kinds = (items: StreamItem[]) => items.map((x) => x.kind);
const frames = (items: StreamItem[]) => items.flatMap((x) => (x.kind === "frame" ? [x.frame] : []));

test("a damaged frame whose delimiter was lost, then a good frame: the good frame comes out, the damage is garbage", () => {
  const a = encodeFrame(ack(1));
  const b = encodeFrame(ack(2));
  // Each byte of the first frame damaged in turn, and its delimiter replaced too.
  for (let at = 0; at < a.length - 1; at++) {
    const bad = a.slice();
    bad[at] = bad[at] === 0x5a ? 0x5b : 0x5a;
    bad[a.length - 1] = 0x77;
    const items = new FrameDecoder().push(new Uint8Array([...bad, ...b]));
    assert.deepEqual(kinds(items), ["garbage", "frame"], `damage at ${at}`);
    assert.deepEqual(frames(items), [ack(2)]);
  }
});

test("a burst over the middle of one frame and the delimiter after it, then a good frame (fed a byte at a time)", () => {
  const a = encodeFrame({ ...ack(3), payload: Uint8Array.from({ length: 200 }, (_, i) => i % 17) });
  const b = encodeFrame({ ...ack(4), payload: Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff) });
  const glued = new Uint8Array([...a.subarray(0, 120), ...Array.from({ length: 16 }, (_, i) => 0x80 + i), ...b]);
  const d = new FrameDecoder();
  const items = [...glued].flatMap((byte) => d.push(Uint8Array.of(byte)));
  assert.deepEqual(kinds(items), ["garbage", "frame"]);
  assert.equal(frames(items)[0]!.seq, 4);
});

test("text with no line end glued to a frame: the text is shown, then the frame", () => {
  const f = ack(5);
  const items = new FrameDecoder().push(new Uint8Array([...new TextEncoder().encode("rst:0x1 (POWERON),boot:0xc"), ...encodeFrame(f)]));
  assert.deepEqual(items, [{ kind: "text", text: "rst:0x1 (POWERON),boot:0xc" }, { kind: "frame", frame: f }]);
});

test("two glued good frames (the first's delimiter became another byte) give the second; a block that ends in no frame stays one garbage item", () => {
  const a = encodeFrame(ack(6));
  a[a.length - 1] = 0x01;
  assert.deepEqual(frames(new FrameDecoder().push(new Uint8Array([...a, ...encodeFrame(ack(7))]))), [ack(7)]);
  const junk = Uint8Array.from({ length: 40 }, (_, i) => 1 + ((i * 37) % 255));
  assert.deepEqual(kinds(new FrameDecoder().push(new Uint8Array([...junk, 0]))), ["garbage"]);
});

test("a largest frame glued to damaged bytes is still found (the search covers a whole frame)", () => {
  const big: Frame = { type: FrameType.Data, flags: 0, seq: 9, payload: Uint8Array.from({ length: 1024 }, (_, i) => (i % 5 === 0 ? 0 : i & 0xff)) };
  const damaged = encodeFrame(ack(8));
  damaged[damaged.length - 1] = 0x33;
  assert.deepEqual(frames(new FrameDecoder().push(new Uint8Array([...damaged, ...encodeFrame(big)]))), [big]);
});

test("seeded damaged streams: every intact frame comes out, in order, and nothing that was not sent", () => {
  let recovered = 0;
  let glued = 0;
  for (const [n, s] of damagedStreams(20261206, 3000).entries()) {
    glued += s.glued.length;
    const got = frames(new FrameDecoder().push(s.stream)).map(frameKey);
    const sent = s.sent.map(frameKey);
    // In sending order, each one sent (a subsequence of what was sent).
    let at = 0;
    for (const g of got) {
      at = sent.indexOf(g, at) + 1;
      assert.ok(at > 0, `stream ${n}: ${g} was never sent`);
    }
    for (const i of s.intact) assert.ok(got.includes(sent[i]!), `stream ${n}: intact frame ${i} lost`);
    recovered += got.length;
  }
  assert.ok(recovered > 3000, `frames delivered: ${recovered}`);
  assert.ok(glued > 300, `intact frames glued to damage: ${glued}`); // the streams do test the resync
});
