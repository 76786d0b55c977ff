// Power loss during OTA on the host board: the power goes at every flash erase and program
// step of a delta update (from a fresh and from a nearly full state area) and of a
// rollback, the cut step doing half its work. After each cut the board boots again and
// must run a valid signed image, never have lost the confirmed one, and then finish the
// update (or the rollback) when it is pushed again.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { region, resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { otaStatus, parseUpdateFile, pushUpdate, type OtaStatus, type UpdateFile } from "../../../host-tools/src/workflows/ota-push.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { encodeDelta } from "../../../host-tools/src/ota/delta.js";
import { hostBin } from "../../helpers/paths.js";
import { sign, updatableApp } from "../../helpers/ota.js";

const target = resolveBoard("host");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-cut-"));
const img: Record<string, Buffer> = {};
const bases: Record<string, string> = {};
let tried = 0;

interface Board {
  board: LaunchedBoard;
  link: DeviceLink;
  exited: Promise<void>;
}

async function boot(flash: string, extra: string[] = []): Promise<Board> {
  const board = await launchHostBoard(target, { firmware: hostBin("wasmcu-host"), flashFile: flash, extraArgs: extra });
  const exited = new Promise<void>((r) => board.process.once("exit", () => r()));
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 2000, attempts: 3 });
  return { board, link, exited };
}

async function shutdown(b: Board): Promise<void> {
  await b.link.close().catch(() => {});
  await b.board.stop();
}

/** Runs `work` against a board that may lose power under it: whichever ends first. */
async function untilCut(b: Board, work: () => Promise<unknown>): Promise<"done" | "cut"> {
  const running = work().then(() => "done" as const);
  running.catch(() => {}); // after a cut the link's pending commands fail; that is expected
  const r = await Promise.race([running, b.exited.then(() => "cut" as const)]).catch(() => "failed" as const);
  if (r === "failed") {
    // The host side gave up (no answer): the board must have died under it.
    await Promise.race([b.exited, new Promise((res) => setTimeout(res, 3000))]);
    return "cut";
  }
  return r;
}

function push(link: DeviceLink, update: Buffer, confirmMs = 10_000) {
  return pushUpdate(link, parseUpdateFile(update, "update"), { confirmTimeoutMs: confirmMs });
}

async function slotBytes(link: DeviceLink, slot: string, length: number): Promise<Buffer> {
  return Buffer.from(await link.read(region(target.board, slot).offset, length));
}

before(async () => {
  img.v1 = sign(await updatableApp("v1", "confirms"), 1);
  img.v2 = sign(await updatableApp("v2", "confirms"), 2);
  img.v3 = sign(await updatableApp("v3", "traps"), 3);
  // The base: v1 adopted as the first signed image.
  bases.fresh = path.join(tmp, "fresh.bin");
  const b = await boot(bases.fresh);
  await b.link.connect(20_000);
  assert.equal((await push(b.link, img.v1)).outcome, "confirmed");
  await shutdown(b);
  // An aged copy: pushes left pending and finally one refused (which drops the pending one)
  // fill most of the state area's first half, so the update's own records make the device
  // erase the other half and move there.
  bases.aged = path.join(tmp, "aged.bin");
  copyFileSync(bases.fresh, bases.aged);
  const a = await boot(bases.aged);
  await a.link.connect(20_000);
  for (let i = 0; i < 7; i++) await pushUpdate(a.link, parseUpdateFile(img.v2!, "v2"), { reboot: false });
  const badSignature = Buffer.from(img.v2!);
  badSignature[100]! ^= 1;
  await assert.rejects(pushUpdate(a.link, { mode: "image", header: parseUpdateFile(img.v2!, "v2").header, bytes: badSignature } as UpdateFile),
    /signature/);
  const s = await otaStatus(a.link);
  assert.deepEqual([s.app.version, s.app.state, s.app.pending], ["1.1.0", "confirmed", undefined]);
  await shutdown(a);
});

