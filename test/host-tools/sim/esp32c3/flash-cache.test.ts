// The flash cache model: MMU translation of both bus windows, faults through invalid
// entries, and the 16 KiB 8-way LRU timing model (misses cost a line fill).
import assert from "node:assert/strict";
import { test } from "node:test";

import { AccessFault } from "../../../../host-tools/src/sim/esp32c3/bus.js";
import { FLASH_LINE_FILL } from "../../../../host-tools/src/sim/esp32c3/cost.js";
import { FlashCache } from "../../../../host-tools/src/sim/esp32c3/flash-cache.js";

function cache() {
  const flash = new Uint8Array(1 << 22);
  for (let i = 0; i < flash.length; i += 4) new DataView(flash.buffer).setUint32(i, i, true);
  let remaps = 0;
  return { c: new FlashCache(flash, () => remaps++), remaps: () => remaps };
}

test("an MMU entry maps one 64 KiB page for the I-bus and the D-bus alike; an invalid entry faults", () => {
  const { c, remaps } = cache();
  assert.throws(() => c.readMapped(0x42000000, 4, "fetch"), AccessFault);
  c.write(4 * 3, 0x20); // virtual page 3 -> flash page 0x20
  assert.equal(remaps(), 1);
  assert.equal(c.readMapped(0x42030010, 4, "fetch"), 0x200010);
  assert.equal(c.readMapped(0x3c030010, 4, "load"), 0x200010);
  c.write(4 * 3, 0x100);
  assert.throws(() => c.readMapped(0x3c030010, 4, "load"), /access fault at 0x3c030010/);
});

test("a line misses once, then hits; nine lines in one set evict the least recently used", () => {
  const { c } = cache();
  for (let v = 0; v < 64; v++) c.map(v, v);
  assert.equal(c.touch(0x42000000), FLASH_LINE_FILL);
  assert.equal(c.touch(0x42000010), 0, "same 32-byte line");
  // 64 sets of 32-byte lines: addresses 2 KiB apart share a set.
  for (let w = 1; w < 8; w++) c.touch(0x42000000 + w * 2048);
  assert.equal(c.touch(0x42000000), 0, "8 ways hold 8 lines");
  c.touch(0x42000000 + 8 * 2048); // evicts the least recently used: the line at 2 KiB
  assert.equal(c.touch(0x42000000 + 2048), FLASH_LINE_FILL);
  assert.equal(c.misses, 10);
});
