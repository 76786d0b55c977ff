// Untrusted input the emulated ROM takes: mutated images only ever fail with ImageError
// (never another exception, never a boot of a damaged image), and random frames to the
// serial loader only ever get the ROM's answers, never an exception.
import assert from "node:assert/strict";
import { test } from "node:test";

import { encodeCommand } from "../../../../host-tools/src/flash/esp32/protocol.js";
import { slipEncode } from "../../../../host-tools/src/flash/esp32/slip.js";
import { Esp32c3 } from "../../../../host-tools/src/sim/esp32c3/esp32c3.js";
import { ImageError, parseImage } from "../../../../host-tools/src/sim/esp32c3/image.js";
import { c3Regions } from "../../../../host-tools/src/sim/esp32c3/rom-boot.js";
import { prng } from "../../../helpers/prng.js";
import { buildImage, flashWith } from "./support/c3-image.js";

const SEED = Number(process.env.ESP32C3_FUZZ_SEED ?? 18);
const IRAM = 0x40380000;

test("2,000 mutated images: each parses or fails with ImageError; a changed byte in the data is always caught", () => {
  const rnd = prng(SEED);
  const data = Uint8Array.from({ length: 64 }, (_, i) => i * 7);
  const good = flashWith(buildImage(IRAM, [{ addr: IRAM, data }, { addr: 0x3fc90000, data }], { hash: true }), 1 << 16);
  for (let i = 0; i < 2000; i++) {
    const flash = good.slice();
    const at = Math.floor(rnd() * 24 + 8 + 8 + 64 + 8 + 64 + 32);
    flash[at] = flash[at]! ^ (1 + Math.floor(rnd() * 255));
    try {
      parseImage(flash, 0, c3Regions);
      // Only bytes outside what the checks cover may change and still parse: the entry point,
      // flash mode/size, WP pin, drive and revision fields of the headers.
      assert.ok([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22].includes(at), `byte ${at} changed and still parsed`);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
    }
  }
});

test("300 random frames to the serial loader: every one is answered or ignored as the ROM would, nothing throws", () => {
  const rnd = prng(SEED + 1);
  const chip = new Esp32c3({ flash: new Uint8Array(1 << 22).fill(0xff), downloadMode: true, romLog: false, onUartTx: () => {} });
  for (let i = 0; i < 300; i++) {
    const op = [0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0xd0, 0xff][Math.floor(rnd() * 19)]!;
    const body = Uint8Array.from({ length: [0, 4, 8, 16, 20, 24, 40][Math.floor(rnd() * 7)]! }, () => Math.floor(rnd() * 256));
    const frame = rnd() < 0.2 ? Uint8Array.from({ length: 30 }, () => Math.floor(rnd() * 256)) : slipEncode(encodeCommand(op, body, Math.floor(rnd() * 256)));
    chip.uartReceive(frame);
    chip.runUntil(chip.cycles + 160_000 * 10);
  }
  assert.ok(chip.loader.commands > 100, `${chip.loader.commands} commands decoded`);
});
