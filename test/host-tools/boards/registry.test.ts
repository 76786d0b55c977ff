import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { hasFeature, listBoards, loadBoard, localFeatures, resolveBoard, runsHere, targetsWith, validateBoard } from "../../../host-tools/src/boards/registry.js";
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

test("local features come from board.json: rp2040-sim has the flash model, the power rig and USB; esp32c3-sim and host have none", () => {
  const rp = resolveBoard("rp2040-sim");
  const c3 = resolveBoard("esp32c3-sim");
  const host = resolveBoard("host");
  for (const f of ["flash_model", "power_rig", "usb"] as const) {
    assert.equal(hasFeature(rp, f), true, f);
    assert.equal(hasFeature(c3, f), false, f);
    assert.equal(hasFeature(host, f), false, f);
    assert.deepEqual(targetsWith(f), ["rp2040-sim"]);
  }
  assert.equal(localFeatures(c3)?.image, ".merged.bin");
  assert.equal(localFeatures(rp)?.image, ".elf");
  assert.deepEqual(targetsWith((f) => f.i2c_models?.includes("mpu6050") === true), ["esp32c3-sim", "rp2040-sim"]);
  assert.deepEqual(targetsWith((f) => f.i2c_models?.includes("ina219") === true), ["host"]);
});

test("a real board does not run here; an emulator of it and the host board do", () => {
  assert.equal(runsHere(resolveBoard("rp2040")), false);
  assert.equal(runsHere(resolveBoard("esp32c3")), false);
  assert.equal(runsHere(resolveBoard("esp32")), false);
  assert.equal(hasFeature(resolveBoard("rp2040"), "flash_model"), false);
  for (const name of ["host", "rp2040-sim", "esp32c3-sim"]) assert.equal(runsHere(resolveBoard(name)), true, name);
});

test("board.json feature declarations are checked: an emulator says what it boots, only known features, booleans as booleans", () => {
  const sim = () => ({ ...good(), simulator: "x-sim", outputs: ["x.elf"], simulator_features: { image: ".elf" } });
  validateBoard(sim(), "board.json");
  const { simulator_features: _f, ...bare } = sim();
  assert.throws(() => validateBoard(bare, "board.json"), /"simulator_features" is missing/);
  assert.throws(() => validateBoard({ ...sim(), simulator_features: { image: ".elf", jtag: true } }, "board.json"), /simulator_features.jtag is not a known feature/);
  assert.throws(() => validateBoard({ ...sim(), simulator_features: { image: ".elf", usb: "yes" } }, "board.json"), /simulator_features.usb must be true or false/);
  assert.throws(() => validateBoard({ ...sim(), simulator_features: { image: ".uf2" } }, "board.json"), /image ".uf2" ends none of "outputs"/);
  assert.throws(() => validateBoard({ ...sim(), simulator_features: {} }, "board.json"), /simulator_features.image must name/);
  assert.throws(() => validateBoard({ ...good(), runs_here: { image: ".elf" } }, "board.json"), /runs_here.image is for an emulator/);
  assert.throws(() => validateBoard({ ...good(), runs_here: { i2c_models: "regs" } }, "board.json"), /runs_here.i2c_models must be an array/);
});
