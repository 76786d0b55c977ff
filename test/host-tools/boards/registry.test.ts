import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { listBoards, loadBoard, resolveBoard, validateBoard } from "../../../host-tools/src/boards/registry.js";
import { BoardError } from "../../../host-tools/src/lib/errors.js";

const good = () => JSON.parse(JSON.stringify({
  name: "x", description: "d", cpu: "c", clock_hz: 1, toolchain: "t", ram: { size: 1024 },
  flash: { size: 65536, erase_size: 4096, write_size: 1, layout: [
    { name: "firmware", offset: 0, size: 16384 }, { name: "app_a", offset: 16384, size: 8192 },
    { name: "app_b", offset: 24576, size: 8192 }, { name: "model", offset: 32768, size: 28672 },
    { name: "settings", offset: 61440, size: 4096 },
  ] },
  serial: { baud: 115200, data_bits: 8, parity: "none", stop_bits: 1 }, led_pin: 25, outputs: [],
}));

test("the repo's boards are host, rp2040, esp32 and esp32c3, each with a valid layout", () => {
  const names = listBoards().map((b) => b.name);
  assert.deepEqual(names, ["esp32", "esp32c3", "host", "rp2040"]);
});

test("esp32c3-sim resolves to the esp32c3 board, marked simulated; its firmware region starts at 0 (the ROM boots there)", () => {
  const t = resolveBoard("esp32c3-sim");
  assert.equal(t.board.name, "esp32c3");
  assert.equal(t.simulated, true);
  assert.equal(t.board.flash.layout.find((r) => r.name === "firmware")?.offset, 0);
});

test("rp2040-sim resolves to the rp2040 board, marked simulated", () => {
  const t = resolveBoard("rp2040-sim");
  assert.equal(t.board.name, "rp2040");
  assert.equal(t.simulated, true);
});

test("an unknown board name is an error that lists the known ones", () => {
  assert.throws(() => resolveBoard("pico3"), (e: unknown) =>
    e instanceof BoardError && /unknown board "pico3"/.test(e.message) && /host/.test(e.hint ?? ""));
});

test("overlapping flash regions are rejected by name", () => {
  const b = good();
  b.flash.layout[2].offset = 20480;
  assert.throws(() => validateBoard(b, "board.json"), /app_a and app_b overlap|erase boundary/);
  const c = good();
  c.flash.layout[2].offset = 16384;
  assert.throws(() => validateBoard(c, "board.json"), /app_a and app_b overlap|app_b and app_a overlap/);
});

test("a region past the end of flash is rejected", () => {
  const b = good();
  b.flash.layout[4].size = 8192;
  assert.throws(() => validateBoard(b, "board.json"), /settings.*past the flash size 65536/);
});

test("a region not on an erase boundary is rejected", () => {
  const b = good();
  b.flash.layout[1].size = 8000;
  assert.throws(() => validateBoard(b, "board.json"), /erase boundary/);
});

test("a layout without the slots the device needs is rejected", () => {
  const b = good();
  b.flash.layout = b.flash.layout.filter((r: { name: string }) => r.name !== "model");
  assert.throws(() => validateBoard(b, "board.json"), /no "model" region/);
});

test("board.json whose name differs from its folder is rejected", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-board-"));
  mkdirSync(path.join(dir, "y"));
  writeFileSync(path.join(dir, "y", "board.json"), JSON.stringify(good()));
  assert.throws(() => loadBoard(path.join(dir, "y")), /"name" is "x" but the folder is "y"/);
});

test("broken JSON names the file", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-board-"));
  mkdirSync(path.join(dir, "z"));
  writeFileSync(path.join(dir, "z", "board.json"), "{ nope");
  assert.throws(() => loadBoard(path.join(dir, "z")), /z\/board\.json/);
});
