// The OTA benchmark image (boards/rp2040/otabench) on rp2040-sim: firmware/ota
// built for Cortex-M0+ gives the right answers on the emulated chip — Ed25519
// accepts a valid signature and rejects tampered ones, SHA-256/512 digests
// equal Node's, a host-signed image in flash verifies, and the delta patcher
// rebuilds the new image. Only results are checked here, never timings.
import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { encodeDelta } from "../../../host-tools/src/ota/delta.js";
import { signImage } from "../../../host-tools/src/ota/image.js";
import { rawPublicKey } from "../../../host-tools/src/ota/keys.js";
import { perturbModel, referenceModel } from "../../host-tools/ota/pairs.js";
import { missingToolchain, otabenchElf } from "./firmware.js";
import { hashPattern, startOtaBench, type OtaBench } from "./otabench.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

const skip = missingToolchain();

/** An Ed25519 private key from a fixed seed, so every run signs the same bytes. */
function seededKey(seed: string): KeyObject {
  const raw = createHash("sha256").update(seed).digest();
  return createPrivateKey({ format: "der", type: "pkcs8", key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), raw]) });
}
// Board flash offsets (boards/rp2040/board.json): app_a, app_b, model regions.
const VALID_AT = 0x80000;
const TAMPERED_AT = 0xb0000;
const PATCH_AT = 0xe0000;
// ota_status values (firmware/ota/include/ota.h).
const OTA_OK = 0;
const OTA_ERR_KEY = 8;
const OTA_ERR_SIGNATURE = 9;

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe("rp2040 OTA benchmark image on rp2040-sim", { skip, timeout: 120_000 }, () => {
  const privateKey = seededKey("otabench test key");
  const pub = rawPublicKey(createPublicKey(privateKey));
  const other = rawPublicKey(createPublicKey(seededKey("otabench other key")));
  const model = referenceModel("kws_ref_model");
  const sign = (payload: Buffer, counter: number) => signImage({ kind: "model", payload, securityCounter: counter,
    version: { major: 1, minor: counter, patch: 0 }, privateKey, rawPublicKey: pub });
  const oldImage = sign(model, 5);
  const newImage = sign(perturbModel(model, 0.1, 7), 6);
  const tampered = Buffer.from(oldImage);
  tampered[64 + 32]! ^= 0x01; // a bit of S: the signature no longer verifies, and only the curve math can tell
  const patch = encodeDelta(oldImage, newImage);
  let bench: OtaBench | undefined;

  before(async () => {
    const elf = await otabenchElf();
    bench = await startOtaBench(elf, [
      { offset: VALID_AT, bytes: oldImage },
      { offset: TAMPERED_AT, bytes: tampered },
      { offset: PATCH_AT, bytes: patch },
    ]);
  });

  after(async () => {
    await bench?.stop();
  });

  // A full Ed25519 verification is ~12.5M emulated cycles (0.1 s at 125 MHz; it was 226M
  // before the 32-bit field arithmetic and the joint double-scalar multiplication), so
  // every case of the image's ed25519 command runs here. The bounds guard both: time well
  // under 30M cycles and the painted stack no deeper than the 3476 B of the first version.
  test("Ed25519 verify accepts RFC 8032 test 2, rejects tampered signatures, and rejects S >= L early", async () => {
    const want: Record<string, string> = { "valid": "1", "tampered-message": "0", "tampered-s": "0", "s-not-reduced": "0" };
    const rows = await bench!.command("ed25519", 4);
    assert.deepEqual(rows.map((r) => r.case), Object.keys(want));
    for (const r of rows) {
      assert.equal(r.result, want[r.case!], r.line);
      assert.ok(Number(r.stack) > 0 && Number(r.stack) <= 3476, `stack: ${r.line}`);
      if (r.case === "s-not-reduced") {
        assert.ok(Number(r.cycles) < 10_000, `S >= L must be refused before any curve arithmetic: ${r.line}`);
      } else {
        assert.ok(Number(r.cycles) > 1_000_000 && Number(r.cycles) < 30_000_000, `cycles: ${r.line}`);
      }
    }
  });

  test("SHA-256 and SHA-512 digests equal Node's at block-boundary and KiB lengths", async () => {
    for (const len of [0, 1, 55, 56, 64, 111, 112, 128, 1024, 16384]) {
      const data = hashPattern(len);
      const [s256] = await bench!.command(`sha256 ${len}`);
      assert.equal(s256!.digest, createHash("sha256").update(data).digest("hex"), `sha256 of ${len} bytes`);
      const [s512] = await bench!.command(`sha512 ${len}`);
      assert.equal(s512!.digest, createHash("sha512").update(data).digest("hex"), `sha512 of ${len} bytes`);
    }
  });

  test("ota_image_verify_slot accepts a host-signed image in flash and rejects a flipped signature bit and another key", async () => {
    const hex = pub.toString("hex");
    const [ok] = await bench!.command(`verify ${VALID_AT} ${hex}`);
    assert.equal(ok!.status, String(OTA_OK), ok!.line);
    assert.equal(Number(ok!.payload), model.length);
    const [sig] = await bench!.command(`verify ${TAMPERED_AT} ${hex}`);
    assert.equal(sig!.status, String(OTA_ERR_SIGNATURE), sig!.line);
    assert.match(sig!.line, /; signature does not verify$/);
    const [key] = await bench!.command(`verify ${VALID_AT} ${other.toString("hex")}`);
    assert.equal(key!.status, String(OTA_ERR_KEY), key!.line);
  });

  test("the delta patcher rebuilds the new image from a patch in flash, byte for byte", async () => {
    const [r] = await bench!.command(`patch ${VALID_AT} ${PATCH_AT} ${patch.length}`);
    assert.equal(r!.status, String(OTA_OK), r!.line);
    const padded = Buffer.alloc(Math.ceil(newImage.length / 256) * 256, 0xff);
    newImage.copy(padded);
    assert.equal(Number(r!.out), padded.length);
    assert.equal(r!.crc, crc32(padded).toString(16).padStart(8, "0"));
    // Handed the base's hash (as the device does), it gives the same bytes without hashing it again.
    const [k] = await bench!.command(`patch ${VALID_AT} ${PATCH_AT} ${patch.length} ${oldImage.length}`);
    assert.equal(k!.status, String(OTA_OK), k!.line);
    assert.equal(k!.crc, r!.crc);
    assert.ok(Number(k!.cycles) < Number(r!.cycles), `${k!.cycles} vs ${r!.cycles} emulated cycles`);
    // A wrong base length is still refused before anything is written.
    const [w] = await bench!.command(`patch ${VALID_AT} ${PATCH_AT} ${patch.length} ${oldImage.length - 1}`);
    assert.match(w!.line, /patch made for a different old image/);
    assert.equal(Number(w!.out), 0);
  });
});

noUartDropsTest(skip);
