// `wasmcu flash --board esp32c3` as a library: the board's merged image goes to flash offset 0
// (where the C3's ROM boots it) through the ROM loader model, MD5-verified; an ESP32 refuses it.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { esp32c3Images } from "../../../host-tools/src/build/esp-image.js";
import { flashEsp32, type FlashOptions } from "../../../host-tools/src/flash/esp32/flash.js";
import { esp32c3MergedImage } from "../../../host-tools/src/flash/esp32/images.js";
import { padImage } from "../../../host-tools/src/flash/esp32/loader.js";
import { elf32 } from "../../helpers/elf32.js";
import { memoryLink } from "./memory-link.js";

const fast: Partial<FlashOptions> = { sleep: async () => {}, syncTimeoutMs: 100, commandTimeoutMs: 5000 };
const FLASH = 4 * 1024 * 1024;
const C3_MAGIC = 0x1b31506f;

function mergedFile(): string {
  const fill = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
  const elf = elf32([
    { paddr: 0x40380000, vaddr: 0x40380000, data: fill(256, 1) },
    { paddr: 0x42010000, vaddr: 0x42010000, data: fill(5000, 2) },
  ], { machine: 243, entry: 0x40380000 });
  const file = path.join(mkdtempSync(path.join(tmpdir(), "wasmcu-c3-")), "wasmcu-esp32c3.merged.bin");
  writeFileSync(file, esp32c3Images(elf).merged);
  return file;
}

test("the merged image is written at 0x0 of an ESP32-C3 and MD5-verified", async () => {
  const { images, chip } = esp32c3MergedImage(mergedFile());
  assert.equal(chip, "esp32c3");
  const link = memoryLink({ startInBootloader: true, magic: C3_MAGIC, beginHasEncryptedWord: true });
  const s = await flashEsp32(link.transport, images, { ...fast, flashSize: FLASH, appLimit: 0x100000, expectChip: chip });
  assert.equal(s.chip, "ESP32-C3");
  assert.deepEqual(s.regions.map((r) => r.offset), [0]);
  const want = padImage(images[0]!.data);
  assert.ok(Buffer.from(link.model.flash.subarray(0, want.length)).equals(want));
});

test("the esp32c3 image is refused on an ESP32 before anything is written", async () => {
  const { images, chip } = esp32c3MergedImage(mergedFile());
  const link = memoryLink({ startInBootloader: true });
  await assert.rejects(flashEsp32(link.transport, images, { ...fast, flashSize: FLASH, expectChip: chip }), /built for ESP32-C3 but the chip is an ESP32/);
});
