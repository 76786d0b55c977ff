// The "native C" column of the AOT bench: bench/native/workloads.c (with the device's C SHA-256,
// firmware/ota/src/sha256.c) built with arm-none-eabi-gcc -Os for the Cortex-M0+ and each function run bare on rp2040js's core (code in flash at the
// XIP address, as firmware runs; .data and .bss in SRAM; no start-up code, no firmware).
// Emulated cycles from call to return, never silicon.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RP2040 } from "rp2040js";

const root = path.resolve(import.meta.dirname, "../../..");
const FLASH = 0x10000000;
const SRAM = 0x20000000;
const RETURN_AT = SRAM + 0x30000; // a BKPT the call returns to, past the workloads' data
const STACK_TOP = SRAM + 0x40000;

/** Builds the workloads; returns `run(name)` → { result, cycles } and the gcc command line used. */
export function nativeWorkloads() {
  return nativeM0(["bench/native/workloads.c", "firmware/ota/src/sha256.c"], ["firmware/ota/include"]);
}

/** Builds `sources` (repo paths) the same way; returns `run(name)` and the gcc command line. */
export function nativeM0(sources, includes = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-native-m0-"));
  const elf = path.join(dir, "workloads.elf");
  const flags = ["-mcpu=cortex-m0plus", "-mthumb", "-Os", "-std=c11", "-ffreestanding", "-nostartfiles"];
  const src = sources.map((f) => path.join(root, f));
  // newlib's memcpy/memset and libgcc only (no start-up code: each function is called directly)
  execFileSync("arm-none-eabi-gcc", [...flags, "-Wall", "-Wextra", "-Werror", ...includes.flatMap((d) => ["-I", path.join(root, d)]),
    "-T", path.join(root, "bench/native/link.ld"), ...src, "-o", elf]);
  const section = (name) => {
    const out = path.join(dir, `${name.slice(1)}.bin`);
    execFileSync("arm-none-eabi-objcopy", ["-O", "binary", `--only-section=${name}`, elf, out]);
    return new Uint8Array(readFileSync(out));
  };
  const symbols = new Map(execFileSync("arm-none-eabi-nm", [elf], { encoding: "utf8" }).trim().split("\n")
    .map((l) => l.split(" ")).filter((p) => p.length === 3).map(([addr, , name]) => [name, parseInt(addr, 16)]));
  const text = section(".text");
  const data = section(".data");
  const dataAt = SRAM; // link.ld puts .data first in RAM
  return {
    command: `arm-none-eabi-gcc ${flags.join(" ")}`,
    run(name) {
      const at = symbols.get(name);
      if (at === undefined) throw new Error(`${sources[0]} has no function ${name}`);
      const mcu = new RP2040();
      const fault = (c, m) => { throw new Error(`native ${name}: ${c}: ${m}`); };
      mcu.logger = { debug: () => {}, info: () => {}, warn: fault, error: fault };
      mcu.flash.set(text, 0);
      mcu.sram.set(data, dataAt - SRAM);
      mcu.sramView.setUint16(RETURN_AT - SRAM, 0xbe00, true); // BKPT #0
      let done = false;
      mcu.onBreak = () => { done = true; };
      const core = mcu.core;
      core.SP = STACK_TOP;
      core.LR = RETURN_AT | 1;
      core.PC = at & ~1;
      const start = core.cycles;
      while (!done) {
        mcu.step();
        if (core.cycles - start > 2e9) throw new Error(`native ${name} did not return`);
      }
      return { result: core.registers[0] | 0, cycles: core.cycles - start };
    },
  };
}
