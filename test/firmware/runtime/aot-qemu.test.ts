// The device's AOT loader and helpers (firmware/runtime/src/aot.c, aot_helpers.c) for real:
// wasmcu-vm built for 32-bit ARM (Thumb, soft-float, newlib over semihosting) with
// arm-none-eabi-gcc and run by qemu-arm (whose default CPU has the ARMv6 Thumb instructions the
// compiler emits), loading .waot images compiled in TypeScript. A bounded part of the spec suite
// runs through it (the whole suite by hand: `node --import tsx scripts/aot-spec.mjs --qemu`), and
// damaged images and unbindable imports are refused with the field and where, nothing run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ABI_VERSION } from "../../../host-tools/src/aot/abi.ts";
import { WAOT_FIELD, compileImage, readImage } from "../../../host-tools/src/aot/image.ts";
import { ReplAotSession } from "../../../host-tools/src/aot/repl-session.ts";
import { runSpecSuite } from "../../../host-tools/src/aot/spec-suite.ts";
import { sharedDir } from "../../helpers/paths.ts";
import { wat2wasm } from "../../helpers/wat.ts";
import { buildAotVm } from "./aot-vm.ts";

const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-aot-qemu-"));
let elf = "";
before(() => {
  elf = buildAotVm(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

/** Numbers, conversions, memory, calls, control, traps, linking, tables and references: what the
 * helpers and the loader do. */
const FILES = [
  "i32", "i64", "f32", "f64", "f32_cmp", "f64_cmp", "conversions", "int_exprs", "float_exprs", "float_misc", "float_memory",
  "memory", "memory_grow", "memory_size", "memory_trap", "memory_copy", "memory_fill", "memory_init", "address", "align",
  "endianness", "load", "store", "call", "call_indirect", "fac", "traps", "unreachable", "unwind", "stack", "br_table",
  "loop", "global", "linking", "imports", "start", "left-to-right", "skip-stack-guard-page",
  "table_get", "table_set", "table_size", "table_grow", "table_fill", "table_init", "elem", "ref_func", "ref_is_null", "ref_null", "select",
];

/** The module's binary, written to `name`.wasm; returns its path. */
function wasmFile(name: string, text: string): string {
  writeFileSync(path.join(out, `${name}.wasm`), wat2wasm(text));
  return path.join(out, `${name}.wasm`);
}

function image(name: string, bytes: Uint8Array): string {
  writeFileSync(path.join(out, `${name}.waot`), bytes);
  return path.join(out, `${name}.waot`);
}

/** The REPL's answers to `lines`, and what it wrote to stderr. */
function repl(lines: string[]): { answers: string[]; stderr: string } {
  const r = spawnSync("qemu-arm", [elf, "--repl"], { input: `${lines.join("\n")}\n`, encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return { answers: r.stdout.trim().split("\n"), stderr: r.stderr };
}

test("the spec suite's numeric, memory, call, trap, linking, table and reference files through the C loader on qemu-arm: 0 failed", { timeout: 900_000 }, () => {
  const session = new ReplAotSession(["qemu-arm", elf, "--repl"]);
  try {
    const r = runSpecSuite(path.join(sharedDir, "wasm-spec"), FILES, session);
    assert.deepEqual(r.files.flatMap((f) => f.failures), []);
    assert.equal(r.failed, 0);
    // 21,103 passed and 207 skipped when written (text-format modules, imports called through a
    // table: firmware/runtime/README.md)
    assert.ok(r.passed > 21_000, `only ${r.passed} passed (${r.skipped} skipped)`);
  } finally {
    session.close();
  }
});

test("AOT code runs natively: traps name the function and offset as the interpreter does, the stack limit is the native stack's", { timeout: 300_000 }, () => {
  const wasm = wasmFile("t", `(module
    (memory 1)
    (func $deep (export "deep") (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1)))
    (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i64) (i64.load offset=4 (local.get 0))))`);
  const waot = image("t", compileImage(new Uint8Array(readFileSync(wasm))));
  const cmds = [`invoke "div" i32:7 i32:2`, `invoke "div" i32:1 i32:0`, `invoke "load" i32:65528`, `invoke "deep" i32:0`];
  const aot = repl([`module ${JSON.stringify(waot)}`, ...cmds]).answers;
  const interp = repl([`module ${JSON.stringify(wasm)}`, ...cmds]).answers;
  assert.deepEqual(aot.slice(0, 4), ["ok", "result i32:3", interp[2], interp[3]]);
  assert.match(aot[2] ?? "", /^trap: integer divide by zero in function 1 at offset 0x[0-9a-f]+$/);
  assert.match(aot[3] ?? "", /^trap: out of bounds memory access in function 2 at offset/);
  assert.match(aot[4] ?? "", /^exhaustion: call stack exhausted in function 0 at offset 0x[0-9a-f]+ \(limit: \d+ bytes of native stack\)$/);
});

test("a trap's frames: the trapping function and offset, as the interpreter's innermost frame", { timeout: 300_000 }, () => {
  const wasm = wasmFile("frames", `(module
    (memory 1)
    (func $leaf (param i32) (result i32) (i32.load (local.get 0)))
    (func $mid (param i32) (result i32) (i32.add (call $leaf (local.get 0)) (i32.const 1)))
    (func (export "run") (param i32) (result i32) (call $mid (local.get 0))))`);
  const waot = image("frames", compileImage(new Uint8Array(readFileSync(wasm))));
  const frames = (file: string) => {
    const r = spawnSync("qemu-arm", [elf, "--frames", "--func", "run", file, "70000"], { encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 1, r.stderr);
    return [...r.stderr.matchAll(/^ {2}at function (\d+) offset (0x[0-9a-f]+)$/gm)].map((m) => `${m[1]}@${m[2]}`);
  };
  const interp = frames(wasm);
  assert.equal(interp.length, 3);
  // AOT code has no unwind tables: the innermost frame only (firmware/runtime/README.md)
  assert.deepEqual(frames(waot), interp.slice(0, 1));
});

test("call_indirect follows a shared table that another (interpreted) instance changes", { timeout: 300_000 }, () => {
  const owner = wasmFile("owner", `(module (table (export "t") 2 funcref)
    (func (export "copy") (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))
    (func (export "clear") (table.fill 0 (i32.const 0) (ref.null func) (i32.const 2))))`);
  const user = image("user", compileImage(wat2wasm(`(module (import "x" "t" (table 2 funcref))
    (type $r (func (result i32)))
    (elem (i32.const 0) $one $two)
    (func $one (result i32) (i32.const 1)) (func $two (result i32) (i32.const 2))
    (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`)));
  const { answers } = repl([`module ${JSON.stringify(owner)} $X`, `register "x" $X`, `module ${JSON.stringify(user)} $Y`,
    `invoke $Y "call" i32:0`, `invoke $X "copy"`, `invoke $Y "call" i32:0`, `invoke $X "clear"`, `invoke $Y "call" i32:1`]);
  assert.deepEqual(answers.slice(0, 7), ["ok", "ok", "ok", "result i32:1", "result", "result i32:2", "result"]);
  assert.match(answers[7] ?? "", /^trap: uninitialized element in function 2 at offset 0x[0-9a-f]+$/);
});

test("imports called through a table: natives and another instance's functions, their results, their traps", { timeout: 300_000 }, () => {
  const other = image("other", compileImage(wat2wasm(`(module (global $g (mut i32) (i32.const 5))
    (func (export "pair") (param i64) (result i64 i32) (i64.mul (local.get 0) (i64.const 3)) (global.get $g))
    (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0))))`)));
  const user = image("user2", compileImage(wat2wasm(`(module
    (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
    (import "o" "pair" (func $pair (param i64) (result i64 i32)))
    (import "o" "div" (func $div (param i32) (result i32)))
    (memory 1) (table 3 funcref) (elem (i32.const 0) $abort $pair $div)
    (type $p (func (param i64) (result i64 i32))) (type $d (func (param i32) (result i32))) (type $a (func (param i32 i32 i32 i32)))
    (func (export "pair") (param i64) (result i64 i32) (call_indirect (type $p) (local.get 0) (i32.const 1)))
    (func (export "div") (param i32) (result i32) (call_indirect (type $d) (local.get 0) (i32.const 2)))
    (func (export "abort") (call_indirect (type $a) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 0))))`)));
  const { answers } = repl([`module ${JSON.stringify(other)}`, `register "o"`, `module ${JSON.stringify(user)}`,
    `invoke "pair" i64:4294967296`, `invoke "div" i32:2`, `invoke "div" i32:0`, `invoke "abort"`, `invoke "div" i32:7`]);
  assert.deepEqual(answers.slice(0, 5), ["ok", "ok", "ok", "result i64:12884901888 i32:5", "result i32:3"]);
  assert.match(answers[5] ?? "", /^trap: integer divide by zero in function 1 at offset 0x[0-9a-f]+$/);
  assert.match(answers[6] ?? "", /^trap: abort: .* at .*:1:2 \(in native env\.abort\)$/);
  assert.equal(answers[7], "result i32:1");
});

test("fuel stops a runaway AOT loop, and a loop within its fuel finishes", { timeout: 300_000 }, () => {
  const spin = image("spin", compileImage(wat2wasm(`(module
    (func (export "spin") (param i32) (result i32)
      (loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
      (i32.const 9)))`)));
  const run = (fuel: number, n: number) => spawnSync("qemu-arm", [elf, "--fuel", String(fuel), "--func", "spin", spin, String(n)], { encoding: "utf8", timeout: 300_000 });
  const ok = run(1000, 999);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, "i32:9\n");
  const stopped = run(1000, 1001);
  assert.equal(stopped.status, 1);
  assert.match(stopped.stderr, /trap: out of fuel in function 0 at offset 0x[0-9a-f]+/);
  const forever = run(1000, 0); // counts down from 2^32
  assert.equal(forever.status, 1);
  assert.match(forever.stderr, /out of fuel/);
});

test("the C loader refuses damaged images and unbindable imports with what and where, and runs nothing", { timeout: 300_000 }, () => {
  // the start function prints through an import: with nothing run, stderr stays empty
  const wat = (imports: string) => `(module ${imports}
    (func $s (call $print (i32.const 42))) (start $s)
    (func (export "f") (result i32) (i32.const 7)))`;
  const good = compileImage(wat2wasm(wat(`(import "spectest" "print_i32" (func $print (param i32)))`)));
  const sections = readImage(good).sections;
  const patched = (edit: (v: DataView) => void) => {
    const copy = good.slice();
    edit(new DataView(copy.buffer));
    return copy;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["truncated", good.subarray(0, 100), /^error malformed: AOT image: truncated \(at byte 100\)$/],
    ["short", good.subarray(0, good.length - 4), /^error malformed: AOT image: length field differs \(truncated\?\) \(at byte 12\)$/],
    // another magic is not an image: wasmcu-vm takes it for a plain module, which it is not either
    ["magic", patched((v) => v.setUint8(2, 0x73)), /^error malformed: magic header not detected$/],
    ["target", patched((v) => v.setUint16(WAOT_FIELD.target, 7, true)), /^error malformed: AOT image: target is not thumbv6m \(at byte 6\)$/],
    ["abi", patched((v) => v.setUint32(WAOT_FIELD.abi, ABI_VERSION + 1, true)), /^error malformed: AOT image: ABI version is not the runtime's \(at byte 8\)$/],
    ["range", patched((v) => v.setUint32(WAOT_FIELD.code + 4, good.length, true)), /^error malformed: AOT image: section out of range or order \(at byte 88\)$/],
    ["stub", patched((v) => v.setUint32(WAOT_FIELD.trapStub, good.length, true)), /^error malformed: AOT image: trap stub offset \(at byte 108\)$/],
    ["hash", patched((v) => v.setUint8(sections.module.offset + 9, 0xff)), /^error malformed: AOT image: module SHA-256 differs \(at byte 16\)$/],
    ["typeid", patched((v) => v.setUint32(sections.funcs.offset + 4, 2, true)), /^error malformed: AOT image: function type id differs from the module's \(at byte \d+\)$/],
    ["trapkind", patched((v) => v.setUint8(sections.traps.offset + 11, 99)), /^error malformed: AOT image: trap kind \(at byte \d+\)$/],
  ];
  const missing = compileImage(wat2wasm(wat(`(import "spectest" "print_i32" (func $print (param i32))) (import "env" "nope" (func))`)));
  const mismatch = compileImage(wat2wasm(wat(`(import "spectest" "print_i32" (func $print (param i64)))`).replace("i32.const 42", "i64.const 42")));
  const lines = [
    ...cases.map(([name, bytes]) => `module ${JSON.stringify(image(name, bytes))}`),
    `module ${JSON.stringify(image("missing", missing))}`,
    `module ${JSON.stringify(image("mismatch", mismatch))}`,
    `invoke "f"`,
  ];
  const { answers, stderr } = repl(lines);
  cases.forEach(([name, , want], i) => assert.match(answers[i] ?? "", want, name));
  assert.equal(answers[cases.length], "error unlinkable: unknown import env.nope (import 1)");
  assert.equal(answers[cases.length + 1], "error unlinkable: incompatible import type for spectest.print_i32 (import 0)");
  assert.equal(answers[cases.length + 2], "error usage: no current module");
  assert.equal(stderr, "");
  // the good image runs its start function (prints) and its export
  const ok = repl([`module ${JSON.stringify(image("good", good))}`, `invoke "f"`]);
  assert.deepEqual(ok.answers, ["ok", "result i32:7"]);
  assert.match(ok.stderr, /42/);
});

test("a native sees and leaves its AOT caller's state as the interpreter's: globals read and written, callbacks that write globals, grow the memory and write a table, pointer checks", { timeout: 300_000 }, () => {
  const wasm = wasmFile("probe", `(module
    (import "probe" "global_get" (func $get (param i32 i32) (result i64)))
    (import "probe" "global_set" (func $set (param i32 i32 i64)))
    (import "probe" "call" (func $call (param i32 i32 i32) (result i32)))
    (memory 1 3)
    (data (i32.const 0) "g") (data (i32.const 8) "bump") (data (i32.const 16) "grow") (data (i32.const 24) "swap")
    (global $g (export "g") (mut i32) (i32.const 0))
    (global $w (export "w") (mut i64) (i64.const 0))
    (global $h (mut i32) (i32.const 3))
    (type $r (func (result i32)))
    (table 2 funcref) (elem (i32.const 0) $one $two)
    (func $one (result i32) (i32.const 1)) (func $two (result i32) (i32.const 2))
    (func (export "bump") (param i32) (result i32)
      (global.set $h (i32.add (global.get $h) (i32.const 1)))
      (global.set $g (i32.add (global.get $g) (local.get 0))) (global.get $g))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "swap") (param i32) (result i32) (table.set 0 (local.get 0) (ref.func $two)) (i32.const 0))
    (func (export "read") (param i32) (result i64)
      (global.set $g (local.get 0)) (global.set $w (i64.const -2)) (call $get (i32.const 0) (i32.const 1)))
    (func (export "write") (param i64) (result i64)
      (global.set $g (i32.const 5)) (call $set (i32.const 0) (i32.const 1) (local.get 0))
      (i64.add (i64.extend_i32_s (global.get $g)) (global.get $w)))
    (func (export "callback") (param i32) (result i32)
      (global.set $g (i32.const 100)) (global.set $h (i32.const 10))
      (i32.add (i32.mul (call $call (i32.const 8) (i32.const 4) (local.get 0)) (i32.const 1000))
        (i32.add (global.get $g) (global.get $h))))
    (func (export "growcb") (result i32)
      (drop (call $call (i32.const 16) (i32.const 4) (i32.const 1)))
      (i32.store (i32.const 65536) (i32.const 7)) (i32.add (memory.size) (i32.load (i32.const 65536))))
    (func (export "tablecb") (result i32)
      (i32.add (i32.mul (call_indirect (type $r) (i32.const 0)) (i32.const 10))
        (block (result i32) (drop (call $call (i32.const 24) (i32.const 4) (i32.const 0))) (call_indirect (type $r) (i32.const 0)))))
    (func (export "oob") (result i64) (call $get (i32.const 131071) (i32.const 2))))`);
  const waot = image("probe", compileImage(new Uint8Array(readFileSync(wasm))));
  const cmds = [`invoke "read" i32:42`, `invoke "write" i64:9`, `get "w"`, `invoke "callback" i32:5`, `get "g"`,
    `invoke "growcb"`, `invoke "tablecb"`, `invoke "oob"`, `invoke "read" i32:77`];
  const run = (file: string) => repl([`module ${JSON.stringify(file)}`, ...cmds]).answers;
  const interp = run(wasm);
  const aot = run(waot);
  assert.deepEqual(aot, interp);
  // the native read what the code had just written (g = 42, w = -2), the code read what the
  // native wrote (g = 9: 9 + w), the callback's globals (g: 100 + 5; h: 10 + 1) and the code's
  // after it, the memory the callback grew, the table entry it set
  assert.deepEqual(aot.slice(0, 8), ["ok", "result i64:42", "result i64:7", "result i64:18446744073709551614", "result i32:105116", "result i32:105",
    "result i32:9", "result i32:12"]);
  assert.match(aot[8] ?? "", /^trap: out of bounds memory access: native probe\.global_get argument 0 \(offset 131071, length 2\)$/);
  assert.equal(aot[9], "result i64:77"); // and runs on after the trap
});

test("fuel used by a native's callback counts for its AOT caller", { timeout: 300_000 }, () => {
  const spin = image("spincb", compileImage(wat2wasm(`(module
    (import "probe" "call" (func $call (param i32 i32 i32) (result i32)))
    (memory 1) (data (i32.const 0) "spin")
    (func $spin (export "spin") (param i32) (result i32)
      (loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0))) (i32.const 0))
    (func (export "run") (param i32) (result i32)
      (drop (call $spin (i32.const 400))) (drop (call $call (i32.const 0) (i32.const 4) (i32.const 400)))
      (call $spin (local.get 0))))`)));
  const run = (n: number) => spawnSync("qemu-arm", [elf, "--fuel", "1000", "--func", "run", spin, String(n)], { encoding: "utf8", timeout: 300_000 });
  const ok = run(150);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, "i32:0\n");
  // 400 + 400 + 250 loop heads: past the 1,000 only if the callback's 400 were counted
  const stopped = run(250);
  assert.equal(stopped.status, 1);
  assert.match(stopped.stderr, /trap: out of fuel in function \d+ at offset 0x[0-9a-f]+/);
});
