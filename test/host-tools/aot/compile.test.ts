// The AOT compiler's Thumb code, run on the emulated Cortex-M0+ (rp2040js), against V8 running
// the same module: every export, seeded random arguments, same result or same trap.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { compileModule, compileWasm } from "../../../host-tools/src/aot/compile.js";
import { readModule } from "../../../host-tools/src/aot/module.js";
import { type SimImport, SimMachine, SimNativeTrap, SimStore, SimTrap } from "../../../host-tools/src/aot/sim-run.js";
import { rng } from "../../../host-tools/src/lib/rng.js";
import { wat2wasm } from "../../helpers/wat.ts";

const sharedDir = path.resolve(import.meta.dirname, "../../../../shared");

/** What V8 gives: the i32 result, or "trap". */
function v8Call(instance: WebAssembly.Instance, name: string, args: number[]): number | "trap" {
  const f = instance.exports[name] as (...a: number[]) => number;
  try {
    return (f(...args) ?? 0) >>> 0;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return "trap";
    throw e;
  }
}

const OPS = `(module
  (memory 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "div_deep") (param i32 i32) (result i32)
    (i32.add (local.get 0) (i32.rem_s (i32.mul (local.get 0) (i32.const 3)) (i32.or (local.get 1) (i32.const 1)))))
  (func (export "and") (param i32 i32) (result i32) (i32.and (local.get 0) (local.get 1)))
  (func (export "or") (param i32 i32) (result i32) (i32.or (local.get 0) (local.get 1)))
  (func (export "xor") (param i32 i32) (result i32) (i32.xor (local.get 0) (local.get 1)))
  (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func (export "shr_s") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))
  (func (export "shr_u") (param i32 i32) (result i32) (i32.shr_u (local.get 0) (local.get 1)))
  (func (export "rotl") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
  (func (export "rotr") (param i32 i32) (result i32) (i32.rotr (local.get 0) (local.get 1)))
  (func (export "shl7") (param i32 i32) (result i32) (i32.shl (local.get 0) (i32.const 39)))
  (func (export "rotl5") (param i32 i32) (result i32) (i32.rotl (local.get 0) (i32.const 5)))
  (func (export "shr0") (param i32 i32) (result i32) (i32.shr_u (local.get 0) (i32.const 32)))
  (func (export "addk") (param i32 i32) (result i32) (i32.add (local.get 0) (i32.const 200)))
  (func (export "subk") (param i32 i32) (result i32) (i32.sub (local.get 0) (i32.const -7)))
  (func (export "lt_s") (param i32 i32) (result i32) (i32.lt_s (local.get 0) (local.get 1)))
  (func (export "lt_u") (param i32 i32) (result i32) (i32.lt_u (local.get 0) (local.get 1)))
  (func (export "ge_s") (param i32 i32) (result i32) (i32.ge_s (local.get 0) (local.get 1)))
  (func (export "gt_u") (param i32 i32) (result i32) (i32.gt_u (local.get 0) (local.get 1)))
  (func (export "eq") (param i32 i32) (result i32) (i32.eq (local.get 0) (local.get 1)))
  (func (export "eqz") (param i32 i32) (result i32) (i32.eqz (local.get 0)))
  (func (export "le_k") (param i32 i32) (result i32) (i32.le_s (local.get 0) (i32.const 100)))
  (func (export "select") (param i32 i32) (result i32) (select (local.get 0) (local.get 1) (i32.lt_u (local.get 0) (local.get 1))))
  (func (export "deep") (param i32 i32) (result i32)
    ;; eight live values, six operand registers: some spill
    local.get 0 local.get 1 local.get 0 local.get 1 local.get 0 local.get 1 local.get 0 local.get 1
    i32.sub i32.xor i32.add i32.mul i32.sub i32.or i32.add
    i32.const 3 i32.add)
  (func (export "store_load") (param i32 i32) (result i32)
    ;; any address: aligned, unaligned, or out of bounds (traps)
    (i32.store (i32.and (local.get 0) (i32.const 0x1ffff)) (local.get 1))
    (i32.load (i32.and (local.get 0) (i32.const 0x1ffff))))
  (func (export "bytes") (param i32 i32) (result i32)
    (i32.store16 offset=3 (i32.const 100) (local.get 1))
    (i32.store8 offset=1 (i32.const 200) (local.get 0))
    (i32.add (i32.add (i32.load16_s offset=3 (i32.const 100)) (i32.load16_u offset=3 (i32.const 100)))
             (i32.add (i32.load8_s offset=1 (i32.const 200)) (i32.load8_u (i32.const 201)))))
  (func (export "far") (param i32 i32) (result i32)
    (i32.load offset=65532 (i32.and (local.get 0) (i32.const 7))))
  (func (export "sum") (param i32 i32) (result i32) (local $s i32)
    (local.set 0 (i32.and (local.get 0) (i32.const 1023)))
    (block $out (loop $top
      (br_if $out (i32.eqz (local.get 0)))
      (local.set $s (i32.add (local.get $s) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br $top)))
    (local.get $s))
  (func (export "table") (param i32 i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (i32.and (local.get 0) (i32.const 7))))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
  (func (export "table_val") (param i32 i32) (result i32)
    ;; every target carries a value, the index comes last (in r0 when nothing else is live)
    (i32.add (i32.const 1000)
      (block $b (result i32) (i32.add (i32.const 7)
        (block $a (result i32)
          (br_table $a $b $a $b (i32.const 5) (i32.and (local.get 0) (i32.const 3))))))))
  (func (export "blockval") (param i32 i32) (result i32)
    (i32.add (block (result i32) (br_if 0 (i32.const 5) (local.get 0)) (drop) (i32.const 9)) (local.get 1)))
  (func (export "trap_if_odd") (param i32 i32) (result i32)
    (if (i32.and (local.get 0) (i32.const 1)) (then unreachable))
    (local.get 1))
)`;

