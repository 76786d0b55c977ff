import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMapFile } from "../../../host-tools/src/build/mapfile.js";

// Shaped like arm-none-eabi-ld's output, including a name too long for one line.
const MAP = `Archive member included to satisfy reference by file (symbol)
Memory Configuration

Name             Origin             Length             Attributes
FLASH            0x10000000         0x00200000         xr

Linker script and memory map

.boot2          0x10000000      0x100
 *(.boot2)
.text           0x10000100     0x3a20
 *(.text*)
 .text.main     0x10000100       0x40 main.o
.rodata         0x10003b20      0x4e0
.data           0x20000000       0x88 load address 0x10004000
.bss            0x20000088     0x1c40
.stack_dummy
                0x20040000      0x800
.debug_info     0x00000000    0x12345
.ARM.attributes
                0x00000000       0x2c
`;

test("sections are sorted into flash and RAM by address, .data counted in both", () => {
  const use = parseMapFile(MAP, 0x20000000);
  const names = use.sections.map((s) => s.name);
  assert.deepEqual(names, [".boot2", ".text", ".rodata", ".data", ".bss", ".stack_dummy"]);
  assert.equal(use.flashBytes, 0x100 + 0x3a20 + 0x4e0 + 0x88);
  assert.equal(use.ramBytes, 0x88 + 0x1c40 + 0x800);
});

test("without a RAM address, section names decide", () => {
  const use = parseMapFile(MAP);
  assert.equal(use.sections.find((s) => s.name === ".bss")!.region, "ram");
  assert.equal(use.sections.find((s) => s.name === ".text")!.region, "flash");
});
