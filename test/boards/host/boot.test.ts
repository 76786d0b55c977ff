// The host board's firmware files (boards/host/README.md, "Firmware files"), the mirror of the
// rp2040 bootloader's tests (test/boards/rp2040/boot.test.ts): a board started with a signed
// wasmcu-host image runs it from FLASH.fw_a; a firmware flashed over the link goes to fw_b, is
// re-executed on trial by the board's boot step and confirms itself; tampered, downgraded,
// foreign-key and not-executable images, and deltas from another base or to such images, are
// refused with the running firmware untouched; a firmware that crashes at once, or gives up at
// start, on trial is rolled back, and one that keeps resetting without confirming itself after
// its third boot.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { hostFirmwareFiles, resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { parseHostFirmwareFile, signHostFirmware } from "../../../host-tools/src/ota/host-firmware.js";
import { BANKS } from "../../../host-tools/src/ota/firmware.js";
import { parseImage, signImage } from "../../../host-tools/src/ota/image.js";
import { makeFirmwareDelta, parseFirmwareDelta } from "../../../host-tools/src/ota/firmware-delta.js";
import { flashFirmwareOverLink, type FirmwareUpdate } from "../../../host-tools/src/workflows/firmware-flash.js";
import { otaStatus, UpdateRejectedError } from "../../../host-tools/src/workflows/ota-push.js";
import { devSigner, strangerSigner, type Signer } from "../../helpers/ota.js";
import { endSession, linkTo, type BoardSession } from "../../helpers/board-session.js";
import { updateFromFwAToFwB } from "../../helpers/firmware-update.js";
import { hostBin } from "../../helpers/paths.js";