test("every export of a module of i32 operators, control flow and memory gives V8's result or trap", () => {
  const bytes = wat2wasm(OPS);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const m = readModule(bytes);
  const compiled = compileWasm(bytes);
  const rand = rng(0xa07);
  const edge = [0, 1, 2, 31, 32, 33, 0xffffffff, 0x80000000, 0x7fffffff, 0x80000000, 0xffffffff, 65532, 65533, 65535, 65536];
  const pick = () => (rand() < 0.4 ? (edge[Math.floor(rand() * edge.length)] ?? 0) : Math.floor(rand() * 2 ** 32));
  // one machine as one instance: memory written by one export is read by another on both sides
  const machine = new SimMachine(compiled, { memoryBytes: 65536 });
  let calls = 0;
  let traps = 0;
  for (const e of m.exports) {
    for (let k = 0; k < 40; k++) {
      const args = [pick(), pick()];
      const ours = machine.call(e.index, args);
      const theirs = v8Call(instance, e.name, args.map((v) => v | 0));
      calls++;
      if (theirs === "trap") {
        traps++;
        assert.ok(ours.trap, `${e.name}(${args}) traps in V8, returned ${ours.lo} here`);
      } else {
        assert.equal(ours.trap, undefined, `${e.name}(${args}) trapped (${ours.trap?.kind}); V8 gives ${theirs}`);
        assert.equal(ours.lo, theirs, `${e.name}(${args})`);
      }
    }
  }
  assert.ok(calls > 1000 && traps > 20, `${calls} calls, ${traps} traps`);
});

test("fib(24) from the shared workload is 46368", () => {
  const bytes = new Uint8Array(readFileSync(path.join(sharedDir, "bench-wasm", "fib.wasm")));
  const m = readModule(bytes);
  const fib = m.exports.find((e) => e.name === "fib");
  assert.ok(fib);
  const run = new SimMachine(compileWasm(bytes)).call(fib.index, [24]);
  assert.equal(run.trap, undefined);
  assert.equal(run.lo, 46368);
});

