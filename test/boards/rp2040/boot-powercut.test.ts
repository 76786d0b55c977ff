// Power cuts during a firmware update through the wasmcu bootloader on rp2040-sim: the
// emulated flash chip loses power in the middle of one erase or page program
// (`--power-cut-at N`: that operation does half its work, then the process exits), and the
// board, powered again, must run a signed firmware; the update then completes. An update of
// the 233 KB firmware is 974 flash operations and each cut costs two emulator starts and up
// to two transfers of the image at 115200 baud, so the cuts are a deterministic sample, in
// three tests that each fit the runner's time limit: the first erase and a page half-way
// through the image; the last page of the image and the install record; the bootloader's
// trial record and the firmware's confirm record. (A run of 17 cuts, 0, 1, 2, six evenly
// spaced and the last eight, passed too; see boards/rp2040/boot/README.md.) Cycle counts are
// rp2040js's, not silicon's.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { parseFirmwareFile } from "../../../host-tools/src/ota/firmware.js";
import { flashFirmwareOverLink } from "../../../host-tools/src/workflows/firmware-flash.js";
import { otaStatus } from "../../../host-tools/src/workflows/ota-push.js";
import { boot, bootloaderElf, firmwareFile, installedFlash, target } from "./bootloader.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-boot-cut-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Sim {
  board: LaunchedBoard;
  link: DeviceLink;
  exited: Promise<void>;
}

async function start(flashFile: string, extraArgs: string[] = []): Promise<Sim> {
  const board = await launchSimBoard(target, { firmware: bootloaderElf(), flashFile, waitForHost: true, speed: Infinity, extraArgs });
  const exited = new Promise<void>((r) => board.process.once("exit", () => r()));
  const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
  await link.connect(120_000);
  return { board, link, exited };
}

async function stop(s: Sim | undefined): Promise<void> {
  await s?.link.close().catch(() => {});
  await s?.board.stop();
}

const update = () => parseFirmwareFile(firmwareFile(2, 2), boot, "v2");
const push = (s: Sim) => flashFirmwareOverLink(s.link, update(), "v2", { confirmTimeoutMs: 60_000 });
const base = path.join(tmp, "base.bin");
let ops: string[] = [];

before(async () => {
  installedFlash(base, firmwareFile(1, 1));
  const first = await start(base); // the first boot adopts fw_a (one state record)
  await stop(first);
  // Count the flash operations of an uninterrupted update.
  const log = path.join(tmp, "ops.log");
  const countFlash = path.join(tmp, "count.bin");
  copyFileSync(base, countFlash);
  const dry = await start(countFlash, ["--flash-ops-log", log]);
  const r = await push(dry);
  assert.equal(r.outcome, "confirmed");
  await stop(dry);
  ops = readFileSync(log, "utf8").trim().split("\n");
});

/** Cuts the power at flash operation `at` of the update, powers the board again, checks it. */
async function cutAt(at: number): Promise<void> {
  const flash = path.join(tmp, `cut-${at}.bin`);
  copyFileSync(base, flash);
  const s = await start(flash, ["--power-cut-at", String(at)]);
  const run = push(s);
  run.catch(() => {});
  await Promise.race([s.exited, run.then(() => s.exited)]);
  await stop(s);
  const again = await start(flash);
  try {
    let fw = (await otaStatus(again.link)).firmware;
    assert.equal(fw?.signed, true, `cut at ${at} (${ops[at]}): a signed firmware runs`);
    assert.ok(["1.1.0", "1.2.0"].includes(fw!.version!), `cut at ${at}: runs ${fw!.version}`);
    if (fw!.version === "1.1.0") await push(again);
    fw = (await otaStatus(again.link)).firmware;
    assert.deepEqual([fw?.version, fw?.slot, fw?.state], ["1.2.0", "fw_b", "confirmed"], `cut at ${at} (${ops[at]}): the update completes`);
  } finally {
    await stop(again);
  }
}

test("rp2040-sim bootloader: power cut at the first erase of the new bank and half-way through the image", async () => {
  assert.ok(ops.length > 900, `${ops.length} flash operations`);
  assert.match(ops[0]!, /erase/);
  for (const at of [0, Math.floor(ops.length / 2)]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the last page of the image and at the install record", async () => {
  // The last three operations are the state records: install (pending), trial, confirm.
  const n = ops.length;
  assert.ok(ops.slice(n - 3).every((o) => / program \d+ 256$/.test(o) && Number(o.split(" ")[2]) >= boot.state.offset), ops.slice(n - 4).join("; "));
  for (const at of [n - 4, n - 3]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the bootloader's trial record and at the firmware's confirm record", async () => {
  const n = ops.length;
  for (const at of [n - 2, n - 1]) await cutAt(at);
  console.log(`# rp2040-sim: ${n} flash operations in a firmware update; cut at 0, ${Math.floor(n / 2)}, ${n - 4}..${n - 1}`);
});
