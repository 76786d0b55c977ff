// What the soft-float helper computes (HELPER.f32), with WebAssembly's semantics: the runner
// services it in JavaScript; the device's C helper must give the same bits. f32 arithmetic is
// exact through f64 then Math.fround (a double holds every f32 sum, product and quotient with
// enough bits that rounding twice equals rounding once); NaN results are the canonical NaN.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bitsToF32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0] as number;
}

export function f32ToBits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc00000;
  f32[0] = x;
  return u32[0] as number;
}

/** Conversion statuses (r1): 0 ok, 1 integer overflow, 2 NaN (invalid conversion). */
export const CONVERT_OVERFLOW = 1;
export const CONVERT_NAN = 2;

/** Ties to even, keeping the sign of zero. */
function nearest(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x - Math.trunc(x)) !== 0.5) return Math.round(x) === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : Math.round(x);
  return 2 * Math.round(x / 2);
}

/** wasm's min/max: NaN if either is NaN, -0 below +0 (Math.min/max agree). */
const BINARY: Record<number, (a: number, b: number) => number> = {
  0x92: (a, b) => a + b, 0x93: (a, b) => a - b, 0x94: (a, b) => a * b, 0x95: (a, b) => a / b,
  0x96: Math.min, 0x97: Math.max,
};
const COMPARE: Record<number, (a: number, b: number) => boolean> = {
  0x5b: (a, b) => a === b, 0x5c: (a, b) => a !== b, 0x5d: (a, b) => a < b, 0x5e: (a, b) => a > b, 0x5f: (a, b) => a <= b, 0x60: (a, b) => a >= b,
};
const UNARY: Record<number, (a: number) => number> = {
  0x8d: Math.ceil, 0x8e: Math.floor, 0x8f: Math.trunc, 0x90: nearest, 0x91: Math.sqrt,
};

/** [result bits, status] of f32 operation `op` (a wasm opcode; 0x100 + n for 0xfc n). */
export function f32Helper(op: number, a: number, b: number): [number, number] {
  const x = bitsToF32(a);
  const bin = BINARY[op];
  if (bin) return [f32ToBits(Math.fround(bin(x, bitsToF32(b)))), 0];
  const cmp = COMPARE[op];
  if (cmp) return [cmp(x, bitsToF32(b)) ? 1 : 0, 0];
  const un = UNARY[op];
  if (un) return [f32ToBits(Math.fround(un(x))), 0];
  if (op === 0xb2) return [f32ToBits(Math.fround(a | 0)), 0];
  if (op === 0xb3) return [f32ToBits(Math.fround(a >>> 0)), 0];
  if (op === 0xa8 || op === 0xa9 || op === 0x100 || op === 0x101) return truncate(x, op === 0xa8 || op === 0x100, op >= 0x100);
  throw new Error(`no f32 operation 0x${op.toString(16)}`);
}

function truncate(x: number, signed: boolean, saturate: boolean): [number, number] {
  const [lo, hi] = signed ? [-2147483648, 2147483647] : [0, 4294967295];
  if (Number.isNaN(x)) return [0, saturate ? 0 : CONVERT_NAN];
  const t = Math.trunc(x);
  if (t < lo || t > hi) return saturate ? [(t < lo ? lo : hi) >>> 0, 0] : [0, CONVERT_OVERFLOW];
  return [t >>> 0, 0];
}

// --- the wide helper (HELPER.wide): i64 and f64 operations on 32-bit words, low word first

const f64 = new Float64Array(1);
const w64 = new Uint32Array(f64.buffer);
const I64_MIN = -(2n ** 63n);

function toF64(lo: number, hi: number): number {
  w64[0] = lo >>> 0;
  w64[1] = hi >>> 0;
  return f64[0] as number;
}

/** Result bits; a NaN result is the canonical NaN (V8 can keep a signalling NaN's bits). */
function fromF64(x: number): number[] {
  if (Number.isNaN(x)) return [0, 0x7ff80000];
  f64[0] = x;
  return [w64[0] as number, w64[1] as number];
}

