// The shipped rp2040 firmware with the bench app in its app slot (and a model in the
// model slot) on rp2040-sim (or another emulated board: opts.sim), for the bench scripts
// that time calls on the device.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../../../host-tools/src/build/app.ts";
import { buildFirmware } from "../../../host-tools/src/build/firmware.ts";
import { ensureFlashFile, programSlot, SlotKind } from "../../../host-tools/src/boards/flash-image.ts";
import { launchSimBoard } from "../../../host-tools/src/boards/launch.ts";
import { region, resolveBoard } from "../../../host-tools/src/boards/registry.ts";
import { DeviceLink } from "../../../host-tools/src/link/session.ts";
import { openSerial } from "../../../host-tools/src/link/transport.ts";

export const target = resolveBoard("rp2040-sim");

/**
 * Builds the firmware and the bench app once; returns `withSim(model, fn, opts)`, which
 * starts a board with them (and `model`, if given), connects and runs `fn(link, board)`.
 * opts: `flashModel` (rp2040-sim's flash timing model), `link` (DeviceLink options),
 * `sim` ({ target, firmware }: another emulated board and the firmware it boots), `app`
 * (another image for the app slot: the bench app's .waot).
 */
export async function deviceSim(tmpPrefix) {
  // WASMCU_BENCH_ELF: another rp2040 firmware build to time (e.g. one with WASMCU_RP2040_TIME_CRITICAL set).
  const elf = process.env.WASMCU_BENCH_ELF ?? (await buildFirmware(target.board)).artifacts.find((a) => a.endsWith(".elf"));
  const app = readFileSync((await buildApp("bench")).wasm);
  const tmp = mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  return async function withSim(model, fn, opts = {}) {
    const { target: board_, firmware } = opts.sim ?? { target, firmware: elf };
    const flashFile = path.join(tmp, `flash-${Date.now()}.bin`);
    ensureFlashFile(flashFile, board_.board);
    programSlot(flashFile, region(board_.board, "app_a"), SlotKind.App, opts.app ?? app);
    if (model) {
      const m = region(board_.board, "model");
      const half = Math.floor(m.size / 2 / 4096) * 4096;
      programSlot(flashFile, { name: "model_a", offset: m.offset, size: half }, SlotKind.Model, model);
    }
    const board = await launchSimBoard(board_, { firmware, flashFile, waitForHost: true, speed: Infinity,
      ...(opts.flashModel ? { flashModel: true } : {}) });
    const link = new DeviceLink(await openSerial(board.uartPath, 115200), opts.link ?? { timeoutMs: 5000 });
    try {
      await link.connect(120_000);
      return await fn(link, board);
    } finally {
      await link.close();
      await board.stop();
    }
  };
}
