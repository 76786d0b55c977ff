// wasmcu deploy as a user sees it: the progress lines end before any of the device's lines,
// which wait for the transfer and follow it (stdout and stderr merged, as on a terminal).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { launchHostBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { hostBin, repoRoot } from "../../helpers/paths.js";

/** Runs the CLI with stdout and stderr on one pipe, in the order they were written. */
function merged(args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    const sh = `exec "${process.execPath}" "${path.join(repoRoot, "host-tools/bin/wasmcu.js")}" "$@" 2>&1`;
    const child = spawn("sh", ["-c", sh, "sh", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
    child.on("close", (code) => resolve({ code: code ?? 1, text }));
  });
}

test("deploy: every progress line comes before the device's first line", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-deploy-cli-"));
  // blink logs twice a second: lines arrive while the new app is being written
  const board = await launchHostBoard(resolveBoard("host"), { firmware: hostBin("wasmcu-host"), app: (await buildApp("blink")).wasm, flashFile: path.join(tmp, "flash.bin") });
  try {
    const r = await merged(["deploy", "--app", "blink", "--port", board.uartPath, "--logs", "1"]);
    assert.equal(r.code, 0, r.text);
    const lines = r.text.split("\n");
    const lastProgress = lines.map((l) => /^deploy: \d+%/.test(l)).lastIndexOf(true);
    const firstDevice = lines.findIndex((l) => /^\[\s*\d+\.\d{3}\] (info|warn|error|debug)|^app /.test(l));
    assert.ok(lastProgress >= 0, r.text);
    assert.match(lines[lastProgress]!, /^deploy: 100%/);
    assert.ok(firstDevice > lastProgress, `a device line came before the transfer ended:\n${r.text}`);
  } finally {
    await board.stop();
  }
});
