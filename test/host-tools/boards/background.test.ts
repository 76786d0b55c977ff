// Local boards in the background (`wasmcu board start|list|stop`): started by one command,
// reached by name from others (deploy, model run, monitor), listed by name in `wasmcu ports`,
// stopped with nothing left running; stale state files cleaned; on host, rp2040-sim and esp32c3-sim.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { EXIT } from "../../../host-tools/src/lib/exit-codes.js";
import { boardsCli } from "../../helpers/cli.js";
import { sharedDir } from "../../helpers/paths.js";

const { dir, wasmcu } = boardsCli("wasmcu-boards-", { timeoutMs: 300_000 });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

interface Entry { name: string; board: string; port: string; pid: number; boardPid: number }
interface PortRow { path: string; name?: string; board?: string; inUseBy?: string[] }

for (const board of ["host", "rp2040-sim", "esp32c3-sim"]) {
  const name = `bg-${board}`;
  test(`board start ${board}: runs in the background, listed by name in ports, deploy and model run reach it by name, board stop ends it`, async () => {
    const s = await wasmcu(["board", "start", name, "--board", board, "--json"]);
    assert.equal(s.code, 0, s.stderr);
    const entry = JSON.parse(s.stdout) as Entry;
    assert.equal(entry.name, name);
    assert.equal(entry.board, board);
    assert.match(entry.port, /^\/dev\/pts\/\d+$/);
    assert.ok(alive(entry.pid) && alive(entry.boardPid), "the board is not running after start returned");

    const list = await wasmcu(["board", "list", "--json"]);
    assert.deepEqual((JSON.parse(list.stdout) as Entry[]).map((e) => [e.name, e.port]), [[name, entry.port]]);
    // Listed by name, its own processes not counted as users of the port (nobody holds it).
    const ports = JSON.parse((await wasmcu(["ports", "--json"])).stdout) as PortRow[];
    const row = ports.find((p) => p.path === entry.port);
    assert.ok(row, `${entry.port} is not in wasmcu ports: ${JSON.stringify(ports)}`);
    assert.equal(row.name, name);
    assert.equal(row.board, board);
    assert.equal(row.inUseBy, undefined, `the idle board's port is shown in use: ${row.inUseBy?.join(", ")}`);
    const human = await wasmcu(["ports"]);
    assert.match(human.stdout, new RegExp(`^${entry.port.replace(/\//g, "\\/")}\\s+${name}\\s`, "m"));

    // Another command, by name; the board kind comes from the name (no --board).
    const d = await wasmcu(["deploy", "--port", name, "--app", "blink", "--logs", "3", "--json"]);
    assert.equal(d.code, 0, d.stderr);
    const dj = JSON.parse(d.stdout) as { port: string; events: { kind: string; text?: string }[] };
    assert.equal(dj.port, entry.port);
    assert.ok(dj.events.some((e) => e.kind === "log" && /^blink: started/.test(e.text ?? "")), JSON.stringify(dj.events));
    // And again, the board still there for the next command: a model run, its figures labelled by the board's kind.
    const model = path.join(sharedDir, "reference-models", "hello_world_int8");
    const m = await wasmcu(["model", "run", path.join(model, "model.tflite"), "--port", name, "-i", path.join(model, "in_0.in0.bin"), "-o", path.join(dir, "hw"), "--json"]);
    assert.equal(m.code, 0, m.stderr);
    const mj = JSON.parse(m.stdout) as { board: string; note: string };
    assert.equal(mj.board, board);
    if (board !== "host") assert.match(mj.note, /emulated/);
    assert.deepEqual(readFileSync(path.join(dir, "hw.out0.bin")), readFileSync(path.join(model, "out_0.out0.bin")));
    // An emulator without --port: the one running emulated board of that kind is the default (host boards
    // are also found by their processes, and other tests on this machine may run some).
    const mon = await wasmcu(["monitor", ...(board === "host" ? ["--port", name] : ["--board", board]), "--for", "3", "--json"]);
    assert.equal(mon.code, 0, mon.stderr);

    const stop = await wasmcu(["board", "stop", name]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`^stopped ${name} `, "m"));
    assert.ok(!alive(entry.pid), "the background process outlived board stop");
    assert.ok(!alive(entry.boardPid), "the board outlived board stop");
    assert.ok(!existsSync(path.join(dir, `${name}.json`)), "the state file is left");
    assert.deepEqual(JSON.parse((await wasmcu(["board", "list", "--json"])).stdout), []);
    // Its flash is kept for the next start under that name.
    assert.ok(existsSync(path.join(dir, `${name}-flash.bin`)));
  });
}

test("board names: a bad name is usage (2), an unknown one a device error naming it (4), a stale entry is cleaned", async () => {
  const bad = await wasmcu(["board", "start", "../x"]);
  assert.equal(bad.code, EXIT.USAGE, bad.stderr);
  assert.match(bad.stderr, /bad board name "\.\.\/x"/);
  const unknown = await wasmcu(["deploy", "--port", "nosuchboard", "--app", "blink"]);
  assert.equal(unknown.code, EXIT.DEVICE, unknown.stderr);
  assert.match(unknown.stderr, /no local board named nosuchboard is running/);
  const stopUnknown = await wasmcu(["board", "stop", "nosuchboard"]);
  assert.equal(stopUnknown.code, EXIT.DEVICE, stopUnknown.stderr);
  // A board whose process died without cleaning up (pid 2**22 + 1 is above Linux's pid limit).
  writeFileSync(path.join(dir, "ghost.json"), JSON.stringify({ name: "ghost", board: "host", port: "/dev/pts/999", pid: 4194305, boardPid: 4194306 }));
  const list = await wasmcu(["board", "list"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /no local boards running/);
  assert.ok(!existsSync(path.join(dir, "ghost.json")), "the stale entry was not removed");
  const ports = JSON.parse((await wasmcu(["ports", "--json"])).stdout) as PortRow[];
  assert.ok(!ports.some((p) => p.name === "ghost"));
});
