// The device build's AssemblyScript runtime (asconfig.json: minimal, collected by the device
// between calls) keeps an allocating app running forever in bounded memory.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { hostBin } from "../../helpers/paths.js";

test("an app that builds a log string and a 1 KiB buffer every loop runs 100,000 loops on the host board in one 64 KiB page", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-soak-"));
  const app = await buildApp(path.join(import.meta.dirname, "apps", "soak"), { outDir: tmp });
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: app.wasm, flashFile: path.join(tmp, "flash.bin") });
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  const events: LinkEvent[] = [];
  link.onEvent((e) => events.push(e));
  try {
    await link.connect(30_000);
    const done = await new Promise<LinkEvent>((resolve, reject) => {
      const tick = () => {
        const bad = events.find((e) => e.kind === "log" && e.level === "error");
        if (bad) return reject(new Error(`the app stopped: ${JSON.stringify(bad)}`));
        const hit = events.find((e) => e.kind === "log" && /^soak 100000 loops/.test(e.text));
        if (hit) return resolve(hit);
        setTimeout(tick, 100);
      };
      tick();
    });
    // The app keeps running while this polls (10,000 loops take well under 100 ms on an idle
    // machine): the reports up to 100,000 are the ones pinned, and every one says one page.
    const lines = events.filter((e) => e.kind === "log" && /^soak \d+ loops/.test(e.text)).map((e) => (e as { text: string }).text);
    assert.deepEqual(lines.slice(0, 10), Array.from({ length: 10 }, (_, i) => `soak ${(i + 1) * 10000} loops, 1 page(s)`));
    assert.ok(lines.every((l) => l.endsWith(" loops, 1 page(s)")), lines.join("\n"));
    assert.ok(done);
  } finally {
    await link.close();
    await board.stop();
  }
});
