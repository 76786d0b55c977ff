// ARMv6-M Thumb instruction encodings (the Cortex-M0+ of the RP2040), written from the
// ARMv6-M Architecture Reference Manual, section A6.7 (alphabetical list of instructions).
// Each function returns the instruction's halfwords; operands are checked, never masked
// silently: an encoding that cannot hold an operand is a compiler bug, so it throws.

/** r0-r7 are the low registers most 16-bit encodings take; sp=13, lr=14, pc=15. */
export type Reg = number;
export const SP = 13;
export const LR = 14;
export const PC = 15;

export class EncodeError extends Error {}

/** Condition codes (ARMv6-M ARM A6.3): the 4-bit field of B<c>. */
export const COND = {
  eq: 0, ne: 1, hs: 2, lo: 3, mi: 4, pl: 5, vs: 6, vc: 7,
  hi: 8, ls: 9, ge: 10, lt: 11, gt: 12, le: 13,
} as const;
export type Cond = keyof typeof COND;

const INVERSE: Record<Cond, Cond> = {
  eq: "ne", ne: "eq", hs: "lo", lo: "hs", mi: "pl", pl: "mi", vs: "vc", vc: "vs",
  hi: "ls", ls: "hi", ge: "lt", lt: "ge", gt: "le", le: "gt",
};
export function invert(c: Cond): Cond {
  return INVERSE[c];
}

function low(r: Reg, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r > 7) throw new EncodeError(`${what}: r${r} is not a low register (r0-r7)`);
  return r;
}
function anyReg(r: Reg, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new EncodeError(`${what}: r${r} is not a register`);
  return r;
}
function unsigned(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 1 << bits) throw new EncodeError(`${what}: ${v} does not fit ${bits} unsigned bits`);
  return v;
}
function scaled(v: number, scale: number, bits: number, what: string): number {
  if (v % scale !== 0) throw new EncodeError(`${what}: ${v} is not a multiple of ${scale}`);
  return unsigned(v / scale, bits, what);
}
function signedField(v: number, bits: number, what: string): number {
  const lim = 2 ** (bits - 1);
  if (!Number.isInteger(v) || v < -lim || v >= lim) throw new EncodeError(`${what}: ${v} does not fit ${bits} signed bits`);
  return v & ((1 << bits) - 1);
}

// --- shifts, add/subtract, move/compare immediate (A6.2.1 "shift, add, subtract, move, compare")
export const lslsImm = (rd: Reg, rm: Reg, n: number) => [(unsigned(n, 5, "lsls #") << 6) | (low(rm, "lsls") << 3) | low(rd, "lsls")];
/** LSRS/ASRS #32 is encoded as 0 (the only way to shift a full word out). */
export const lsrsImm = (rd: Reg, rm: Reg, n: number) => [0x0800 | (shift32(n, "lsrs #") << 6) | (low(rm, "lsrs") << 3) | low(rd, "lsrs")];
export const asrsImm = (rd: Reg, rm: Reg, n: number) => [0x1000 | (shift32(n, "asrs #") << 6) | (low(rm, "asrs") << 3) | low(rd, "asrs")];
function shift32(n: number, what: string): number {
  if (n === 32) return 0;
  if (n < 1 || n > 31 || !Number.isInteger(n)) throw new EncodeError(`${what}: ${n} is not 1-32`);
  return n;
}
export const addsReg = (rd: Reg, rn: Reg, rm: Reg) => [0x1800 | (low(rm, "adds") << 6) | (low(rn, "adds") << 3) | low(rd, "adds")];
export const subsReg = (rd: Reg, rn: Reg, rm: Reg) => [0x1a00 | (low(rm, "subs") << 6) | (low(rn, "subs") << 3) | low(rd, "subs")];
export const addsImm3 = (rd: Reg, rn: Reg, imm: number) => [0x1c00 | (unsigned(imm, 3, "adds #") << 6) | (low(rn, "adds") << 3) | low(rd, "adds")];
export const subsImm3 = (rd: Reg, rn: Reg, imm: number) => [0x1e00 | (unsigned(imm, 3, "subs #") << 6) | (low(rn, "subs") << 3) | low(rd, "subs")];
export const movsImm = (rd: Reg, imm: number) => [0x2000 | (low(rd, "movs") << 8) | unsigned(imm, 8, "movs #")];
export const cmpImm = (rn: Reg, imm: number) => [0x2800 | (low(rn, "cmp") << 8) | unsigned(imm, 8, "cmp #")];
export const addsImm8 = (rdn: Reg, imm: number) => [0x3000 | (low(rdn, "adds") << 8) | unsigned(imm, 8, "adds #")];
export const subsImm8 = (rdn: Reg, imm: number) => [0x3800 | (low(rdn, "subs") << 8) | unsigned(imm, 8, "subs #")];

