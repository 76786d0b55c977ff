import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { bundleModelOffset, bundlePayload, detectKind, HEADER_SIZE, keyIdOf, parseImage, parseSemVer, signImage, verifyImage } from "../../../host-tools/src/ota/image.js";
import { rawPublicKey } from "../../../host-tools/src/ota/keys.js";
import { WasmcuError } from "../../../host-tools/src/lib/errors.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const raw = rawPublicKey(publicKey);
const wasm = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 2, 3]);
const tflite = Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from("TFL3"), Buffer.alloc(20, 7)]);

test("signImage writes the documented header fields and a signature Node verifies", () => {
  const img = signImage({ kind: "app", payload: wasm, version: { major: 2, minor: 5, patch: 300 }, securityCounter: 42,
    privateKey, rawPublicKey: raw });
  assert.equal(img.length, HEADER_SIZE + wasm.length);
  assert.equal(img.toString("latin1", 0, 4), "WOTA");
  const h = parseImage(img);
  assert.deepEqual({ kind: h.kind, version: h.version, counter: h.securityCounter, len: h.payloadLength, app: h.appLength },
    { kind: "app", version: { major: 2, minor: 5, patch: 300 }, counter: 42, len: wasm.length, app: 0 });
  assert.equal(h.keyId, createHash("sha256").update(raw).digest().readUInt32LE(0));
  assert.ok(h.payloadSha256.equals(createHash("sha256").update(wasm).digest()));
  assert.ok(verifyImage(img, publicKey));
  const bad = Buffer.from(img);
  bad[bad.length - 1]! ^= 1;
  assert.equal(verifyImage(bad, publicKey), false);
});

test("a bundle records where the .wasm ends; the .tflite starts 16-byte aligned after it", () => {
  const { payload, appLength } = bundlePayload(wasm, tflite);
  assert.equal(payload.length, 16 + tflite.length);
  assert.ok(payload.subarray(wasm.length, 16).equals(Buffer.alloc(16 - wasm.length)));
  const img = signImage({ kind: "bundle", payload, appLength,
    version: { major: 1, minor: 0, patch: 0 }, securityCounter: 1, privateKey, rawPublicKey: raw });
  const h = parseImage(img);
  assert.equal(h.kind, "bundle");
  assert.equal(h.appLength, wasm.length);
  assert.ok(img.subarray(HEADER_SIZE + bundleModelOffset(h.appLength)).equals(tflite));
  assert.throws(() => signImage({ kind: "bundle", payload: wasm, appLength: wasm.length, version: { major: 1, minor: 0, patch: 0 },
    securityCounter: 1, privateKey, rawPublicKey: raw }), /both a .wasm and a .tflite/);
});

test("parseImage says what is wrong and where", () => {
  const img = signImage({ kind: "model", payload: tflite, version: { major: 1, minor: 0, patch: 0 }, securityCounter: 0,
    privateKey, rawPublicKey: raw });
  assert.throws(() => parseImage(img.subarray(0, 100)), /shorter than the 128-byte header/);
  const magic = Buffer.from(img); magic[0] = 0;
  assert.throws(() => parseImage(magic), /bad magic at offset 0/);
  const kind = Buffer.from(img); kind[8] = 9;
  assert.throws(() => parseImage(kind), /payload kind 9 at offset 8/);
  assert.throws(() => parseImage(Buffer.concat([img, Buffer.alloc(1)])), /header says 28 payload bytes, file has 29/);
  assert.throws(() => parseImage(magic), WasmcuError);
});

test("semantic versions are parsed strictly and range-checked", () => {
  assert.deepEqual(parseSemVer("1.2.3"), { major: 1, minor: 2, patch: 3 });
  assert.throws(() => parseSemVer("1.2"), /MAJOR.MINOR.PATCH/);
  assert.throws(() => parseSemVer("256.0.0"), /out of range/);
});

test("payload kind is detected from the WebAssembly and TFLite magics", () => {
  assert.equal(detectKind(wasm), "app");
  assert.equal(detectKind(tflite), "model");
  assert.equal(detectKind(Buffer.from("hello world")), undefined);
});

test("the key id is the little-endian first word of SHA-256 of the raw public key", () => {
  assert.equal(keyIdOf(Buffer.alloc(32)), createHash("sha256").update(Buffer.alloc(32)).digest().readUInt32LE(0));
});
