// A board process whose parent dies without stopping it (the CLI killed, its output pipe
// closed) stops by itself instead of running on: the host board through the kernel's
// parent-death signal, rp2040-sim by noticing it was re-parented.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { missingToolchain } from "../../boards/rp2040/firmware.js";
import { hostBin, repoRoot, rp2040Elf } from "../../helpers/paths.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

// Running: its /proc entry exists and is not a zombie (a zombie nobody reaped yet has stopped
// running too). One read, so a process that ends between two checks is never taken for alive.
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

const killIfRunning = (pid: number) => {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // ended on its own meanwhile
  }
};

/**
 * Starts `cmd` from a Node process that waits until the board is up (its `uart:` line), then
 * exits without stopping it, as a killed CLI would; returns the board's pid.
 */
function orphan(cmd: string[]): number {
  const script = `
    const { spawn } = require("node:child_process");
    const [file, ...args] = JSON.parse(process.argv[1]);
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (/^uart: /m.test(out)) { process.stdout.write(String(child.pid)); process.exit(0); }
    });
    setTimeout(() => process.exit(1), 60000);`;
  const r = spawnSync(process.execPath, ["-e", script, JSON.stringify(cmd)], { encoding: "utf8", timeout: 90_000 });
  return Number(r.stdout.trim());
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

test("a host board whose parent is gone stops", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-orphan-host-"));
  const pid = orphan([hostBin("wasmcu-host"), "--flash", path.join(dir, "flash.bin")]);
  assert.ok(pid > 0);
  const stopped = await gone(pid, 10_000);
  if (!stopped) killIfRunning(pid);
  assert.ok(stopped, "wasmcu-host still running 10 s after its parent exited");
});

test("rp2040-sim whose parent is gone stops", { skip: missingToolchain() }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-orphan-sim-"));
  const pid = orphan([process.execPath, "--import", "tsx", path.join(repoRoot, "host-tools/src/sim/main.ts"), "--image", rp2040Elf(),
    "--flash-file", path.join(dir, "flash.bin"), "--speed", "max", "--quiet"]);
  assert.ok(pid > 0);
  const stopped = await gone(pid, 30_000);
  if (!stopped) killIfRunning(pid);
  assert.ok(stopped, "rp2040-sim still running 30 s after its parent exited");
});

noUartDropsTest(missingToolchain());
