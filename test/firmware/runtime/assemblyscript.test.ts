// AssemblyScript apps run unchanged: as/programs.ts compiled by asc with each
// of its runtimes (stub, minimal, incremental; default features) gives the
// same result in wasmcu-vm as in Node's WebAssembly, and an assertion failure
// comes out as env.abort's message and a trap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { hostBin, repoRoot } from "../../helpers/paths.ts";

const vm = hostBin("wasmcu-vm");
const asc = path.join(repoRoot, "node_modules", ".bin", "asc");
const source = path.join(repoRoot, "test", "firmware", "runtime", "as", "programs.ts");
// compiled in a temporary directory: asc must not pick up the repo's asconfig.json
const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-as-"));

// export, argument, and how Node's result is printed by wasmcu-vm
const cases: [string, string][] = [
  ["fib", "20"], ["sumSquares", "100000"], ["floatMath", "10.5"], ["floatMath", "-7.25"],
  ["stringWork", "300"], ["arrayWork", "1000"], ["mapWork", "2000"], ["bytes", "4096"],
  ["convert", "3.7"], ["convert", "-1e30"], ["objects", "500"], ["fails", "3"],
];

function nodeResult(exports: WebAssembly.Exports, name: string, arg: string): string {
  const f = exports[name] as (x: number | bigint) => number | bigint;
  const v = f(Number(arg));
  if (typeof v === "bigint") return `i64:${v}`;
  // the programs' float exports return f64, their int exports i32
  return ["floatMath", "objects"].includes(name) ? `f64:${v}` : `i32:${v}`;
}

function sameValue(vmLine: string, nodeLine: string): boolean {
  if (vmLine === nodeLine) return true;
  const [t1, a] = vmLine.split(":"), [t2, b] = nodeLine.split(":");
  return t1 !== undefined && t1 === t2 && t1.startsWith("f") && Object.is(Number(a), Number(b));
}

for (const runtime of ["stub", "minimal", "incremental"]) {
  test(`AssemblyScript --runtime ${runtime}: results equal Node's WebAssembly`, async () => {
    const wasm = path.join(out, `programs-${runtime}.wasm`);
    const c = spawnSync(asc, [source, "-O3", "--runtime", runtime, "-o", wasm], { cwd: out, encoding: "utf8" });
    assert.equal(c.status, 0, c.stderr);
    const abort = () => { throw new Error("abort"); };
    const { instance } = await WebAssembly.instantiate(readFileSync(wasm), { env: { abort, seed: () => 0, trace: () => {} } });
    for (const [name, arg] of cases) {
      const r = spawnSync(vm, ["--func", name, wasm, arg], { encoding: "utf8" });
      assert.equal(r.status, 0, `${name}(${arg}): ${r.stderr}`);
      const want = nodeResult(instance.exports, name, arg);
      assert.ok(sameValue(r.stdout.trim(), want), `${name}(${arg}): wasmcu-vm ${r.stdout.trim()}, Node ${want}`);
    }
    const r = spawnSync(vm, ["--func", "fails", wasm, "12"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /abort: x must be below 10 at .*programs\.ts:\d+:\d+/);
    assert.throws(() => (instance.exports.fails as (x: number) => number)(12));
  });
}

test("AssemblyScript --lowMemoryLimit runs in less than one page of memory", () => {
  const wasm = path.join(out, "low.wasm");
  const c = spawnSync(asc, [source, "-O3", "--runtime", "stub", "--lowMemoryLimit", "16384", "-o", wasm], { cwd: out, encoding: "utf8" });
  assert.equal(c.status, 0, c.stderr);
  const r = spawnSync(vm, ["--max-memory", "16384", "--stats", "--func", "arrayWork", wasm, "100"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /linear memory: 16384 bytes \(1 pages\)/);
  const big = spawnSync(vm, ["--max-memory", "16384", "--func", "arrayWork", wasm, "100000"], { encoding: "utf8" });
  assert.equal(big.status, 1);
  assert.match(big.stderr, /trap: /);
});