test("the shared matvec_r10 workload (start function, data, memory.grow, nested loops) gives its checksum", () => {
  const bytes = new Uint8Array(readFileSync(path.join(sharedDir, "bench-wasm", "matvec_r10.wasm")));
  const m = readModule(bytes);
  const run = m.exports.find((e) => e.name === "run");
  assert.ok(run);
  const result = SimMachine.forModule(m, compileModule(m)).call(run.index, []);
  assert.equal(result.trap, undefined);
  assert.equal(result.lo, 0x5b168021);
});

test("traps name their kind, function and the wasm offset of the trapping instruction", () => {
  const bytes = wat2wasm(`(module (memory 1)
    (func $rec (export "rec") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
    (func (export "spin") (param i32) (result i32) (loop $l (br $l)) (i32.const 0))
    (func (export "oob") (param i32) (result i32) (i32.load (i32.const 65533)))
    (func (export "bad") (param i32) (result i32) unreachable))`);
  const m = readModule(bytes);
  const compiled = compileWasm(bytes);
  const index = (name: string) => m.exports.find((e) => e.name === name)?.index ?? -1;
  const machine = new SimMachine(compiled, { memoryBytes: 65536, fuel: 1000 });
  assert.equal(machine.call(index("rec"), [1]).trap?.kind, "stackExhausted");
  assert.equal(machine.call(index("spin"), [0]).trap?.kind, "fuelExhausted");
  const oob = machine.call(index("oob"), [0]).trap;
  assert.equal(oob?.kind, "memoryOutOfBounds");
  assert.equal(oob?.func, index("oob"));
  // the offset is the i32.load's byte in the module: its opcode is 0x28
  assert.equal(bytes[oob?.wasmOffset ?? -1], 0x28);
  const bad = machine.call(index("bad"), [0]).trap;
  assert.equal(bad?.kind, "unreachable");
  assert.equal(bytes[bad?.wasmOffset ?? -1], 0x00);
  // after traps the machine still runs: the entry unwinds the stack each time
  assert.equal(machine.call(index("rec"), [1]).trap?.kind, "stackExhausted");
});

test("imports are called through the runtime's helper with their arguments, results and traps", () => {
  const bytes = wat2wasm(`(module
    (import "env" "scale" (func $scale (param i32 i32) (result i32)))
    (import "env" "note" (func $note (param i32)))
    (func (export "f") (param i32) (result i32) (local i32)
      (local.set 1 (i32.const 1000))
      (call $note (local.get 0))
      ;; a live value below the call's arguments survives it
      (i32.add (local.get 1) (call $scale (local.get 0) (i32.const 3)))))`);
  const m = readModule(bytes);
  const noted: number[] = [];
  const machine = SimMachine.forModule(m, compileModule(m), {
    imports: [
      (x: number, k: number) => {
        if (x < 0) throw new SimNativeTrap("negative");
        return x * k;
      },
      (x: number) => {
        noted.push(x);
      },
    ],
  });
  const f = m.exports.find((e) => e.name === "f")?.index ?? -1;
  assert.equal(machine.call(f, [7]).lo, 1021);
  assert.deepEqual(noted, [7]);
  const trapped = machine.call(f, [-5]);
  assert.equal(trapped.trap?.kind, "native");
  assert.equal(bytes[trapped.trap?.wasmOffset ?? -1], 0x10, "the call instruction");
});

test("what the compiler does not handle is refused with the function and offset, not miscompiled", () => {
  const simd = wat2wasm(`(module (func (export "f") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))`);
  assert.throws(() => compileWasm(simd), /function 0, byte \d+: opcode 0xfd is not compiled yet/);
});

/** Runs `calls` (export name and i32 arguments) in order on V8 and on the emulated core: the
 * same i32 result or a trap each time (state carries over between calls on both sides). */
