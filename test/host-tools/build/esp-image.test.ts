// The ROM's image format (host-tools/src/build/esp-image.ts) against esptool's documented
// "Firmware Image Format": every header and extended-header byte, segment headers, the
// padding before the checksum, the checksum (0xEF xor every segment byte) and the appended
// SHA-256, each computed here independently; and the esp32c3 split of an ELF into the
// ROM-loaded image and the cache-mapped flash, merged for offset 0.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import {
  ESP32C3_CODE_OFFSET,
  ESP32C3_IMAGE_OPTIONS,
  EspImageError,
  buildEspImage,
  esp32c3Images,
  parseEspImage,
} from "../../../host-tools/src/build/esp-image.js";
import { elf32 } from "../../helpers/elf32.js";

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 29 + seed) & 0xff);
const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const EM_RISCV = 243;

test("the 8-byte header: magic 0xE9, segment count, SPI mode, flash size | frequency, entry point", () => {
  const img = buildEspImage(0x40380100, [{ addr: 0x40380000, data: bytes(16) }, { addr: 0x3fc80700, data: bytes(8) }], ESP32C3_IMAGE_OPTIONS);
  assert.equal(img[0], 0xe9);
  assert.equal(img[1], 2);
  assert.equal(img[2], 2, "DIO");
  assert.equal(img[3], 0x20, "4 MiB (2) in the high nibble, 40 MHz (0) in the low one");
  assert.equal(u32(img, 4), 0x40380100);
});

test("the 16-byte extended header: WP pin 0xEE, drive 0, chip id 5, revisions, reserved 0, hash flag 1", () => {
  const img = buildEspImage(0x40380100, [{ addr: 0x40380000, data: bytes(4) }], { ...ESP32C3_IMAGE_OPTIONS, minChipRevFull: 3 });
  assert.equal(img[8], 0xee);
  assert.deepEqual([...img.subarray(9, 12)], [0, 0, 0]);
  assert.equal(u16(img, 12), 5, "ESP32-C3");
  assert.equal(img[14], 0, "the deprecated 8-bit minimum revision");
  assert.equal(u16(img, 15), 3, "minimum revision v0.3");
  assert.equal(u16(img, 17), 199, "maximum revision v1.99");
  assert.deepEqual([...img.subarray(19, 23)], [0, 0, 0, 0]);
  assert.equal(img[23], 1);
});

test("segments: address, word-padded length, bytes; zero padding to 15 mod 16; checksum; SHA-256 of all before it", () => {
  const a = bytes(13, 3); // not a whole number of words: padded with zeros to 16
  const b = bytes(40, 7);
  const img = buildEspImage(0x40380100, [{ addr: 0x40380000, data: a }, { addr: 0x3fc80700, data: b }], ESP32C3_IMAGE_OPTIONS);
  assert.equal(u32(img, 24), 0x40380000);
  assert.equal(u32(img, 28), 16);
  assert.deepEqual([...img.subarray(32, 45)], [...a]);
  assert.deepEqual([...img.subarray(45, 48)], [0, 0, 0]);
  assert.equal(u32(img, 48), 0x3fc80700);
  assert.equal(u32(img, 52), 40);
  assert.deepEqual([...img.subarray(56, 96)], [...b]);
  // 96 bytes so far: zeros to 111, the checksum at 111, then 32 bytes of digest
  assert.equal(img.length, 112 + 32);
  assert.deepEqual([...img.subarray(96, 111)], new Array(15).fill(0));
  let sum = 0xef;
  for (const x of [...a, ...b]) sum ^= x;
  assert.equal(img[111], sum);
  assert.deepEqual([...img.subarray(112)], [...createHash("sha256").update(img.subarray(0, 112)).digest()]);
});

test("without the hash flag the image ends at the checksum byte", () => {
  const img = buildEspImage(0x40380100, [{ addr: 0x40380000, data: bytes(8) }], { ...ESP32C3_IMAGE_OPTIONS, appendSha256: false });
  assert.equal(img[23], 0);
  assert.equal(img.length, 48);
  assert.equal(img.length % 16, 0);
});

