// Runs a small AssemblyScript app (source importing "SDK"), or a built app image, on a local
// board and collects its log lines: the board started held in reset with the app in its slot, the lines read
// over the link until `enough` says so (or 60 s), then the board stopped.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchHostBoard, launchSimBoard, type LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../host-tools/src/boards/registry.js";
import { DeviceLink, type LinkEvent } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { compileApp } from "../host-tools/ota/pairs.js";
import { hostBin, rp2040Elf } from "./paths.js";

export async function appLogLines(kind: "host" | "sim", source: string, opts: { extraArgs?: string[]; enough: (lines: string[]) => boolean }): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `wasmcu-app-${kind}-`));
  const app = path.join(dir, "app.wasm");
  writeFileSync(app, await compileApp(source));
  return imageLogLines(kind, app, opts);
}

/** The same for an app image already built (a .wasm, or a .waot for the emulated RP2040). */
export async function imageLogLines(kind: "host" | "sim", app: string, opts: { extraArgs?: string[]; enough: (lines: string[]) => boolean }): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `wasmcu-app-${kind}-`));
  const flashFile = path.join(dir, "flash.bin");
  const extraArgs = opts.extraArgs ?? [];
  const board: LaunchedBoard = kind === "sim"
    ? await launchSimBoard(resolveBoard("rp2040-sim"), { firmware: rp2040Elf(), app, flashFile, waitForHost: true, speed: Infinity, extraArgs })
    : await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app, flashFile, waitForHost: true, extraArgs });
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  const lines = () => events.flatMap((e) => (e.kind === "log" ? [e.text] : []));
  try {
    await link.connect(60_000);
    const t0 = Date.now();
    while (!opts.enough(lines()) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    return lines();
  } finally {
    await link.close();
    await board.stop();
  }
}