function sameAsV8(bytes: Uint8Array<ArrayBuffer>, calls: [string, number[]][], machine?: SimMachine): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const m = readModule(bytes);
  const ours = machine ?? SimMachine.forModule(m, compileModule(m), { table: undefined });
  let traps = 0;
  for (const [name, args] of calls) {
    const e = m.exports.find((x) => x.name === name && x.kind === 0);
    if (!e) throw new Error(`no export ${name}`);
    const theirs = v8Call(instance, name, args);
    const run = ours.call(e.index, args);
    if (theirs === "trap") {
      traps++;
      assert.ok(run.trap, `${name}(${args.join(", ")}) traps in V8`);
    } else {
      assert.equal(run.trap, undefined, `${name}(${args.join(", ")}) trapped (${run.trap?.kind})`);
      assert.equal(run.lo >>> 0, theirs, `${name}(${args.join(", ")})`);
    }
  }
  return traps;
}

test("frames past 1 KiB: locals, operand slots and helper operands far from SP are addressed through r6", () => {
  const locals = Array.from({ length: 300 }, (_, i) => `(local $l${i} i32)`).join(" ");
  const sets = Array.from({ length: 300 }, (_, i) => `(local.set $l${i} (i32.add (local.get 0) (i32.const ${i * 7})))`).join("\n");
  const sum = Array.from({ length: 299 }, () => "i32.add").join(" ");
  const gets = Array.from({ length: 300 }, (_, i) => `local.get $l${299 - i}`).join(" ");
  const bytes = wat2wasm(`(module
    (func (export "big") (param i32 i32) (result i32) ${locals} (local $w i64)
      ${sets}
      (local.set $w (i64.mul (i64.extend_i32_u (local.get $l299)) (i64.extend_i32_s (local.get 1))))
      ${gets} ${sum}
      (i32.wrap_i64 (i64.div_s (local.get $w) (i64.extend_i32_s (i32.or (local.get 1) (i32.const 1)))))
      i32.add
      (i32.div_s (local.get $l150) (local.get 1))
      i32.add))`);
  const rand = rng(0x1f);
  const calls: [string, number[]][] = Array.from({ length: 60 }, () => ["big", [Math.floor(rand() * 2 ** 32) | 0, rand() < 0.1 ? 0 : Math.floor(rand() * 2000) - 1000]]);
  assert.ok(sameAsV8(bytes, calls) > 0, "a division by zero among the calls");
});

