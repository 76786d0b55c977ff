// A product build of the host board: its own OTA key compiled in (-DWASMCU_OTA_KEYS) and
// -DWASMCU_OTA_REQUIRE_SIGNED=ON. It never runs a development image, refuses development
// deploys and images signed with the public development key, and adopts one signed
// with its own key.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchHostBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { otaStatus, parseUpdateFile, pushUpdate } from "../../../host-tools/src/workflows/ota-push.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { cKeyTable, rawPublicKey } from "../../../host-tools/src/ota/keys.js";
import { keyIdOf } from "../../../host-tools/src/ota/image.js";
import { repoRoot } from "../../helpers/paths.js";
import { sign, updatableApp, type Signer } from "../../helpers/ota.js";

const buildDir = path.resolve(repoRoot, process.env.WASMCU_HOST_PRODUCT_BUILD ?? "build/host-product");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-product-"));
let board: LaunchedBoard;
let link: DeviceLink;
const events: LinkEvent[] = [];
let product: Signer;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
}

before(async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  product = { privateKey, raw: rawPublicKey(publicKey) };
  mkdirSync(buildDir, { recursive: true });
  // A fresh key each run: only the one file that includes the table recompiles.
  const keys = path.join(buildDir, "product_keys.h");
  writeFileSync(keys, cKeyTable([{ name: "product", keyId: keyIdOf(product.raw), rawPublicKey: product.raw, hasPrivate: true, privatePath: "" }]));
  if (!existsSync(path.join(buildDir, "CMakeCache.txt"))) {
    run("cmake", ["-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=host", `-DWASMCU_OTA_KEYS=${keys}`, "-DWASMCU_OTA_REQUIRE_SIGNED=ON"]);
  }
  run("cmake", ["--build", buildDir, "-j2", "--target", "wasmcu-host"]);
  const dev = path.join(tmp, "dev.wasm");
  writeFileSync(dev, await updatableApp("dev", "confirms"));
  board = await launchHostBoard(resolveBoard("host"), { firmware: path.join(buildDir, "bin", "wasmcu-host"), app: dev, flashFile: path.join(tmp, "flash.bin") });
  link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 3000 });
  link.onEvent((e) => events.push(e));
  await link.connect(20_000);
});

after(async () => {
  await link?.close();
  await board?.stop();
});

test("a product build does not run the development image in its slot, and refuses development deploys", async () => {
  const info = await link.info();
  assert.equal(info.app, null);
  assert.equal(info.app_state, 0); // no app
  assert.deepEqual((await otaStatus(link)).keys, [keyIdOf(product.raw).toString(16).padStart(8, "0")]);
  await assert.rejects(deploy(link, { app: await updatableApp("dev2", "confirms") }), /unsigned deploys are refused/);
});

test("a product build refuses images signed with the development key and adopts its own", async () => {
  const app = await updatableApp("p1", "confirms");
  await assert.rejects(pushUpdate(link, parseUpdateFile(sign(app, 1), "dev-signed")), /unknown key id/);
  const r = await pushUpdate(link, parseUpdateFile(sign(app, 1, { signer: product }), "product-signed"), { confirmTimeoutMs: 10_000 });
  assert.deepEqual([r.decision.decision, r.outcome], ["adopt", "confirmed"]);
  const s = await otaStatus(link);
  assert.deepEqual([s.app.signed, s.app.version, s.app.key_id], [true, "1.1.0", keyIdOf(product.raw).toString(16).padStart(8, "0")]);
  assert.ok(events.some((e) => e.kind === "log" && e.text.startsWith("updatable p1")));
});
