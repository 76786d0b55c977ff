// wasmcu-vm as a command: argument parsing, result printing, exit codes,
// limits and statistics, and the benchmark modules' checksums.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { compileImage } from "../../../host-tools/src/aot/image.ts";
import { hostBin, repoRoot, sharedDir } from "../../helpers/paths.ts";

const vm = hostBin("wasmcu-vm");
const wat2wasm = (text: string): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-vm-"));
  const wat = path.join(dir, "m.wat"), wasm = path.join(dir, "m.wasm");
  writeFileSync(wat, text);
  const r = spawnSync("wat2wasm", [wat, "-o", wasm], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return wasm;
};
const run = (...args: string[]) => spawnSync(vm, args, { encoding: "utf8", timeout: 60_000 });

const calc = wat2wasm(`(module
  (func (export "_start") (result i32) (i32.const 42))
  (func (export "add") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (i32.add (local.get 0) (i32.const 1)) (i64.mul (local.get 1) (i64.const 2))
    (f32.mul (local.get 2) (f32.const 0.5)) (f64.div (local.get 3) (f64.const 0)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "spin") (loop (br 0)))
  (func (export "crash") (unreachable))
  (memory 1) (func (export "poke") (param i32) (i32.store (local.get 0) (i32.const 1))))`);

test("runs _start by default and prints TYPE:value lines", () => {
  const r = run(calc);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "i32:42\n");
});

test("--func passes arguments converted to the parameter types", () => {
  const r = run("--func", "add", calc, "-5", "-9223372036854775807", "3", "1");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "i32:-4\ni64:2\nf32:1.5\nf64:inf\n");
  assert.equal(run("--func", "add", calc, "0x10", "4294967296", "1e3", "-2").stdout, "i32:17\ni64:8589934592\nf32:500\nf64:-inf\n");
  assert.equal(run("--func", "add", calc, "0", "0", "3e20", "-0").stdout.replace("-nan", "nan"), "i32:1\ni64:0\nf32:1.5e+20\nf64:nan\n");
  assert.equal(run("--func", "nan", calc).stdout.replace("-", ""), "f32:nan\n");
});

test("bad arguments, missing exports and bad modules exit 2 with a message", () => {
  let r = run("--func", "add", calc, "1", "2", "x", "4");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /argument 3 \(x\) is not a valid f32/);
  r = run("--func", "add", calc, "1");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /takes 4 arguments/);
  r = run("--func", "nothing", calc);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no exported function: nothing/);
  r = run(path.join(repoRoot, "package.json"));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /malformed module: magic header not detected/);
});

test("a trap exits 1 and says what and where", () => {
  const r = run("--func", "crash", calc);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /trap: unreachable in function 4 at offset 0x[0-9a-f]+/);
});

test("--fuel stops a runaway loop with a distinct reason", () => {
  const r = run("--fuel", "1000", "--func", "spin", calc);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /out of fuel/);
});

test("--max-memory below one page backs only that many bytes", () => {
  assert.equal(run("--max-memory", "1000", "--func", "poke", calc, "996").status, 0);
  const r = run("--max-memory", "1000", "--func", "poke", calc, "997");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /out of bounds memory access/);
});

test("--stats reports side-table, memory and stack sizes on stderr", () => {
  const r = run("--stats", "--stack", "1000", "--func", "spin", "--fuel", "5", calc);
  assert.match(r.stderr, /side table: 1 entries, 12 bytes/);
  assert.match(r.stderr, /linear memory: 65536 bytes \(1 pages\)/);
  assert.match(r.stderr, /value stack: 8000 bytes/);
  assert.match(r.stderr, /fuel used: 5/);
});

test("--help documents the result format and the options", () => {
  const r = run("--help");
  assert.equal(r.status, 0);
  for (const s of ["TYPE:VALUE", "--func", "--max-memory", "--stack", "--fuel", "--stats", "--repl"]) assert.ok(r.stdout.includes(s), s);
});

test("--repl answers one line per command, values as TYPE:BITS", () => {
  const input = [`module ${calc}`, "invoke add i32:1 i64:2 f32:1065353216 f64:4607182418800017408", 'invoke "_start"', "invoke crash",
    "get nothing", "bogus", "reset", "invoke add"].join("\n") + "\n";
  const r = spawnSync(vm, ["--repl"], { input, encoding: "utf8" });
  assert.deepEqual(r.stdout.trim().split("\n"), [
    "ok",
    "result i32:2 i64:4 f32:1056964608 f64:9218868437227405312",
    "result i32:42",
    `trap: unreachable in function 4 at offset ${/0x[0-9a-f]+/.exec(r.stdout)?.[0]}`,
    "error usage: no exported global nothing",
    "error usage: unknown command bogus",
    "ok",
    "error usage: no current module",
  ]);
});

// /work/shared/bench-wasm: the fast ones here, the heavy ones in npm run bench
for (const [name, checksum] of [["empty", 0x2a], ["fib", 46368], ["matvec_r10", 0x5b168021]] as const) {
  test(`bench-wasm ${name}.wasm returns its published checksum`, () => {
    const r = run("--func", "run", path.join(sharedDir, "bench-wasm", `${name}.wasm`));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `i32:${checksum | 0}\n`);
  });
}

test("an AOT image on a target without ARMv6 Thumb (this host) is refused as not supported, nothing run", () => {
  const waot = path.join(path.dirname(calc), "calc.waot");
  writeFileSync(waot, compileImage(new Uint8Array(readFileSync(calc))));
  const r = run(waot);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^wasmcu-vm: not supported: AOT code is ARMv6-M Thumb: not supported on this target\n$/);
});