function fromI64(v: bigint): number[] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/** i64 to f32 rounded once: to 53 bits with a sticky bit (round to odd), then to 24 bits. */
function i64ToF32(v: bigint): number {
  const neg = v < 0n;
  let n = neg ? -v : v;
  let scale = 1;
  const len = n.toString(2).length;
  if (len > 53) {
    const shift = BigInt(len - 53);
    const sticky = (n & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    n = (n >> shift) | sticky;
    scale = 2 ** (len - 53);
  }
  const x = Math.fround(Number(n) * scale);
  return neg ? -x : x;
}

type Status = 0 | 3 | 4 | 5;
const DIV_ZERO = 3;
const OVERFLOW = 4;
const INVALID = 5;

/** The float's integer part as an integer of `bits` bits, or the trap status / saturated value. */
function truncWide(x: number, bits: 32 | 64, signed: boolean, saturate: boolean): { status: Status; value: bigint } {
  const lo = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const hi = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  if (Number.isNaN(x)) return { status: saturate ? 0 : INVALID, value: 0n };
  if (!Number.isFinite(x)) return saturate ? { status: 0, value: x < 0 ? lo : hi } : { status: OVERFLOW, value: 0n };
  const t = BigInt(Math.trunc(x));
  if (t < lo || t > hi) return saturate ? { status: 0, value: t < lo ? lo : hi } : { status: OVERFLOW, value: 0n };
  return { status: 0, value: t };
}

const I64_BINARY: Record<number, (a: bigint, b: bigint) => bigint> = {
  0x7c: (a, b) => a + b, 0x7d: (a, b) => a - b, 0x7e: (a, b) => a * b,
  0x83: (a, b) => a & b, 0x84: (a, b) => a | b, 0x85: (a, b) => a ^ b,
  0x86: (a, b) => a << (b & 63n), 0x87: (a, b) => BigInt.asIntN(64, a) >> (b & 63n), 0x88: (a, b) => a >> (b & 63n),
  0x89: (a, b) => (a << (b & 63n)) | (a >> ((64n - (b & 63n)) & 63n)),
  0x8a: (a, b) => (a >> (b & 63n)) | (a << ((64n - (b & 63n)) & 63n)),
};
const I64_COMPARE: Record<number, (a: bigint, b: bigint, sa: bigint, sb: bigint) => boolean> = {
  0x51: (a, b) => a === b, 0x52: (a, b) => a !== b, 0x53: (_a, _b, sa, sb) => sa < sb, 0x54: (a, b) => a < b,
  0x55: (_a, _b, sa, sb) => sa > sb, 0x56: (a, b) => a > b, 0x57: (_a, _b, sa, sb) => sa <= sb, 0x58: (a, b) => a <= b,
  0x59: (_a, _b, sa, sb) => sa >= sb, 0x5a: (a, b) => a >= b,
};
const F64_BINARY: Record<number, (a: number, b: number) => number> = {
  0xa0: (a, b) => a + b, 0xa1: (a, b) => a - b, 0xa2: (a, b) => a * b, 0xa3: (a, b) => a / b, 0xa4: Math.min, 0xa5: Math.max,
};
const F64_COMPARE: Record<number, (a: number, b: number) => boolean> = {
  0x61: (a, b) => a === b, 0x62: (a, b) => a !== b, 0x63: (a, b) => a < b, 0x64: (a, b) => a > b, 0x65: (a, b) => a <= b, 0x66: (a, b) => a >= b,
};
const F64_UNARY: Record<number, (a: number) => number> = {
  0x9b: Math.ceil, 0x9c: Math.floor, 0x9d: Math.trunc, 0x9e: nearest, 0x9f: Math.sqrt,
};

/** The wide operation `op` on operand words w (low word first): the trap status and result words. */
export function wideHelper(op: number, w: readonly number[]): { status: Status; out: number[] } {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = w.map((x) => x >>> 0);
  const a = (BigInt(w1) << 32n) | BigInt(w0);
  const b = (BigInt(w3) << 32n) | BigInt(w2);
  const ok = (out: number[]) => ({ status: 0 as Status, out });
  const bin = I64_BINARY[op];
  if (bin) return ok(fromI64(bin(a, b)));
  const icmp = I64_COMPARE[op];
  if (icmp) return ok([icmp(a, b, BigInt.asIntN(64, a), BigInt.asIntN(64, b)) ? 1 : 0]);
  const fbin = F64_BINARY[op];
  if (fbin) return ok(fromF64(fbin(toF64(w0, w1), toF64(w2, w3))));
  const fcmp = F64_COMPARE[op];
  if (fcmp) return ok([fcmp(toF64(w0, w1), toF64(w2, w3)) ? 1 : 0]);
  const fun = F64_UNARY[op];
  if (fun) return ok(fromF64(fun(toF64(w0, w1))));
  if (op >= 0x7f && op <= 0x82) return divide64(op, a, b);
  const trunc = (x: number, bits: 32 | 64, signed: boolean, saturate: boolean) => {
    const r = truncWide(x, bits, signed, saturate);
    return { status: r.status, out: bits === 32 ? [Number(BigInt.asUintN(32, r.value))] : fromI64(r.value) };
  };
  switch (op) {
    case 0x50: return ok([a === 0n ? 1 : 0]);
    case 0x79: return ok(fromI64(BigInt(64 - (a === 0n ? 0 : a.toString(2).length))));
    case 0x7a: return ok(fromI64(BigInt(ctz64(a))));
    case 0x7b: return ok(fromI64(BigInt([...a.toString(2)].filter((c) => c === "1").length)));
    case 0xaa: case 0xab: return trunc(toF64(w0, w1), 32, op === 0xaa, false);
    case 0xac: return ok(fromI64(BigInt(w0 | 0)));
    case 0xad: return ok([w0, 0]);
    case 0xae: case 0xaf: return trunc(bitsToF32(w0), 64, op === 0xae, false);
    case 0xb0: case 0xb1: return trunc(toF64(w0, w1), 64, op === 0xb0, false);
    case 0xb4: return ok([f32ToBits(i64ToF32(BigInt.asIntN(64, a)))]);
    case 0xb5: return ok([f32ToBits(i64ToF32(a))]);
    case 0xb6: return ok([f32ToBits(Math.fround(toF64(w0, w1)))]);
    case 0xb7: return ok(fromF64(w0 | 0));
    case 0xb8: return ok(fromF64(w0));
    case 0xb9: return ok(fromF64(Number(BigInt.asIntN(64, a))));
    case 0xba: return ok(fromF64(Number(a)));
    case 0xbb: return ok(fromF64(bitsToF32(w0)));
    case 0xc2: return ok(fromI64(BigInt.asIntN(8, a)));
    case 0xc3: return ok(fromI64(BigInt.asIntN(16, a)));
    case 0xc4: return ok(fromI64(BigInt.asIntN(32, a)));
    case 0x102: case 0x103: return trunc(toF64(w0, w1), 32, op === 0x102, true);
    case 0x104: case 0x105: return trunc(bitsToF32(w0), 64, op === 0x104, true);
    case 0x106: case 0x107: return trunc(toF64(w0, w1), 64, op === 0x106, true);
  }
  throw new Error(`no wide operation 0x${op.toString(16)}`);
}

function ctz64(a: bigint): number {
  if (a === 0n) return 64;
  let n = 0;
  while (((a >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}

function divide64(op: number, a: bigint, b: bigint): { status: Status; out: number[] } {
  if (b === 0n) return { status: DIV_ZERO, out: [] };
  const [sa, sb] = [BigInt.asIntN(64, a), BigInt.asIntN(64, b)];
  if (op === 0x7f && sa === I64_MIN && sb === -1n) return { status: OVERFLOW, out: [] };
  const r = op === 0x7f ? sa / sb : op === 0x80 ? a / b : op === 0x81 ? sa % sb : a % b;
  return { status: 0, out: fromI64(r) };
}

/** f64 add/sub/mul/div (opcode 0xa0..0xa3) on the operands' words: the result's words. */
export function f64Arith(op: number, a: readonly [number, number], b: readonly [number, number]): number[] {
  const f = F64_BINARY[op];
  if (!f || op > 0xa3) throw new Error(`no f64 arithmetic 0x${op.toString(16)}`);
  return fromF64(f(toF64(a[0] >>> 0, a[1] >>> 0), toF64(b[0] >>> 0, b[1] >>> 0)));
}

/** Emulated cycles charged per direct f64 add/sub/mul/div call (HELPER.f64Add..f64Div): what the
 * device's table entries took on rp2040js from flash without wait states, BL and return included,
 * on ordinary finite operands, rounded up. Add, sub, mul are firmware/runtime/src/f64_armv6m.S's
 * fast paths: add ~80, sub ~85, mul ~151 (`node --import tsx scripts/bench/81-f64.mjs`: 256 calls
 * of each, less the same loop without the call; libgcc's, which they replaced and still call for
 * zero, subnormal, infinity, NaN and exponents outside 2^±511, took ~165, ~190, ~345 there); div
 * is libgcc's __aeabi_ddiv, ~740 (measured the same way before). Emulated, not silicon. */
export function f64ArithCycles(op: number): number {
  if (op === 0xa3) return 740; // div
  if (op === 0xa2) return 155; // mul
  return 85; // add, sub
}

/** Emulated cycles charged per wide helper call: estimates for M0+ library routines (libgcc's
 * 64-bit division, a soft-float double library), not measured on silicon. */
export function wideCycles(op: number): number {
  if (op >= 0x7f && op <= 0x82) return 200; // 64-bit division
  if (op === 0x9f) return 400; // f64 sqrt
  if (op === 0x7e) return 40; // i64 mul
  return 30; // 64-bit bit operations, comparisons, conversions
}