test("tables and references: get/set/size/grow/fill/copy/init, elem.drop, ref.func, ref.is_null, a second table", () => {
  const bytes = wat2wasm(`(module
    (type $i (func (result i32)))
    (table $t0 4 8 funcref) (table $t1 2 funcref)
    (func $a (result i32) (i32.const 11)) (func $b (result i32) (i32.const 22)) (func $c (result i32) (i32.const 33))
    (elem (table $t0) (i32.const 0) func $a $b)
    (elem $p funcref (ref.func $c) (ref.null func) (ref.func $a))
    (elem declare func $b)
    (global $g (mut funcref) (ref.func $b))
    (func (export "call0") (param i32 i32) (result i32) (call_indirect $t0 (type $i) (local.get 0)))
    (func (export "call1") (param i32 i32) (result i32) (call_indirect $t1 (type $i) (local.get 0)))
    (func (export "null0") (param i32 i32) (result i32) (ref.is_null (table.get $t0 (local.get 0))))
    (func (export "set1") (param i32 i32) (result i32) (table.set $t1 (local.get 0) (table.get $t0 (local.get 1))) (i32.const 0))
    (func (export "setg") (param i32 i32) (result i32) (table.set $t0 (local.get 0) (global.get $g)) (i32.const 0))
    (func (export "size") (param i32 i32) (result i32) (i32.add (table.size $t0) (i32.mul (table.size $t1) (i32.const 100))))
    (func (export "grow1") (param i32 i32) (result i32) (table.grow $t1 (ref.func $c) (local.get 0)))
    (func (export "grow0") (param i32 i32) (result i32) (table.grow $t0 (ref.null func) (local.get 0)))
    (func (export "fill0") (param i32 i32) (result i32) (table.fill $t0 (local.get 0) (ref.func $b) (local.get 1)) (i32.const 0))
    (func (export "copy") (param i32 i32) (result i32) (table.copy $t1 $t0 (local.get 0) (local.get 1) (i32.const 2)) (i32.const 0))
    (func (export "init") (param i32 i32) (result i32) (table.init $t0 $p (local.get 0) (local.get 1) (i32.const 2)) (i32.const 0))
    (func (export "drop") (param i32 i32) (result i32) (elem.drop $p) (i32.const 0))
    (func (export "sel") (param i32 i32) (result i32)
      (ref.is_null (select (result funcref) (ref.null func) (ref.func $a) (local.get 0)))))`);
  const names = ["call0", "call1", "null0", "set1", "setg", "size", "grow1", "grow0", "fill0", "copy", "init", "drop", "sel"];
  const rand = rng(0x7ab);
  const small = () => (rand() < 0.1 ? Math.floor(rand() * 2 ** 32) | 0 : Math.floor(rand() * 10));
  const calls: [string, number[]][] = Array.from({ length: 600 }, () => [names[Math.floor(rand() * names.length)] ?? "size", [small(), small()]]);
  const m = readModule(bytes);
  const store = new SimStore();
  m.canonicalType = m.types.map((t) => store.typeId(t));
  const machine = new SimMachine(compileModule(m), { module: m, store });
  // instantiation as the spec runner does it: the segments' references, the active one applied
  const refs = (i: number) => (m.elems[i]?.items ?? []).map((x) => ("func" in x ? { machine, func: x.func } : null));
  machine.setElemSegment(1, refs(1));
  assert.ok(machine.initTable(0, 0, refs(0), 0, 2));
  machine.writeGlobal(0, "funcref", { machine, func: 1 });
  assert.ok(sameAsV8(bytes, calls, machine) > 20, "out-of-bounds accesses among the calls");
});

test("imports from another instance: several results, references, traps of the callee", () => {
  const a = wat2wasm(`(module
    (func (export "pair") (param i32) (result i32 i64) (local.get 0) (i64.const 0x100000000))
    (func (export "boom") (param i32) (result i32) (if (local.get 0) (then unreachable)) (i32.const 1))
    (func (export "id") (param externref) (result externref) (local.get 0)))`);
  const b = wat2wasm(`(module
    (import "a" "pair" (func $pair (param i32) (result i32 i64)))
    (import "a" "boom" (func $boom (param i32) (result i32)))
    (import "a" "id" (func $id (param externref) (result externref)))
    (func (export "sum") (param i32) (result i32) (local i64)
      (call $pair (local.get 0)) (local.set 1) (i32.add (i32.wrap_i64 (i64.shr_u (local.get 1) (i64.const 32)))))
    (func (export "boom") (param i32) (result i32) (call $boom (local.get 0)))
    (func (export "id") (param externref) (result externref) (call $id (local.get 0))))`);
  const store = new SimStore();
  const instance = (bytes: Uint8Array, imports: SimImport[]) => {
    const m = readModule(bytes);
    m.canonicalType = m.types.map((t) => store.typeId(t));
    return { m, machine: new SimMachine(compileModule(m), { module: m, store, imports }) };
  };
  const A = instance(a, []);
  const B = instance(b, [0, 1, 2].map((func) => ({ machine: A.machine, func })));
  const index = (name: string) => B.m.exports.find((e) => e.name === name)?.index ?? -1;
  assert.deepEqual(B.machine.invoke(index("sum"), [[41]]), [[42]]);
  assert.deepEqual(B.machine.invoke(index("boom"), [[0]]), [[1]]);
  assert.throws(() => B.machine.invoke(index("boom"), [[1]]), (e: unknown) => e instanceof SimTrap && e.trap.kind === "unreachable" && e.trap.func === 1);
  assert.deepEqual(B.machine.invoke(index("id"), [{ extern: 99n }]), [{ extern: 99n }]);
  assert.deepEqual(B.machine.invoke(index("id"), [null]), [null]);
});

