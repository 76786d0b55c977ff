// The ELF reader (host-tools/src/build/elf.ts): what a broken file is refused with.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ElfError, parseElf } from "../../../host-tools/src/build/elf.js";

test("parseElf names the problem and where: a truncated program header table", () => {
  const elf = new Uint8Array(64);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  const v = new DataView(elf.buffer);
  v.setUint32(28, 52, true); // e_phoff
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 2, true); // e_phnum
  assert.throws(() => parseElf(elf), (e: Error) => e instanceof ElfError && /program headers .* extend past the end of the file \(64\)/.test(e.message));
  assert.throws(() => parseElf(elf.subarray(0, 20)), /shorter than an ELF32 header/);
});
