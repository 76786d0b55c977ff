// rp2040-sim's own behaviour: what it checks before booting, what it refuses,
// how it reports, and the standalone process the CLI launches.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { SerialPort } from "serialport";

import { boot2Crc32, checkBoot2 } from "../../../host-tools/src/sim/bootrom.js";
import { imageChunks, startRp2040Sim, type Rp2040Sim } from "../../../host-tools/src/sim/rp2040.js";
import { repoRoot } from "../../helpers/paths.js";
import { missingToolchain, selftestElf } from "../../boards/rp2040/firmware.js";

test("boot2 CRC32 is the bootrom's (poly 0x04c11db7, init all ones, unreflected): '123456789' gives 0x0376e6e7", () => {
  assert.equal(boot2Crc32(new TextEncoder().encode("123456789")), 0x0376e6e7);
});

test("checkBoot2 accepts a block whose last word is the CRC of its first 252 bytes and rejects a flipped bit", () => {
  const block = new Uint8Array(256);
  block.set([0x01, 0x4b, 0x00, 0x20], 0);
  new DataView(block.buffer).setUint32(252, boot2Crc32(block.subarray(0, 252)), true);
  assert.equal(checkBoot2(block).ok, true);
  block[10]! ^= 0x04;
  assert.equal(checkBoot2(block).ok, false);
});

test("a raw image larger than the flash is refused with the addresses that do not fit", () => {
  assert.throws(() => imageChunks(new Uint8Array(4096 + 1), 4096), /outside flash 0x10000000\.\.0x10001000/);
});

const skip = missingToolchain();

describe("rp2040-sim running the self-test firmware", { skip, timeout: 180_000 }, () => {
  let elf = "";
  const sims: Rp2040Sim[] = [];
  before(async () => {
    elf = await selftestElf();
  });
  after(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  test("an image whose boot2 CRC is wrong does not boot, as on the bootrom", async () => {
    const image = new Uint8Array(readFileSync(elf.replace(/\.elf$/, ".bin")));
    image[100]! ^= 0xff;
    await assert.rejects(startRp2040Sim({ image }), /boot2 CRC32 mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
  });

  test(".elf, .bin and .uf2 of the same firmware boot to the same banner", async () => {
    for (const ext of [".elf", ".bin", ".uf2"]) {
      const sim = await startRp2040Sim({ image: elf.replace(/\.elf$/, ext) });
      sims.push(sim);
      await sim.expect("wasmcu rp2040 selftest\r\nreset: power-on\r\nready\r\n", { timeoutMs: 20_000 });
      await sim.stop();
    }
  });

  test("reading flash while the SSI is in direct mode stops the emulation with an XIP error", async () => {
    const sim = await startRp2040Sim({ image: elf });
    sims.push(sim);
    await sim.expect("ready\r\n", { timeoutMs: 20_000 });
    sim.rp.writeUint32(0x18000008, 0); // SSIENR = 0 behind the firmware's back
    sim.uartWrite("time\r\n"); // wakes the core, which then fetches code from flash
    await assert.rejects(sim.done, /XIP read of 0x1[0-9a-f]{7} \(pc 0x[0-9a-f]{8}\) while the SSI is disabled/);
  });

  test("bytes sent while the firmware's UART is off are lost, as on a real UART, and counted apart from overruns", async () => {
    const sim = await startRp2040Sim({ image: elf });
    sims.push(sim);
    await sim.expect("ready\r\n", { timeoutMs: 20_000 });
    const cr = sim.rp.readUint32(0x40034030);
    sim.rp.writeUint32(0x40034030, 0); // UARTCR: UART off
    sim.uartWrite("xx");
    await sim.runFor({ us: 1000 });
    assert.equal(sim.uartWhileOff, 2);
    assert.equal(sim.uartDropped, 0);
    sim.rp.writeUint32(0x40034030, cr);
    sim.sendLine("echo after");
    await sim.expect("echo: after\r\n");
    assert.deepEqual([sim.uartWhileOff, sim.uartDropped], [2, 0]);
  });

  test("bytes the firmware does not drain in time overflow the 32-byte RX FIFO and are counted as dropped", async () => {
    const drops: number[] = [];
    const sim = await startRp2040Sim({ image: elf, onUartDropped: (n) => drops.push(n) });
    sims.push(sim);
    await sim.expect("ready\r\n", { timeoutMs: 20_000 });
    sim.rp.writeUint32(0xe000e180, 1 << 20); // NVIC ICER: UART0's interrupt off, nothing drains the FIFO
    sim.uartWrite("y".repeat(40));
    await sim.runFor({ us: 6000 }); // 40 characters at 115200 baud take 3.5 ms
    assert.equal(sim.uartDropped, 8);
    assert.deepEqual(drops, [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("the standalone process prints its pty, GPIO edges with cycle stamps and a stop line", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "host-tools/src/sim/main.ts"),
      "--image", elf, "--speed", "max", "--quiet", "--wait-for-host"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    const waitLine = (re: RegExp, ms = 20_000) => new Promise<RegExpExecArray>((resolve, reject) => {
      const hit = () => {
        for (const l of lines) {
          const m = re.exec(l);
          if (m) return m;
        }
        return undefined;
      };
      const found = hit();
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no line matching ${re}: ${lines.join("\n")}\n${stderr}`)), ms);
      rl.on("line", () => {
        const m = hit();
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    rl.on("line", (l) => lines.push(l));
    let port: SerialPort | undefined;
    try {
      const pty = (await waitLine(/^uart: (\/dev\/pts\/\d+)$/))[1]!;
      port = new SerialPort({ path: pty, baudRate: 115200 });
      await new Promise<void>((resolve, reject) => port!.once("open", () => resolve()).once("error", reject));
      // --wait-for-host: the chip leaves reset on this first byte, so the command cannot
      // reach the UART before the firmware has switched it on (bytes would be dropped).
      port.write("blink 2 1\r\n");
      const edges = await new Promise<string[]>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(lines.join("\n"))), 20_000);
        const check = () => {
          const g = lines.filter((l) => l.startsWith("gpio: 25 "));
          if (g.length >= 3) {
            clearTimeout(t);
            resolve(g);
          } else setTimeout(check, 20);
        };
        check();
      });
      // Driven low at start-up, then high and low again 1 ms (125000 cycles) apart.
      const [, high, low] = edges.map((l) => l.split(" ").map(Number));
      assert.equal(high![2], 1);
      assert.equal(low![2], 0);
      assert.ok(Math.abs(low![3]! - high![3]! - 125_000) < 20, edges.join(" | "));
    } finally {
      // A port left open keeps this test file's process alive after a failure.
      if (port?.isOpen) await new Promise<void>((r) => port!.close(() => r()));
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
    assert.match(lines.at(-1) ?? "", /^stopped: \d+$/);
  });
});