/** i64 shifts by constant counts: shifted in line (a count is taken mod 64). */
const CONST_SHIFTS = ["shl", "shr_s", "shr_u"]
  .flatMap((op) => [0, 1, 13, 31, 32, 33, 63, 64, 100].map((c) => `  (func (export "${op}${c}") (param i64 i64) (result i64) (i64.${op} (local.get 0) (i64.const ${c})))`))
  .join("\n");

/** f64 comparisons (a Thumb stub: NaNs unordered, -0 = +0) and i32.trunc_sat_f64_s/_u (a Thumb
 * stub), each also on values whose exponent is around the i32 range (|x| 2^-23 to 2^40). */
const F64_STUB_OPS = [
  ...["eq", "ne", "lt", "gt", "le", "ge"].map((op) =>
    `  (func (export "f${op}") (param i64 i64) (result i64) (i64.extend_i32_u (f64.${op} (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))`),
  ...["s", "u"].flatMap((sx) => [
    `  (func (export "fsat32${sx}") (param i64 i64) (result i64) (i64.extend_i32_u (i32.trunc_sat_f64_${sx} (f64.reinterpret_i64 (local.get 0)))))`,
    `  (func (export "fsat32${sx}_near") (param i64 i64) (result i64) (i64.extend_i32_u (i32.trunc_sat_f64_${sx} (f64.reinterpret_i64
      (i64.or (i64.and (local.get 0) (i64.const 0x800fffffffffffff)) (i64.shl (i64.add (i64.const 1000) (i64.and (local.get 1) (i64.const 63))) (i64.const 52)))))))`,
  ]),
].join("\n");

