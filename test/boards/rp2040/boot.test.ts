// The wasmcu bootloader (boards/rp2040/boot) on rp2040-sim: a first install from the UF2
// boots bank fw_a; a new firmware flashed over the link goes to fw_b, boots on trial and
// confirms itself; a firmware delta does the same with a patch of the running image;
// tampered and downgraded images are refused with the running firmware untouched; a firmware
// that faults on trial is rolled back by the watchdog; a board whose banks are both erased
// takes a firmware over UART0 in the bootloader's recovery, and a live firmware enters that
// recovery when asked over the link. Cycle counts are rp2040js's (emulated), not silicon's.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { launchSimBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { DeviceLink } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { recoverRp2040 } from "../../../host-tools/src/flash/rp2040-recovery.js";
import { ensureFlashFile } from "../../../host-tools/src/boards/flash-image.js";
import { parseFirmwareFile } from "../../../host-tools/src/ota/firmware.js";
import { makeFirmwareDelta, parseFirmwareDelta } from "../../../host-tools/src/ota/firmware-delta.js";
import { askForRecovery, flashFirmwareOverLink } from "../../../host-tools/src/workflows/firmware-flash.js";
import { otaStatus, UpdateRejectedError } from "../../../host-tools/src/workflows/ota-push.js";
import { endSession, linkTo, type BoardSession } from "../../helpers/board-session.js";
import { updateFromFwAToFwB } from "../../helpers/firmware-update.js";
import { strangerSigner } from "../../helpers/ota.js";
import { rp2040Elf } from "../../helpers/paths.js";
import { boot, bootloaderElf, faultingFirmware, firmwareFile, firstInstallUf2, installedFlash, target } from "./bootloader.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-boot-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Sim = BoardSession;

async function start(flashFile: string, image = bootloaderElf()): Promise<Sim> {
  return linkTo(await launchSimBoard(target, { firmware: image, flashFile, waitForHost: true, speed: Infinity }), 120_000);
}

const stop = endSession;

const images = (file: Buffer) => parseFirmwareFile(file, boot, "firmware");

test("rp2040-sim bootloader: the first-install UF2 boots fw_a, a firmware flashed over the link runs on trial and confirms itself", async () => {
  const v1 = firmwareFile(1, 1);
  const uf2 = path.join(tmp, "first.uf2");
  writeFileSync(uf2, firstInstallUf2(v1));
  const s = await start(path.join(tmp, "flow.bin"), uf2);
  try {
    await updateFromFwAToFwB(s, images(firmwareFile(2, 2)));
    copyFileSync(path.join(tmp, "flow.bin"), path.join(tmp, "v2.bin")); // v2 confirmed in fw_b: the base of the next tests
  } finally {
    await stop(s);
  }
});

test("rp2040-sim bootloader: a firmware delta (the running bank's image to the other bank's build) updates the board; one made for another base is refused, the running firmware untouched", async () => {
  const flash = path.join(tmp, "delta.bin");
  copyFileSync(path.join(tmp, "v2.bin"), flash); // 1.2.0 confirmed in fw_b
  const s = await start(flash);
  try {
    const delta = (from: Buffer, to: Buffer) => ({ mode: "patch" as const,
      patches: parseFirmwareDelta(makeFirmwareDelta(images(from), images(to), { from: "old", to: "new" }).file, "delta") });
    await assert.rejects(flashFirmwareOverLink(s.link, delta(firmwareFile(1, 1), firmwareFile(3, 3)), "wrong base", { confirmTimeoutMs: 10_000 }),
      (e: Error) => e instanceof UpdateRejectedError && /wrong base/.test(e.message));
    const st = (await otaStatus(s.link)).firmware;
    assert.deepEqual([st?.slot, st?.state, st?.version], ["fw_b", "confirmed", "1.2.0"]);

    const d = delta(firmwareFile(2, 2), firmwareFile(3, 3));
    const r = await flashFirmwareOverLink(s.link, d, "v3 delta", { confirmTimeoutMs: 60_000 });
    assert.deepEqual([r.mode, r.bank, r.decision.pair, r.outcome], ["patch", "fw_a", "firmware", "confirmed"]);
    // The fw_b patch went (the board ran fw_b); a delta of the same code across banks is small.
    assert.equal(r.bytes, d.patches[1]!.bytes.length);
    assert.ok(r.bytes < images(firmwareFile(3, 3))[0]!.bytes.length / 10, `${r.bytes} bytes`);
    const after = (await otaStatus(s.link)).firmware;
    assert.deepEqual([after?.slot, after?.state, after?.version, after?.floor], ["fw_a", "confirmed", "1.3.0", 3]);
  } finally {
    await stop(s);
  }
});

