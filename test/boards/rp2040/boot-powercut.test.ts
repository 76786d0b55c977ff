// Power cuts during a firmware update through the wasmcu bootloader: the flash loses power in
// the middle of one erase or page program (the operation does half its work, as rp2040-sim's
// `--power-cut-at N` does), and the board, powered again, must run a signed firmware from
// which the update completes; and a second cut during that power-on must not change that.
//
// Every cut point: the bootloader's decision (boards/rp2040/boot/decide.c and firmware/ota, the
// same C, built for the host by boot_decide_host.c) runs on the flash each of the update's
// operations leaves when cut, powered on: a signed image linked for its bank boots (the old
// firmware before the install record is whole, the new one on trial after), the firmware's
// confirm (ota_confirm) succeeds, the next boot runs the same firmware confirmed, a new update
// may begin, and the update completes (started again from the old firmware). The replay of the
// operations is checked against rp2040-sim's flash at the sampled cuts below and against the
// uninterrupted update's final flash. The same for an update by firmware delta (the device's
// patcher writes the other bank).
//
// Two cuts in a row: every flash operation that power-on writes (the bootloader's trial record,
// an erase of the other half of the state area when its half is full, the firmware's confirm
// record) is cut the same ways, for every first cut, and the board powered on again must do all
// of the above. Updates from state areas 29 and 31 records on (written by firmware/ota through
// `boot_decide_host age`) make the update's records and the power-on's erase a full half.
// Every pair is run (a few thousand; each power-on verifies the image, SHA-256 and Ed25519, on
// the host). Not covered: a third cut, and second cuts in the restarted update's bank writes.
//
// Sampled cut points on the emulated chip (each costs two emulator starts and up to two 233 KB
// transfers at 115200 baud): the first erase, a page half-way through the image, the last
// page, the install record, the bootloader's trial record and the firmware's confirm record;
// each time a signed firmware boots and the update then completes. Then a second cut on the
// chip: at the bootloader's own record on the power-on after the cut at the trial record.
// Cycle counts are rp2040js's, not silicon's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const layout = () => [boot.fw_a.offset, boot.fw_b.offset, boot.fw_a.size, boot.state.offset, boot.state.size, target.board.ram.size].map(String);
const RECORD = 256; // a state record's program unit (firmware/ota, slots.c)
const HALF_RECORDS = boot.state.size / 2 / RECORD; // records in a half of the state area

/** An uninterrupted update from `base`: the flash it leaves and its flash operations, in order. */
interface DryRun {
  base: string;
  final: string;
  opsLog: string;
  ops: string[];
}
const dryRunFiles = (name: string, from = base): DryRun =>
  ({ base: from, final: path.join(tmp, `${name}-final.bin`), opsLog: path.join(tmp, `${name}-ops.log`), ops: [] });
const runs = { image: dryRunFiles("image"), delta: dryRunFiles("delta") };
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
  copyFileSync(run.base, run.final);
  const dry = await start(run.final, ["--flash-ops-log", run.opsLog]);
  try {
    const r = await flashFirmwareOverLink(dry.link, u, "v2", { confirmTimeoutMs: 60_000 });
    assert.equal(r.outcome, "confirmed");
  } finally {
    await stop(dry);
  }
  run.ops = readFileSync(run.opsLog, "utf8").trim().split("\n");
}

/**
 * `base` with 2 * `pairs` more state records (fw_b's 1.1.0 image installed, then forgotten by the
 * start of another update, through firmware/ota; fw_b erased again), so that the update's records
 * and the ones after a cut reach the end of a half of the state area.
 */
function agedBase(pairs: number): string {
  const image = path.join(tmp, "fw_b-1.1.0.bin");
  writeFileSync(image, parseFirmwareFile(firmwareFile(1, 1), boot, "v1").find((i) => i.bank === "fw_b")!.bytes);
  const out = path.join(tmp, `aged-${pairs}.bin`);
  decide(["age", base, image, String(pairs), out, ...layout()]);
  return out;
}

before(async () => {
  buildDecideHost();
  installedFlash(base, firmwareFile(1, 1));
  const first = await start(base); // the first boot adopts fw_a (one state record)
  await stop(first);
  await dryRun(runs.image, update());
});

const inState = (o: string) => Number(o.split(" ")[2]) >= boot.state.offset;

/**
 * The operations in the state area, which end the update: the install record, then the
 * bootloader's trial record and the firmware's confirm record, each after an erase of the other
 * half when its half is full. Returns the index of the install record.
 */
function stateTail(list: string[]): number {
  const install = list.findIndex(inState);
  assert.ok(install > 0, "the update writes the state area");
  const tail = list.slice(install).map((o) => o.split(" ").slice(1).join(" ").replace(/ \d+ /, " @ "));
  assert.ok(tail.every((o) => o === `program @ ${RECORD}` || o === `erase @ ${boot.state.size / 2}`), tail.join("; "));
  assert.equal(tail.filter((o) => o.startsWith("program")).length, 3, `three records: ${tail.join("; ")}`);
  assert.ok(tail[0]!.startsWith("program") && tail.at(-1)!.startsWith("program"), tail.join("; "));
  return install;
}

