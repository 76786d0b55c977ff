// Power cuts during a firmware update through the wasmcu bootloader: the flash loses power in
// the middle of one erase or page program (the operation does half its work, as rp2040-sim's
// `--power-cut-at N` does), and the board, powered again, must run a signed firmware from
// which the update completes.
//
// Every cut point: the bootloader's decision (boards/rp2040/boot/decide.c and firmware/ota, the
// same C, built for the host by boot_decide_host.c) runs on the flash each of the update's
// operations leaves when cut, powered on: a signed image linked for its bank boots (the old
// firmware before the install record is whole, the new one on trial after), the firmware's
// confirm (ota_confirm) succeeds, the next boot runs the same firmware confirmed, and a new
// update may begin. The replay of the operations is checked against rp2040-sim's flash at the
// sampled cuts below and against the uninterrupted update's final flash. The same for an
// update by firmware delta (the device's patcher writes the other bank).
//
// Sampled cut points on the emulated chip (each costs two emulator starts and up to two 233 KB
// transfers at 115200 baud): the first erase, a page half-way through the image, the last
// page, the install record, the bootloader's trial record and the firmware's confirm record;
// each time a signed firmware boots and the update then completes. Cycle counts are
// rp2040js's, not silicon's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { parseFirmwareFile, type FirmwareImage } from "../../../host-tools/src/ota/firmware.js";
import { makeFirmwareDelta, parseFirmwareDelta } from "../../../host-tools/src/ota/firmware-delta.js";
import { flashFirmwareOverLink, type FirmwareUpdate } from "../../../host-tools/src/workflows/firmware-flash.js";
import { otaStatus } from "../../../host-tools/src/workflows/ota-push.js";
import { repoRoot } from "../../helpers/paths.js";
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
// The same update as a firmware delta: the fw_a patch of 1.1.0 -> 1.2.0 (the board runs fw_a).
const deltaUpdate = (): FirmwareUpdate => ({ mode: "patch", patches: parseFirmwareDelta(makeFirmwareDelta(
  parseFirmwareFile(firmwareFile(1, 1), boot, "v1"), update(), { from: "v1", to: "v2" }).file, "v1-v2") });
const base = path.join(tmp, "base.bin");
const decideHost = path.join(tmp, "boot_decide_host");

/** An uninterrupted update from `base`: the flash it leaves and its flash operations, in order. */
interface DryRun {
  final: string;
  opsLog: string;
  ops: string[];
}
const runs: Record<"image" | "delta", DryRun> = {
  image: { final: path.join(tmp, "image-final.bin"), opsLog: path.join(tmp, "image-ops.log"), ops: [] },
  delta: { final: path.join(tmp, "delta-final.bin"), opsLog: path.join(tmp, "delta-ops.log"), ops: [] },
};
const ops = () => runs.image.ops;

