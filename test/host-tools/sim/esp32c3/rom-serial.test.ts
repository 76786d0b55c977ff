// The ROM's serial download mode of esp32c3-sim, driven by the flasher `wasmcu flash`
// uses for real chips (host-tools/src/flash/esp32) over the sim's pseudo-terminal: it
// syncs, detects an ESP32-C3, writes a deflated image, checks its MD5, asks the ROM to
// reboot, and the chip boots what was written (which then answers on the same port).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { SerialPort } from "serialport";

import { flashEsp32 } from "../../../../host-tools/src/flash/esp32/flash.js";
import { openSerialTransport } from "../../../../host-tools/src/flash/esp32/transport.js";
import { imageFromElf } from "./support/c3-image.js";
import { buildC3Program } from "./support/c3-run.js";
import { startSimProcess } from "./support/sim-process.js";
import { gccMissing, scratchDir } from "./support/toolchain.js";

const skip = gccMissing();

/** Opens the port, sends `send`, and collects what comes back until `re` matches. */
async function exchangeText(portPath: string, send: string, re: RegExp, timeoutMs = 15_000): Promise<string> {
  const port = new SerialPort({ path: portPath, baudRate: 115200 });
  let text = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      port.write(Buffer.from(send, "latin1"));
      const t = setTimeout(() => reject(new Error(`no ${re} on the UART; got: ${JSON.stringify(text)}`)), timeoutMs);
      port.on("data", (d: Buffer) => {
        text += d.toString("latin1");
        if (re.test(text)) { clearTimeout(t); resolve(text); }
      });
    });
  } finally {
    await new Promise<void>((r) => port.close(() => r()));
  }
}

test("wasmcu's ESP flasher writes an image through the emulated ROM loader, verifies its MD5, and the chip boots it", { skip }, async () => {
  const image = Buffer.from(imageFromElf(buildC3Program("c3-hello")));
  const flashFile = path.join(scratchDir(), "flash.bin");
  const sim = await startSimProcess(["--download", "--flash-file", flashFile, "--speed", "max", "--quiet"]);
  try {
    const port = await openSerialTransport(sim.uart, 115200);
    let summary;
    try {
      summary = await flashEsp32(port, [{ role: "bootloader", offset: undefined, file: "c3-hello.bin", data: image }],
        { flashSize: 4 << 20, expectChip: "esp32c3", syncTimeoutMs: 300 });
    } finally {
      await port.close();
    }
    assert.equal(summary.chip, "ESP32-C3");
    assert.equal(summary.resetBy, "flash-end");
    assert.equal(summary.regions.length, 1);
    assert.equal(summary.regions[0]!.offset, 0);
    await sim.waitLine(/^reset: RTC_SW_SYS_RST /);
    // The new firmware greeted before anyone listened; that it now echoes upper-cased shows it runs.
    assert.match(await exchangeText(sim.uart, "ping", /PING/), /PING/);
  } finally {
    await sim.stop();
  }
  assert.ok(sim.lines.some((l) => /^counters: [1-9]\d* [1-9]\d*$/.test(l)), "instruction and cycle counters at the end");
  assert.ok(sim.lines.some((l) => /^uart-dropped: 0 \d+$/.test(l)));
  assert.match(sim.lines.at(-1)!, /^stopped: \d+$/);
  const flash = readFileSync(flashFile);
  assert.ok(flash.subarray(0, image.length).equals(image), "the flash file holds the image");
});