const WIDE_OPS = `(module (memory 1)
  (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "sub") (param i64 i64) (result i64) (i64.sub (local.get 0) (local.get 1)))
  (func (export "mul") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "xor") (param i64 i64) (result i64) (i64.xor (local.get 0) (local.get 1)))
  (func (export "rotl") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
  (func (export "shr_s") (param i64 i64) (result i64) (i64.shr_s (local.get 0) (local.get 1)))
${CONST_SHIFTS}
  (func (export "shl_deep") (param i64 i64) (result i64)
    ;; six operand registers taken: the shift's temporary spills
    (i64.add (local.get 1) (i64.add (local.get 1) (i64.shr_s (i64.shl (local.get 0) (i64.const 7)) (i64.const 40)))))
  (func (export "clz") (param i64 i64) (result i64) (i64.clz (local.get 0)))
  (func (export "lt_s") (param i64 i64) (result i64) (i64.extend_i32_u (i64.lt_s (local.get 0) (local.get 1))))
  (func (export "ge_u") (param i64 i64) (result i64) (i64.extend_i32_u (i64.ge_u (local.get 0) (local.get 1))))
  (func (export "gt_s") (param i64 i64) (result i64) (i64.extend_i32_s (i64.gt_s (local.get 0) (local.get 1))))
  (func (export "eq") (param i64 i64) (result i64) (i64.extend_i32_u (i64.eq (local.get 0) (local.get 1))))
  (func (export "select") (param i64 i64) (result i64) (select (local.get 0) (local.get 1) (i64.le_u (local.get 0) (local.get 1))))
  (func (export "mem") (param i64 i64) (result i64)
    (i64.store offset=1 (i32.and (i32.wrap_i64 (local.get 0)) (i32.const 0xffff)) (local.get 1))
    (i64.add (i64.load offset=1 (i32.and (i32.wrap_i64 (local.get 0)) (i32.const 0xffff)))
             (i64.load32_s offset=1 (i32.and (i32.wrap_i64 (local.get 0)) (i32.const 0xffff)))))
  (func (export "fadd") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "fsub") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.sub (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "fmul") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "fdiv") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 1)) (f64.reinterpret_i64 (local.get 0)))))
  (func (export "fmix") (param i64 i64) (result i64)
    ;; the direct f64 calls' operands from a constant, from other registers (moved into r0-r3),
    ;; and with a value live below them (spilled around the call)
    (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 1))
      (f64.mul (f64.sub (f64.reinterpret_i64 (local.get 0)) (f64.const 0.5))
               (f64.add (f64.reinterpret_i64 (local.get 1)) (f64.reinterpret_i64 (local.get 0)))))))
  (func (export "fmin") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "ftrunc") (param i64 i64) (result i64) (i64.trunc_f64_s (f64.reinterpret_i64 (local.get 0))))
  (func (export "fsat") (param i64 i64) (result i64) (i64.trunc_sat_f64_u (f64.reinterpret_i64 (local.get 0))))
${F64_STUB_OPS}
  (func (export "fcmp_self") (param i64 i64) (result i64)
    ;; equal operands (false only for a NaN), and a value against its negation (equal only for ±0)
    (i64.or
      (i64.or (i64.extend_i32_u (f64.eq (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 0))))
              (i64.shl (i64.extend_i32_u (f64.le (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 0)))) (i64.const 1)))
      (i64.or (i64.shl (i64.extend_i32_u (f64.eq (f64.reinterpret_i64 (local.get 0)) (f64.neg (f64.reinterpret_i64 (local.get 0))))) (i64.const 2))
              (i64.shl (i64.extend_i32_u (f64.gt (f64.reinterpret_i64 (local.get 0)) (f64.neg (f64.reinterpret_i64 (local.get 0))))) (i64.const 3)))))
  (func (export "fcmp_live") (param i64 i64) (result i64)
    ;; values live across the comparison (spilled around the stub's call)
    (i64.add (local.get 1) (i64.add (local.get 0)
      (i64.extend_i32_u (f64.lt (f64.reinterpret_i64 (local.get 1)) (f64.reinterpret_i64 (local.get 0)))))))
  (func (export "f32mul") (param i64 i64) (result i64)
    (i64.extend_i32_u (i32.reinterpret_f32 (f32.mul (f32.demote_f64 (f64.reinterpret_i64 (local.get 0))) (f32.convert_i64_s (local.get 1))))))
)`;

/** WIDE_OPS in V8 and compiled on the emulated core. */
function wideOps() {
  const bytes = wat2wasm(WIDE_OPS);
  return { instance: new WebAssembly.Instance(new WebAssembly.Module(bytes)), m: readModule(bytes), machine: new SimMachine(compileWasm(bytes), { memoryBytes: 65536 }) };
}

