// The ESP32 port cannot be built here (no ESP-IDF). These tests pin what can be checked:
// the partition table matches board.json, and the HAL compiles cleanly (syntax and types
// only) against declaration stubs of the ESP-IDF headers it uses.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../helpers/paths.js";

const boardDir = path.join(repoRoot, "boards", "esp32");

interface Row { name: string; type: string; subtype: string; offset: number; size: number }

function partitions(): Row[] {
  return readFileSync(path.join(boardDir, "partitions.csv"), "utf8").split("\n")
    .map((l) => l.replace(/#.*/, "").trim()).filter(Boolean)
    .map((l) => {
      const [name, type, subtype, offset, size] = l.split(",").map((c) => c.trim());
      return { name: name!, type: type!, subtype: subtype!, offset: Number(offset), size: Number(size) };
    });
}

test("esp32 partitions.csv has every board.json region at the same offset and size; firmware is the factory app", () => {
  const board = JSON.parse(readFileSync(path.join(boardDir, "board.json"), "utf8")) as { flash: { size: number; layout: { name: string; offset: number; size: number }[] } };
  const rows = partitions();
  for (const r of board.flash.layout) {
    const p = rows.find((x) => x.name === r.name);
    assert.ok(p, `partitions.csv lacks ${r.name}`);
    assert.equal(p.offset, r.offset, `${r.name} offset`);
    assert.equal(p.size, r.size, `${r.name} size`);
    if (r.name === "firmware") assert.deepEqual([p.type, p.subtype], ["app", "factory"]);
    else assert.equal(p.type, "data", `${r.name} is a data partition`);
  }
  const sorted = [...rows].sort((a, b) => a.offset - b.offset);
  sorted.forEach((p, i) => {
    assert.ok(p.offset >= 0x9000, `${p.name} must follow the partition table at 0x8000`);
    const next = sorted[i + 1];
    if (next) assert.ok(p.offset + p.size <= next.offset, `${p.name} overlaps ${next.name}`);
  });
  assert.ok(sorted.at(-1)!.offset + sorted.at(-1)!.size <= board.flash.size);
});

test("esp32 HAL and entry point compile with -Wall -Wextra -Werror against ESP-IDF header stubs (syntax/type check only)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-esp32-"));
  // board_config.h made by the same CMake function every board uses.
  writeFileSync(path.join(dir, "CMakeLists.txt"), [
    "cmake_minimum_required(VERSION 3.20)",
    "project(esp32_board_config NONE)",
    `include("${repoRoot}/cmake/board_config.cmake")`,
    `wasmcu_board_config("${boardDir}/board.json" "${dir}/gen/board_config.h")`,
  ].join("\n"));
  const cm = spawnSync("cmake", ["-S", dir, "-B", path.join(dir, "b")], { encoding: "utf8" });
  assert.equal(cm.status, 0, cm.stderr);
  for (const src of ["main/hal_esp32.c", "main/app_main.c"]) {
    const r = spawnSync("cc", ["-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wconversion", "-Wno-sign-conversion",
      "-I", path.join(repoRoot, "test/boards/esp32/stub-idf"), "-I", path.join(repoRoot, "firmware/hal/include"),
      "-I", path.join(repoRoot, "firmware/device/include"), "-I", path.join(dir, "gen"), path.join(boardDir, src)], { encoding: "utf8" });
    assert.equal(r.status, 0, `${src}:\n${r.stderr}`);
  }
});
