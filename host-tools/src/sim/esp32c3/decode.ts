// RV32IMC instruction decoding: a 16- or 32-bit instruction becomes one packed
// word (operation, rd, rs1, rs2, length) plus an immediate, cached per address
// by the core (cpu.ts). Compressed instructions are expanded to their 32-bit
// equivalents first (RISC-V unprivileged spec, chapter "C" standard extension),
// so the executor has one case per operation, not per encoding.
import { Op } from "./execute.js";

/** Packed word layout: op | rd << 8 | rs1 << 13 | rs2 << 18 | (length 4 ? 1 : 0) << 23. */
export function pack(op: Op, rd: number, rs1: number, rs2: number, wide: boolean): number {
  return op | (rd << 8) | (rs1 << 13) | (rs2 << 18) | (wide ? 1 << 23 : 0);
}

export interface Decoded {
  word: number;
  imm: number;
}

const immI = (i: number) => i >> 20;
const immS = (i: number) => ((i >> 25) << 5) | ((i >>> 7) & 0x1f);
const immB = (i: number) =>
  ((i >> 31) << 12) | (((i >>> 7) & 1) << 11) | (((i >>> 25) & 0x3f) << 5) | (((i >>> 8) & 0xf) << 1);
const immJ = (i: number) =>
  ((i >> 31) << 20) | (((i >>> 12) & 0xff) << 12) | (((i >>> 20) & 1) << 11) | (((i >>> 21) & 0x3ff) << 1);

const BRANCHES: (Op | undefined)[] = [Op.Beq, Op.Bne, undefined, undefined, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu];
const LOADS: (Op | undefined)[] = [Op.Lb, Op.Lh, Op.Lw, undefined, Op.Lbu, Op.Lhu, undefined, undefined];
const STORES: (Op | undefined)[] = [Op.Sb, Op.Sh, Op.Sw];
const ALU_IMM: Op[] = [Op.Addi, Op.Slli, Op.Slti, Op.Sltiu, Op.Xori, Op.Srli, Op.Ori, Op.Andi];
const ALU_REG: Op[] = [Op.Add, Op.Sll, Op.Slt, Op.Sltu, Op.Xor, Op.Srl, Op.Or, Op.And];
const MULDIV: Op[] = [Op.Mul, Op.Mulh, Op.Mulhsu, Op.Mulhu, Op.Div, Op.Divu, Op.Rem, Op.Remu];
const CSR_OPS: (Op | undefined)[] = [undefined, Op.Csrrw, Op.Csrrs, Op.Csrrc, undefined, Op.Csrrwi, Op.Csrrsi, Op.Csrrci];

function illegal(raw: number, wide: boolean): Decoded {
  return { word: pack(Op.Illegal, 0, 0, 0, wide), imm: raw | 0 };
}

/** Decodes a 32-bit instruction (or the expansion of a 16-bit one, `wide` false). */
export function decode32(i: number, wide: boolean, raw: number = i): Decoded {
  const rd = (i >>> 7) & 31;
  const f3 = (i >>> 12) & 7;
  const rs1 = (i >>> 15) & 31;
  const rs2 = (i >>> 20) & 31;
  const f7 = i >>> 25;
  const ok = (op: Op | undefined, imm: number): Decoded =>
    op === undefined ? illegal(raw, wide) : { word: pack(op, rd, rs1, rs2, wide), imm };
  switch (i & 0x7f) {
    case 0x37: return ok(Op.Lui, i & 0xfffff000);
    case 0x17: return ok(Op.Auipc, i & 0xfffff000);
    case 0x6f: return ok(Op.Jal, immJ(i));
    case 0x67: return ok(f3 === 0 ? Op.Jalr : undefined, immI(i));
    case 0x63: return ok(BRANCHES[f3], immB(i));
    case 0x03: return ok(LOADS[f3], immI(i));
    case 0x23: return ok(STORES[f3], immS(i));
    case 0x13: return decodeAluImm(i, f3, f7, ok);
    case 0x33: return decodeAluReg(f3, f7, ok);
    case 0x0f: return ok(f3 === 0 ? Op.Fence : f3 === 1 ? Op.FenceI : undefined, 0);
    case 0x73: return decodeSystem(i, f3, rd, rs1, ok);
    default: return illegal(raw, wide);
  }
}

