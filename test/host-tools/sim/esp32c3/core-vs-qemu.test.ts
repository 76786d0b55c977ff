// The RV32IMC core checked against QEMU: the same freestanding programs run under
// qemu-system-riscv32 (-M virt, -icount shift=0) and on our core in a machine with
// the same UART and exit device; their outputs must be identical.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";

import { DUMP_AND_EXIT, randomProgram } from "./support/random-rv32.js";
import { buildRv32, gccMissing, programsDir, qemuMissing, runQemu, scratchDir } from "./support/toolchain.js";
import { runOnOurCore } from "./support/virt-machine.js";

const skip = gccMissing() || qemuMissing();

function buildVirt(name: string, sources: Parameters<typeof buildRv32>[1]): string {
  return buildRv32(path.join(scratchDir(), `${name}.elf`), sources, path.join(programsDir, "virt.ld"));
}

test("a C program's CRC, sort and M-extension results match QEMU's line for line", { skip }, async () => {
  const elf = buildVirt("arith", [path.join(programsDir, "virt-start.S"), path.join(programsDir, "arith.c")]);
  const ours = runOnOurCore(elf);
  const theirs = await runQemu(elf);
  assert.equal(ours.exitValue, 0x5555);
  assert.match(ours.output, /^crc [0-9a-f]{8}\nsort [0-9a-f]{8}\nmuldiv [0-9a-f]{8}\n$/);
  assert.equal(ours.output, theirs);
});

/** Bounded here; ESP32C3_RANDOM_PROGRAMS=N (and ESP32C3_RANDOM_SEED) run more. */
const RANDOM_PROGRAMS = Number(process.env.ESP32C3_RANDOM_PROGRAMS ?? 6);
const RANDOM_SEED = Number(process.env.ESP32C3_RANDOM_SEED ?? 1801);
const RANDOM_LENGTH = 3000;

test(`${RANDOM_PROGRAMS} random rv32imc instruction streams leave the same registers and memory as under QEMU`, { skip }, async () => {
  for (let i = 0; i < RANDOM_PROGRAMS; i++) {
    const seed = RANDOM_SEED + i;
    const elf = buildVirt(`random-${seed}`, [
      { name: "stream.S", text: randomProgram(seed, RANDOM_LENGTH) },
      { name: "dump.S", text: DUMP_AND_EXIT },
    ]);
    const ours = runOnOurCore(elf);
    const theirs = await runQemu(elf);
    assert.equal(ours.output.split("\n").length, 33, `seed ${seed}: 31 registers and a hash`);
    assert.equal(ours.output, theirs, `seed ${seed}: register file or memory differs from QEMU's (rerun with ESP32C3_RANDOM_SEED=${seed})`);
  }
});

test("ecall, ebreak, illegal instructions, unknown CSRs and access faults trap as under QEMU (mcause, mepc, mtval, MIE/MPIE)", { skip }, async () => {
  const elf = buildVirt("traps", [path.join(programsDir, "virt-start.S"), path.join(programsDir, "traps.c")]);
  const ours = runOnOurCore(elf);
  const theirs = await runQemu(elf);
  assert.equal(ours.exitValue, 0x5555, ours.output);
  assert.match(ours.output, /^ecall 0000000b 00000000 00000000 00000080 00000088\n/);
  assert.equal(ours.output, theirs);
});