test("parseEspImage reads back every field, and the checksum and digest it computes match", () => {
  const segs = [{ addr: 0x40380000, data: bytes(64) }, { addr: 0x3fc80700, data: bytes(20, 9) }];
  const p = parseEspImage(buildEspImage(0x40380100, segs, ESP32C3_IMAGE_OPTIONS));
  assert.equal(p.entry, 0x40380100);
  assert.equal(p.chipId, 5);
  assert.equal(p.spiMode, 2);
  assert.equal(p.flashSizeCode, 2);
  assert.equal(p.flashFreqCode, 0);
  assert.equal(p.wpPin, 0xee);
  assert.deepEqual(p.segments.map((s) => [s.addr, [...s.data]]), segs.map((s) => [s.addr, [...s.data]]));
  assert.equal(p.checksum, p.computedChecksum);
  assert.deepEqual(p.sha256, p.computedSha256);
});

test("a damaged image is refused or shows a checksum or digest mismatch", () => {
  const img = buildEspImage(0x40380100, [{ addr: 0x40380000, data: bytes(64) }], ESP32C3_IMAGE_OPTIONS);
  assert.throws(() => parseEspImage(Uint8Array.from([0xea, ...img.subarray(1)])), EspImageError);
  assert.throws(() => parseEspImage(img.subarray(0, 60)), EspImageError);
  const flipped = img.slice();
  flipped[40]! ^= 1;
  const p = parseEspImage(flipped);
  assert.notEqual(p.checksum, p.computedChecksum);
  assert.notDeepEqual(p.sha256, p.computedSha256);
});

test("bad options and segments are refused: flash size without a code, unaligned address, no segments", () => {
  assert.throws(() => buildEspImage(0, [{ addr: 0, data: bytes(4) }], { ...ESP32C3_IMAGE_OPTIONS, flashSize: 3 << 20 }), EspImageError);
  assert.throws(() => buildEspImage(0, [{ addr: 2, data: bytes(4) }], ESP32C3_IMAGE_OPTIONS), EspImageError);
  assert.throws(() => buildEspImage(0, [], ESP32C3_IMAGE_OPTIONS), EspImageError);
});

test("esp32c3: SRAM segments go into the ROM's image, IROM/DROM ones into flash at address - bus base, merged at offset 0", () => {
  const iram = bytes(32, 1);
  const dram = bytes(8, 2);
  const text = bytes(100, 3);
  const rodata = bytes(20, 4);
  const elf = elf32([
    { paddr: 0x40380000, vaddr: 0x40380000, data: iram },
    { paddr: 0x3fc80020, vaddr: 0x3fc80020, data: dram },
    { paddr: 0x3fc80028, vaddr: 0x3fc80028, data: new Uint8Array(0), memsz: 4096 }, // .bss: not in any image
    { paddr: 0x42010000, vaddr: 0x42010000, data: text },
    { paddr: 0x3c010070, vaddr: 0x3c010070, data: rodata },
  ], { machine: EM_RISCV, entry: 0x40380000 });
  const out = esp32c3Images(elf);
  const rom = parseEspImage(out.rom);
  assert.deepEqual(rom.segments.map((s) => s.addr), [0x40380000, 0x3fc80020]);
  assert.equal(rom.entry, 0x40380000);
  assert.deepEqual(out.flashSegments.map((s) => s.offset), [0x10000, 0x10070]);
  assert.equal(out.merged.length, 0x10070 + 20);
  assert.deepEqual([...out.merged.subarray(0, out.rom.length)], [...out.rom]);
  assert.ok(out.merged.subarray(out.rom.length, ESP32C3_CODE_OFFSET).every((b) => b === 0xff), "erased between");
  assert.deepEqual([...out.merged.subarray(0x10000, 0x10064)], [...text]);
  assert.deepEqual([...out.merged.subarray(0x10070)], [...rodata]);
});

test("esp32c3: a segment outside SRAM and mapped flash, or mapped into the ROM image's page, is refused", () => {
  const seg = (vaddr: number) => elf32([{ paddr: vaddr, vaddr, data: bytes(8) }], { machine: EM_RISCV });
  assert.throws(() => esp32c3Images(seg(0x50000000)), /neither SRAM nor mapped flash/);
  assert.throws(() => esp32c3Images(seg(0x42000100)), /overlaps the ROM image/);
});
