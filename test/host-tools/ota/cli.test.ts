// `wasmcu keys`, `wasmcu sign` and `wasmcu ota make/info` as a user runs them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { applyDelta } from "../../../host-tools/src/ota/delta.js";
import { parseImage } from "../../../host-tools/src/ota/image.js";
import { wasmcu } from "../../helpers/cli.js";
import { appPairs } from "./pairs.js";

test("keys new/list/export, sign and ota make work end to end from the command line", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-cli-"));
  const keys = path.join(dir, "keys");
  const k = ["--keys-dir", keys];
  let r = await wasmcu(["keys", "new", "dev", ...k, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const created = JSON.parse(r.stdout) as { keyId: string; publicKey: string };
  assert.equal(statSync(path.join(keys, "dev.key")).mode & 0o777, 0o600);

  r = await wasmcu(["keys", "list", ...k, "--json"]);
  // the store's key, then the development key sign --key wasmcu-dev uses
  const listed = JSON.parse(r.stdout) as { name: string; development: boolean }[];
  assert.deepEqual(listed[0], { name: "dev", keyId: created.keyId, publicKey: created.publicKey, private: true, development: false });
  assert.deepEqual(listed.slice(1).map((x) => [x.name, x.development]), [["wasmcu-dev", true]]);

  r = await wasmcu(["keys", "export", "--c-header", ...k]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`\\{0x${created.keyId}u, \\{0x${created.publicKey.slice(0, 2)},`));

  const apps = await appPairs();
  writeFileSync(path.join(dir, "v1.wasm"), apps.base);
  writeFileSync(path.join(dir, "v2.wasm"), apps.newFunction);
  for (const [v, c] of [["v1", "1"], ["v2", "2"]] as const) {
    r = await wasmcu(["sign", path.join(dir, `${v}.wasm`), "--key", "dev", ...k, "--version", `1.${c}.0`, "--counter", c]);
    assert.equal(r.code, 0, r.stderr);
  }
  const h = parseImage(readFileSync(path.join(dir, "v2.wimg")));
  assert.deepEqual([h.kind, h.securityCounter, h.version.minor, h.keyId.toString(16).padStart(8, "0")], ["app", 2, 2, created.keyId]);

  r = await wasmcu(["ota", "make", "--from", path.join(dir, "v1.wimg"), "--to", path.join(dir, "v2.wimg"), "-o", path.join(dir, "p.wdlt"), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const made = JSON.parse(r.stdout) as { patchBytes: number; newImageBytes: number };
  const patch = readFileSync(path.join(dir, "p.wdlt"));
  assert.equal(made.patchBytes, patch.length);
  assert.ok(applyDelta(readFileSync(path.join(dir, "v1.wimg")), patch).equals(readFileSync(path.join(dir, "v2.wimg"))));

  r = await wasmcu(["ota", "info", path.join(dir, "p.wdlt"), "--json"]);
  assert.equal((JSON.parse(r.stdout) as { type: string }).type, "patch");
});

test("sign refuses an unknown key and a file that is neither .wasm nor .tflite, with exit status 3 (bad input)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-cli-"));
  writeFileSync(path.join(dir, "x.bin"), "not a wasm");
  let r = await wasmcu(["sign", path.join(dir, "x.bin"), "--key", "nope", "--keys-dir", path.join(dir, "k")]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /neither a \.wasm nor a \.tflite/);
  writeFileSync(path.join(dir, "y.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  r = await wasmcu(["sign", path.join(dir, "y.wasm"), "--key", "nope", "--keys-dir", path.join(dir, "k")]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no key "nope"/);
});

test("wasmcu sign --key wasmcu-dev and wasmcu ota push|status against the host board", async () => {
  const { launchHostBoard } = await import("../../../host-tools/src/boards/launch.js");
  const { resolveBoard } = await import("../../../host-tools/src/boards/registry.js");
  const { hostBin } = await import("../../helpers/paths.js");
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-push-cli-"));
  const apps = await appPairs();
  writeFileSync(path.join(dir, "v1.wasm"), apps.base);
  writeFileSync(path.join(dir, "v2.wasm"), apps.constant);
  // The repository's development key, trusted by the default firmware (with a warning).
  let r = await wasmcu(["sign", path.join(dir, "v1.wasm"), "--key", "wasmcu-dev", "--version", "1.0.0", "--counter", "3", "-o", path.join(dir, "v1.wimg")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /public development key/);
  r = await wasmcu(["sign", path.join(dir, "v2.wasm"), "--key", "wasmcu-dev", "--version", "1.0.1", "--counter", "2", "-o", path.join(dir, "old.wimg")]);
  assert.equal(r.code, 0, r.stderr);
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), flashFile: path.join(dir, "flash.bin") });
  try {
    const port = ["--port", board.uartPath];
    r = await wasmcu(["ota", "push", path.join(dir, "v1.wimg"), ...port, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const pushed = JSON.parse(r.stdout) as { outcome: string; decision: { decision: string; version: string } };
    assert.deepEqual([pushed.outcome, pushed.decision.decision, pushed.decision.version], ["confirmed", "adopt", "1.0.0"]);

    r = await wasmcu(["ota", "push", path.join(dir, "old.wimg"), ...port]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rejected the update: security counter lower than the device's/);
    assert.match(r.stderr, /the running image was not touched/);

    r = await wasmcu(["ota", "status", ...port]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app\s+app_[ab]\s+confirmed\s+app 1\.0\.0 \(counter 3/);

    r = await wasmcu(["ota", "push", path.join(dir, "v1.wasm"), ...port]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /neither a signed image \(WOTA\) nor a delta patch/);
  } finally {
    await board.stop();
  }
});

test("keys list, keys export and sign agree on the development key wasmcu-dev (keys/dev/)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-devkey-"));
  const k = ["--keys-dir", path.join(dir, "empty-store")];
  let r = await wasmcu(["keys", "list", ...k]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wasmcu-dev \(development: public, keys\/dev\/\)\s+([0-9a-f]{8})/m);
  assert.match(r.stdout, /no keys of your own/);
  const id = /wasmcu-dev \(development[^)]*\)\s+([0-9a-f]{8})/.exec(r.stdout)![1]!;
  r = await wasmcu(["keys", "export", "wasmcu-dev", ...k]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^wasmcu-dev ${id} [0-9a-f]{64}$`, "m"));
  writeFileSync(path.join(dir, "a.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  r = await wasmcu(["sign", path.join(dir, "a.wasm"), "--key", "wasmcu-dev", ...k, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { keyId: string }).keyId, id);
  // exporting the whole store never takes the public development key along
  r = await wasmcu(["keys", "export", "--c-header", ...k]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no keys to export/);
});

test("-o - and an input of - : sign and ota info through pipes", async () => {
  const { spawnSync } = await import("node:child_process");
  const { repoRoot } = await import("../../helpers/paths.js");
  const bin = path.join(repoRoot, "host-tools/bin/wasmcu.js");
  const wasm = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const signed = spawnSync(process.execPath, [bin, "sign", "-", "--key", "wasmcu-dev", "-o", "-"], { input: wasm, cwd: mkdtempSync(path.join(os.tmpdir(), "wasmcu-pipe-")) });
  assert.equal(signed.status, 0, signed.stderr.toString());
  assert.equal(parseImage(signed.stdout).kind, "app");
  assert.match(signed.stderr.toString(), /signed app 0\.0\.0/); // the summary goes to stderr
  const info = spawnSync(process.execPath, [bin, "ota", "info", "-", "--json"], { input: signed.stdout });
  assert.equal(info.status, 0, info.stderr.toString());
  assert.equal((JSON.parse(info.stdout.toString()) as { type: string }).type, "image");
  const clash = spawnSync(process.execPath, [bin, "sign", "-", "--key", "wasmcu-dev", "-o", "-", "--json"], { input: wasm });
  assert.equal(clash.status, 2);
  assert.match(clash.stderr.toString(), /-o - writes the data to stdout: it cannot go with --json/);
});
