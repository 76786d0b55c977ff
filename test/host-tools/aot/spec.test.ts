// The WebAssembly 2.0 spec suite through the AOT engine (each module compiled to Thumb, run on
// the emulated Cortex-M0+): nothing fails; commands on modules the AOT path does not run are
// counted skipped with their reason, never passed. Counts come from the runner.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { answer, tokens } from "../../../host-tools/src/aot/repl.js";
import { AotSpecSession } from "../../../host-tools/src/aot/spec-session.js";
import { runSpecSuite } from "../../../host-tools/src/aot/spec-suite.js";

const pack = path.resolve(import.meta.dirname, "../../../../shared/wasm-spec");

test("the spec suite through the AOT engine: 0 failed, the skipped counted apart", (t) => {
  const files = readdirSync(pack).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  const r = runSpecSuite(pack, files);
  t.diagnostic(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  assert.deepEqual(r.files.flatMap((f) => f.failures), []);
  assert.equal(r.failed, 0);
  assert.ok(r.passed > 5000, `only ${r.passed} passed`);
});

test("the AOT REPL speaks the spec-repl-runner protocol, and says skipped with a reason", () => {
  assert.deepEqual(tokens(`invoke "$M" "a b" i32:1`), ["invoke", "$M", "a b", "i32:1"]);
  const s = new AotSpecSession();
  assert.equal(answer(s, `module ${JSON.stringify(path.join(pack, "i32.0.wasm"))} $I`), "ok");
  assert.equal(answer(s, `invoke "add" i32:1 i32:4294967295`), "result i32:0");
  assert.equal(answer(s, `invoke $I "div_s" i32:1 i32:0`), "trap: integer divide by zero");
  assert.match(answer(s, `module ${JSON.stringify(path.join(pack, "binary.4.wasm"))}`), /^error (malformed|invalid): /);
  assert.equal(answer(s, `module ${JSON.stringify(path.join(pack, "i64.0.wasm"))}`), "ok");
  assert.equal(answer(s, `invoke "add" i64:4294967295 i64:1`), "result i64:4294967296");
  assert.equal(answer(s, `invoke "div_s" i64:9223372036854775808 i64:18446744073709551615`), "trap: integer overflow");
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-aot-spec-"));
  try {
    writeFileSync(path.join(dir, "t.wat"), `(module
      (type $i (func (result i32))) (type $j (func (param i32) (result i32)))
      (table 3 funcref) (elem (i32.const 0) $seven $id)
      (func $seven (result i32) (i32.const 7)) (func $id (param i32) (result i32) (local.get 0))
      (func (export "callt") (param i32) (result i32) (call_indirect (type $i) (local.get 0))))`);
    execFileSync("wat2wasm", [path.join(dir, "t.wat"), "-o", path.join(dir, "t.wasm")]);
    assert.equal(answer(s, `module ${JSON.stringify(path.join(dir, "t.wasm"))}`), "ok");
    assert.equal(answer(s, `invoke "callt" i32:0`), "result i32:7");
    assert.equal(answer(s, `invoke "callt" i32:1`), "trap: indirect call type mismatch");
    assert.equal(answer(s, `invoke "callt" i32:2`), "trap: uninitialized element");
    assert.equal(answer(s, `invoke "callt" i32:3`), "trap: undefined element");
    writeFileSync(path.join(dir, "r.wat"), `(module (table 1 funcref) (func (export "size") (result i32) (table.size 0)))`);
    execFileSync("wat2wasm", [path.join(dir, "r.wat"), "-o", path.join(dir, "r.wasm")]);
    assert.match(answer(s, `module ${JSON.stringify(path.join(dir, "r.wasm"))}`), /^skipped: refused by the compiler: function 0, byte \d+: opcode 0xfc 16/);
    assert.match(answer(s, `invoke "size"`), /^skipped: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(answer(s, "reset"), "ok");
});
