// launchSimBoard refuses what an emulator does not model, before anything starts: esp32c3-sim
// has no USB port model and no power-measurement rig (rp2040-sim has both).
import assert from "node:assert/strict";
import { test } from "node:test";
import { launchSimBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { BoardError } from "../../../host-tools/src/lib/errors.js";

test("esp32c3-sim with usb or a power monitor is a BoardError naming what is missing", async () => {
  const target = resolveBoard("esp32c3-sim");
  await assert.rejects(launchSimBoard(target, { firmware: "unused.bin", usb: true }),
    (e: Error) => e instanceof BoardError && /esp32c3-sim has no emulated USB port/.test(e.message));
  await assert.rejects(launchSimBoard(target, { firmware: "unused.bin", monitor: { app: "a.wasm", flashFile: "f.bin" } }),
    (e: Error) => e instanceof BoardError && /esp32c3-sim has no emulated power monitor/.test(e.message));
});