type Ok = (op: Op | undefined, imm: number) => Decoded;

function decodeAluImm(i: number, f3: number, f7: number, ok: Ok): Decoded {
  if (f3 === 1) return ok(f7 === 0 ? Op.Slli : undefined, (i >>> 20) & 31);
  if (f3 === 5) return ok(f7 === 0 ? Op.Srli : f7 === 0x20 ? Op.Srai : undefined, (i >>> 20) & 31);
  return ok(ALU_IMM[f3], immI(i));
}

function decodeAluReg(f3: number, f7: number, ok: Ok): Decoded {
  if (f7 === 1) return ok(MULDIV[f3], 0);
  if (f7 === 0) return ok(ALU_REG[f3], 0);
  if (f7 === 0x20 && f3 === 0) return ok(Op.Sub, 0);
  if (f7 === 0x20 && f3 === 5) return ok(Op.Sra, 0);
  return ok(undefined, 0);
}

function decodeSystem(i: number, f3: number, rd: number, rs1: number, ok: Ok): Decoded {
  if (f3 !== 0) return ok(CSR_OPS[f3], (i >>> 20) & 0xfff);
  if (rd !== 0 || rs1 !== 0) return ok(undefined, 0);
  switch (i >>> 20) {
    case 0x000: return ok(Op.Ecall, 0);
    case 0x001: return ok(Op.Ebreak, 0);
    case 0x302: return ok(Op.Mret, 0);
    case 0x105: return ok(Op.Wfi, 0);
    default: return ok(undefined, 0);
  }
}

// --- compressed (RVC) expansion to the equivalent 32-bit encodings ---