/** What the board does when powered on after a cut: see boot_decide_host.c, `cuts`. */
function afterPowerOn(update: boolean, trial: boolean, restart: boolean): string {
  const [slot, version] = update ? [1, "1.2.0"] : [0, "1.1.0"];
  return `boot: ok ${slot} ${trial ? 1 : 0} ${version} | confirm: ok | reboot: ok ${slot} 0 ${version} | update: ok ${1 - slot} | ` +
    `complete: ${restart ? "ok 1 0 1.2.0" : "seen -1 0 -"}`;
}

const TORN = [1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31]; // bytes of a 32-byte record written before a cut
/** How much of an operation a cut leaves done: half of it, and inside a state record. */
const cutPoints = (kind: string, off: number, len: number) => [len / 2, ...(kind === "program" && off >= boot.state.offset ? TORN : [])];
const CUT_LINE = /^(\d+):(\d+) (erase|program)(?: > (\d+)\/(\d+):(\d+) (erase|program) (\d+) (\d+))? \| (.*)$/;

/**
 * Every cut of an update from operation `from` on, on the host build of the bootloader's
 * decision: each operation cut half-way, each state record also torn inside its 32 bytes (half a
 * 256-byte page leaves it whole); after each, every operation of the power-on that follows cut
 * the same ways (a second cut). Returns the number of first and of second cuts.
 */
function everyCut(run: DryRun, from = 0): { first: number; second: number; secondErases: number } {
  const { ops: list } = run;
  const n = list.length;
  const install = stateTail(list);
  const lines = decide(["cuts", run.base, run.final, run.opsLog, String(from), ...layout()]).trim().split("\n").map((l) => {
    const m = CUT_LINE.exec(l);
    assert.ok(m, `not a cut line: ${l}`);
    return { line: l, k: Number(m[1]), done: Number(m[2]), second: m[4] === undefined ? undefined :
      { j: Number(m[4]), m: Number(m[5]), done: Number(m[6]), kind: m[7]!, off: Number(m[8]), len: Number(m[9]) }, result: m[10]! };
  });
  const firsts = list.flatMap((op, k) => {
    const [, kind, off, len] = op.split(" ");
    return k < from ? [] : cutPoints(kind!, Number(off), Number(len)).map((done) => ({ k, done }));
  });
  let i = 0;
  let secondErases = 0;
  for (const [c, { k, done }] of firsts.entries()) {
    const first = lines[i++];
    const what = `cut at ${k} (${list[k]}) after ${done} bytes`;
    assert.deepEqual([first?.k, first?.done, first?.second], [k, done, undefined], `${what}: its line (${first?.line})`);
    // The old firmware until the install record is whole; then the new one, on trial until the
    // confirm record (the last operation) is whole. The update starts again from the old one.
    const whole = (record: number) => k > record || (k === record && done >= 32);
    const update = whole(install);
    const trial = update && !whole(n - 1);
    assert.equal(first!.result, afterPowerOn(update, trial, k >= install || c === 0), what);
    // The power-on after it writes only when it boots the new firmware on trial: a record (after
    // an erase of the other half when this one is full), then the confirm record.
    const seconds: NonNullable<(typeof lines)[number]["second"]>[] = [];
    while (lines[i]?.second && lines[i]!.k === k && lines[i]!.done === done) {
      const l = lines[i++]!;
      seconds.push(l.second!);
      const s = l.second!;
      const confirmed = s.j === s.m - 1 && s.done >= 32;
      assert.equal(l.result, afterPowerOn(true, !confirmed, true), `${what}, then at its power-on's operation ${s.j} after ${s.done} bytes`);
    }
    const m = seconds[0]?.m ?? 0;
    assert.equal(m > 0, trial, `${what}: the power-on writes flash only to run the new firmware on trial`);
    const writes = [...new Map(seconds.map((s) => [s.j, s])).values()];
    assert.deepEqual(writes.map((s) => s.j), [...Array(m).keys()], `${what}: each operation of the power-on cut`);
    for (const w of writes) {
      assert.ok(w.off >= boot.state.offset && w.m === m, `${what}: the power-on writes only the state area`);
      assert.deepEqual(seconds.filter((s) => s.j === w.j).map((s) => s.done), cutPoints(w.kind, w.off, w.len), `${what}: cuts of ${w.j}`);
    }
    assert.equal(writes.at(-1)?.kind ?? "program", "program", `${what}: the confirm record ends the power-on`);
    secondErases += writes.filter((w) => w.kind === "erase").length;
  }
  assert.equal(i, lines.length, "one line per cut");
  return { first: firsts.length, second: lines.length - firsts.length, secondErases };
}

/**
 * Powers the board on with a cut at flash operation `at` of that power-on (the bootloader's and the
 * firmware's own writes); returns what it logged of them.
 */
