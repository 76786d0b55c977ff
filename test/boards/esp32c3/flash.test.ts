// `wasmcu flash --board esp32c3` against esp32c3-sim held in the ROM's serial download mode
// (--download: GPIO9 low at power-on), through the same loader client a user points at a real
// chip: the merged image lands at flash offset 0, FLASH_END's reboot (a pseudo-terminal has no
// DTR/RTS) boots it through the emulated ROM, and our firmware answers on the link. Emulated only.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { wasmcu } from "../../helpers/cli.js";
import { esp32c3Merged, repoRoot } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

test("wasmcu flash --board esp32c3 writes the merged image through the emulated ROM loader, and the reset boots our firmware", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-esp32c3-flash-"));
  const flashFile = path.join(tmp, "flash.bin");
  const merged = esp32c3Merged();
  const sim = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "host-tools/src/sim/esp32c3/main.ts"),
    "--download", "--flash-file", flashFile, "--speed", "max", "--quiet"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const resets: string[] = [];
  let link: DeviceLink | undefined;
  try {
    const pty = await new Promise<string>((resolve, reject) => {
      createInterface({ input: sim.stdout }).on("line", (l) => {
        const m = /^uart: (\S+)/.exec(l);
        if (m) resolve(m[1]!);
        const r = /^reset: (\S+)/.exec(l);
        if (r) resets.push(r[1]!);
      });
      sim.once("exit", (code) => reject(new Error(`esp32c3-sim exited (${code}) before its UART came up`)));
    });
    const r = await wasmcu(["flash", "--board", "esp32c3", "--port", pty, "--image", merged], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /MD5 [0-9a-f]{32} verified/);
    assert.match(r.stdout, /asked to reboot into the new firmware/);
    const image = readFileSync(merged);
    assert.deepEqual(readFileSync(flashFile).subarray(0, image.length), image, "the flash file holds the merged image at 0");
    link = new DeviceLink(await openSerial(pty, 115200), { timeoutMs: 10_000, deadlineMs: 60_000 });
    const hello = await link.connect(60_000);
    assert.equal(hello.board, "esp32c3");
    assert.ok(resets.length >= 1, "the ROM loader rebooted the chip");
  } finally {
    await link?.close();
    sim.kill("SIGTERM");
  }
});

noUartDropsTest(false, "esp32c3-sim");