// --- data processing, register (A6.2.2): OP Rdn, Rm
export const ALU = {
  ands: 0, eors: 1, lsls: 2, lsrs: 3, asrs: 4, adcs: 5, sbcs: 6, rors: 7,
  tst: 8, rsbs: 9, cmp: 10, cmn: 11, orrs: 12, muls: 13, bics: 14, mvns: 15,
} as const;
export type AluOp = keyof typeof ALU;
/** RSBS Rd, Rn, #0 (NEGS) is the only RSBS in ARMv6-M: rdn receives 0 - rm. */
export const alu = (op: AluOp, rdn: Reg, rm: Reg) => [0x4000 | (ALU[op] << 6) | (low(rm, op) << 3) | low(rdn, op)];

// --- special data instructions and branch and exchange (A6.2.3)
export const addHi = (rdn: Reg, rm: Reg) => {
  anyReg(rdn, "add");
  anyReg(rm, "add");
  return [0x4400 | ((rdn & 8) << 4) | (rm << 3) | (rdn & 7)];
};
export const cmpHi = (rn: Reg, rm: Reg) => {
  anyReg(rn, "cmp");
  anyReg(rm, "cmp");
  return [0x4500 | ((rn & 8) << 4) | (rm << 3) | (rn & 7)];
};
export const mov = (rd: Reg, rm: Reg) => {
  anyReg(rd, "mov");
  anyReg(rm, "mov");
  return [0x4600 | ((rd & 8) << 4) | (rm << 3) | (rd & 7)];
};
export const bx = (rm: Reg) => [0x4700 | (anyReg(rm, "bx") << 3)];
export const blx = (rm: Reg) => [0x4780 | (anyReg(rm, "blx") << 3)];

/** LDR Rt, [PC, #imm]: imm is from Align(PC + 4, 4), a multiple of 4 up to 1020. */
export const ldrLit = (rt: Reg, imm: number) => [0x4800 | (low(rt, "ldr") << 8) | scaled(imm, 4, 8, "ldr [pc, #]")];

// --- load/store single (A6.2.4)
export type Width = "word" | "half" | "byte";
const REG_OFFSET = { str: 0, strh: 1, strb: 2, ldrsb: 3, ldr: 4, ldrh: 5, ldrb: 6, ldrsh: 7 } as const;
export type MemOp = keyof typeof REG_OFFSET;
export const memReg = (op: MemOp, rt: Reg, rn: Reg, rm: Reg) =>
  [0x5000 | (REG_OFFSET[op] << 9) | (low(rm, op) << 6) | (low(rn, op) << 3) | low(rt, op)];

const IMM_OFFSET = {
  str: [0x6000, 4], ldr: [0x6800, 4], strb: [0x7000, 1], ldrb: [0x7800, 1], strh: [0x8000, 2], ldrh: [0x8800, 2],
} as const;
export type MemImmOp = keyof typeof IMM_OFFSET;
/** The largest immediate offset each form takes (imm5 scaled by the access size). */
export function maxImmOffset(op: MemImmOp): number {
  return 31 * IMM_OFFSET[op][1];
}
export const memImm = (op: MemImmOp, rt: Reg, rn: Reg, offset: number) => {
  const [base, size] = IMM_OFFSET[op];
  return [base | (scaled(offset, size, 5, `${op} #`) << 6) | (low(rn, op) << 3) | low(rt, op)];
};
export const strSp = (rt: Reg, offset: number) => [0x9000 | (low(rt, "str") << 8) | scaled(offset, 4, 8, "str [sp, #]")];
export const ldrSp = (rt: Reg, offset: number) => [0x9800 | (low(rt, "ldr") << 8) | scaled(offset, 4, 8, "ldr [sp, #]")];