const target = resolveBoard("host");
const files = hostFirmwareFiles(target.board);
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-host-boot-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** wasmcu-host (this tree's build) as firmware 1.`minor`.0 with security counter `counter`. */
function firmwareImage(minor: number, counter: number, signer: Signer = devSigner(), payload = readFileSync(hostBin("wasmcu-host"))): Buffer {
  return signHostFirmware({ payload, files, version: { major: 1, minor, patch: 0 }, securityCounter: counter,
    privateKey: signer.privateKey, rawPublicKey: signer.raw, what: "wasmcu-host" });
}

/** An executable for this machine that is not wasmcu-host: `body` is its main(). */
function failingFirmware(name: string, body: string, minor: number, counter: number): Buffer {
  const src = path.join(tmp, `${name}.c`);
  const exe = path.join(tmp, name);
  writeFileSync(src, `#include <signal.h>\n#include <stdio.h>\nint main(void) { ${body} }\n`);
  execFileSync("cc", ["-o", exe, src]);
  return firmwareImage(minor, counter, devSigner(), readFileSync(exe));
}

const images = (file: Buffer) => parseHostFirmwareFile(file, files, "firmware");
/** Any firmware image, unchecked, as the host board's image for both banks. */
const asBothBanks = (image: Buffer) => BANKS.map((bank) => ({ bank, header: parseImage(image), bytes: image }));

/** A host firmware delta (ota make --board host) from `from` to `to`. */
function delta(from: Buffer, to: Buffer): FirmwareUpdate {
  const { file } = makeFirmwareDelta(asBothBanks(from), asBothBanks(to), { from: "old", to: "new" });
  return { mode: "patch", patches: parseFirmwareDelta(file, "delta") };
}

async function start(flashFile: string, install?: Buffer): Promise<BoardSession> {
  const extraArgs: string[] = [];
  if (install) {
    writeFileSync(`${flashFile}.install.wimg`, install);
    extraArgs.push("--firmware-image", `${flashFile}.install.wimg`);
  }
  return linkTo(await launchHostBoard(target, { firmware: hostBin("wasmcu-host"), flashFile, waitForHost: true, extraArgs }), 60_000);
}

const bankFiles = (flash: string) => BANKS.map((b) => `${flash}.${b}`);
function copyBoard(from: string, to: string): void {
  copyFileSync(from, to);
  bankFiles(from).forEach((f, i) => copyFileSync(f, bankFiles(to)[i]!));
}

test("host board: started with a signed firmware image it runs it from fw_a; a firmware flashed over the link is re-executed from fw_b on trial and confirms itself", async () => {
  const flash = path.join(tmp, "flow.bin");
  const b = await start(flash, firmwareImage(1, 1));
  try {
    await updateFromFwAToFwB(b, images(firmwareImage(2, 2)));
    // The image in fw_b is byte for byte the one sent.
    const fwB = readFileSync(`${flash}.fw_b`);
    const sent = firmwareImage(2, 2);
    assert.ok(fwB.subarray(0, sent.length).equals(sent));
  } finally {
    await endSession(b);
  }
  copyBoard(flash, path.join(tmp, "v2.bin")); // 1.2.0 confirmed in fw_b: the base of the next tests
});

test("host board: tampered, downgraded, foreign-key and not-executable firmware, whole or as a delta, and a delta from another base are refused, the running one untouched; one that crashes or gives up on trial is rolled back", async () => {
  const flash = path.join(tmp, "refuse.bin");
  copyBoard(path.join(tmp, "v2.bin"), flash);
  const b = await start(flash); // no image given: the boot step decides from the records
  try {
    const running = async () => {
      const st = (await otaStatus(b.link)).firmware;
      return [st?.slot, st?.state, st?.version, st?.floor];
    };
    assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2]);
    const fwB = readFileSync(`${flash}.fw_b`);
    const tampered = firmwareImage(3, 3);
    tampered[128 + 5000]! ^= 0x01; // a payload byte: its hash no longer matches
    // Signed and whole, but no executable: only the board can refuse it (the CLI would not send it).
    const notElf = signImage({ kind: "firmware", payload: Buffer.alloc(4096, 0x5a), version: { major: 1, minor: 3, patch: 0 },
      securityCounter: 3, privateKey: devSigner().privateKey, rawPublicKey: devSigner().raw });
    const v2 = firmwareImage(2, 2);
    // A delta's result gets the whole image's checks; its base must be the image fw_b runs.
    const refusals: [ReturnType<typeof images> | FirmwareUpdate, RegExp][] = [
      [asBothBanks(tampered), /rejected the update: SHA-256 mismatch/],
      [images(firmwareImage(1, 1)), /rejected the update: security counter lower/],
      [images(firmwareImage(3, 3, strangerSigner())), /rejected the update: unknown key id/],
      [asBothBanks(notElf), /cannot run from the bank it was written to/],
      [delta(firmwareImage(1, 1), firmwareImage(3, 3)), /rejected the update: wrong base: the patch was made for another image than the one running/],
      [delta(v2, tampered), /rejected the update: SHA-256 mismatch/],
      [delta(v2, firmwareImage(3, 3, strangerSigner())), /rejected the update: unknown key id/],
      [delta(v2, notElf), /cannot run from the bank it was written to/],
    ];
    for (const [imgs, why] of refusals) {
      await assert.rejects(flashFirmwareOverLink(b.link, imgs, "bad", { confirmTimeoutMs: 10_000 }),
        (e: Error) => e instanceof UpdateRejectedError && why.test(e.message), `expected ${why}`);
      assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2], `after ${why}`);
    }
    assert.ok(readFileSync(`${flash}.fw_b`).equals(fwB), "the running firmware file is untouched");

    for (const [name, body] of [["crashes", "raise(SIGSEGV); return 0;"], ["gives-up", "return 1;"]] as const) {
      const r = await flashFirmwareOverLink(b.link, images(failingFirmware(name, body, 3, 3)), name, { confirmTimeoutMs: 60_000 });
      assert.deepEqual([r.bank, r.decision.decision, r.outcome], ["fw_a", "pending", "rolled-back"], name);
      assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2], `after the firmware that ${name}`);
    }
    // Each was rolled back after its first failed boot (a fault counts as a watchdog reset),
    // not after using up its three trial boots.
    const ends = (re: RegExp) => b.board.stderrTail().split("\n").filter((l) => re.test(l)).length;
    assert.equal(ends(/the firmware in fw_a ended \(signal 11\): a failed boot/), 1, b.board.stderrTail());
    assert.equal(ends(/the firmware in fw_a ended \(status 1\): a failed boot/), 1, b.board.stderrTail());
    assert.equal(ends(/the firmware on trial was rolled back/), 2, b.board.stderrTail());

    // One that resets (a software reset: exit status 80 + 1) without ever confirming itself
    // gets its three trial boots, then is rolled back.
    const boots = path.join(tmp, "boots.txt");
    const resets = failingFirmware("resets", `FILE *f = fopen("${boots}", "a"); fputs("boot\\n", f); fclose(f); return 81;`, 3, 3);
    const r = await flashFirmwareOverLink(b.link, images(resets), "resets", { confirmTimeoutMs: 60_000 });
    assert.deepEqual([r.bank, r.decision.decision, r.outcome], ["fw_a", "pending", "rolled-back"]);
    assert.equal(readFileSync(boots, "utf8"), "boot\n".repeat(3));
    assert.deepEqual(await running(), ["fw_b", "confirmed", "1.2.0", 2]);
    assert.equal(ends(/the firmware on trial was rolled back/), 3, b.board.stderrTail());
  } finally {
    await endSession(b);
  }
});

test("host board: without firmware files wasmcu-host is the firmware itself and refuses firmware updates; a bad --firmware-image is refused before anything is written", async () => {
  const flash = path.join(tmp, "plain.bin");
  const b = await start(flash);
  try {
    const fw = (await otaStatus(b.link)).firmware;
    assert.deepEqual([fw?.signed, fw?.pending, fw?.floor], [false, undefined, 0]);
    await assert.rejects(flashFirmwareOverLink(b.link, images(firmwareImage(2, 2)), "v2", { confirmTimeoutMs: 10_000 }),
      /not started by the wasmcu bootloader/);
  } finally {
    await endSession(b);
  }
  const bad = firmwareImage(1, 1);
  bad[8] = 1; // the header's kind: an app (still parses), not a firmware image
  writeFileSync(path.join(tmp, "bad.wimg"), bad);
  await assert.rejects(launchHostBoard(target, { firmware: hostBin("wasmcu-host"), flashFile: path.join(tmp, "bad.bin"),
    extraArgs: ["--firmware-image", path.join(tmp, "bad.wimg")] }),
  (e: Error & { hint?: string }) => /exited \(status 1\) before its UART came up/.test(e.message) &&
    /--firmware-image: .*bad\.wimg is not one signed firmware image/.test(e.hint ?? ""));
  assert.ok(!existsSync(path.join(tmp, "bad.bin.fw_a")), "no firmware file was made");
});
