// What each RV32IMC operation does: the executor loop of the core (cpu.ts), kept in
// one file with the operation numbering so the switch compiles to a jump table under
// any TypeScript compiler (a const enum is inlined within its own file even by esbuild,
// which tsx uses; imported from another file it would be a property load per case).
import type { Cpu } from "./cpu.js";
import { COST_BASE, COST_DIV, COST_LOAD, COST_MUL, COST_TAKEN } from "./cost.js";
import { CAUSE_BREAKPOINT, CAUSE_ECALL_M, CAUSE_ILLEGAL } from "./csr.js";

/** Operations the executor knows; 0 means "not decoded yet" in the cache. */
export const enum Op {
  Undecoded = 0,
  Lui, Auipc, Jal, Jalr,
  Beq, Bne, Blt, Bge, Bltu, Bgeu,
  Lb, Lh, Lw, Lbu, Lhu, Sb, Sh, Sw,
  Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
  Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
  Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
  Fence, FenceI, Ecall, Ebreak, Mret, Wfi,
  Csrrw, Csrrs, Csrrc, Csrrwi, Csrrsi, Csrrci,
  /** Illegal instruction; the immediate holds the raw bits (mtval). */
  Illegal,
}

function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) | 0;
}

/** Runs up to `budget` instructions from cpu.pc, leaving early on cpu.breakOut.
 * An access fault escapes as AccessFault with cpu.pc still at the instruction. */
