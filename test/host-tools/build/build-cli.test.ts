// `wasmcu build` for the boards built here: artefacts and the linker map's size report.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { wasmcu } from "../../helpers/cli.js";

interface BuildJson {
  firmware: { artifacts: string[]; memory?: { flashBytes: number; ramBytes: number; sections: { name: string; region: string }[] } };
}

test("wasmcu build --board rp2040 gives an ELF, a raw binary and a UF2 with the RP2040 family id, and a size report", async () => {
  const r = await wasmcu(["build", "--board", "rp2040", "--app", "blink", "--json"], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as BuildJson;
  const uf2 = j.firmware.artifacts.find((a) => a.endsWith(".uf2"));
  assert.ok(j.firmware.artifacts.some((a) => a.endsWith(".elf")) && j.firmware.artifacts.some((a) => a.endsWith(".bin")) && uf2);
  const block = readFileSync(uf2!).subarray(0, 512);
  assert.equal(block.readUInt32LE(0), 0x0a324655); // UF2 magic
  assert.equal(block.readUInt32LE(28), 0xe48bff56); // RP2040 family id
  const mem = j.firmware.memory!;
  assert.ok(mem.flashBytes > 100_000 && mem.flashBytes < 512 * 1024, `flash ${mem.flashBytes}`);
  assert.ok(mem.ramBytes > 0 && mem.ramBytes <= 264 * 1024, `RAM ${mem.ramBytes}`);
  assert.ok(mem.sections.some((s) => s.name === ".text" && s.region === "flash"));
  assert.ok(mem.sections.some((s) => s.name === ".bss" && s.region === "ram"));
});

test("wasmcu build --board esp32c3 gives the ELF, the ROM's image (0xE9, chip 5) and the merged image, and a size report with .iram in RAM and flash", async () => {
  const r = await wasmcu(["build", "--board", "esp32c3", "--json"], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as BuildJson;
  const names = j.firmware.artifacts.map((a) => a.split("/").pop());
  assert.deepEqual(names, ["wasmcu-esp32c3.elf", "wasmcu-esp32c3.bin", "wasmcu-esp32c3.merged.bin"]);
  const rom = readFileSync(j.firmware.artifacts[1]!);
  assert.equal(rom[0], 0xe9);
  assert.equal(rom.readUInt16LE(12), 5);
  const merged = readFileSync(j.firmware.artifacts[2]!);
  assert.ok(merged.subarray(0, rom.length).equals(rom));
  const mem = j.firmware.memory!;
  assert.deepEqual(mem.sections.filter((s) => s.name === ".iram").map((s) => s.region), ["ram"]);
  assert.ok(mem.sections.some((s) => s.name === ".text" && s.region === "flash"));
  assert.ok(mem.flashBytes > 100_000 && mem.ramBytes > 0);
});

test("wasmcu build --board esp32 explains that ESP-IDF builds it, with exit status 1", async () => {
  const r = await wasmcu(["build", "--board", "esp32"], { timeoutMs: 60_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /built with its vendor toolchain/);
  assert.match(r.stderr, /boards\/esp32\/README\.md/);
});

test("wasmcu doctor --json lists every check with a status and says how to fix what is missing", async () => {
  const r = await wasmcu(["doctor", "--json"], { timeoutMs: 60_000 });
  const j = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; optional: boolean; fix?: string }[] };
  assert.equal(r.code, j.ok ? 0 : 1);
  for (const name of ["node", "cmake", "arm-none-eabi-gcc (rp2040)", "riscv64-unknown-elf-gcc (esp32c3, esp32c3-sim)", "socat (rp2040-sim, esp32c3-sim UART)", "picolibc for riscv64-unknown-elf (esp32c3)", "serial port access"]) assert.ok(j.checks.some((c) => c.name === name), name);
  for (const c of j.checks.filter((c) => !c.ok)) assert.ok(c.fix, `${c.name} has no fix`);
});