after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Flash operations the scenario makes when nothing goes wrong. */
async function countOps(base: string, scenario: (link: DeviceLink) => Promise<unknown>): Promise<number> {
  const flash = path.join(tmp, "count.bin");
  const log = path.join(tmp, "count.log");
  copyFileSync(base, flash);
  rmSync(log, { force: true });
  const b = await boot(flash, ["--flash-ops-log", log]);
  await b.link.connect(20_000);
  await scenario(b.link);
  await shutdown(b);
  return readFileSync(log, "utf8").trim().split("\n").length;
}

/** After a cut: the board boots a signed image, and the confirmed one is intact. */
async function checkAfterCut(link: DeviceLink, oldImage: Buffer, newImage: Buffer, what: string): Promise<OtaStatus> {
  await link.connect(20_000);
  const s = await otaStatus(link);
  const oldV = `1.${oldImage[10]}.0`, newV = `1.${newImage[10]}.0`;
  assert.equal(s.app.signed, true, `${what}: a signed image runs`);
  assert.ok([oldV, newV].includes(s.app.version!), `${what}: runs ${s.app.version}`);
  if (s.app.version === oldV) {
    assert.equal(s.app.state, "confirmed", what);
    assert.ok((await slotBytes(link, s.app.slot!, oldImage.length)).equals(oldImage), `${what}: the confirmed image is intact`);
  } else if (s.app.state === "trial") {
    const other = s.app.slot === "app_a" ? "app_b" : "app_a";
    assert.ok((await slotBytes(link, other, oldImage.length)).equals(oldImage), `${what}: the confirmed image waits beside the trial`);
  }
  return s;
}

async function cutEverywhere(name: string, base: string, oldImage: Buffer, newImage: Buffer, update: Buffer,
  finalVersion: string): Promise<number> {
  const scenario = (link: DeviceLink) => push(link, update);
  const ops = await countOps(base, scenario);
  assert.ok(ops > 5, `${name}: ${ops} flash operations`);
  console.log(`# ${name}: ${ops} flash operations, each one cut in turn`);
  for (let n = 0; n < ops; n++) {
    const flash = path.join(tmp, `${name}-${n}.bin`);
    copyFileSync(base, flash);
    const b = await boot(flash, ["--power-cut-at", String(n)]);
    await b.link.connect(20_000);
    const r = await untilCut(b, () => scenario(b.link));
    await shutdown(b);
    assert.equal(r, "cut", `${name}: the power went at operation ${n}`);
    const again = await boot(flash);
    try {
      const s = await checkAfterCut(again.link, oldImage, newImage, `${name}, cut at ${n}`);
      // The interrupted update (or rollback) completes when pushed again.
      if (s.app.version !== finalVersion || s.app.state !== "confirmed") {
        if (s.app.version === `1.${oldImage[10]}.0`) await push(again.link, update);
        else await new Promise((res) => setTimeout(res, 300)); // a trial v2 confirms itself at boot
      }
      await again.link.connect(20_000);
      const end = await otaStatus(again.link);
      assert.deepEqual([end.app.version, end.app.state], [finalVersion, "confirmed"], `${name}, cut at ${n}: finished`);
    } finally {
      await shutdown(again);
      rmSync(flash, { force: true });
    }
    tried++;
  }
  return ops;
}

test("power cut at every flash step of a delta update", async () => {
  const ops = await cutEverywhere("update", bases.fresh!, img.v1!, img.v2!, encodeDelta(img.v1!, img.v2!), "1.2.0");
  assert.ok(ops >= 20);
});

test("power cut at every flash step of a delta update that moves the state records to the other half", async () => {
  await cutEverywhere("aged", bases.aged!, img.v1!, img.v2!, encodeDelta(img.v1!, img.v2!), "1.2.0");
});

test("power cut at every flash step of an update whose trial image traps and is rolled back", async () => {
  await cutEverywhere("rollback", bases.fresh!, img.v1!, img.v3!, encodeDelta(img.v1!, img.v3!), "1.1.0");
  console.log(`# power cuts tried: ${tried}`);
});
