import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cKeyTable, KeyStore, keysDir } from "../../../host-tools/src/ota/keys.js";

const fresh = () => new KeyStore(path.join(mkdtempSync(path.join(os.tmpdir(), "wasmcu-keys-")), "store"));

test("a new key's private file is mode 0600 and the store lists it with its id", () => {
  const store = fresh();
  const k = store.create("release");
  assert.equal(statSync(k.privatePath).mode & 0o777, 0o600);
  assert.equal(statSync(store.dir).mode & 0o777, 0o700);
  assert.deepEqual(store.list().map((x) => [x.name, x.keyId, x.rawPublicKey.length]), [["release", k.keyId, 32]]);
  assert.equal(store.privateKey("release").asymmetricKeyType, "ed25519");
});

test("keys are never overwritten, and bad names are refused", () => {
  const store = fresh();
  store.create("a");
  assert.throws(() => store.create("a"), /already exists/);
  assert.throws(() => store.create("../evil"), /key name/);
  assert.throws(() => store.get("missing"), /no key "missing".*/);
});

test("a private key readable by others is refused, like ssh does", () => {
  const store = fresh();
  const k = store.create("loose");
  chmodSync(k.privatePath, 0o644);
  assert.throws(() => store.privateKey("loose"), /readable by others/);
});

test("the key store directory comes from the flag, then WASMCU_KEYS_DIR, then ~/.wasmcu/keys", () => {
  const saved = process.env.WASMCU_KEYS_DIR;
  try {
    process.env.WASMCU_KEYS_DIR = "/tmp/env-keys";
    assert.equal(keysDir("/tmp/flag-keys"), "/tmp/flag-keys");
    assert.equal(keysDir(), "/tmp/env-keys");
    delete process.env.WASMCU_KEYS_DIR;
    assert.equal(keysDir(), path.join(os.homedir(), ".wasmcu", "keys"));
  } finally {
    if (saved === undefined) delete process.env.WASMCU_KEYS_DIR;
    else process.env.WASMCU_KEYS_DIR = saved;
  }
});

test("the C key table holds each key's id and 32 public-key bytes", () => {
  const store = fresh();
  const a = store.create("a"), b = store.create("b");
  const c = cKeyTable(store.list(), "keys");
  for (const k of [a, b]) {
    assert.ok(c.includes(`{0x${k.keyId.toString(16).padStart(8, "0")}u, {0x${k.rawPublicKey[0]!.toString(16).padStart(2, "0")},`));
    const bytes = [...c.split(`/* ${k.name} */`)[1]!.matchAll(/0x([0-9a-f]{2})\b/g)].slice(0, 32).map((m) => parseInt(m[1]!, 16));
    assert.deepEqual(bytes, [...k.rawPublicKey]);
  }
  assert.match(c, /static const ota_keyring keys_ring = \{keys, sizeof keys \/ sizeof keys\[0\]\};/);
  assert.throws(() => cKeyTable([], "keys"), /no keys/);
});
