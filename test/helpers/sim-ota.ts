// Signed OTA updates on an emulated board, shared by test/boards/<board>/ota.test.ts: the real
// firmware adopts a signed image, takes a delta patch over its UART, boots it on trial, the
// app confirms it; a trapping trial image is rolled back by a real watchdog reset; and the
// power goes at a deterministic sample of the flash steps of an update (the host board
// tries every step). Cycle counts are the emulator's, not silicon's.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { LaunchedBoard } from "../../host-tools/src/boards/launch.js";
import { otaStatus, parseUpdateFile, pushUpdate } from "../../host-tools/src/workflows/ota-push.js";
import { DeviceLink, type LinkEvent } from "../../host-tools/src/link/session.js";
import { openSerial } from "../../host-tools/src/link/transport.js";
import { encodeDelta } from "../../host-tools/src/ota/delta.js";
import { sign, updatableApp } from "./ota.js";
import { launchTestBoard, type SimBoard } from "./sim-boards.js";

interface Sim {
  board: LaunchedBoard;
  link: DeviceLink;
  events: LinkEvent[];
  exited: Promise<void>;
}

/**
 * The flash operations cut: every `every`-th one from 0 (erases and pages of the new image)
 * and the last three (the install, trial and confirm records), so the same points are hit on
 * every run.
 */
export function cutPoints(n: number, every: number): number[] {
  const spaced = Array.from({ length: Math.ceil(n / every) }, (_, i) => every * i);
  return [...new Set([...spaced, n - 3, n - 2, n - 1])].filter((x) => x >= 0).sort((a, b) => a - b);
}

/** The OTA tests on `sim`; `cutEvery` spaces the power cuts (each costs two emulator starts). */
export function simOtaTests(sim: SimBoard, opts: { cutEvery: number }): void {
  const name = sim.name;
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wasmcu-${name}-ota-`));
  const img: Record<string, Buffer> = {};

  async function start(flashFile: string, extraArgs: string[] = []): Promise<Sim> {
    const board = await launchTestBoard(sim, flashFile, { extraArgs });
    const exited = new Promise<void>((r) => board.process.once("exit", () => r()));
    const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
    const events: LinkEvent[] = [];
    link.onEvent((e) => events.push(e));
    await link.connect(120_000);
    return { board, link, events, exited };
  }

  async function stop(s: Sim | undefined): Promise<void> {
    await s?.link.close().catch(() => {});
    await s?.board.stop();
  }

  const push = (s: Sim, update: Buffer) => pushUpdate(s.link, parseUpdateFile(update, "update"), { confirmTimeoutMs: 60_000 });

  before(async () => {
    img.v1 = sign(await updatableApp("v1", "confirms"), 1);
    img.v2 = sign(await updatableApp("v2", "confirms"), 2);
    img.v3 = sign(await updatableApp("v3", "traps"), 3);
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  test(`${name}: adopt a signed image, a delta patch confirmed by its app, a trapping one rolled back`, async () => {
    const flash = path.join(tmp, "flow.bin");
    const s = await start(flash);
    try {
      const a = await push(s, img.v1!);
      assert.deepEqual([a.decision.decision, a.outcome], ["adopt", "confirmed"]);
      copyFileSync(flash, path.join(tmp, "base.bin")); // v1 confirmed: the base of the power-cut test

      const b = await push(s, encodeDelta(img.v1!, img.v2!));
      assert.deepEqual([b.decision.decision, b.outcome], ["pending", "confirmed"]);
      const st = await otaStatus(s.link);
      assert.deepEqual([st.app.version, st.app.state, st.app.floor], ["1.2.0", "confirmed", 2]);
      const logs = s.events.flatMap((e) => (e.kind === "log" ? [e.text] : []));
      assert.ok(logs.includes("updatable v2 state 2") && logs.includes("confirm ok"), logs.join("\n"));

      const c = await push(s, encodeDelta(img.v2!, img.v3!));
      assert.equal(c.outcome, "rolled-back");
      const back = await otaStatus(s.link);
      assert.deepEqual([back.app.version, back.app.state, back.app.rolled_back], ["1.2.0", "confirmed", true]);
    } finally {
      await stop(s);
    }
  });

  test(`${name}: power cuts during a delta update leave a bootable signed image`, async (t) => {
    const base = path.join(tmp, "base.bin");
    const update = encodeDelta(img.v1!, img.v2!);
    // Count the flash operations of an uninterrupted update.
    const log = path.join(tmp, "ops.log");
    const countFlash = path.join(tmp, "count.bin");
    copyFileSync(base, countFlash);
    const dry = await start(countFlash, ["--flash-ops-log", log]);
    await push(dry, update);
    await stop(dry);
    const ops = readFileSync(log, "utf8").trim().split("\n");
    assert.ok(ops.length > 10, `${ops.length} flash operations`);
    const cuts = cutPoints(ops.length, opts.cutEvery);
    for (const at of cuts) {
      const flash = path.join(tmp, `cut-${at}.bin`);
      copyFileSync(base, flash);
      const s = await start(flash, ["--power-cut-at", String(at)]);
      const run = push(s, update);
      run.catch(() => {});
      await Promise.race([s.exited, run.then(() => s.exited)]);
      await stop(s);
      const again = await start(flash);
      try {
        let st = await otaStatus(again.link);
        assert.equal(st.app.signed, true, `cut at ${at} (${ops[at]}): a signed image runs`);
        assert.ok(["1.1.0", "1.2.0"].includes(st.app.version!), `cut at ${at}: runs ${st.app.version}`);
        if (st.app.version === "1.1.0") await push(again, update);
        else if (st.app.state === "trial") await new Promise((r) => setTimeout(r, 2000)); // it confirms itself
        st = await otaStatus(again.link);
        assert.deepEqual([st.app.version, st.app.state], ["1.2.0", "confirmed"], `cut at ${at}: the update completes`);
      } finally {
        await stop(again);
      }
    }
    t.diagnostic(`${name}: ${ops.length} flash operations in the update, ${cuts.length} of them cut (${cuts.join(" ")})`);
  });
}