test("i64, f32 and f64 operators (inline and through helpers) give V8's result or trap", () => {
  const { instance, m, machine } = wideOps();
  const rand = rng(0x64);
  const word = () => BigInt(Math.floor(rand() * 2 ** 32));
  const edge = [0n, 1n, 63n, 64n, 2n ** 63n, 2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 32n, 0x3ff0000000000000n, 0x7ff8000000000000n, 0xc3e0000000000000n,
    // ±infinity, a signalling NaN, NaNs whose payload is only in the low or high word, -1, the smallest negative subnormal
    0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff0000000000001n, 0xfff0000100000000n, 0xbff0000000000000n, 0x8000000000000001n];
  const pick = () => (rand() < 0.4 ? (edge[Math.floor(rand() * edge.length)] ?? 0n) : (word() << 32n) | word());
  let calls = 0;
  let traps = 0;
  for (const e of m.exports) {
    for (let k = 0; k < 40; k++) {
      // every edge as the first operand once, so each export sees them all
      const [a, b] = [k < edge.length ? (edge[k] ?? 0n) : pick(), pick()];
      const ours = machine.call(e.index, [a & 0xffffffffn, a >> 32n, b & 0xffffffffn, b >> 32n].map(Number));
      const f = instance.exports[e.name] as (x: bigint, y: bigint) => bigint;
      let theirs: bigint | "trap";
      try {
        theirs = BigInt.asUintN(64, f(BigInt.asIntN(64, a), BigInt.asIntN(64, b)));
      } catch (err) {
        if (!(err instanceof WebAssembly.RuntimeError)) throw err;
        theirs = "trap";
      }
      calls++;
      if (theirs === "trap") {
        traps++;
        assert.ok(ours.trap, `${e.name}(${a}, ${b}) traps in V8`);
        continue;
      }
      assert.equal(ours.trap, undefined, `${e.name}(${a}, ${b}) trapped (${ours.trap?.kind})`);
      const got = (BigInt(ours.hi >>> 0) << 32n) | BigInt(ours.lo >>> 0);
      // NaN bits may differ (both canonical or arithmetic): compare NaN-ness for float results
      const nan = (v: bigint) => (v & 0x7ff0000000000000n) === 0x7ff0000000000000n && (v & 0xfffffffffffffn) !== 0n;
      if (["fadd", "fsub", "fmul", "fdiv", "fmix", "fmin"].includes(e.name) && nan(theirs)) assert.ok(nan(got), `${e.name}(${a}, ${b}) is NaN in V8`);
      else if (e.name === "f32mul" && (theirs & 0x7f800000n) === 0x7f800000n && (theirs & 0x7fffffn) !== 0n) assert.ok((got & 0x7fffffn) !== 0n);
      else assert.equal(got, theirs, `${e.name}(${a}, ${b})`);
    }
  }
  assert.ok(calls > 700 && traps > 5, `${calls} calls, ${traps} traps`);
});

test("i32.trunc_sat_f64_s/_u in the Thumb stub: every exponent around the i32 range, both signs, as V8", () => {
  const { instance, m, machine } = wideOps();
  const rand = rng(0x5a7);
  for (const name of ["fsat32s_near", "fsat32u_near"]) {
    const index = m.exports.find((e) => e.name === name)?.index ?? -1;
    const f = instance.exports[name] as (x: bigint, y: bigint) => bigint;
    for (let e = 0; e < 64; e++) {
      // significands 0, all ones and random; the sign bit set or not
      for (const frac of [0n, 0xfffffffffffffn, BigInt(Math.floor(rand() * 2 ** 32)) << 20n]) {
        for (const sign of [0n, 1n << 63n]) {
          const a = sign | frac;
          const b = BigInt(e);
          const ours = machine.call(index, [a & 0xffffffffn, a >> 32n, b, 0n].map(Number));
          assert.equal(BigInt(ours.lo >>> 0), BigInt.asUintN(64, f(BigInt.asIntN(64, a), b)), `${name} exponent ${e - 23}, ${a.toString(16)}`);
        }
      }
    }
  }
});

test("results of two 32-bit values come back in r0:r1, more words through the outgoing area", () => {
  const bytes = wat2wasm(`(module
    (func $two (param i32) (result i32 i32) (local.get 0) (i32.const 3))
    (func $three (param i32) (result i64 f32 i32) (i64.extend_i32_u (local.get 0)) (f32.const 2) (i32.const 5))
    (func (export "two") (param i32) (result i32) (call $two (local.get 0)) (i32.sub))
    (func (export "three") (param i32) (result i32) (local i32 i32)
      local.get 0 call $three local.set 1 i32.trunc_f32_s local.set 2 i32.wrap_i64
      local.get 2 i32.add local.get 1 i32.add))`);
  const m = readModule(bytes);
  const machine = new SimMachine(compileWasm(bytes));
  const index = (name: string) => m.exports.find((e) => e.name === name)?.index ?? -1;
  assert.equal(machine.call(index("two"), [10]).lo, 7);
  assert.equal(machine.call(index("three"), [10]).lo, 17);
  const multi = machine.call(1, [9], 4);
  assert.deepEqual(multi.words, [9, 0, 0x40000000, 5]);
});
