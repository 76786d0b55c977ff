// The SPI NOR flash model behind rp2040-sim's QSPI bus, driven byte by byte as
// a flash driver would drive it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SpiNorFlash, fastTiming } from "../../../host-tools/src/sim/flash-chip.js";

function chip(size = 64 * 1024) {
  let now = 0;
  const changes: [number, number][] = [];
  const flash = new SpiNorFlash(new Uint8Array(size).fill(0xff), {
    now: () => now,
    timing: fastTiming,
    onChange: (o, l) => changes.push([o, l]),
  });
  const cmd = (...bytes: number[]) => {
    flash.select();
    const out = bytes.map((b) => flash.transfer(b));
    flash.deselect();
    return out;
  };
  return { flash, cmd, changes, advanceUs: (us: number) => (now += us * 1000) };
}

const addr = (a: number) => [(a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff];

test("9Fh returns the W25Q16 JEDEC id EF 40 15", () => {
  const { cmd } = chip();
  assert.deepEqual(cmd(0x9f, 0, 0, 0).slice(1), [0xef, 0x40, 0x15]);
});

test("page program needs write enable first, and is ignored (with a note) without it", () => {
  const { flash, cmd } = chip();
  cmd(0x02, ...addr(0x100), 0x12, 0x34);
  assert.equal(flash.mem[0x100], 0xff);
  assert.match(flash.notes.at(-1)!, /without write enable/);
  cmd(0x06);
  assert.equal(cmd(0x05, 0)[1]! & 0x02, 0x02, "WEL set");
  cmd(0x02, ...addr(0x100), 0x12, 0x34);
  assert.deepEqual([...flash.mem.subarray(0x100, 0x103)], [0x12, 0x34, 0xff]);
  assert.equal(flash.stats.pagePrograms, 1);
});

test("status shows busy for the program time, then write enable is cleared", () => {
  const { cmd, advanceUs } = chip();
  cmd(0x06);
  cmd(0x02, ...addr(0), 0x00);
  assert.equal(cmd(0x05, 0)[1], 0x03, "WIP and WEL while programming");
  advanceUs(fastTiming.pageProgramUs + 1);
  assert.equal(cmd(0x05, 0)[1], 0x00);
});

test("commands other than read-status are ignored while the chip is busy", () => {
  const { flash, cmd, advanceUs } = chip();
  cmd(0x06);
  cmd(0x20, ...addr(0));
  cmd(0x06);
  cmd(0x02, ...addr(0x10), 0x00);
  assert.equal(flash.mem[0x10], 0xff);
  assert.match(flash.notes.at(-1)!, /while busy/);
  assert.deepEqual(cmd(0x03, ...addr(0), 0).slice(4), [0xff], "reads return nothing useful while busy");
  advanceUs(fastTiming.sectorEraseUs);
  assert.equal(cmd(0x05, 0)[1], 0x00);
});

test("programming only clears bits: writing 1s over 0s leaves the 0s", () => {
  const { flash, cmd, advanceUs } = chip();
  cmd(0x06);
  cmd(0x02, ...addr(0x40), 0x0f);
  advanceUs(100);
  cmd(0x06);
  cmd(0x02, ...addr(0x40), 0xf3);
  assert.equal(flash.mem[0x40], 0x03);
  assert.equal(flash.stats.bitsNotSet, 1);
});

test("a page program wraps inside its 256-byte page", () => {
  const { flash, cmd } = chip();
  cmd(0x06);
  cmd(0x02, ...addr(0x1fe), 1, 2, 3, 4);
  assert.deepEqual([...flash.mem.subarray(0x1fe, 0x200)], [1, 2]);
  assert.deepEqual([...flash.mem.subarray(0x100, 0x102)], [3, 4]);
  assert.equal(flash.mem[0x200], 0xff);
});

test("sector erase (20h) clears exactly the aligned 4 KiB around the address and reports the change", () => {
  const { flash, cmd, changes } = chip();
  flash.mem.fill(0);
  cmd(0x06);
  cmd(0x20, ...addr(0x1234));
  assert.ok(flash.mem.subarray(0x1000, 0x2000).every((b) => b === 0xff));
  assert.equal(flash.mem[0x0fff], 0);
  assert.equal(flash.mem[0x2000], 0);
  assert.deepEqual(changes, [[0x1000, 0x1000]]);
});

test("64 KiB block erase (D8h) clears the whole block", () => {
  const { flash, cmd } = chip(128 * 1024);
  flash.mem.fill(0);
  cmd(0x06);
  cmd(0xd8, ...addr(0x10000));
  assert.ok(flash.mem.subarray(0x10000, 0x20000).every((b) => b === 0xff));
  assert.equal(flash.mem[0xffff], 0);
});

test("03h reads stream from the address and 0Bh skips one dummy byte", () => {
  const { flash, cmd } = chip();
  flash.mem.set([9, 8, 7, 6], 0x300);
  assert.deepEqual(cmd(0x03, ...addr(0x300), 0, 0, 0).slice(4), [9, 8, 7]);
  assert.deepEqual(cmd(0x0b, ...addr(0x301), 0, 0, 0).slice(5), [8, 7]);
});

test("an erase with a short address is ignored", () => {
  const { flash, cmd } = chip();
  flash.mem.fill(0);
  cmd(0x06);
  cmd(0x20, 0x00, 0x10);
  assert.equal(flash.mem[0x1000], 0);
  assert.match(flash.notes.at(-1)!, /command bytes/);
});
