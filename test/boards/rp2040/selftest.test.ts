// The RP2040 board self-test firmware (boards/rp2040/selftest) running on
// rp2040-sim: what the HAL does on the emulated chip, seen from outside as a
// host would see a real board (UART lines, GPIO edges, flash contents, resets).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { SerialPort } from "serialport";

import { findSymbol, parseElf, type ElfFile } from "../../../host-tools/src/build/elf.js";
import { RegisterFileDevice } from "../../../host-tools/src/sim/i2c.js";
import { startRp2040Sim, type Rp2040Sim, type Rp2040SimOptions } from "../../../host-tools/src/sim/rp2040.js";
import { missingToolchain, selftestElf } from "./firmware.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const skip = missingToolchain();
const CYCLES_PER_US = 125; // clk_sys after hal_init
const SETTINGS_OFFSET = 2031616; // boards/rp2040/board.json "settings"

let elfPath = "";
let elf: ElfFile;
const sims: Rp2040Sim[] = [];
let tmp = "";

async function boot(opts: Partial<Rp2040SimOptions> = {}): Promise<Rp2040Sim> {
  const sim = await startRp2040Sim({ image: elfPath, ...opts });
  sims.push(sim);
  await sim.expect("ready\r\n", { timeoutMs: 20_000 });
  return sim;
}

/** Sends a command and returns its reply line (the first line starting with `prefix`). */
async function command(sim: Rp2040Sim, line: string, prefix = line.split(" ")[0]!): Promise<string> {
  sim.sendLine(line);
  const m = await sim.expect(new RegExp(`${prefix}:[^\\r]*\\r\\n`), { timeoutMs: 20_000 });
  return m.match[0].trim();
}

function symbolRange(name: string): [number, number] {
  const s = findSymbol(elf, name);
  assert.ok(s, `symbol ${name} in the self-test ELF`);
  return [s.value & ~1, (s.value & ~1) + s.size];
}

