// AOT code is native code, so a board that runs signed images only runs signed AOT images
// only: an rp2040 firmware built with -DWASMCU_OTA_REQUIRE_SIGNED=ON (the default development
// key trusted) on rp2040-sim never starts a .waot from a development slot, refuses a
// development deploy of one, and runs one that comes signed (from its signed slot, in place).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildAppImage } from "../../../host-tools/src/build/aot.js";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { deploy } from "../../../host-tools/src/workflows/deploy.js";
import { parseUpdateFile, pushUpdate } from "../../../host-tools/src/workflows/ota-push.js";
import { sign, updatableApp } from "../../helpers/ota.js";
import { repoRoot } from "../../helpers/paths.js";
import { launchTestBoard, rp2040Sim, type SimBoard } from "../../helpers/sim-boards.js";

const buildDir = path.resolve(repoRoot, process.env.WASMCU_RP2040_SIGNED_ONLY_BUILD ?? "build/rp2040-signed-only");
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-rp2040-signed-only-"));
let board: LaunchedBoard;
let link: DeviceLink;
const logs: string[] = [];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
}

before(async () => {
  mkdirSync(buildDir, { recursive: true });
  run("cmake", ["-S", repoRoot, "-B", buildDir, "-DWASMCU_BOARD=rp2040", "-DCMAKE_BUILD_TYPE=Release", "-DWASMCU_OTA_REQUIRE_SIGNED=ON"]);
  run("cmake", ["--build", buildDir, "--parallel", "2", "--target", "wasmcu-rp2040"]);
  const product: SimBoard = { ...rp2040Sim(), firmware: () => path.join(buildDir, "bin", "wasmcu-rp2040.elf") };
  const blink = buildAppImage((await buildApp("blink")).wasm).waot;
  // a .waot programmed into a development slot, as a programmer (or an attacker with flash access) could
  board = await launchTestBoard(product, path.join(tmp, "flash.bin"), { app: blink });
  link = new DeviceLink(await openSerial(board.uartPath, 115200), { timeoutMs: 5000, attempts: 3 });
  link.onEvent((e: LinkEvent) => {
    if (e.kind === "log") logs.push(e.text);
  });
  await link.connect(120_000);
});

after(async () => {
  await link?.close();
  await board?.stop();
});

test("a signed-only rp2040 build never starts the .waot in its development slot, and refuses a development deploy of one", async () => {
  const info = await link.info();
  assert.equal(info.app, null);
  assert.equal(info.app_state, 0); // no app
  assert.ok(!logs.some((l) => l.startsWith("blink")), logs.join("\n"));
  const blink = readFileSync(buildAppImage((await buildApp("blink")).wasm).waot);
  await assert.rejects(deploy(link, { app: blink }), /unsigned deploys are refused/);
  assert.equal((await link.info()).app, null);
});

test("a signed-only rp2040 build runs a signed .waot as AOT code", async () => {
  const wasm = path.join(tmp, "updatable.wasm");
  writeFileSync(wasm, await updatableApp("signed-aot", "confirms"));
  const waot = readFileSync(buildAppImage(wasm).waot);
  const r = await pushUpdate(link, parseUpdateFile(sign(waot, 1), "signed .waot"), { confirmTimeoutMs: 60_000 });
  assert.deepEqual([r.decision.decision, r.outcome], ["adopt", "confirmed"]);
  const app = (await link.info()).app as { engine: string; signed: boolean };
  assert.deepEqual([app.engine, app.signed], ["aot", true]);
  assert.ok(logs.some((l) => /^signed AOT app from app_[ab]: /.test(l)) && logs.some((l) => l.startsWith("updatable signed-aot state")), logs.join("\n"));
});
