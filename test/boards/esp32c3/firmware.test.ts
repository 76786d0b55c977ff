// The esp32c3 firmware as scripts/test.mjs builds it (build/esp32c3, the whole device over
// boards/esp32c3): the ROM's image is sound and is what the ELF says (entry, SRAM segments,
// checksum, digest), the merged image holds it at offset 0 and the cache-mapped code at
// 0x10000, and the link map's figures fit the chip. Nothing here has run on silicon.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { loadBoard } from "../../../host-tools/src/boards/registry.js";
import { findSymbol, parseElf } from "../../../host-tools/src/build/elf.js";
import { ESP32C3_CODE_OFFSET, esp32c3Images, parseEspImage } from "../../../host-tools/src/build/esp-image.js";
import { parseMapFile } from "../../../host-tools/src/build/mapfile.js";
import { esp32c3Elf, repoRoot } from "../../helpers/paths.js";

const elfPath = esp32c3Elf();
const elfBytes = readFileSync(elfPath);
const elf = parseElf(elfBytes);
const board = loadBoard(`${repoRoot}/boards/esp32c3`);

test("the ROM image: chip 5, entry esp32c3_start in IRAM, only SRAM segments, checksum and SHA-256 sound", () => {
  const img = parseEspImage(readFileSync(elfPath.replace(/\.elf$/, ".bin")));
  assert.equal(img.chipId, 5);
  assert.equal(img.entry, findSymbol(elf, "esp32c3_start")?.value);
  assert.equal(img.entry, elf.entry);
  assert.ok(img.entry >= 0x40380000 && img.entry < 0x403e0000);
  for (const s of img.segments) {
    const sram = (s.addr >= 0x3fc80000 && s.addr < 0x3fce0000) || (s.addr >= 0x40380000 && s.addr < 0x403e0000);
    assert.ok(sram, `segment at 0x${s.addr.toString(16)}`);
  }
  assert.equal(img.checksum, img.computedChecksum);
  assert.deepEqual(img.sha256, img.computedSha256);
  assert.ok(img.length <= ESP32C3_CODE_OFFSET);
});

test("the merged image: the ROM image at 0, the mapped code and constants at 0x10000 on, inside the firmware region", () => {
  const merged = readFileSync(elfPath.replace(/\.elf$/, ".merged.bin"));
  const fresh = esp32c3Images(elfBytes);
  assert.deepEqual(merged, Buffer.from(fresh.merged), "the build wrote what esp32c3Images makes");
  assert.deepEqual(merged.subarray(0, fresh.rom.length), Buffer.from(fresh.rom));
  assert.ok(fresh.flashSegments.every((s) => s.offset >= ESP32C3_CODE_OFFSET));
  const firmware = board.flash.layout.find((r) => r.name === "firmware")!;
  assert.ok(merged.length <= firmware.offset + firmware.size, `${merged.length} bytes`);
});

test("the trap vector table is 256-byte aligned at the start of IRAM; .bss, heap and stack stay in SRAM1", () => {
  assert.equal(findSymbol(elf, "esp32c3_vectors")?.value, 0x40380000);
  const top = findSymbol(elf, "__stack_top")!.value;
  assert.equal(top, 0x3fc80000 + board.ram.size);
  assert.ok(top <= 0x3fce0000);
});

test("the link map: flash and RAM of the firmware, within the board's figures", () => {
  const use = parseMapFile(readFileSync(elfPath.replace(/\.elf$/, ".map"), "utf8"));
  const names = use.sections.map((s) => s.name);
  for (const n of [".iram", ".text", ".rodata", ".bss"]) assert.ok(names.includes(n), n);
  assert.ok(use.flashBytes > 0 && use.flashBytes <= board.flash.layout.find((r) => r.name === "firmware")!.size);
  assert.ok(use.ramBytes <= board.ram.size, `${use.ramBytes} bytes of RAM`);
});