async function powerOnCutAt(flash: string, at: number): Promise<string[]> {
  const log = path.join(tmp, `${path.basename(flash, ".bin")}-power-on-${at}-ops.log`); // appended to: one per run
  const board = await launchSimBoard(target, { firmware: bootloaderElf(), flashFile: flash, waitForHost: true, speed: Infinity,
    extraArgs: ["--power-cut-at", String(at), "--flash-ops-log", log] });
  const exited = new Promise<number | null>((r) => board.process.once("exit", (code) => r(code)));
  const port = await openSerial(board.uartPath, 115200);
  port.write(Uint8Array.of(0)); // --wait-for-host: the chip leaves reset at the host's first byte (the bootloader reads no UART)
  try {
    assert.equal(await exited, 75, "rp2040-sim exits at the power cut");
  } finally {
    await port.close().catch(() => {});
    await board.stop();
  }
  return readFileSync(log, "utf8").trim().split("\n");
}

/**
 * Cuts the power at flash operation `at` of the update (and at operation `second` of the power-on
 * after it), powers the board again, checks it.
 */
async function cutAt(at: number, second?: number): Promise<void> {
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
  if (second !== undefined) {
    // The power-on after a cut at the trial record writes the next record (trial boot 2) first.
    const wrote = await powerOnCutAt(flash, second);
    const next = Number(ops().at(-1)!.split(" ")[2]);
    assert.equal(wrote[0], `0 program ${next} 256`, `the power-on after the cut at ${at}: its first write`);
    assert.equal(wrote.length, second + 1, "the power-on stops at its cut");
  }
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

const described = (c: ReturnType<typeof everyCut>) => `${c.first} first cuts, each recovers; ${c.second} second cuts during the power-on after one, each recovers`;

test("bootloader decision (host build): a power cut at every flash operation of a full-image firmware update, and a second one at every flash operation of the power-on after it, leaves a signed firmware that boots, confirms and completes the update", () => {
  const cuts = everyCut(runs.image);
  assert.ok(cuts.second > 0);
  console.log(`# bootloader decision (host build), full image: all ${ops().length} flash operations cut half-way, the 3 state records also torn at 11 points each: ${described(cuts)}`);
});

test("bootloader decision (host build): the same at every flash operation of a firmware delta update", async () => {
  await dryRun(runs.delta, deltaUpdate());
  const cuts = everyCut(runs.delta);
  console.log(`# bootloader decision (host build), delta: all ${runs.delta.ops.length} flash operations cut half-way, the 3 state records also torn: ${described(cuts)}`);
});

test("bootloader decision (host build): first and second cuts when a half of the state area fills up (its other half erased by the update's records, or by the power-on's after a cut)", async () => {
  // 29 records before the update: it writes the last three of the second half, and a power-on
  // after a cut in its last two erases the first half for its own records. 31: the update's
  // trial record erases the first half (and so does the power-on after a cut there).
  for (const [pairs, eraseInUpdate] of [[14, false], [15, true]] as const) {
    const run = dryRunFiles(`aged-${pairs}`, agedBase(pairs));
    await dryRun(run, deltaUpdate());
    const install = stateTail(run.ops);
    const records = 1 + 2 * pairs;
    assert.equal(Number(run.ops[install]!.split(" ")[2]), boot.state.offset + (records % (2 * HALF_RECORDS)) * RECORD, "the install record's place");
    assert.equal(run.ops.slice(install).some((o) => o.includes("erase")), eraseInUpdate, run.ops.slice(install).join("; "));
    // The operations before the install record are the delta run's, cut above.
    const cuts = everyCut(run, install);
    assert.ok(cuts.secondErases > 0, "a power-on after a cut erases a half of the state area");
    console.log(`# bootloader decision (host build), delta after ${records} state records: the ${run.ops.length - install} state-area operations: ${described(cuts)} (${cuts.secondErases} of those power-ons erase a half)`);
  }
});

test("rp2040-sim bootloader: power cut at the first erase of the new bank and half-way through the image", async () => {
  assert.ok(ops().length > 900, `${ops().length} flash operations`);
  assert.match(ops()[0]!, /erase/);
  for (const at of [0, Math.floor(ops().length / 2)]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the last page of the image and at the install record", async () => {
  const n = ops().length;
  assert.equal(stateTail(ops()), n - 3);
  for (const at of [n - 4, n - 3]) await cutAt(at);
});

test("rp2040-sim bootloader: power cut at the bootloader's trial record and at the firmware's confirm record", async () => {
  const n = ops().length;
  for (const at of [n - 2, n - 1]) await cutAt(at);
  console.log(`# rp2040-sim: ${n} flash operations in a firmware update; cut at 0, ${Math.floor(n / 2)}, ${n - 4}..${n - 1}`);
});

test("rp2040-sim bootloader: a second power cut, at the bootloader's own record on the power-on after a cut at its trial record", async () => {
  await cutAt(ops().length - 2, 0);
});
