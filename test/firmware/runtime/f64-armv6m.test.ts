// The AOT helper table's f64 add/sub/mul (firmware/runtime/src/f64_armv6m.S) against two
// references we did not write: V8's own float64 arithmetic (IEEE 754, round to nearest even)
// and libgcc's __aeabi_dadd/dsub/dmul, over seeded operands that aim at the fast paths' edges
// (cancellation, every alignment shift, exact ties, carries out of rounding, the exponent range
// limits) and at the cases handed to libgcc (zero, subnormal, infinity, NaN, overflow). Built with
// arm-none-eabi-gcc for the qemu-arm wasmcu-vm's core (aot-vm.ts) and once more for the
// Cortex-M0+, so an instruction ARMv6-M lacks fails the build.
//   longer by hand: F64_CASES=10000000 F64_SEED=7 node scripts/test.mjs f64-armv6m
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";

import { repoRoot } from "../../helpers/paths.ts";
import { prng } from "../../helpers/prng.ts";
import { AOT_VM_FLAGS } from "./aot-vm.ts";
import { runtimeDir } from "./cross-vm.ts";

const source = path.join(runtimeDir, "src", "f64_armv6m.S");
const driver = path.join(repoRoot, "test", "firmware", "runtime", "f64-armv6m", "driver.c");
const CASES = Number(process.env.F64_CASES ?? 200_000);
const SEED = Number(process.env.F64_SEED ?? 20);
const out = mkdtempSync(path.join(os.tmpdir(), "wasmcu-f64-armv6m-"));
after(() => rmSync(out, { recursive: true, force: true }));

const EXP_BIAS = 1023;
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const bitsOf = (x: number): bigint => ((f64[0] = x), u64[0]!);
const valueOf = (b: bigint): number => ((u64[0] = b), f64[0]!);
const pack = (sign: number, exp: number, frac: bigint): bigint => (BigInt(sign) << 63n) | (BigInt(exp) << 52n) | frac;
const expOf = (b: bigint): number => Number((b >> 52n) & 0x7ffn);

/** Seeded operand pairs, each kind in turn. */
function operands(seed: number, n: number): BigUint64Array {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const word = () => BigInt(Math.floor(r() * 2 ** 32));
  const sign = () => int(0, 1);
  // random fractions, and ones with long runs of ones or zeros (carries, exact results)
  const frac = (): bigint => {
    const f = ((word() << 32n) | word()) & 0xfffffffffffffn;
    switch (int(0, 5)) {
      case 0: return 0xfffffffffffffn ^ (f >> BigInt(int(8, 52)));
      case 1: return f & ~((1n << BigInt(int(1, 52))) - 1n);
      case 2: return f >> BigInt(int(8, 52));
      default: return f;
    }
  };
  const normal = (exp: number) => pack(sign(), Math.min(2046, Math.max(1, exp)), frac());
  const special = (): bigint => {
    switch (int(0, 7)) {
      case 0: return pack(sign(), 0, 0n); // ±0
      case 1: return pack(sign(), 0, frac() || 1n); // subnormal
      case 2: return pack(sign(), 2047, 0n); // ±inf
      case 3: return pack(sign(), 2047, 0x8000000000000n | frac()); // quiet NaN
      case 4: return pack(sign(), 2047, (frac() & 0x7ffffffffffffn) || 1n); // signalling NaN
      case 5: return pack(sign(), 2046, 0xfffffffffffffn); // ±max
      case 6: return pack(sign(), 1, 0n); // ±min normal
      default: return normal(int(1, 2046));
    }
  };
  /** a normal odd integer of `width` bits times 2^shift, exactly */
  const narrow = (width: number, shift: number) => bitsOf((Math.floor(r() * 2 ** (width - 1)) * 2 + 1) * 2 ** shift * (sign() ? -1 : 1));
  const pairs = new BigUint64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let a: bigint;
    let b: bigint;
    const ea = int(1, 2046);
    switch (i % 10) {
      case 0: // any bit patterns
        a = (word() << 32n) | word();
        b = (word() << 32n) | word();
        break;
      case 1: // exponents close together: cancellation
        a = normal(ea);
        b = normal(ea + int(-2, 2));
        break;
      case 2: // every alignment shift, and past the significand
        a = normal(ea);
        b = normal(ea - int(0, 70));
        break;
      case 3: { // a + b and a - b exactly halfway between two doubles (and near it)
        a = normal(int(100, 1900));
        const half = 2 ** (expOf(a) - EXP_BIAS - 53);
        b = bitsOf((2 * int(0, 1 << int(0, 20)) + 1) * half * (sign() ? -1 : 1) + (i % 20 === 3 ? half * 2 ** -40 : 0));
        break;
      }
      case 4: // products of narrow significands: exact, ties, one bit past
        a = narrow(int(1, 34), int(-60, 60));
        b = narrow(int(1, 34), int(-60, 60));
        break;
      case 5: { // exponents at the fast paths' limits (512 <= e < 1536, ea + eb <= 3068) and past them
        const edge = () => (r() < 0.5 ? 512 : 1536) + int(-3, 2);
        a = normal(edge());
        b = r() < 0.3 ? normal(int(900, 1150)) : r() < 0.5 ? normal(edge()) : normal(int(1530, 1537));
        break;
      }
      case 6: // sums at the top of the range (overflow) and differences at the bottom (subnormal)
        a = normal(r() < 0.5 ? int(2040, 2046) : int(1, 70));
        b = normal(expOf(a) + int(-3, 3));
        break;
      case 7: // the cases handed to libgcc, on either side
        a = special();
        b = r() < 0.5 ? special() : normal(int(1, 2046));
        if (r() < 0.5) [a, b] = [b, a];
        break;
      default: // ordinary operands
        a = normal(int(900, 1150));
        b = normal(int(900, 1150));
        break;
    }
    pairs[2 * i] = a;
    pairs[2 * i + 1] = b;
  }
  return pairs;
}

