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

test("the spec suite through the AOT engine: every runnable command passes, as in the interpreter", (t) => {
  const files = readdirSync(pack).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  const r = runSpecSuite(pack, files);
  t.diagnostic(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  assert.deepEqual(r.files.flatMap((f) => f.failures), []);
  // the interpreter's run: 27,437 runnable commands; the 581 text-format ones run nowhere
  assert.deepEqual({ passed: r.passed, failed: r.failed, skipped: r.skipped }, { passed: 27437, failed: 0, skipped: 581 });
  const reasons = new Set(r.files.flatMap((f) => [...f.skipReasons.keys()]));
  assert.deepEqual([...reasons], ["text-format module"]);
});

test("the AOT REPL speaks the spec-repl-runner protocol, and says skipped with a reason", () => {
  assert.deepEqual(tokens(`invoke "$M" "a b" i32:1`), ["invoke", "$M", "a b", "i32:1"]);
  const s = new AotSpecSession();
  assert.equal(answer(s, `module ${JSON.stringify(path.join(pack, "i32.0.wasm"))} $I`), "ok");
  assert.equal(answer(s, `invoke "add" i32:1 i32:4294967295`), "result i32:0");
  assert.match(answer(s, `invoke $I "div_s" i32:1 i32:0`), /^trap: integer divide by zero in function \d+ at offset 0x[0-9a-f]+$/);
  assert.match(answer(s, `module ${JSON.stringify(path.join(pack, "binary.4.wasm"))}`), /^error (malformed|invalid): /);
  // a stack exhaustion leaves the table behind the stack alone (its size was once overwritten)
  assert.equal(answer(s, `module ${JSON.stringify(path.join(pack, "call.0.wasm"))}`), "ok");
  assert.match(answer(s, `invoke "runaway"`), /^exhaustion: /);
  assert.match(answer(s, `invoke "as-call_indirect-last"`), /^trap: undefined element /);
  assert.equal(answer(s, `module ${JSON.stringify(path.join(pack, "i64.0.wasm"))}`), "ok");
  assert.equal(answer(s, `invoke "add" i64:4294967295 i64:1`), "result i64:4294967296");
  assert.match(answer(s, `invoke "div_s" i64:9223372036854775808 i64:18446744073709551615`), /^trap: integer overflow in function \d+ at offset 0x[0-9a-f]+$/);
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
    assert.match(answer(s, `invoke "callt" i32:1`), /^trap: indirect call type mismatch in function \d+ at offset 0x[0-9a-f]+$/);
    assert.match(answer(s, `invoke "callt" i32:2`), /^trap: uninitialized element in function \d+ at offset 0x[0-9a-f]+$/);
    assert.match(answer(s, `invoke "callt" i32:3`), /^trap: undefined element in function \d+ at offset 0x[0-9a-f]+$/);
    // a module the compiler refuses (SIMD): every command on it says skipped, with the reason
    writeFileSync(path.join(dir, "r.wat"), `(module (func (export "lane") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))`);
    execFileSync("wat2wasm", [path.join(dir, "r.wat"), "-o", path.join(dir, "r.wasm")]);
    assert.match(answer(s, `module ${JSON.stringify(path.join(dir, "r.wasm"))}`), /^skipped: refused by the compiler: function 0, byte \d+: opcode 0xfd/);
    assert.match(answer(s, `invoke "lane"`), /^skipped: /);
    // linking: a registered instance's function, mutable global, memory and table, shared
    writeFileSync(path.join(dir, "a.wat"), `(module
      (memory (export "mem") 1 3) (table (export "tab") 2 funcref) (global (export "g") (mut i32) (i32.const 5))
      (func $seven (export "seven") (result i32) (i32.const 7)) (elem (i32.const 0) $seven)
      (func (export "peek") (result i32) (i32.load (i32.const 8)))
      (func (export "pages") (result i32) (memory.size)))`);
    writeFileSync(path.join(dir, "b.wat"), `(module
      (import "A" "seven" (func $seven (result i32))) (import "A" "mem" (memory 1))
      (import "A" "tab" (table 2 funcref)) (import "A" "g" (global $g (mut i32)))
      (func $nine (result i32) (i32.const 9)) (elem (i32.const 1) $nine)
      (func (export "run") (result i32)
        (global.set $g (i32.add (global.get $g) (call $seven)))
        (i32.store (i32.const 8) (i32.const 1234))
        (drop (memory.grow (i32.const 1)))
        (i32.add (call_indirect (result i32) (i32.const 0)) (call_indirect (result i32) (i32.const 1)))))`);
    for (const n of ["a", "b"]) execFileSync("wat2wasm", [path.join(dir, `${n}.wat`), "-o", path.join(dir, `${n}.wasm`)]);
    assert.equal(answer(s, `module ${JSON.stringify(path.join(dir, "a.wasm"))} $A`), "ok");
    assert.equal(answer(s, `register "A" $A`), "ok");
    assert.equal(answer(s, `module ${JSON.stringify(path.join(dir, "b.wasm"))} $B`), "ok");
    assert.equal(answer(s, `invoke $B "run"`), "result i32:16");
    assert.equal(answer(s, `get $A "g"`), "result i32:12");
    assert.equal(answer(s, `invoke $A "peek"`), "result i32:1234");
    assert.equal(answer(s, `invoke $A "pages"`), "result i32:2");
    // call_indirect through a table past what LDR's immediate reaches in CTX.tables
    const tables = Array.from({ length: 20 }, (_, i) => `(table $t${i} 2 funcref)`).join(" ");
    writeFileSync(path.join(dir, "t20.wat"), `(module ${tables}
      (func $five (result i32) (i32.const 5)) (elem (table $t19) (i32.const 1) func $five)
      (func (export "call") (param i32) (result i32) (call_indirect $t19 (result i32) (local.get 0))))`);
    execFileSync("wat2wasm", [path.join(dir, "t20.wat"), "-o", path.join(dir, "t20.wasm")]);
    assert.equal(answer(s, `module ${JSON.stringify(path.join(dir, "t20.wasm"))}`), "ok");
    assert.equal(answer(s, `invoke "call" i32:1`), "result i32:5");
    assert.match(answer(s, `invoke "call" i32:0`), /^trap: uninitialized element/);
    assert.match(answer(s, `invoke "call" i32:2`), /^trap: undefined element/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(answer(s, "reset"), "ok");
});
