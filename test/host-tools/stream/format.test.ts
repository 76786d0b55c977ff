// The .wqs byte layout, pinned against bytes written out by hand from FORMAT.md.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "../../../host-tools/src/lib/crc32.js";
import { decodeWqs, encodeHeader, encodeSamples, parseHeader, type StreamHeader } from "../../../host-tools/src/stream/index.js";

const header: StreamHeader = {
  channels: [{ name: "x", lo: 0, hi: 255 }], int8: false, zscore: false, timeExp: -3, blockSamples: 4, window: 0, hop: 0,
};

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

test("header bytes follow FORMAT.md field by field", () => {
  const body = [
    0x57, 0x51, 0x53, 1, 30, 0, 1, 0, 0xfd, 0, 4, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0x00, 0x00, 0x7f, 0x43, 1, 0x78, // lo 0.0f, hi 255.0f, name "x"
  ];
  const want = [...body, ...le32(crc32(Uint8Array.from(body)))];
  assert.deepEqual([...encodeHeader(header)], want);
  assert.deepEqual(parseHeader(Uint8Array.from(want))!.header, header);
});

test("a block: zigzag t0, delta-of-delta tokens with a zero run, first codes, a bit-packed delta group, CRC over header fields and payload", () => {
  // t = 1000, 1010, 1020, 1030 (regular) ; codes 10, 12, 11, 11 (scale 1, lo 0 -> code = value)
  const bytes = encodeSamples(header, [1000, 1010, 1020, 1030].map((t, i) => ({ t, values: [[10, 12, 11, 11][i]!] })));
  const payload = [
    0xd0, 0x0f, // zz(1000) = 2000 = 0x7d0 -> d0 0f
    0x28, // dod 10 -> zz 20 -> token 40
    0x03, // run of 2 zero dods -> (2-1)*2+1 = 3
    0x0a, // first sample's code: 10
    0x03, // group of samples 1..3, width nibble: zz deltas 4, 1, 0 (+2, -1, 0) need 3 bits
    0x0c, 0x00, // 4 | 1 << 3 | 0 << 6 = 0x00c over 9 bits, LSB first, zero padding
  ];
  const fields = [4, 0, ...le32(0), ...le32(payload.length)];
  const crc = crc32(Uint8Array.from(payload), crc32(Uint8Array.from(fields)));
  const block = [0x57, 0x42, ...fields, ...le32(crc), ...payload];
  const h = encodeHeader(header).length;
  assert.deepEqual([...bytes.subarray(h)], block);
});

test("the header is refused with its offset when damaged, of another version or not a .wqs", () => {
  const h = encodeHeader(header);
  const bad = Uint8Array.from(h);
  bad[17] = bad[17]! ^ 1;
  assert.throws(() => parseHeader(bad), /header CRC mismatch at byte 26/);
  const v2 = Uint8Array.from(h);
  v2[3] = 2;
  assert.throws(() => parseHeader(v2), /unsupported .wqs version 2 at byte 3/);
  assert.throws(() => parseHeader(Uint8Array.from([1, 2, 3, 4, 5, 6])), /not a .wqs stream/);
  assert.equal(parseHeader(h.subarray(0, 10)), null, "a short prefix waits for more bytes");
});

test("header fields out of range are refused before writing", () => {
  assert.throws(() => encodeHeader({ ...header, channels: [] }), /1..16 channels/);
  assert.throws(() => encodeHeader({ ...header, channels: [{ name: "x", lo: 1, hi: 1 }] }), /empty or not finite/);
  assert.throws(() => encodeHeader({ ...header, channels: [{ name: "x", lo: 0.1, hi: 1 }] }), /must be f32/);
  assert.throws(() => encodeHeader({ ...header, blockSamples: 5000 }), /outside 1..4096/);
  assert.throws(() => encodeHeader({ ...header, window: 8 }), /must equal the block length/);
});

test("timestamps near 2^52 ticks and negative ones round-trip; beyond that is refused", () => {
  const big = 2 ** 52 - 100;
  for (const ts of [[big, big + 1, big + 50], [-5000, -4990, -4980, 10]]) {
    const d = decodeWqs(encodeSamples(header, ts.map((t) => ({ t, values: [1] }))));
    assert.deepEqual([...d.blocks.flatMap((b) => [...b.t])], ts);
  }
  assert.throws(() => encodeSamples(header, [{ t: 2 ** 53, values: [1] }]), /within \+-2\^52/);
  assert.throws(() => encodeSamples(header, [{ t: 10, values: [1] }, { t: 9, values: [1] }]), /before the previous one/);
});

test("the block encoder refuses codes outside the code range instead of writing a corrupt group", async () => {
  const { BlockEncoder } = await import("../../../host-tools/src/stream/index.js");
  const enc = new BlockEncoder(header);
  enc.add(0, [255]);
  assert.throws(() => enc.add(1, [256]), /code 256 of channel 0 is outside 0..255/);
  assert.throws(() => new BlockEncoder({ ...header, int8: true }).add(0, [128]), /outside -128..127/);
  assert.equal(enc.pending, 1);
});
