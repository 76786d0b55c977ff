// Firmware files for the rp2040 bootloader (host-tools/src/ota/firmware.ts): one signed image
// per bank, the bank told by the reset vector, the file checked before anything is sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { bankOfPayload, firstInstallChunks, imageForOtherBank, parseFirmwareFile, signFirmware } from "../../../host-tools/src/ota/firmware.js";
import { parseImage, signImage } from "../../../host-tools/src/ota/image.js";
import { devSigner } from "../../helpers/ota.js";

const boot = resolveBoard("rp2040").board.flash.boot!;
const signer = devSigner();

/** A bank build's .bin: 128 bytes of pad, then a vector table whose reset vector is in `bank`. */
function payload(bank: "fw_a" | "fw_b", len = 4096): Buffer {
  const p = Buffer.alloc(len, 0x5a);
  p.writeUInt32LE(0x20042000, 128);
  p.writeUInt32LE((0x10000000 + boot[bank].offset + 256 + 0x200) | 1, 132);
  return p;
}
const sign = (payloads: Buffer[], counter = 4) => signFirmware({ payloads, boot, version: { major: 1, minor: 2, patch: 3 },
  securityCounter: counter, privateKey: signer.privateKey, rawPublicKey: signer.raw });

test("rp2040 board.json: the bootloader and the two banks fill the firmware region, the state area sits in settings", () => {
  const b = resolveBoard("rp2040").board;
  const fw = b.flash.layout.find((r) => r.name === "firmware")!;
  const settings = b.flash.layout.find((r) => r.name === "settings")!;
  assert.equal(boot.bootloader.offset, fw.offset);
  assert.equal(boot.fw_a.offset, boot.bootloader.offset + boot.bootloader.size);
  assert.equal(boot.fw_b.offset, boot.fw_a.offset + boot.fw_a.size);
  assert.equal(boot.fw_b.offset + boot.fw_b.size, fw.offset + fw.size);
  assert.equal(boot.fw_a.size, boot.fw_b.size);
  // After the app and model pairs' state areas (two erase units each).
  assert.equal(boot.state.offset, settings.offset + 4 * b.flash.erase_size);
  assert.ok(boot.state.offset + boot.state.size <= settings.offset + settings.size);
});

test("a firmware file is fw_a's image then fw_b's, whatever order the builds are given in", () => {
  const file = sign([payload("fw_b"), payload("fw_a")]);
  const images = parseFirmwareFile(file, boot, "fw.wimg");
  assert.deepEqual(images.map((i) => [i.bank, i.header.kind, i.header.securityCounter]), [["fw_a", "firmware", 4], ["fw_b", "firmware", 4]]);
  assert.equal(bankOfPayload(images[1]!.bytes.subarray(128), boot, "x"), "fw_b");
  assert.equal(imageForOtherBank(images, "fw_a", "fw.wimg").bank, "fw_b");
  assert.equal(imageForOtherBank(images, "fw_b", "fw.wimg").bank, "fw_a");
  assert.equal(parseImage(images[0]!.bytes).kind, "firmware");
});

test("firmware files are refused with what and where: two builds for one bank, a reset vector outside the banks, a non-firmware image, stray bytes", () => {
  assert.throws(() => sign([payload("fw_a"), payload("fw_a")]), /one build per bank; got fw_a and fw_a/);
  const outside = payload("fw_a");
  outside.writeUInt32LE(0x10000301, 132);
  assert.throws(() => sign([outside, payload("fw_b")]), /reset vector 0x10000300 at offset 132 is in neither firmware bank/);
  const app = signImage({ kind: "app", payload: payload("fw_a"), version: { major: 1, minor: 0, patch: 0 }, securityCounter: 0,
    privateKey: signer.privateKey, rawPublicKey: signer.raw });
  assert.throws(() => parseFirmwareFile(app, boot, "app.wimg"), /app.wimg at offset 0: a signed app image, not firmware/);
  const file = sign([payload("fw_a"), payload("fw_b")]);
  assert.throws(() => parseFirmwareFile(Buffer.concat([file, Buffer.alloc(10)]), boot, "f"), /10 stray bytes at offset/);
  assert.throws(() => parseFirmwareFile(file.subarray(0, file.length - 1), boot, "f"), /the image at offset \d+ says \d+ bytes/);
  assert.throws(() => imageForOtherBank(parseFirmwareFile(file.subarray(0, 128 + 4096), boot, "f"), "fw_a", "f"), /no image for bank fw_b/);
  assert.throws(() => bankOfPayload(Buffer.alloc(100), boot, "short"), /short: 100 bytes, too short for a firmware image/);
});

test("the first install puts the bootloader at the start of flash and fw_a's image in its bank", () => {
  const images = parseFirmwareFile(sign([payload("fw_a"), payload("fw_b")]), boot, "f");
  const chunks = firstInstallChunks(Buffer.alloc(14000, 1), images, boot);
  assert.deepEqual(chunks.map((c) => [c.address, c.data.length]), [[0x10000000, 14000], [0x10000000 + boot.fw_a.offset, 128 + 4096]]);
  assert.throws(() => firstInstallChunks(Buffer.alloc(boot.bootloader.size + 1), images, boot), /over its 16384-byte region/);
});
