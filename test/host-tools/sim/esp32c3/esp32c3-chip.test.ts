// The emulated ESP32-C3 running small freestanding programs through its ROM boot:
// UART0 by interrupt, SYSTIMER alarms, watchdog resets, SPI1 flash, image checks.
import assert from "node:assert/strict";
import { test } from "node:test";

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