const encR = (f7: number, rs2: number, rs1: number, f3: number, rd: number, opc: number) =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const encI = (imm: number, rs1: number, f3: number, rd: number, opc: number) =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const encS = (imm: number, rs2: number, rs1: number, f3: number, opc: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | opc;
const encB = (imm: number, rs2: number, rs1: number, f3: number) =>
  (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
  (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
const encJ = (imm: number, rd: number) =>
  (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
  (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;

const bit = (h: number, n: number) => (h >>> n) & 1;
const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);
/** rd'/rs1'/rs2' fields name x8..x15. */
const creg = (h: number, at: number) => 8 + ((h >>> at) & 7);

/** The 32-bit equivalent of a compressed instruction, or undefined if it is reserved/illegal. */
export function expandCompressed(h: number): number | undefined {
  const f3 = (h >>> 13) & 7;
  switch (h & 3) {
    case 0: return expandQuadrant0(h, f3);
    case 1: return expandQuadrant1(h, f3);
    case 2: return expandQuadrant2(h, f3);
    default: return undefined;
  }
}

function expandQuadrant0(h: number, f3: number): number | undefined {
  const rdp = creg(h, 2);
  const rs1p = creg(h, 7);
  const lwImm = (bit(h, 5) << 6) | (((h >>> 10) & 7) << 3) | (bit(h, 6) << 2);
  switch (f3) {
    case 0: { // c.addi4spn
      const imm = (((h >>> 7) & 0xf) << 6) | (((h >>> 11) & 3) << 4) | (bit(h, 5) << 3) | (bit(h, 6) << 2);
      return imm === 0 ? undefined : encI(imm, 2, 0, rdp, 0x13);
    }
    case 2: return encI(lwImm, rs1p, 2, rdp, 0x03); // c.lw
    case 6: return encS(lwImm, rdp, rs1p, 2, 0x23); // c.sw (rs2' sits where rd' is)
    default: return undefined;
  }
}

function expandQuadrant1(h: number, f3: number): number | undefined {
  const rd = (h >>> 7) & 31;
  const imm6 = sext((bit(h, 12) << 5) | ((h >>> 2) & 31), 6);
  switch (f3) {
    case 0: return encI(imm6, rd, 0, rd, 0x13); // c.addi / c.nop
    case 1: return encJ(cjImm(h), 1); // c.jal
    case 2: return encI(imm6, 0, 0, rd, 0x13); // c.li
    case 3: return expandLuiAddi16sp(h, rd);
    case 4: return expandMiscAlu(h);
    case 5: return encJ(cjImm(h), 0); // c.j
    case 6: return encB(cbImm(h), 0, creg(h, 7), 0); // c.beqz
    default: return encB(cbImm(h), 0, creg(h, 7), 1); // c.bnez
  }
}

function cjImm(h: number): number {
  return sext(
    (bit(h, 12) << 11) | (bit(h, 8) << 10) | (((h >>> 9) & 3) << 8) | (bit(h, 6) << 7) | (bit(h, 7) << 6) |
    (bit(h, 2) << 5) | (bit(h, 11) << 4) | (((h >>> 3) & 7) << 1), 12);
}

function cbImm(h: number): number {
  return sext(
    (bit(h, 12) << 8) | (((h >>> 5) & 3) << 6) | (bit(h, 2) << 5) | (((h >>> 10) & 3) << 3) | (((h >>> 3) & 3) << 1), 9);
}

function expandLuiAddi16sp(h: number, rd: number): number | undefined {
  if (rd === 2) { // c.addi16sp
    const imm = sext(
      (bit(h, 12) << 9) | (((h >>> 3) & 3) << 7) | (bit(h, 5) << 6) | (bit(h, 2) << 5) | (bit(h, 6) << 4), 10);
    return imm === 0 ? undefined : encI(imm, 2, 0, 2, 0x13);
  }
  const imm = sext((bit(h, 12) << 17) | (((h >>> 2) & 31) << 12), 18);
  if (imm === 0) return undefined; // c.lui with nzimm 0 is reserved
  return (imm & 0xfffff000) | (rd << 7) | 0x37;
}

function expandMiscAlu(h: number): number | undefined {
  const rd = creg(h, 7);
  const rs2 = creg(h, 2);
  const shamt = (h >>> 2) & 31;
  switch ((h >>> 10) & 3) {
    case 0: return bit(h, 12) ? undefined : encI(shamt, rd, 5, rd, 0x13); // c.srli
    case 1: return bit(h, 12) ? undefined : encI(0x400 | shamt, rd, 5, rd, 0x13); // c.srai
    case 2: return encI(sext((bit(h, 12) << 5) | shamt, 6), rd, 7, rd, 0x13); // c.andi
    default: {
      if (bit(h, 12)) return undefined; // RV64 c.subw/c.addw
      const f = (h >>> 5) & 3; // c.sub, c.xor, c.or, c.and
      return encR(f === 0 ? 0x20 : 0, rs2, rd, [0, 4, 6, 7][f]!, rd, 0x33);
    }
  }
}

function expandQuadrant2(h: number, f3: number): number | undefined {
  const rd = (h >>> 7) & 31;
  const rs2 = (h >>> 2) & 31;
  switch (f3) {
    case 0: return bit(h, 12) ? undefined : encI(rs2, rd, 1, rd, 0x13); // c.slli
    case 2: { // c.lwsp
      if (rd === 0) return undefined;
      const imm = (((h >>> 2) & 3) << 6) | (bit(h, 12) << 5) | (((h >>> 4) & 7) << 2);
      return encI(imm, 2, 2, rd, 0x03);
    }
    case 4: return expandJrMvAdd(h, rd, rs2);
    case 6: { // c.swsp
      const imm = (((h >>> 7) & 3) << 6) | (((h >>> 9) & 0xf) << 2);
      return encS(imm, rs2, 2, 2, 0x23);
    }
    default: return undefined;
  }
}

function expandJrMvAdd(h: number, rd: number, rs2: number): number | undefined {
  if (!bit(h, 12)) {
    if (rs2 === 0) return rd === 0 ? undefined : encI(0, rd, 0, 0, 0x67); // c.jr
    return encR(0, rs2, 0, 0, rd, 0x33); // c.mv
  }
  if (rs2 === 0) return rd === 0 ? 0x00100073 : encI(0, rd, 0, 1, 0x67); // c.ebreak / c.jalr
  return encR(0, rs2, rd, 0, rd, 0x33); // c.add
}

/** Decodes the instruction whose low halfword is `lo` (and high halfword `hi` if it is 32-bit). */
export function decodeAt(lo: number, hi: () => number): Decoded {
  if ((lo & 3) !== 3) {
    const x = expandCompressed(lo);
    return x === undefined ? illegal(lo, false) : decode32(x, false, lo);
  }
  return decode32((lo | (hi() << 16)) | 0, true);
}