function build(): string {
  const elf = path.join(out, "driver.elf");
  const cc = spawnSync("arm-none-eabi-gcc", [...AOT_VM_FLAGS, driver, source, "-o", elf], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  return elf;
}

/** The three results of ours, then libgcc's, per pair, as qemu-arm ran them. */
function run(elf: string, pairs: BigUint64Array): BigUint64Array {
  const input = path.join(out, "pairs.bin");
  const output = path.join(out, "results.bin");
  writeFileSync(input, new Uint8Array(pairs.buffer));
  const r = spawnSync("qemu-arm", [elf, input, output], { encoding: "utf8", timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), String(pairs.length / 2));
  const bytes = readFileSync(output);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}

const hex = (b: bigint) => `0x${b.toString(16).padStart(16, "0")}`;
const OPS = [
  { name: "add", v8: (x: number, y: number) => x + y },
  { name: "sub", v8: (x: number, y: number) => x - y },
  { name: "mul", v8: (x: number, y: number) => x * y },
];

test("the routines use only ARMv6-M instructions (assembled for the Cortex-M0+)", () => {
  const cc = spawnSync("arm-none-eabi-gcc", ["-mcpu=cortex-m0plus", "-mthumb", "-Wall", "-Wextra", "-Werror", "-c", source,
    "-o", path.join(out, "m0.o")], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
});

test(`f64 add, sub, mul give V8's bits on their fast paths and libgcc's elsewhere on ${CASES.toLocaleString("en-US")} seeded operand pairs (qemu-arm)`, { timeout: 900_000 }, () => {
  const pairs = operands(SEED, CASES);
  const results = run(build(), pairs);
  const failures: string[] = [];
  // how many pairs each op's fast path takes (its exponent checks), so the generator is known to reach it
  const fast = [0, 0, 0];
  for (let i = 0; i < CASES; i++) {
    const [a, b] = [pairs[2 * i]!, pairs[2 * i + 1]!];
    const [ea, eb] = [expOf(a), expOf(b)];
    const addFast = ea >= 512 && ea < 1536 && eb >= 512 && eb < 1536;
    const mulFast = addFast && ea + eb <= 3068;
    const [x, y] = [valueOf(a), valueOf(b)];
    OPS.forEach((op, k) => {
      const ours = results[6 * i + k]!;
      const gcc = results[6 * i + 3 + k]!;
      const want = bitsOf(op.v8(x, y));
      const onFastPath = k < 2 ? addFast : mulFast;
      if (onFastPath) fast[k] = fast[k]! + 1;
      // The fast path has one right answer, V8's (never a NaN). Everything else is a tail call into
      // libgcc, so its bits are exactly libgcc's; V8 is not asked there, as this build's libgcc
      // (the Thumb-2 ieee754-df.S) misrounds a few sums whose operands are far apart in exponent:
      // the device's (v6-m, soft-fp C) is another routine.
      const ok = onFastPath ? ours === want : ours === gcc && Number.isNaN(valueOf(ours)) === Number.isNaN(valueOf(want));
      if (!ok && failures.length < 20) {
        failures.push(`${op.name}(${hex(a)}, ${hex(b)}): ours ${hex(ours)}, libgcc ${hex(gcc)}, V8 ${hex(want)}`);
      }
    });
  }
  assert.deepEqual(failures, []);
  for (const n of fast) assert.ok(n > CASES / 2, `only ${n} of ${CASES} pairs on a fast path`);
});
