// UF2 writer and reader (host-tools/src/build/uf2.ts) against the UF2
// specification: 512-byte blocks, magics, flags, family id, numbering, payloads.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  RP2040_FAMILY_ID,
  UF2_FLAG_FAMILY_ID,
  UF2_FLAG_NOT_MAIN_FLASH,
  UF2_MAGIC_END,
  UF2_MAGIC_START0,
  UF2_MAGIC_START1,
  Uf2Error,
  parseUf2,
  toRp2040Uf2,
  uf2FlashChunks,
  uf2FromBin,
  uf2FromChunks,
} from "../../../host-tools/src/build/uf2.js";
import { elf32 } from "../../helpers/elf32.js";

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

test("every block is 512 bytes with both start magics, the end magic, the family-id flag and a 256-byte payload", () => {
  const uf2 = uf2FromBin(bytes(1000), 0x10000000, { familyId: RP2040_FAMILY_ID });
  assert.equal(uf2.length, 4 * 512);
  for (let at = 0; at < uf2.length; at += 512) {
    assert.equal(u32(uf2, at), UF2_MAGIC_START0);
    assert.equal(u32(uf2, at + 4), UF2_MAGIC_START1);
    assert.equal(u32(uf2, at + 8), UF2_FLAG_FAMILY_ID);
    assert.equal(u32(uf2, at + 16), 256);
    assert.equal(u32(uf2, at + 28), 0xe48bff56);
    assert.equal(u32(uf2, at + 508), UF2_MAGIC_END);
  }
});

test("blocks are numbered 0..n-1, carry the total count and consecutive 256-byte target addresses", () => {
  const uf2 = uf2FromBin(bytes(3 * 256), 0x10000000, { familyId: RP2040_FAMILY_ID });
  const blocks = parseUf2(uf2);
  assert.deepEqual(blocks.map((b) => [b.blockNo, b.numBlocks, b.targetAddr]), [
    [0, 3, 0x10000000], [1, 3, 0x10000100], [2, 3, 0x10000200],
  ]);
});

test("the last partial page is zero-padded and bytes beyond the payload in a block are zero", () => {
  const uf2 = uf2FromBin(bytes(300), 0x10000000, { familyId: RP2040_FAMILY_ID });
  const last = uf2.subarray(512, 1024);
  assert.deepEqual([...last.subarray(32, 32 + 44)], [...bytes(300).subarray(256)]);
  assert.ok(last.subarray(32 + 44, 508).every((b) => b === 0));
});

test("bin -> UF2 -> flash chunks round-trips the bytes and addresses", () => {
  const data = bytes(5000, 7);
  const chunks = uf2FlashChunks(uf2FromBin(data, 0x10004000, { familyId: RP2040_FAMILY_ID }), RP2040_FAMILY_ID);
  const image = new Uint8Array(5120);
  for (const c of chunks) image.set(c.data, c.address - 0x10004000);
  assert.deepEqual(image.subarray(0, 5000), data);
  assert.equal(chunks[0]!.address, 0x10004000);
});

test("an unaligned chunk lands at its offset inside an aligned page", () => {
  const blocks = parseUf2(uf2FromChunks([{ address: 0x10000105, data: Uint8Array.of(0xaa, 0xbb) }], { familyId: RP2040_FAMILY_ID }));
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0]!.targetAddr, 0x10000100);
  assert.deepEqual([...blocks[0]!.data.subarray(4, 8)], [0, 0xaa, 0xbb, 0]);
});

test("gaps between chunks produce no blocks for untouched pages", () => {
  const uf2 = uf2FromChunks([
    { address: 0x10000000, data: bytes(16) },
    { address: 0x10010000, data: bytes(16) },
  ], { familyId: RP2040_FAMILY_ID });
  assert.deepEqual(parseUf2(uf2).map((b) => b.targetAddr), [0x10000000, 0x10010000]);
});

test("ELF -> UF2 uses load addresses: .data's initial values go to flash, not to RAM", () => {
  const text = bytes(600, 3);
  const data = bytes(40, 9);
  const elf = elf32([
    { paddr: 0x10000000, vaddr: 0x10000000, data: text },
    { paddr: 0x10000300, vaddr: 0x20000000, data },
    { paddr: 0x20000100, vaddr: 0x20000100, data: new Uint8Array(0), memsz: 4096 }, // .bss: nothing stored
  ]);
  const chunks = uf2FlashChunks(toRp2040Uf2(elf), RP2040_FAMILY_ID);
  const flash = new Uint8Array(0x400);
  for (const c of chunks) flash.set(c.data, c.address - 0x10000000);
  assert.deepEqual(flash.subarray(0, 600), text);
  assert.deepEqual(flash.subarray(0x300, 0x328), data);
  assert.ok(chunks.every((c) => c.address >= 0x10000000 && c.address < 0x10000400));
});

test("an ELF segment outside flash is refused with its address", () => {
  const elf = elf32([{ paddr: 0x20000000, vaddr: 0x20000000, data: bytes(8) }]);
  assert.throws(() => toRp2040Uf2(elf), /segment at 0x20000000 \(8 bytes\) is outside flash/);
});

test("overlapping chunks are refused rather than silently merged", () => {
  assert.throws(
    () => uf2FromChunks([{ address: 0x10000000, data: bytes(8) }, { address: 0x10000004, data: bytes(8) }], { familyId: 1 }),
    /both write address 0x10000004/,
  );
});

test("the reader rejects a bad magic, naming the block's byte offset", () => {
  const uf2 = uf2FromBin(bytes(600), 0x10000000, { familyId: RP2040_FAMILY_ID });
  uf2[512 + 4]! ^= 1;
  assert.throws(() => parseUf2(uf2), (e: Error) => e instanceof Uf2Error && /block at byte 512: bad magic/.test(e.message));
  assert.throws(() => parseUf2(uf2.subarray(0, 700)), /not a positive multiple of 512/);
});

test("flash chunks skip blocks of another family and blocks flagged not-main-flash", () => {
  const ours = uf2FromBin(bytes(256), 0x10000000, { familyId: RP2040_FAMILY_ID });
  const other = uf2FromBin(bytes(256), 0x10000100, { familyId: 0x12345678 });
  const notFlash = uf2FromBin(bytes(256), 0x10000200, { familyId: RP2040_FAMILY_ID });
  new DataView(notFlash.buffer).setUint32(8, UF2_FLAG_FAMILY_ID | UF2_FLAG_NOT_MAIN_FLASH, true);
  const all = new Uint8Array([...ours, ...other, ...notFlash]);
  assert.deepEqual(uf2FlashChunks(all, RP2040_FAMILY_ID).map((c) => c.address), [0x10000000]);
});

test("payload sizes above 476 or not multiples of 4 are refused", () => {
  assert.throws(() => uf2FromBin(bytes(8), 0, { familyId: 1, payloadSize: 480 }), /payload size 480/);
  assert.throws(() => uf2FromBin(bytes(8), 0, { familyId: 1, payloadSize: 250 }), /payload size 250/);
});
