// rp2040-sim's flash timing model against a known access pattern on the chip: the
// self-test's `xip` command (boards/rp2040/src/xip_probe.c) reads flash from RAM with
// interrupts off and reports its last pass's SysTick cycles and the XIP_CTRL hit and
// access counters. A 16 KiB stride-8 pattern fits the cache (all hits on the second
// pass), a 32 KiB stride-16 one thrashes every set (all misses): the same 2048 reads,
// so the difference in cycles is 2048 misses at the cost boards/rp2040/README.md
// documents for the read mode boot2 set up, for both boot2 variants.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { launchSimBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { startRp2040Sim, type Rp2040Sim } from "../../../host-tools/src/sim/rp2040.js";
import { SR2_QE } from "../../../host-tools/src/sim/flash-chip.js";
import { missingToolchain, selftestElf } from "./firmware.js";

const skip = missingToolchain();
const MODEL_OFFSET = 917504; // boards/rp2040/board.json "model": erased, nothing else reads it
const READS = 2048;
/** The documented miss cost of an 8-byte line (README "Flash timing model"), in clk_sys cycles. */
const LINE_MISS = {
  "03h": (8 + 24 + 64) * 4 + 4, // 03h, 24-bit address, 64 data bits, 1 lane, BAUDR 4
  quad: (8 + 4 + 16) * 2 + 4, // EBh continuous: address+mode 8 clocks, 4 wait, 16 data clocks on 4 lanes, BAUDR 2
} as const;

const sims: Rp2040Sim[] = [];

async function probe(sim: Rp2040Sim, bytes: number, stride: number): Promise<{ cycles: number; accesses: number; hits: number }> {
  sim.sendLine(`xip ${MODEL_OFFSET} ${bytes} ${stride} 2`);
  const m = await sim.expect(/xip: cycles=(\d+) accesses=(\d+) hits=(\d+)/, { timeoutMs: 60_000 });
  return { cycles: Number(m.match[1]), accesses: Number(m.match[2]), hits: Number(m.match[3]) };
}

async function boot(elf: string, flashModel: boolean): Promise<Rp2040Sim> {
  const sim = await startRp2040Sim({ image: elf, flashModel });
  sims.push(sim);
  await sim.expect("ready\r\n", { timeoutMs: 30_000 });
  return sim;
}

describe("rp2040-sim flash timing model on the chip", { skip, timeout: 600_000 }, () => {
  after(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  for (const boot2 of ["quad", "03h"] as const) {
    test(`${boot2} boot2: a pattern larger than the cache costs ${LINE_MISS[boot2]} cycles per read more than one that fits`, async () => {
      const sim = await boot(await selftestElf(boot2), true);
      const fits = await probe(sim, 16384, 8);
      const thrashes = await probe(sim, 32768, 16);
      assert.deepEqual([fits.accesses, fits.hits], [READS, READS], "16 KiB at stride 8: every read of the second pass hits");
      assert.deepEqual([thrashes.accesses, thrashes.hits], [READS, 0], "32 KiB at stride 16: four lines per set, two ways: all miss");
      assert.equal(thrashes.cycles - fits.cycles, READS * LINE_MISS[boot2]);
      assert.equal(sim.flashChip.continuous, boot2 === "quad", "the quad boot2 leaves the flash in continuous read mode");
      if (boot2 === "quad") assert.equal(sim.flashChip.sr2 & SR2_QE, SR2_QE, "boot2 set QE");
    });
  }

  test("without the model both patterns take the same cycles (the emulator's ideal) and the counters read 0", async () => {
    const sim = await boot(await selftestElf("quad"), false);
    const fits = await probe(sim, 16384, 8);
    const thrashes = await probe(sim, 32768, 16);
    assert.equal(thrashes.cycles, fits.cycles);
    assert.deepEqual([fits.accesses, thrashes.hits], [0, 0]);
  });

  test("rp2040-sim as a process (launchSimBoard, --flash-model) reports XIP counters per board.json region on request", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-xip-"));
    const board = await launchSimBoard(resolveBoard("rp2040-sim"), {
      firmware: await selftestElf("quad"), flashFile: path.join(tmp, "flash.bin"), speed: Infinity, flashModel: true,
    });
    try {
      let code = { name: "", accesses: 0, hits: 0, misses: 0, stallCycles: 0 };
      for (let i = 0; i < 100 && code.accesses === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        code = (await board.xipStats!()).find((s) => s.name === "code") ?? code;
      }
      assert.ok(code.accesses > 0 && code.hits > 0 && code.misses > 0, JSON.stringify(code));
      assert.equal(code.stallCycles, code.misses * LINE_MISS.quad, "every miss in code is a line refill at the quad cost");
    } finally {
      await board.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("quad boot2 with the model on: the flash driver leaves and re-enters continuous read mode around a write", async () => {
    const sim = await boot(await selftestElf("quad"), true);
    const from = sim.sendLine("flash");
    await sim.waitForUart("flash: done", { from, timeoutMs: 60_000 });
    const reply = sim.uartText.slice(from - sim.uartStart);
    assert.match(reply, /flash: verify ok/);
    assert.doesNotMatch(reply, /flash: error/);
    assert.equal(sim.flashChip.continuous, true);
    assert.deepEqual(sim.flashChip.notes.filter((n) => /continuous|XIP/.test(n)), []);
  });
});
