// Seeded .wqs mutants (blocks duplicated, reordered, dropped, bytes flipped, inserted, cut):
// the decoder never emits a block twice or out of order, everything it emits is a block of
// the original stream, and damage is reported, never passed silently. `npm run fuzz` does not
// run this one longer: it is cheap enough to stay whole here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../../host-tools/src/lib/errors.js";
import { decodeWqs, encodeHeader, encodeSamples, type StreamHeader } from "../../../host-tools/src/stream/index.js";
import { prng } from "../../helpers/prng.js";

const SEED = Number(process.env.WASMCU_FUZZ_SEED ?? 20261206);
const COUNT = 3000;

const header: StreamHeader = {
  channels: [{ name: "a", lo: -1, hi: 1 }, { name: "b", lo: 0, hi: 50 }], int8: true, zscore: false, timeExp: -3, blockSamples: 8, window: 0, hop: 0,
};
const samples = Array.from({ length: 8 * 10 }, (_, i) => ({ t: 5_000 + i * 7 + (i % 3), values: [Math.cos(i / 3), (i * 11) % 50] }));
const bytes = encodeSamples(header, samples);
const hlen = encodeHeader(header).length;
const clean = decodeWqs(bytes);
const blocks = clean.blocks.map((b, i) => bytes.subarray(b.offset, clean.blocks[i + 1]?.offset ?? bytes.length));
const key = (b: { seq: number; t: Float64Array; q: Int32Array }) => `${b.seq}:${[...b.t].join(",")}:${[...b.q].join(",")}`;
const originals = new Set(clean.blocks.map(key));

/** A mutant; `altered`: its blocks are not the stream's first k in order (so a decoder must say so). */
function mutant(rnd: () => number): { data: Uint8Array; what: string[]; altered: boolean } {
  const order = blocks.map((_, i) => i);
  const what: string[] = [];
  for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
    const i = Math.floor(rnd() * order.length), j = Math.floor(rnd() * order.length);
    switch (Math.floor(rnd() * 6)) {
      case 0: order.splice(j, 0, order[i]!); what.push(`dup ${i}`); break;
      case 1: [order[i], order[j]] = [order[j]!, order[i]!]; what.push(`swap ${i} ${j}`); break;
      case 2: order.splice(i, 1); what.push(`drop ${i}`); break;
      default: what.push("bytes"); break;
    }
  }
  const altered = order.some((v, i) => v !== i); // a cut tail alone looks like a shorter stream
  const data = Buffer.concat([bytes.subarray(0, hlen), ...order.map((i) => blocks[i]!)]);
  if (what.includes("bytes")) {
    const at = hlen + Math.floor(rnd() * (data.length - hlen));
    if (rnd() < 0.5) data[at] = data[at]! ^ (1 << Math.floor(rnd() * 8));
    else return { data: Buffer.concat([data.subarray(0, at), Buffer.from([0x57, 0x42]), data.subarray(at)]), what, altered };
  }
  // a cut (only of an unaltered stream: a cut can hide an edit behind it)
  return { data: !altered && rnd() < 0.2 ? data.subarray(0, hlen + Math.floor(rnd() * (data.length - hlen))) : data, what, altered };
}

test(`${COUNT} .wqs mutants (seed ${SEED}): no block twice, none out of order, none invented, and damage is reported`, () => {
  const rnd = prng(SEED);
  let dropped = 0, damaged = 0;
  for (let n = 0; n < COUNT; n++) {
    const m = mutant(rnd);
    let d;
    try {
      d = decodeWqs(m.data);
    } catch (e) {
      assert.ok(e instanceof InputError, `mutant ${n} (${m.what.join(", ")}): ${String(e)}`);
      continue;
    }
    const seqs = d.blocks.map((b) => b.seq);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `mutant ${n} (${m.what.join(", ")}): seqs ${seqs.join(",")}`);
    for (const b of d.blocks) assert.ok(originals.has(key(b)), `mutant ${n}: block ${b.seq} is not one of the stream's`);
    const reported = d.damage.length + d.lost.length + d.dropped.length;
    if (m.altered) assert.ok(reported > 0, `mutant ${n} (${m.what.join(", ")}): damage passed silently`);
    dropped += d.dropped.length;
    damaged += reported > 0 ? 1 : 0;
  }
  assert.ok(dropped > 0 && damaged > COUNT / 2, `${dropped} dropped, ${damaged} damaged`);
});
