// Firmware deltas (host-tools/src/ota/firmware-delta.ts): one patch per running bank, each from
// that bank's old image to the new build for the other bank, decoded by the reference decoder;
// a file that is not two patches is refused with where; `wasmcu ota make` between firmware files;
// the host board's delta (one patch listed for both banks) and each board refusing the other's.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { createHash } from "node:crypto";
import { hostFirmwareFiles, resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { parseBoardFirmwareDelta, parseBoardFirmwareFile } from "../../../host-tools/src/boards/firmware.js";
import { applyDelta } from "../../../host-tools/src/ota/delta.js";
import { makeFirmwareDelta, parseFirmwareDelta, patchForRunningBank, patchServesBothBanks } from "../../../host-tools/src/ota/firmware-delta.js";
import { parseFirmwareFile, signFirmware } from "../../../host-tools/src/ota/firmware.js";
import { signHostFirmware } from "../../../host-tools/src/ota/host-firmware.js";
import { EXIT } from "../../../host-tools/src/lib/exit-codes.js";
import type { InputError } from "../../../host-tools/src/lib/errors.js";
import { parseUpdateFile } from "../../../host-tools/src/workflows/ota-push.js";
import { wasmcu } from "../../helpers/cli.js";
import { repoRoot } from "../../helpers/paths.js";
import { devSigner } from "../../helpers/ota.js";

const rp2040 = resolveBoard("rp2040").board, host = resolveBoard("host").board;
const boot = rp2040.flash.boot!;
const signer = devSigner();
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-fw-delta-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A bank build's .bin: pad, a vector table into `bank`, then code with absolute addresses of the bank. */
function payload(bank: "fw_a" | "fw_b", tweak: number): Buffer {
  const p = Buffer.alloc(8192);
  const at = 0x10000000 + boot[bank].offset;
  p.writeUInt32LE(0x20042000, 128);
  for (let i = 132; i < p.length; i += 4) p.writeUInt32LE((at + 256 + (i * 7) % 4096) | 1, i);
  p.writeUInt32LE(tweak, 4000);
  return p;
}
const file = (minor: number) => signFirmware({ payloads: [payload("fw_a", minor), payload("fw_b", minor)], boot,
  version: { major: 1, minor, patch: 0 }, securityCounter: minor, privateKey: signer.privateKey, rawPublicKey: signer.raw });

test("a firmware delta holds the fw_a board's patch (old fw_a -> new fw_b), then the fw_b board's (old fw_b -> new fw_a)", () => {
  const [o, n] = [parseFirmwareFile(file(1), boot, "v1"), parseFirmwareFile(file(2), boot, "v2")];
  const d = parseFirmwareDelta(makeFirmwareDelta(o, n, { from: "v1", to: "v2" }).file, "d");
  assert.deepEqual(d.map((p) => p.running), ["fw_a", "fw_b"]);
  assert.ok(applyDelta(o[0]!.bytes, patchForRunningBank(d, "fw_a").bytes).equals(n[1]!.bytes));
  assert.ok(applyDelta(o[1]!.bytes, patchForRunningBank(d, "fw_b").bytes).equals(n[0]!.bytes));
});

test("a firmware delta that is not two whole patches is refused, saying where", () => {
  const [o, n] = [parseFirmwareFile(file(1), boot, "v1"), parseFirmwareFile(file(2), boot, "v2")];
  const whole = makeFirmwareDelta(o, n, { from: "v1", to: "v2" }).file;
  const first = parseFirmwareDelta(whole, "d")[0]!.bytes;
  assert.throws(() => parseFirmwareDelta(first, "one.wdlt"), /one\.wdlt: 1 delta patch\(es\); a firmware delta holds two/);
  assert.throws(() => parseFirmwareDelta(whole.subarray(0, whole.length - 1), "cut.wdlt"), /cut\.wdlt: the patch at offset \d+ says \d+ bytes, \d+ left/);
  assert.throws(() => parseFirmwareDelta(Buffer.concat([whole, Buffer.alloc(3)]), "long.wdlt"), /long\.wdlt: 3 bytes after the two patches/);
  assert.throws(() => makeFirmwareDelta(o.slice(1), n, { from: "v1", to: "v2" }), /v1 has no image for bank fw_a/);
});

test("ota push refuses a firmware file or a firmware delta, naming wasmcu flash (which picks the bank's image or patch)", () => {
  const [o, n] = [parseFirmwareFile(file(1), boot, "v1"), parseFirmwareFile(file(2), boot, "v2")];
  const delta = makeFirmwareDelta(o, n, { from: "v1", to: "v2" }).file;
  assert.throws(() => parseUpdateFile(file(2), "fw.wimg"), (e: InputError) => /fw\.wimg: a board's firmware file/.test(e.message) && /wasmcu flash --board rp2040/.test(e.hint ?? ""));
  assert.throws(() => parseUpdateFile(delta, "fw.wdlt"), /fw\.wdlt: a board's firmware delta/);
  // One of its patches alone is an ordinary patch (the device still checks its base).
  assert.equal(parseUpdateFile(parseFirmwareDelta(delta, "d")[0]!.bytes, "one").mode, "patch");
});

test("wasmcu ota make between two firmware files writes the firmware delta; a firmware file against an app image is refused", async () => {
  writeFileSync(path.join(tmp, "v1.wimg"), file(1));
  writeFileSync(path.join(tmp, "v2.wimg"), file(2));
  const out = path.join(tmp, "v1-v2.wdlt");
  const r = await wasmcu(["ota", "make", "--from", path.join(tmp, "v1.wimg"), "--to", path.join(tmp, "v2.wimg"), "-o", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { kind: string; patches: { running: string; bytes: number }[]; from: string; to: string };
  assert.deepEqual([j.kind, j.from, j.to, j.patches.map((p) => p.running)], ["firmware", "1.1.0", "1.2.0", ["fw_a", "fw_b"]]);
  assert.equal(parseFirmwareDelta(readFileSync(out), out).length, 2);
  const notFirmware = path.join(repoRoot, "keys/dev/README.md");
  const bad = await wasmcu(["ota", "make", "--from", path.join(tmp, "v1.wimg"), "--to", notFirmware, "-o", path.join(tmp, "x.wdlt")]);
  assert.equal(bad.code, EXIT.INPUT, bad.stderr);
  assert.match(bad.stderr, /README\.md: the image at offset 0 says \d+ bytes/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /); // no stack trace
  assert.ok(!existsSync(path.join(tmp, "x.wdlt")), "nothing written");
});

/** A stand-in wasmcu-host executable (an ELF header, then bytes) signed as the host board's firmware 1.`minor`.0. */
function hostFile(minor: number): Buffer {
  const exe = Buffer.alloc(16384, 0x33);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(exe);
  exe.writeUInt16LE(3, 16); // ET_DYN
  exe.writeUInt32LE(minor, 9000);
  return signHostFirmware({ payload: exe, files: hostFirmwareFiles(host), version: { major: 1, minor, patch: 0 }, securityCounter: minor,
    privateKey: signer.privateKey, rawPublicKey: signer.raw, what: `host ${minor}` });
}

test("a host firmware delta is the one patch from the old image to the new, listed for both banks; each kind of board refuses the other's delta", () => {
  const [o, n] = [parseBoardFirmwareFile(host, hostFile(1), "h1"), parseBoardFirmwareFile(host, hostFile(2), "h2")];
  const hd = makeFirmwareDelta(o, n, { from: "h1", to: "h2" }).file;
  const d = parseBoardFirmwareDelta(host, hd, "h.wdlt");
  assert.ok(patchServesBothBanks(d));
  assert.deepEqual(d.map((p) => p.running), ["fw_a", "fw_b"]);
  assert.ok(applyDelta(hostFile(1), patchForRunningBank(d, "fw_b").bytes).equals(hostFile(2)));
  assert.ok(d[0]!.header.oldSha256.equals(createHash("sha256").update(hostFile(1)).digest()), "the patch names its base");

  const rp = makeFirmwareDelta(parseFirmwareFile(file(1), boot, "v1"), parseFirmwareFile(file(2), boot, "v2"), { from: "v1", to: "v2" }).file;
  assert.ok(!patchServesBothBanks(parseFirmwareDelta(rp, "rp")));
  assert.throws(() => parseBoardFirmwareDelta(host, rp, "rp.wdlt"), /rp\.wdlt: a firmware delta for a board with bank builds .*--board host takes one patch/);
  assert.throws(() => parseBoardFirmwareDelta(rp2040, hd, "h.wdlt"), /h\.wdlt: a host-board firmware delta .*--board rp2040 needs a patch per bank build/);
  assert.throws(() => parseBoardFirmwareFile(rp2040, hostFile(1), "h1.wimg"), /h1\.wimg: a host-board firmware file .*--board rp2040 takes its bank builds/);
  assert.throws(() => parseBoardFirmwareFile(host, file(1), "v1.wimg"), /v1\.wimg: a firmware file of bank builds .*--board host takes one signed wasmcu-host executable/);
});
