// Source-level traps end to end: apps with a planted bug (a division by zero, a StaticArray
// read past its end, unreachable() three calls deep) run on the host board, rp2040-sim and esp32c3-sim,
// and compiled ahead of time on rp2040-sim;
// the CLI names the app's own file and line, prints the trap once, exits non-zero, and
// --json carries the frames, which are the runtime's own (the frame offset is the one in
// the runtime's message). `deploy --port` and `monitor --port` find the debug info too.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { buildApp } from "../../../host-tools/src/build/app.js";
import { findDebugInfo, sha256Hex, symbolize, type SourceFrame } from "../../../host-tools/src/build/debuginfo.js";
import { DeviceLink, type LinkEvent } from "../../../host-tools/src/link/session.js";
import { openSerial } from "../../../host-tools/src/link/transport.js";
import { repoRoot } from "../../helpers/paths.js";
import { startLocalBoard, type LaunchedBoard } from "../../../host-tools/src/boards/launch.js";
import { resolveBoard } from "../../../host-tools/src/boards/registry.js";
import { wasmcu } from "../../helpers/cli.js";
import { noUartDropsTest } from "../../helpers/uart-drops.js";

// The debug-info cache of these runs is their own (the CLI inherits the environment).
const tmp = mkdtempSync(path.join(os.tmpdir(), "wasmcu-traps-"));
process.env.WASMCU_CACHE_DIR = path.join(tmp, "cache");

const appDir = (name: string) => path.join("test", "firmware", "device", "apps", `trap-${name}`);
const mainTs = (name: string) => path.join(appDir(name), "main.ts");

type Frame = SourceFrame;
interface TrapEvent {
  kind: "trap";
  context: string;
  depth: number;
  message: string;
  frames: Frame[];
}

function events(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function trapOf(evs: Record<string, unknown>[]): TrapEvent {
  const traps = evs.filter((e) => e.kind === "trap") as unknown as TrapEvent[];
  assert.equal(traps.length, 1, `one trap event: ${JSON.stringify(evs)}`);
  return traps[0]!;
}

/** The innermost frame is where the runtime's message says it trapped. */
function assertRuntimeFrames(evs: Record<string, unknown>[], trap: TrapEvent): void {
  const state = evs.find((e) => e.kind === "app" && e.state === "trapped") as { detail: string } | undefined;
  assert.ok(state, "an app trapped state after the trap");
  const m = /in function (\d+) at offset 0x([0-9a-f]+)/.exec(state.detail);
  if (m) assert.deepEqual([trap.frames[0]!.func, trap.frames[0]!.offset], [Number(m[1]), parseInt(m[2]!, 16)], state.detail);
}

// The interpreter on every board, and AOT code (`run --engine aot`: the app as a .waot) on rp2040-sim.
const runs = [["host", "interp"], ["rp2040-sim", "interp"], ["esp32c3-sim", "interp"], ["rp2040-sim", "aot"]] as const;
for (const [board, engine] of runs) {
  describe(`traps on ${board}${engine === "aot" ? ", AOT" : ""}`, { timeout: 600_000 }, () => {
    const run = (app: string, json: boolean) =>
      wasmcu(["run", "--board", board, "--engine", engine, "--app", appDir(app), "--for", "120", "--speed", "max", "--no-trace-gpio",
        "--flash", path.join(tmp, `${board}-${engine}-${app}-${json}.bin`), ...(json ? ["--json"] : [])], { timeoutMs: 400_000 });

    test("a division by zero names the app's file and line, once, and run exits non-zero", async () => {
      const r = await run("divide", false);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^trap: integer divide by zero$/m);
      // readSample() is inlined into loop() by the optimizer: the line is readSample's, and says so
      assert.match(r.stdout, new RegExp(`^    at readSample \\(${mainTs("divide").replaceAll("/", "\\/")}:8:10\\), inlined into loop$`, "m"), r.stdout);
      assert.equal(r.stdout.split("integer divide by zero").length - 1, 1, `the trap is printed once:\n${r.stdout}`);
      assert.doesNotMatch(r.stdout, /in function \d+ at offset/, "the source line replaces the wasm location");
    });

    test("--json carries the division's frames as the runtime saw them", async () => {
      const r = await run("divide", true);
      assert.equal(r.code, 1, r.stderr);
      const evs = events(r.stdout);
      const trap = trapOf(evs);
      assert.equal(trap.context, "loop");
      assert.equal(trap.depth, trap.frames.length);
      assert.deepEqual(trap.frames.map((f) => [f.name, f.file, f.line, f.inlinedInto]), [["readSample", mainTs("divide"), 8, "loop"]]);
      assertRuntimeFrames(evs, trap);
    });

    test("an out-of-range StaticArray index is shown at the app's line that indexed, not in ~lib", async () => {
      const r = await run("index", true);
      assert.equal(r.code, 1, r.stderr);
      const trap = trapOf(events(r.stdout));
      assert.match(trap.message, /Index out of range/);
      const user = trap.frames.find((f) => !f.library);
      assert.ok(user, JSON.stringify(trap.frames));
      assert.deepEqual([user.name, user.file, user.line], ["loop", mainTs("index"), 13]);
    });

    // AOT code reports the trapping frame only: its callers' frames would need a walk of the
    // native stack, which the AOT runtime does not make yet
    const deepFrames = engine === "aot" ? ["inner 7"] : ["inner 7", "middle 13", "outer 18", "loop 28"];
    test(`unreachable three calls deep lists ${engine === "aot" ? "the innermost frame" : "every frame, innermost first"}`, async () => {
      const r = await run("deep", true);
      assert.equal(r.code, 1, r.stderr);
      const evs = events(r.stdout);
      const trap = trapOf(evs);
      assert.match(trap.message, /^unreachable/);
      assert.deepEqual(trap.frames.map((f) => `${f.name} ${f.file}:${f.line}`), deepFrames.map((s) => s.replace(" ", ` ${mainTs("deep")}:`)));
      assertRuntimeFrames(evs, trap);
    });
  });
}

