// The ROM's checks on the image at flash offset 0, as the mask ROM makes them before it
// runs anything: magic, chip id, segment bounds, checksum, appended SHA-256, and the
// mapping of flash segments through the MMU.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Esp32c3 } from "../../../../host-tools/src/sim/esp32c3/esp32c3.js";
import { parseImage } from "../../../../host-tools/src/sim/esp32c3/image.js";
import { c3Regions } from "../../../../host-tools/src/sim/esp32c3/rom-boot.js";
import { buildImage, flashWith } from "./support/c3-image.js";

/** `li a0, 0x2a` then `j .`: a program whose register file says it ran. */
const PROGRAM = Uint8Array.from([0x13, 0x05, 0xa0, 0x02, 0x6f, 0x00, 0x00, 0x00]);
const IRAM = 0x40380000;

function boot(flash: Uint8Array): { chip: Esp32c3; out: string } {
  let out = "";
  const chip = new Esp32c3({ flash, onUartTx: (b) => (out += String.fromCharCode(b)) });
  chip.runUntil(chip.cycles + 16_000);
  return { chip, out };
}

test("a RAM image with an appended SHA-256 loads, and the core starts at its entry", () => {
  const { chip, out } = boot(flashWith(buildImage(IRAM, [{ addr: IRAM, data: PROGRAM }], { hash: true })));
  assert.equal(chip.halted, undefined);
  assert.equal(chip.cpu.x[10], 0x2a);
  assert.match(out, /load:0x40380000,len:0x8\r\nentry 0x40380000\r\n$/);
});

test("an erased flash is reported as the ROM reports it, and nothing runs", () => {
  const { chip, out } = boot(new Uint8Array(1 << 22).fill(0xff));
  assert.match(out, /invalid header: 0xffffffff\r\n$/);
  assert.equal(chip.halted, "invalid header: 0xffffffff");
  assert.equal(chip.cpu.instret, 0);
});

test("the ROM refuses an image for another chip, a bad checksum and a wrong SHA-256", () => {
  const segs = [{ addr: IRAM, data: PROGRAM }];
  assert.match(boot(flashWith(buildImage(IRAM, segs, { chipId: 9 }))).chip.halted!, /chip id 9 .* not the ESP32-C3's \(5\)/);
  assert.match(boot(flashWith(buildImage(IRAM, segs, { badChecksum: true }))).chip.halted!, /^checksum failure: calculated 0x[0-9a-f]{2}, stored 0x[0-9a-f]{2}$/);
  const hashed = buildImage(IRAM, segs, { hash: true });
  hashed[hashed.length - 1]! ^= 1;
  assert.match(boot(flashWith(hashed)).chip.halted!, /SHA-256 .* does not match/);
});

test("segments outside RAM and the flash windows, or running past the flash, are refused before anything loads", () => {
  const bad = buildImage(IRAM, [{ addr: 0x60000000, data: PROGRAM }]);
  assert.throws(() => parseImage(flashWith(bad), 0, c3Regions), /outside RAM and the flash windows/);
  const truncated = buildImage(IRAM, [{ addr: IRAM, data: PROGRAM }]);
  truncated[28] = 0xff; // segment length byte: far past the end of a small flash
  assert.throws(() => parseImage(truncated, 0, c3Regions), /run past the end of flash/);
});

test("a flash segment is mapped through the MMU at its 64 KiB page, and code runs from the I-bus window", () => {
  // Header (24) + segment header (8) puts the data at flash offset 32: the code's address
  // must sit at offset 32 of its page too.
  const entry = 0x42000000 + 32;
  const flash = flashWith(buildImage(entry, [{ addr: entry, data: PROGRAM }]));
  const { chip } = boot(flash);
  assert.equal(chip.halted, undefined);
  assert.equal(chip.cpu.x[10], 0x2a);
  assert.equal(chip.cache.mmu[0], 0, "virtual page 0 -> flash page 0");
  assert.ok(chip.cache.misses >= 1, "the first fetch missed the cache");
});
