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