/** Builds boot_decide_host: the bootloader's decision and firmware/ota, for the host. */
function buildDecideHost(): void {
  const src = (p: string) => path.join(repoRoot, p);
  const ota = ["sha256", "sha512", "ed25519", "image", "delta", "writer", "slots"].map((f) => src(`firmware/ota/src/${f}.c`));
  const r = spawnSync("cc", [
    "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2",
    "-I", src("boards/rp2040/boot"), "-I", src("firmware/ota/include"), "-I", src("firmware/ota/src"),
    `-DWASMCU_OTA_KEYS_HEADER="${src("firmware/device/src/ota_keys_dev.h")}"`,
    src("test/boards/rp2040/boot_decide_host.c"), src("boards/rp2040/boot/decide.c"), ...ota, "-o", decideHost,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, `cc failed:\n${r.stderr}`);
}

function decide(args: string[]): string {
  const r = spawnSync(decideHost, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `boot_decide_host ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

async function dryRun(run: DryRun, u: FirmwareImage[] | FirmwareUpdate): Promise<void> {
  copyFileSync(base, run.final);
  const dry = await start(run.final, ["--flash-ops-log", run.opsLog]);
  try {
    const r = await flashFirmwareOverLink(dry.link, u, "v2", { confirmTimeoutMs: 60_000 });
    assert.equal(r.outcome, "confirmed");
  } finally {
    await stop(dry);
  }
  run.ops = readFileSync(run.opsLog, "utf8").trim().split("\n");
}

before(async () => {
  buildDecideHost();
  installedFlash(base, firmwareFile(1, 1));
  const first = await start(base); // the first boot adopts fw_a (one state record)
  await stop(first);
  await dryRun(runs.image, update());
});

/** The last three operations are the state records (install = pending, trial, confirm), the only ones in the state area. */
function assertRecordsLast(list: string[]): void {
  const inState = (o: string) => Number(o.split(" ")[2]) >= boot.state.offset;
  assert.ok(list.slice(-3).every((o) => / program \d+ 256$/.test(o) && inState(o)), list.slice(-4).join("; "));
  assert.ok(!list.slice(0, -3).some(inState), "no other operation writes the state records");
}

/**
 * Every cut of an update on the host build of the bootloader's decision: each operation cut
 * half-way, and each state record torn inside its 32 bytes (half a 256-byte page leaves it
 * whole). Returns the number of cuts.
 */
function everyCut(run: DryRun): number {
  const { ops: list } = run;
  const n = list.length;
  const install = n - 3;
  assertRecordsLast(list);
  const lines = decide(["cuts", base, run.final, run.opsLog, String(boot.fw_a.offset), String(boot.fw_b.offset), String(boot.fw_a.size),
    String(boot.state.offset), String(boot.state.size), String(target.board.ram.size)]).trim().split("\n");
  const torn = [1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31]; // bytes of a 32-byte record written before the cut
  const expected: [number, number][] = list.flatMap((op, k) => {
    const half = Number(op.split(" ")[3]) / 2;
    return [[k, half] as [number, number], ...(k >= install ? torn.map((b): [number, number] => [k, b]) : [])];
  });
  assert.equal(lines.length, expected.length, "one line per cut");
  lines.forEach((line, i) => {
    const [k, done] = expected[i]!;
    // The old firmware until the install record is whole; then the new one, on trial until the
    // confirm record (the last operation) is whole.
    const whole = (record: number) => k > record || (k === record && done >= 32);
    const [slot, version] = whole(install) ? [1, "1.2.0"] : [0, "1.1.0"];
    const trial = whole(install) && !whole(n - 1) ? 1 : 0;
    const want = `${k}:${done} ${list[k]!.split(" ")[1]} | boot: ok ${slot} ${trial} ${version} | confirm: ok | reboot: ok ${slot} 0 ${version} | update: ok ${1 - slot}`;
    assert.equal(line, want, `cut at ${k} (${list[k]}) after ${done} bytes`);
  });
  return lines.length;
}

/** Cuts the power at flash operation `at` of the update, powers the board again, checks it. */
async function cutAt(at: number): Promise<void> {
  const flash = path.join(tmp, `cut-${at}.bin`);
  copyFileSync(base, flash);
  const s = await start(flash, ["--power-cut-at", String(at)]);
  const run = push(s);
  run.catch(() => {});
  await Promise.race([s.exited, run.then(() => s.exited)]);
  await stop(s);
  // The host replay of the cut is what the emulated chip left.
  const replayed = path.join(tmp, `replay-${at}.bin`);
  const { final, opsLog } = runs.image;
  decide(["replay", base, final, opsLog, String(at), replayed]);
  assert.ok(readFileSync(replayed).equals(readFileSync(flash)), `cut at ${at} (${ops()[at]}): the host replay differs from rp2040-sim's flash`);
  const again = await start(flash);
  try {
    let fw = (await otaStatus(again.link)).firmware;
    assert.equal(fw?.signed, true, `cut at ${at} (${ops()[at]}): a signed firmware runs`);
    assert.ok(["1.1.0", "1.2.0"].includes(fw!.version!), `cut at ${at}: runs ${fw!.version}`);
    if (fw!.version === "1.1.0") await push(again);
    fw = (await otaStatus(again.link)).firmware;
    assert.deepEqual([fw?.version, fw?.slot, fw?.state], ["1.2.0", "fw_b", "confirmed"], `cut at ${at} (${ops()[at]}): the update completes`);
  } finally {
    await stop(again);
  }
}

test("bootloader decision (host build): a power cut at every flash operation of a full-image firmware update leaves a signed firmware that boots, confirms and takes the next update", () => {
  const cuts = everyCut(runs.image);
  console.log(`# bootloader decision (host build), full image: all ${ops().length} flash operations cut half-way, the 3 state records also torn at 11 points each: ${cuts} cuts, each recovers`);
});

test("bootloader decision (host build): the same at every flash operation of a firmware delta update", async () => {
  await dryRun(runs.delta, deltaUpdate());
  const cuts = everyCut(runs.delta);
  console.log(`# bootloader decision (host build), delta: all ${runs.delta.ops.length} flash operations cut half-way, the 3 state records also torn: ${cuts} cuts, each recovers`);
});

test("rp2040-sim bootloader: power cut at the first erase of the new bank and half-way through the image", async () => {
  assert.ok(ops().length > 900, `${ops().length} flash operations`);
  assert.match(ops()[0]!, /erase/);
  for (const at of [0, Math.floor(ops().length / 2)]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the last page of the image and at the install record", async () => {
  const n = ops().length;
  assertRecordsLast(ops());
  for (const at of [n - 4, n - 3]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the bootloader's trial record and at the firmware's confirm record", async () => {
  const n = ops().length;
  for (const at of [n - 2, n - 1]) await cutAt(at);
  console.log(`# rp2040-sim: ${n} flash operations in a firmware update; cut at 0, ${Math.floor(n / 2)}, ${n - 4}..${n - 1}`);
});