describe("traps over --port", { timeout: 600_000 }, () => {
  const boards: LaunchedBoard[] = [];
  after(async () => {
    for (const b of boards) await b.stop();
  });

  test("deploy --port shows a trap at the app's source line and exits non-zero", async () => {
    const board = await startLocalBoard(resolveBoard("host"), { flashFile: path.join(tmp, "port-deploy.bin") });
    boards.push(board);
    const r = await wasmcu(["deploy", "--board", "host", "--port", board.uartPath, "--app", appDir("deep"), "--logs", "3"], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^trap: unreachable$/m);
    assert.match(r.stdout, new RegExp(`^    at inner \\(${mainTs("deep").replaceAll("/", "\\/")}:7:14\\)$`, "m"), r.stdout);
  });

  test("a CALL whose export traps sends the call stack too, and the call fails with the runtime's message", async () => {
    const wasm = (await buildApp(appDir("deep"))).wasm;
    const target = resolveBoard("host");
    const board = await startLocalBoard(target, { app: wasm, flashFile: path.join(tmp, "port-call.bin") });
    boards.push(board);
    const link = new DeviceLink(await openSerial(board.uartPath, target.board.serial.baud));
    const traps: LinkEvent[] = [];
    link.onEvent((e) => {
      if (e.kind === "trap") traps.push(e);
    });
    try {
      await link.connect();
      await assert.rejects(link.call("check"), /unreachable in function \d+ at offset/);
    } finally {
      await link.close();
    }
    const t = traps.find((e) => e.kind === "trap" && e.context === "call");
    assert.ok(t && t.kind === "trap", JSON.stringify(traps));
    const info = findDebugInfo(sha256Hex(readFileSync(wasm)), wasm);
    assert.deepEqual(symbolize(info, t.frames, repoRoot).map((f) => `${f.name}:${f.line}`), ["inner:7", "check:34"]);
  });

  test("monitor --port finds the running app's debug info by its hash", async () => {
    const wasm = (await buildApp(appDir("divide"))).wasm;
    const board = await startLocalBoard(resolveBoard("host"), { app: wasm, flashFile: path.join(tmp, "port-monitor.bin") });
    boards.push(board);
    const r = await wasmcu(["monitor", "--board", "host", "--port", board.uartPath, "--for", "4", "--json"], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const trap = trapOf(events(r.stdout));
    assert.deepEqual(trap.frames.map((f) => [f.name, f.file, f.line]), [["readSample", mainTs("divide"), 8]]);
  });
});

test("run and deploy --help say they exit non-zero after a trap", async () => {
  for (const cmd of ["run", "deploy"]) {
    const r = await wasmcu([cmd, "--help"]);
    assert.match(r.stdout, /traps?[\s\S]*exits? with status 1/, `${cmd} --help:\n${r.stdout}`);
  }
});

noUartDropsTest();
