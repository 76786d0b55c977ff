// The .waot image: written from a compiled module, read back field by field, and every kind of
// damage refused with the field and byte offset (the device's loader refuses the same; see
// test/firmware/runtime/aot-loader.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ABI_VERSION } from "../../../host-tools/src/aot/abi.js";
import { compileModule } from "../../../host-tools/src/aot/compile.js";
import { ImageError, WAOT_FIELD, WAOT_HEADER_BYTES, compileImage, readImage } from "../../../host-tools/src/aot/image.js";
import { readModule } from "../../../host-tools/src/aot/module.js";
import { wat2wasm } from "../../helpers/wat.ts";

const WAT = `(module
  (type $v (func (param i32)))
  (import "wasmcu" "log" (func $log (param i32 i32)))
  (import "env" "tick" (func $tick (result i64)))
  (memory 1)
  (table 2 funcref) (elem (i32.const 0) $a $b)
  (func $a (export "a") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $b (param i32) (call $log (local.get 0) (i32.const 4)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))`;

const wasm = wat2wasm(WAT);
const image = compileImage(wasm);

function patched(edit: (view: DataView, bytes: Uint8Array) => void, from = image): Uint8Array {
  const copy = from.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

function refused(bytes: Uint8Array, what: RegExp): void {
  assert.throws(() => readImage(bytes), (e: unknown) => e instanceof ImageError && what.test(e.message), what.source);
}

test("an image reads back as written: header, functions, imports, trap map, code, the module", () => {
  const m = readModule(wasm);
  const compiled = compileModule(m);
  const r = readImage(image);
  assert.equal(r.abi, ABI_VERSION);
  assert.deepEqual(r.module, wasm);
  assert.deepEqual(r.code, compiled.code);
  assert.equal(r.entryOffset, compiled.entryOffset);
  assert.deepEqual(r.funcs.map((f) => f.codeOffset), compiled.funcOffsets.slice(2));
  assert.deepEqual(r.funcs.map((f) => f.canonicalType), [m.canonicalType[m.funcTypes[2] ?? 0], 0, m.canonicalType[m.funcTypes[4] ?? 0]]);
  assert.deepEqual(r.imports, [
    { module: "wasmcu", name: "log", params: ["i32", "i32"], results: [] },
    { module: "env", name: "tick", params: [], results: ["i64"] },
  ]);
  assert.deepEqual(r.traps, [...compiled.trapSites].sort((a, b) => a.returnOffset - b.returnOffset));
  assert.ok(r.traps.some((t) => t.kind === "divideByZero" && t.func === 2));
  assert.equal(r.sections.code.offset % 4, 0);
  assert.equal(r.sections.module.offset % 4, 0);
});

test("a damaged image is refused with what and where", () => {
  refused(image.subarray(0, WAOT_HEADER_BYTES - 1), /truncated/);
  refused(image.subarray(0, image.length - 4), /the header says/);
  refused(patched((v) => v.setUint8(1, 0x73)), /bad magic/);
  refused(patched((v) => v.setUint16(WAOT_FIELD.version, 2, true)), /format version 2/);
  refused(patched((v) => v.setUint16(WAOT_FIELD.target, 2, true)), /target 2/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.abi, ABI_VERSION + 1, true)), /ABI version/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.flags, 1, true)), /flags/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.code + 4, image.length, true)), /code section .* out of range/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.module, 0, true)), /module section .* out of order/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.funcCount, 2, true)), /function table of 24 bytes for 2 functions/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.entry, 1_000_000, true)), /entry offset/);
  refused(patched((v) => v.setUint32(WAOT_FIELD.trapStub, 3, true)), /trap stub offset 3/);
  const r = readImage(image);
  refused(patched((v) => v.setUint32(r.sections.funcs.offset, 1_000_001, true)), /function 0's code offset/);
  refused(patched((v) => v.setUint32(r.sections.funcs.offset + 4, 7, true)), /function 0's type id 7/);
  refused(patched((v) => v.setUint8(r.sections.module.offset + 8, 0xff)), /does not match its SHA-256/);
  refused(patched((_, b) => { b[r.sections.imports.offset + 8] = "W".charCodeAt(0); }), /import 0 \(Wasmcu.log\) differs/);
  refused(patched((v) => v.setUint8(r.sections.imports.offset + 4, 200)), /import 0 past the end/);
  refused(patched((v) => v.setUint32(r.sections.traps.offset + 12, 0, true)), /trap site 1: return offset 0 .*out of order/);
  refused(patched((v) => v.setUint8(r.sections.traps.offset + 11, 99)), /trap site 0: kind 99/);
});