test("rp2040-sim bootloader: tampered, downgraded and foreign-key firmware is refused, the running one untouched; a faulting one is rolled back by the watchdog", async () => {
  const flash = path.join(tmp, "refuse.bin");
  copyFileSync(path.join(tmp, "v2.bin"), flash);
  const s = await start(flash);
  try {
    const running = async () => {
      const st = (await otaStatus(s.link)).firmware;
      return [st?.slot, st?.state, st?.version, st?.floor];
    };
    assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2]);
    const tampered = firmwareFile(3, 3);
    tampered[128 + 5000]! ^= 0x01; // a payload byte of fw_a's image: its hash no longer matches
    const refusals: [Buffer, RegExp][] = [
      [tampered, /rejected the update: SHA-256 mismatch/],
      [firmwareFile(1, 1), /rejected the update: security counter lower/],
      [firmwareFile(3, 3, strangerSigner()), /rejected the update: unknown key id/],
    ];
    for (const [file, why] of refusals) {
      await assert.rejects(flashFirmwareOverLink(s.link, images(file), "bad", { confirmTimeoutMs: 10_000 }),
        (e: Error) => e instanceof UpdateRejectedError && why.test(e.message));
      assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2], `after ${why}`);
    }

    const r = await flashFirmwareOverLink(s.link, images(faultingFirmware("fw_a", 3, 3)), "faulting", { confirmTimeoutMs: 60_000 });
    assert.deepEqual([r.bank, r.decision.decision, r.outcome], ["fw_a", "pending", "rolled-back"]);
    // Only the watchdog the bootloader armed for the trial can end that image's `b .` loop.
    assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2]);
  } finally {
    await stop(s);
  }
});

test("rp2040-sim bootloader: with both banks erased, serial recovery refuses a tampered image and takes a signed one, which then boots", async () => {
  const flash = path.join(tmp, "erased.bin");
  ensureFlashFile(flash, target.board); // all erased: the emulator writes only the bootloader
  const board = await launchSimBoard(target, { firmware: bootloaderElf(), flashFile: flash, waitForHost: true, speed: Infinity });
  let s: Sim | undefined;
  try {
    const fwA = images(firmwareFile(1, 1)).find((i) => i.bank === "fw_a")!.bytes;
    // Nothing answers the link (as `wasmcu flash --recovery` first asks): the board is in recovery already.
    assert.equal(await askForRecovery(board.uartPath, 115200), false);
    const t = await openSerial(board.uartPath, 115200);
    // Refusals first, cheaply: an image too big for the bank, a small signed image with a
    // flipped payload byte (the board stays in recovery after each).
    await assert.rejects(recoverRp2040(t, Buffer.alloc(boot.fw_a.size + 1)), /refused an image of \d+ bytes/);
    const bad = faultingFirmware("fw_a", 1, 1);
    bad[128 + 200]! ^= 0x80;
    await assert.rejects(recoverRp2040(t, bad), /the board refused the image: SHA-256 mismatch/);
    await recoverRp2040(t, fwA);
    await t.close();
    const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
    s = { board, link, events: [] };
    await link.connect(120_000);
    const fw = (await otaStatus(link)).firmware;
    assert.deepEqual([fw?.slot, fw?.state, fw?.version], ["fw_a", "confirmed", "1.1.0"]);
  } finally {
    if (s) await stop(s);
    else await board.stop();
  }
});

test("rp2040-sim bootloader: asked over the link, a live firmware resets into serial recovery, which takes fw_a's image (on trial, then confirmed); a firmware no bootloader started refuses", async () => {
  const flash = path.join(tmp, "asked.bin");
  copyFileSync(path.join(tmp, "v2.bin"), flash); // 1.2.0 confirmed in fw_b
  const board = await launchSimBoard(target, { firmware: bootloaderElf(), flashFile: flash, waitForHost: true, speed: Infinity });
  let s: Sim | undefined;
  try {
    assert.equal(await askForRecovery(board.uartPath, 115200), true, "the firmware answered and reset into recovery");
    const t = await openSerial(board.uartPath, 115200);
    await recoverRp2040(t, images(firmwareFile(3, 3)).find((i) => i.bank === "fw_a")!.bytes);
    await t.close();
    const link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
    s = { board, link, events: [] };
    await link.connect(120_000);
    // The records named fw_b confirmed: the recovered fw_a image ran on trial and confirms itself.
    let fw = (await otaStatus(link)).firmware;
    for (let i = 0; i < 60 && fw?.state === "trial"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      fw = (await otaStatus(link)).firmware;
    }
    assert.deepEqual([fw?.slot, fw?.state, fw?.version, fw?.floor], ["fw_a", "confirmed", "1.3.0", 3]);
  } finally {
    if (s) await stop(s);
    else await board.stop();
  }

  const plain = await start(path.join(tmp, "plain.bin"), rp2040Elf());
  try {
    await assert.rejects(plain.link.recovery(), /not allowed now" \(no wasmcu bootloader started this firmware/);
  } finally {
    await stop(plain);
  }
});
