// The emulated ESP32-C3 running small freestanding programs through its ROM boot:
// UART0 by interrupt, SYSTIMER alarms, watchdog resets, SPI1 flash, image checks.
import assert from "node:assert/strict";
import { test } from "node:test";

import { RegisterFileDevice } from "../../../../host-tools/src/sim/i2c.js";
import { flashWith, imageFromElf } from "./support/c3-image.js";
import { buildC3Program, startC3 } from "./support/c3-run.js";
import { gccMissing } from "./support/toolchain.js";

const skip = gccMissing();

test("UART0: the ROM boots the image, the program prints, and echoes host bytes from its RX interrupt", { skip }, () => {
  const elf = buildC3Program("c3-hello");
  const h = startC3({ flash: flashWith(imageFromElf(elf)) });
  h.runUntil(/hello from esp32c3-sim\n/);
  assert.match(h.output(), /^ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 \(POWERON\),boot:0xc \(SPI_FAST_FLASH_BOOT\)\r\n/);
  assert.match(h.output(), /load:0x40380000,len:0x[0-9a-f]+\r\n.*entry 0x40380000\r\nhello from esp32c3-sim\n$/s);
  h.send("abc xyz");
  h.runUntil(/ABC XYZ$/, 100);
  assert.match(h.output(), /hello from esp32c3-sim\nABC XYZ$/);
  assert.deepEqual(h.resets, []);
});

test("SYSTIMER: a one-shot alarm 1 ms ahead and a 0.5 ms periodic alarm interrupt on emulated time", { skip }, () => {
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-systimer"))) });
  const out = h.runUntil(/done\n/, 50);
  const lines = out.slice(out.indexOf("entry")).split("\n").slice(1, -1);
  // The periodic alarms land at 0.5, 1.0 and 1.5 ms, the one-shot at 1.0 ms.
  assert.deepEqual(lines.filter((l) => l.startsWith("periodic")), ["periodic 1", "periodic 2", "periodic 3"]);
  const shot = lines.find((l) => l.startsWith("oneshot"));
  assert.ok(shot, out);
  const ticks = Number(shot.split("+")[1]);
  assert.ok(ticks >= 16000 && ticks < 16400, `one-shot seen ${ticks} ticks after arming (16000 = 1 ms)`);
});

test("watchdogs: TIMG0's MWDT and then the RTC WDT reset the chip; the reset reason says which, RTC STORE0 survives", { skip }, () => {
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-watchdog"))) });
  const out = h.runUntil(/watchdogs done\n/, 100);
  assert.deepEqual(h.resets, ["TG0WDT_SYS_RST", "RTCWDT_SYS_RST"]);
  assert.match(out, /boot reason 1 marker 00000000\n/);
  assert.match(out, /rst:0x7 \(TG0WDT_SYS_RST\).*boot reason 7 marker c3c3c3c3\n/s);
  assert.match(out, /rst:0x9 \(RTCWDT_SYS_RST\).*boot reason 9 marker d4d4d4d4\nwatchdogs done\n/s);
});

test("without the start-up code that stops them, the ROM's flash-boot watchdogs reset the chip", { skip }, () => {
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-hello"))) });
  h.runMs(1);
  // Turn the program's own watchdog handling back: arm TIMG0's flash-boot mode again as the ROM leaves it.
  h.chip.timg0.startFlashBootProtection();
  h.runMs(400); // stage 0 hold 26,000,000 APB ticks = 325 ms
  assert.deepEqual(h.resets, ["TG0WDT_SYS_RST"]);
});

test("SPI1: erase, page program and read back through SPI1 and through the cache MMU's D-bus window", { skip }, () => {
  const changes: [number, number][] = [];
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-flash"))), onFlashChange: (o, l) => changes.push([o, l]) });
  const out = h.runUntil(/dbus.*\n/, 100);
  assert.match(out, /jedec 001640ef\n/, "manufacturer EF first, in the low byte of W0");
  assert.match(out, /spi1 11223344 22446688 336699cc 4488cd10\n/);
  assert.match(out, /dbus 11223344 22446688 336699cc 4488cd10\n/);
  assert.deepEqual([...h.chip.flash.subarray(0x100000, 0x100004)], [0x44, 0x33, 0x22, 0x11]);
  assert.ok(changes.some(([o, l]) => o === 0x100000 && l === 4096), "the erase was reported for persisting");
});

test("I2C0 runs a command list against a device model (write, repeated-start read, NACK), GPIO 8 toggles are reported", { skip }, () => {
  const dev = new RegisterFileDevice();
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-i2c-gpio"))), i2cDevices: new Map([[0x50, dev]]) });
  const out = h.runUntil(/gpio done\n/, 50);
  assert.match(out, /write int 00000080\n/, "TRANS_COMPLETE");
  assert.match(out, /read int 00000080 data 000000a1 000000b2 000000c3\n/);
  assert.match(out, /absent int 00000400\n/, "NACK");
  assert.deepEqual([...dev.regs.subarray(0x10, 0x13)], [0xa1, 0xb2, 0xc3]);
  assert.deepEqual(h.gpio.map(([pin, level]) => [pin, level]), [[8, 0], [8, 1], [8, 0]]);
});

test("the super watchdog resets the chip about a second after its auto feed is turned off, and its key guards it", { skip }, () => {
  const h = startC3({ flash: flashWith(imageFromElf(buildC3Program("c3-hello"))) });
  h.runUntil(/hello from esp32c3-sim\n/);
  const SWD_CONF = 0x600080ac, SWD_WPROTECT = 0x600080b0;
  h.chip.bus.write(SWD_CONF, 4, 0); // no key: ignored, the start-up code's auto feed stays
  h.runMs(1100);
  assert.deepEqual(h.resets, []);
  h.chip.bus.write(SWD_WPROTECT, 4, 0x8f1d312a);
  h.chip.bus.write(SWD_CONF, 4, 0);
  h.runMs(900);
  assert.deepEqual(h.resets, []);
  h.runMs(200);
  assert.deepEqual(h.resets, ["SUPER_WDT_RST"]);
  assert.match(h.output(), /rst:0x12 \(SUPER_WDT_RST\)/);
});
