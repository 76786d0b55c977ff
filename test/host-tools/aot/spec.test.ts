// The WebAssembly 2.0 spec suite through the AOT engine (each module compiled to Thumb, run on
// the emulated Cortex-M0+): nothing fails; commands on modules the AOT path does not run are
// counted skipped with their reason, never passed. Counts come from the runner.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
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
  assert.match(answer(s, `module ${JSON.stringify(path.join(pack, "call_indirect.0.wasm"))}`), /^skipped: element segments /);
  assert.match(answer(s, `invoke "type-i32"`), /^skipped: /);
  assert.equal(answer(s, "reset"), "ok");
});
