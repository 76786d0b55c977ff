// The flash timing model of rp2040-sim (host-tools/src/sim/xip-timing.ts): the XIP
// cache's geometry and aliases, and the miss cost derived from the SSI registers,
// against the formula documented in boards/rp2040/README.md.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { XIP_03H } from "../../../host-tools/src/sim/qspi.js";
import {
  CACHE_BYTES, FLUSH_CYCLES, FlashTimingModel, TRANSACTION_OVERHEAD, parseXipLine, readModeFromSsi, transactionCycles,
  xipReportLines,
} from "../../../host-tools/src/sim/xip-timing.js";

const SERIAL_03H = readModeFromSsi(XIP_03H.ctrlr0, XIP_03H.spiCtrlr0, XIP_03H.baudr);
// Quad frames, address (and mode bits) on 4 lanes, no instruction, 32 address bits, 4 wait clocks, SCK = clk_sys/2.
const QUAD_EBH_CONTINUOUS = readModeFromSsi((2 << 21) | (31 << 16) | (3 << 8), (0xa0 << 24) | (4 << 11) | (0 << 8) | (8 << 2) | 1, 2);

describe("rp2040-sim flash timing model", () => {
  test("a 03h line refill is 8 command + 24 address + 64 data clocks at BAUDR 4, plus the overhead", () => {
    assert.equal(transactionCycles(SERIAL_03H, 8), (8 + 24 + 64) * 4 + TRANSACTION_OVERHEAD);
  });

  test("an EBh continuous-read refill is 8 address+mode + 4 wait + 16 data clocks at BAUDR 2", () => {
    assert.deepEqual({ ...QUAD_EBH_CONTINUOUS }, { cmd: 0xa0, lanes: 4, instClocks: 0, addrClocks: 8, waitClocks: 4, baudr: 2 });
    assert.equal(transactionCycles(QUAD_EBH_CONTINUOUS, 8), (8 + 4 + 16) * 2 + TRANSACTION_OVERHEAD);
  });

  test("a stride loop that fits the 16 KiB cache misses once per line, one larger than the cache misses every time", () => {
    const m = new FlashTimingModel([{ name: "model", offset: 0x10000, size: 0x20000 }], SERIAL_03H);
    const line = transactionCycles(SERIAL_03H, 8);
    const pass = (bytes: number) => {
      let stall = 0;
      for (let off = 0; off < bytes; off += 8) stall += m.access(0x10010000 + off);
      return stall;
    };
    assert.equal(pass(CACHE_BYTES), (CACHE_BYTES / 8) * line);
    assert.equal(pass(CACHE_BYTES), 0, "second pass over 16 KiB: all hits");
    m.flush();
    pass(2 * CACHE_BYTES);
    assert.equal(pass(2 * CACHE_BYTES), (2 * CACHE_BYTES / 8) * line, "LRU over 32 KiB: every access misses");
    const [s] = m.stats();
    assert.equal(s!.name, "model");
    assert.equal(s!.hits, CACHE_BYTES / 8);
  });

  test("two ways: two lines 8 KiB apart stay cached, a third evicts the least recently used", () => {
    const m = new FlashTimingModel([], SERIAL_03H);
    const way = CACHE_BYTES / 2;
    for (const a of [0, way, 0, 2 * way]) m.access(0x10000000 + a);
    assert.equal(m.access(0x10000000), 0, "line 0 was used last-but-one: kept");
    assert.ok(m.access(0x10000000 + way) > 0, "the line at 8 KiB was least recently used: evicted");
  });

  test("aliases: 0x11 does not allocate, 0x12 always refills, 0x13 reads one word; a write to 0x10 invalidates", () => {
    const m = new FlashTimingModel([], SERIAL_03H);
    const word = transactionCycles(SERIAL_03H, 4);
    const line = transactionCycles(SERIAL_03H, 8);
    assert.equal(m.access(0x11000000), word);
    assert.equal(m.access(0x10000000), line);
    assert.equal(m.access(0x11000000), 0, "cached, non-allocating: a hit");
    assert.equal(m.access(0x12000000), line, "non-cacheable: never a hit");
    assert.equal(m.access(0x13000000), word);
    m.invalidate(0x10000000);
    assert.equal(m.access(0x10000000), line);
    assert.equal(m.flush(), FLUSH_CYCLES);
    m.enabled = false;
    assert.equal(m.access(0x10000000), word, "cache disabled: every access goes to the flash");
  });

  test("report lines parse back", () => {
    const m = new FlashTimingModel([{ name: "code", offset: 0, size: 4096 }], SERIAL_03H);
    m.access(0x10000000);
    const [l] = xipReportLines(m.stats(), 42);
    assert.deepEqual(parseXipLine(l!), { name: "code", accesses: 1, hits: 0, misses: 1, stallCycles: 388, cycle: 42 });
  });
});