export function execute(cpu: Cpu, budget: number): void {
  const x = cpu.x;
  const bus = cpu.bus;
  let n = 0;
  let pageNo = cpu.pc >>> 16;
  let page = cpu.pageOf(cpu.pc); // a page stays valid until breakOut: only bus stores remap code
  while (n < budget && !cpu.breakOut) {
    const pc = cpu.pc;
    if (((pc ^ cpu.line) >>> 5) !== 0) {
      cpu.line = pc;
      if (bus.fetchPenalty) cpu.cycles += bus.fetchPenalty(pc >>> 0);
    }
    if ((pc >>> 16) !== pageNo) {
      pageNo = pc >>> 16;
      page = cpu.pageOf(pc);
    }
    const slot = (pc & 0xffff) >>> 1;
    let w = page.word[slot]!;
    if (w === 0) w = cpu.decodeInto(page, slot, pc);
    const imm = page.imm[slot]!;
    const rd = (w >>> 8) & 31;
    const a = x[(w >>> 13) & 31]!;
    const b = x[(w >>> 18) & 31]!;
    let next = (pc + ((w >>> 23) & 1 ? 4 : 2)) | 0;
    let cost = COST_BASE;
    switch (w & 0xff) {
      case Op.Lui: x[rd] = imm; break;
      case Op.Auipc: x[rd] = pc + imm; break;
      case Op.Jal: x[rd] = next; next = (pc + imm) | 0; cost += COST_TAKEN; break;
      case Op.Jalr: x[rd] = next; next = (a + imm) & ~1; cost += COST_TAKEN; break;
      case Op.Beq: if (a === b) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Bne: if (a !== b) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Blt: if (a < b) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Bge: if (a >= b) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Bltu: if ((a >>> 0) < (b >>> 0)) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Bgeu: if ((a >>> 0) >= (b >>> 0)) { next = (pc + imm) | 0; cost += COST_TAKEN; } break;
      case Op.Lb: x[rd] = cpu.load((a + imm) | 0, 1, true); cost += COST_LOAD; break;
      case Op.Lh: x[rd] = cpu.load((a + imm) | 0, 2, true); cost += COST_LOAD; break;
      case Op.Lw: x[rd] = cpu.load((a + imm) | 0, 4, true); cost += COST_LOAD; break;
      case Op.Lbu: x[rd] = cpu.load((a + imm) | 0, 1, false); cost += COST_LOAD; break;
      case Op.Lhu: x[rd] = cpu.load((a + imm) | 0, 2, false); cost += COST_LOAD; break;
      case Op.Sb: cpu.store((a + imm) | 0, 1, b); break;
      case Op.Sh: cpu.store((a + imm) | 0, 2, b); break;
      case Op.Sw: cpu.store((a + imm) | 0, 4, b); break;
      case Op.Addi: x[rd] = a + imm; break;
      case Op.Slti: x[rd] = a < imm ? 1 : 0; break;
      case Op.Sltiu: x[rd] = (a >>> 0) < (imm >>> 0) ? 1 : 0; break;
      case Op.Xori: x[rd] = a ^ imm; break;
      case Op.Ori: x[rd] = a | imm; break;
      case Op.Andi: x[rd] = a & imm; break;
      case Op.Slli: x[rd] = a << imm; break;
      case Op.Srli: x[rd] = a >>> imm; break;
      case Op.Srai: x[rd] = a >> imm; break;
      case Op.Add: x[rd] = a + b; break;
      case Op.Sub: x[rd] = a - b; break;
      case Op.Sll: x[rd] = a << (b & 31); break;
      case Op.Slt: x[rd] = a < b ? 1 : 0; break;
      case Op.Sltu: x[rd] = (a >>> 0) < (b >>> 0) ? 1 : 0; break;
      case Op.Xor: x[rd] = a ^ b; break;
      case Op.Srl: x[rd] = a >>> (b & 31); break;
      case Op.Sra: x[rd] = a >> (b & 31); break;
      case Op.Or: x[rd] = a | b; break;
      case Op.And: x[rd] = a & b; break;
      case Op.Mul: x[rd] = Math.imul(a, b); cost += COST_MUL; break;
      case Op.Mulh: x[rd] = mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0) - (b < 0 ? a : 0); cost += COST_MUL; break;
      case Op.Mulhsu: x[rd] = mulhu(a >>> 0, b >>> 0) - (a < 0 ? b : 0); cost += COST_MUL; break;
      case Op.Mulhu: x[rd] = mulhu(a >>> 0, b >>> 0); cost += COST_MUL; break;
      case Op.Div: x[rd] = b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : (a / b) | 0; cost += COST_DIV; break;
      case Op.Divu: x[rd] = b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0; cost += COST_DIV; break;
      case Op.Rem: x[rd] = b === 0 ? a : b === -1 ? 0 : a % b; cost += COST_DIV; break;
      case Op.Remu: x[rd] = b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0; cost += COST_DIV; break;
      case Op.Fence: break;
      case Op.FenceI: break; // stores already keep the decode cache coherent
      case Op.Mret: next = cpu.csr.returnFromTrap(); cost += COST_TAKEN; cpu.breakOut = true; break;
      case Op.Wfi: if (cpu.interruptLine < 0) { cpu.waiting = true; cpu.breakOut = true; } break;
      case Op.Csrrw: case Op.Csrrs: case Op.Csrrc: case Op.Csrrwi: case Op.Csrrsi: case Op.Csrrci:
        if (!cpu.csrOp(w & 0xff, rd, (w >>> 13) & 31, a, imm)) return cpu.exception(CAUSE_ILLEGAL, pc, cpu.rawBits(pc, w));
        break;
      case Op.Ecall: case Op.Ebreak: {
        const kind = (w & 0xff) === Op.Ecall ? "ecall" : "ebreak";
        if (!cpu.onEnvironmentCall?.(cpu, kind)) {
          return cpu.exception(kind === "ecall" ? CAUSE_ECALL_M : CAUSE_BREAKPOINT, pc, 0); // mtval 0 for both, as QEMU writes it
        }
        break;
      }
      default: return cpu.exception(CAUSE_ILLEGAL, pc, imm);
    }
    x[0] = 0;
    cpu.pc = next;
    cpu.cycles += cost;
    cpu.instret++;
    n++;
  }
}