describe("rp2040 self-test on rp2040-sim", { skip, timeout: 240_000 }, () => {
  before(async () => {
    elfPath = await selftestElf();
    elf = parseElf(readFileSync(elfPath));
    tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-"));
  });

  after(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the boot banner and command replies reach a serialport client through the pseudo-terminal", async () => {
    const sim = await startRp2040Sim({ image: elfPath, pty: true, holdUntilHost: true });
    sims.push(sim);
    assert.match(sim.ptyPath ?? "", /^\/dev\/pts\/\d+$/);
    const port = new SerialPort({ path: sim.ptyPath!, baudRate: 115200 });
    await new Promise<void>((resolve, reject) => port.once("open", () => resolve()).once("error", reject));
    let text = "";
    port.on("data", (d: Buffer) => (text += d.toString("latin1")));
    // The chip is held in reset until the host speaks: nothing of the banner can be missed.
    assert.equal(sim.held, true);
    port.write("echo hello over the pty\r\n");
    const deadline = Date.now() + 20_000;
    while (!text.includes("echo: hello over the pty\r\n") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise<void>((r) => port.close(() => r()));
    assert.match(text, /^\r\nwasmcu rp2040 selftest\r\nreset: power-on\r\nready\r\n/);
    assert.ok(text.includes("echo: hello over the pty\r\n"), `reply missing from: ${JSON.stringify(text)}`);
  });

  test("GPIO 25 edges carry cycle stamps spaced by the blink period", async () => {
    const sim = await boot();
    const first = sim.gpioEvents.length;
    sim.sendLine("blink 6 2");
    const done = await sim.expect(/blink: done[^\r]*\r\n/);
    const reply = done.match[0];
    const edges = sim.gpioEvents.slice(first).filter((e) => e.pin === 25);
    assert.deepEqual(edges.map((e) => e.level), [1, 0, 1, 0, 1, 0]);
    const periodCycles = 2000 * CYCLES_PER_US;
    for (let i = 1; i < edges.length; i++) {
      const gap = edges[i]!.cycle - edges[i - 1]!.cycle;
      // Same wake-up path before every edge, woken by the timer alarm: a few cycles at most.
      assert.ok(Math.abs(gap - periodCycles) < 20, `edge ${i} ${gap} cycles after the previous one`);
    }
    // The reply line carries the cycle it was written at: just after the last edge.
    const afterLast = done.cycle! - edges.at(-1)!.cycle;
    assert.ok(afterLast > 0 && afterLast < 100 * CYCLES_PER_US, `reply ${afterLast} cycles after the last edge`);
    // The firmware's own cycle counter (SysTick based) saw the same six periods.
    const counted = Number(/cycles=(\d+)/.exec(reply)![1]);
    assert.ok(Math.abs(counted - 6 * periodCycles) < (6 * periodCycles) / 50, reply);
  });

  test("the microsecond timer and the cycle counter advance at 125 cycles per microsecond", async () => {
    const sim = await boot();
    const parse = (line: string) => line.match(/us=(\d+) cycles=(\d+)/)!.slice(1).map(Number) as [number, number];
    const [us0, c0] = parse(await command(sim, "time"));
    await sim.runFor({ us: 50_000 });
    const [us1, c1] = parse(await command(sim, "time"));
    assert.ok(us1 - us0 >= 50_000, `${us1 - us0} us`);
    const ratio = (c1 - c0) / (us1 - us0);
    assert.ok(Math.abs(ratio - CYCLES_PER_US) < 0.5, `cycles per us ${ratio}`);
  });

  test("flash erase, program and read-back go through the flash-chip model and persist in the flash file", async () => {
    const flashFile = path.join(tmp, "flash-persist.bin");
    const sim = await boot({ flashFile });
    const before = { ...sim.flashChip.stats };
    sim.sendLine("flash");
    const done = await sim.expect(/flash: done[^\r]*\r\n/, { timeoutMs: 20_000 });
    const reply = sim.uartText.slice(done.index - 400, done.end);
    for (const step of ["erase ok", "program ok", "verify ok", "reprogram refused ok", "firmware protected ok"]) {
      assert.ok(reply.includes(`flash: ${step}`), `missing 'flash: ${step}' in ${JSON.stringify(reply)}`);
    }
    assert.equal(sim.flashChip.stats.sectorErases - before.sectorErases, 1);
    assert.ok(sim.flashChip.stats.pagePrograms - before.pagePrograms >= 5, "1021 bytes from offset 3 span 5 pages");
    assert.ok(sim.flashChip.stats.bitsNotSet > before.bitsNotSet, "the deliberate reprogram tried to set bits");
    assert.ok(sim.flashInterface.xipFlushes > 0, "the driver flushed the XIP cache");
    // The pattern the firmware wrote (byte i = (i*7+3) ^ (i>>8)), 1021 bytes from offset 3.
    const expected = (i: number) => ((i * 7 + 3) ^ (i >> 8)) & 0xff;
    const region = sim.flash.subarray(SETTINGS_OFFSET, SETTINGS_OFFSET + 4096);
    assert.deepEqual([...region.subarray(0, 3)], [0xff, 0xff, 0xff]);
    // Bytes 8..11 were also "programmed" to 0xff afterwards: NOR flash cannot set bits, so they keep the pattern.
    for (let i = 0; i < 1021; i++) assert.equal(region[3 + i], expected(i), `byte ${3 + i}`);
    assert.equal(region[1024], 0xff);
    await sim.stop();
    // The file holds what the chip holds; a new board booting from it finds the same bytes.
    const file = readFileSync(flashFile);
    assert.deepEqual(file.subarray(SETTINGS_OFFSET, SETTINGS_OFFSET + 4096), Buffer.from(region));
    const again = await startRp2040Sim({ flashFile });
    sims.push(again);
    await again.expect("ready\r\n", { timeoutMs: 20_000 });
    const crc = await command(again, `crc ${SETTINGS_OFFSET + 3} 1021`);
    let c = 0xffffffff;
    for (let i = 0; i < 1021; i++) {
      c ^= expected(i);
      for (let b = 0; b < 8; b++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    assert.match(crc, new RegExp(`value=0x${((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0")} `));
  });

  test("a deliberate hard fault is reported over UART with the faulting PC, then the board resets and remembers it", async () => {
    const sim = await boot();
    sim.sendLine("fault");
    const m = await sim.expect(/!! fault: hardfault pc=(0x[0-9a-f]{8}) lr=0x[0-9a-f]{8} xpsr=0x[0-9a-f]{8} last-reset=power-on resetting\r\n/);
    const pc = Number(m.match[1]);
    const [lo, hi] = symbolRange("rp2040_fault_trigger");
    assert.ok(pc >= lo && pc < hi, `pc ${m.match[1]} outside rp2040_fault_trigger ${lo.toString(16)}..${hi.toString(16)}`);
    const off = pc - 0x10000000;
    assert.equal(sim.flash[off]! | (sim.flash[off + 1]! << 8), 0xde42, "the reported PC is the udf #0x42 instruction");
    await sim.expect("reset: fault\r\n");
    await sim.expect(`last-fault: hardfault pc=${m.match[1]} `);
    await sim.expect("ready\r\n");
    assert.equal(sim.resets.at(-1)?.cause, "watchdog-force");
    // The harness reads the same record from the watchdog scratch registers.
    assert.deepEqual({ ...sim.resets.at(-1)?.firmware, lr: 0, xpsr: 0 }, { reason: "hardfault", pc, lr: 0, xpsr: 0 });
  });

  test("an unaligned word load faults as on the Cortex-M0+ and is reported with its PC", async () => {
    const sim = await boot();
    sim.sendLine("align");
    const m = await sim.expect(/!! fault: hardfault pc=(0x[0-9a-f]{8}) /);
    const [lo, hi] = symbolRange("cmd_align");
    const pc = Number(m.match[1]);
    assert.ok(pc >= lo && pc < hi, `pc ${m.match[1]} outside cmd_align`);
    assert.ok(!sim.uartText.includes("align: error no fault"));
    assert.match(sim.warnings.join("\n"), /unaligned 32-bit read of 0x2\w{7} at pc /);
    await sim.expect("reset: fault\r\n");
  });

  test("a watchdog timeout resets the board and the banner names the watchdog", async () => {
    const sim = await boot();
    assert.equal(await command(sim, "wdt 20", "wdt"), "wdt: start ok");
    const reset = await sim.waitForReset(0, { timeoutCycles: 100_000 * CYCLES_PER_US });
    assert.equal(reset.cause, "watchdog-timeout");
    await sim.expect("reset: watchdog\r\n");
    await sim.expect("ready\r\n");
    // The watchdog does not outlive the reset: the board stays up.
    await sim.runFor({ us: 100_000 });
    assert.equal(sim.resets.length, 1);
  });

  test("hal_reset restarts the board and the banner says software", async () => {
    const sim = await boot();
    sim.sendLine("reset");
    await sim.expect("reset: software\r\n");
    await sim.expect("ready\r\n");
    assert.equal(sim.resets.at(-1)?.cause, "watchdog-force");
    assert.equal(sim.resets.at(-1)?.firmware?.reason, "software");
  });

  test("a stack overflow hits the guard and is reported as one", async () => {
    const sim = await boot();
    sim.sendLine("stack");
    const m = await sim.expect(/!! fault: stack-overflow addr=(0x[0-9a-f]{8})/);
    const addr = Number(m.match[1]);
    const limit = findSymbol(elf, "__stack_limit")!.value;
    const guardEnd = findSymbol(elf, "__stack_guard_end")!.value;
    assert.ok(addr >= limit && addr < guardEnd, `overwritten word ${m.match[1]} outside the guard`);
    await sim.expect("last-fault: stack-overflow ");
    await sim.expect("ready\r\n");
    assert.equal(sim.resets.at(-1)?.firmware?.reason, "stack-overflow");
    // Painted at reset, the stack reports how deep it has been: a fresh boot used little of it.
    const info = await command(sim, "info");
    const [used, size] = /stack-used=(\d+)\/(\d+)/.exec(info)!.slice(1).map(Number);
    assert.ok(used! > 0 && used! < 2048 && size === 16384 - 256, info);
  });

  test("the I2C scan finds the device models and a register read uses a repeated start", async () => {
    const sensor = new RegisterFileDevice(256, Uint8Array.from({ length: 256 }, (_, i) => (i * 3) & 0xff));
    const sim = await boot({ i2cDevices: { 0x40: sensor, 0x50: new RegisterFileDevice() } });
    assert.equal(await command(sim, "i2c"), "i2c: 0x40 0x50");
    sim.i2cTrace.length = 0;
    assert.equal(await command(sim, "i2c-rw 0x40 0x21 3", "i2c-rw"), "i2c-rw: 0x63 0x66 0x69");
    assert.deepEqual(sim.i2cTrace.map((t) => [t.addr, t.read, t.bytes]), [[0x40, false, [0x21]], [0x40, true, [0x63, 0x66, 0x69]]]);
    assert.equal(await command(sim, "i2c-rw 0x41 0 1", "i2c-rw"), "i2c-rw: error no acknowledge");
  });

  test("the self-test touches only registers the emulator models (no warnings)", async () => {
    const sim = await boot();
    await command(sim, "info");
    await command(sim, "blink 2 1");
    sim.sendLine("flash");
    await sim.expect(/flash: done[^\r]*\r\n/);
    await command(sim, "i2c");
    assert.deepEqual(sim.warnings, []);
  });
});

noUartDropsTest(skip);