// --- PC/SP relative address generation, miscellaneous 16-bit (A6.2.5)
export const addRdSp = (rd: Reg, imm: number) => [0xa800 | (low(rd, "add") << 8) | scaled(imm, 4, 8, "add rd, sp, #")];
export const addSp = (imm: number) => [0xb000 | scaled(imm, 4, 7, "add sp, #")];
export const subSp = (imm: number) => [0xb080 | scaled(imm, 4, 7, "sub sp, #")];
export const sxth = (rd: Reg, rm: Reg) => [0xb200 | (low(rm, "sxth") << 3) | low(rd, "sxth")];
export const sxtb = (rd: Reg, rm: Reg) => [0xb240 | (low(rm, "sxtb") << 3) | low(rd, "sxtb")];
export const uxth = (rd: Reg, rm: Reg) => [0xb280 | (low(rm, "uxth") << 3) | low(rd, "uxth")];
export const uxtb = (rd: Reg, rm: Reg) => [0xb2c0 | (low(rm, "uxtb") << 3) | low(rd, "uxtb")];
export const rev = (rd: Reg, rm: Reg) => [0xba00 | (low(rm, "rev") << 3) | low(rd, "rev")];
export const rev16 = (rd: Reg, rm: Reg) => [0xba40 | (low(rm, "rev16") << 3) | low(rd, "rev16")];
export const revsh = (rd: Reg, rm: Reg) => [0xbac0 | (low(rm, "revsh") << 3) | low(rd, "revsh")];
function regList(regs: readonly Reg[], extra: Reg, what: string): { list: number; extraBit: number } {
  let list = 0;
  let extraBit = 0;
  for (const r of regs) {
    if (r === extra) extraBit = 1;
    else list |= 1 << low(r, what);
  }
  if (list === 0 && extraBit === 0) throw new EncodeError(`${what}: empty register list`);
  return { list, extraBit };
}
/** PUSH {r0-r7, lr}. */
export const push = (regs: readonly Reg[]) => {
  const { list, extraBit } = regList(regs, LR, "push");
  return [0xb400 | (extraBit << 8) | list];
};
/** POP {r0-r7, pc}. */
export const pop = (regs: readonly Reg[]) => {
  const { list, extraBit } = regList(regs, PC, "pop");
  return [0xbc00 | (extraBit << 8) | list];
};
export const bkpt = (imm: number) => [0xbe00 | unsigned(imm, 8, "bkpt #")];
/** MOV r8, r8: the NOP GNU as emits for ARMv6-M (the NOP hint, 0xBF00, does the same). */
export const nop = () => mov(8, 8);

// --- multiple load/store, conditional branch, supervisor call, unconditional branch
export const udf = (imm: number) => [0xde00 | unsigned(imm, 8, "udf #")];
export const svc = (imm: number) => [0xdf00 | unsigned(imm, 8, "svc #")];
/** B<c> to PC + 4 + offset; offset even, -256..254. */
export const bCond = (c: Cond, offset: number) => [0xd000 | (COND[c] << 8) | signedField(half(offset, "b<c>"), 8, "b<c> offset")];
/** B to PC + 4 + offset; offset even, -2048..2046. */
export const b = (offset: number) => [0xe000 | signedField(half(offset, "b"), 11, "b offset")];
/** BL to PC + 4 + offset (32-bit, T1): offset even, within ±16 MiB. */
export const bl = (offset: number) => {
  const imm = signedField(half(offset, "bl"), 24, "bl offset");
  const s = (imm >> 23) & 1;
  const i1 = (imm >> 22) & 1;
  const i2 = (imm >> 21) & 1;
  const j1 = (~(i1 ^ s)) & 1;
  const j2 = (~(i2 ^ s)) & 1;
  return [0xf000 | (s << 10) | ((imm >> 11) & 0x3ff), 0xd000 | (j1 << 13) | (j2 << 11) | (imm & 0x7ff)];
};
function half(offset: number, what: string): number {
  if (offset % 2 !== 0) throw new EncodeError(`${what}: odd branch offset ${offset}`);
  return offset / 2;
}

/** Branch ranges from the instruction's PC + 4, for the assembler's relaxation. */
export const RANGE = {
  bCond: { min: -256, max: 254 },
  b: { min: -2048, max: 2046 },
  bl: { min: -(1 << 24), max: (1 << 24) - 2 },
  ldrLit: { max: 1020 },
} as const;
