// The RV32IMC core of esp32c3-sim: machine mode only, as on the ESP32-C3.
// Speed: instructions are decoded once per address into packed words kept in
// 64 KiB pages (a store into cached code drops the entries it touches), RAM is a
// typed array reached without the bus, and nothing is allocated per instruction.
// Emulated cycles follow the cost model in cost.ts.
import { AccessFault, type Bus, type FastRam } from "./bus.js";
import { COST_BASE, COST_DIV, COST_LOAD, COST_MUL, COST_TAKEN } from "./cost.js";
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_M, CAUSE_FETCH_FAULT, CAUSE_ILLEGAL, CAUSE_INTERRUPT, CAUSE_LOAD_FAULT,
  CAUSE_STORE_FAULT, CsrFile,
} from "./csr.js";
import { decodeAt, Op } from "./decode.js";

const PAGE_SLOTS = 0x8000; // halfwords in 64 KiB

interface CodePage {
  word: Int32Array;
  imm: Int32Array;
}

/** Lets a machine serve ecall/ebreak itself (semihosting, a Linux system call layer);
 * returning true means handled: execution continues after the instruction. */
export type EnvironmentCall = (cpu: Cpu, kind: "ecall" | "ebreak") => boolean;

function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) | 0;
}

export class Cpu {
  readonly x = new Int32Array(32);
  pc = 0;
  readonly csr: CsrFile;
  instret = 0;
  cycles = 0;
  /** Set to leave run() after the current instruction (a peripheral changed state). */
  breakOut = false;
  /** The CPU interrupt line the chip's interrupt controller wants taken, -1 for none. */
  interruptLine = -1;
  /** In wfi, waiting for an interrupt. */
  waiting = false;
  onEnvironmentCall?: EnvironmentCall;

  private readonly pages: (CodePage | undefined)[] = new Array<CodePage | undefined>(0x10000);
  private readonly view: DataView;
  private readonly ram: Uint8Array;
  private readonly codeBase: number;
  private readonly w0Base: number; private readonly w0Len: number; private readonly w0Off: number;
  private readonly w1Base: number; private readonly w1Len: number; private readonly w1Off: number;
  /** Range of RAM offsets holding decoded code, so most stores skip invalidation. */
  private codeLo = 0x7fffffff;
  private codeHi = -1;
  private line = -1;

  constructor(private readonly bus: Bus, fast: FastRam) {
    this.ram = fast.ram;
    this.view = new DataView(fast.ram.buffer, fast.ram.byteOffset, fast.ram.byteLength);
    this.codeBase = fast.codeBase;
    const [w0, w1] = fast.windows;
    this.w0Base = w0?.base ?? 0; this.w0Len = w0?.length ?? 0; this.w0Off = w0?.offset ?? 0;
    this.w1Base = w1?.base ?? 0; this.w1Len = w1?.length ?? 0; this.w1Off = w1?.offset ?? 0;
    this.csr = new CsrFile({ cycles: () => this.cycles, instret: () => this.instret });
  }

  /** Offset in RAM of `addr`, or -1 when it is outside the fast windows. */
  private ramOffset(addr: number): number {
    let d = (addr - this.w0Base) >>> 0;
    if (d < this.w0Len) return d + this.w0Off;
    d = (addr - this.w1Base) >>> 0;
    if (d < this.w1Len) return d + this.w1Off;
    return -1;
  }

  load(addr: number, size: number, signed: boolean): number {
    const off = this.ramOffset(addr);
    if (off >= 0 && off + size <= this.ram.length) {
      if (size === 4) return this.view.getInt32(off, true);
      if (size === 2) return signed ? this.view.getInt16(off, true) : this.view.getUint16(off, true);
      return signed ? (this.ram[off]! << 24) >> 24 : this.ram[off]!;
    }
    const v = this.bus.read(addr >>> 0, size);
    if (size === 4) return v | 0;
    if (!signed) return v;
    return size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
  }

  store(addr: number, size: number, value: number): void {
    const off = this.ramOffset(addr);
    if (off >= 0 && off + size <= this.ram.length) {
      if (size === 4) this.view.setInt32(off, value, true);
      else if (size === 2) this.view.setInt16(off, value, true);
      else this.ram[off] = value;
      if (off + size > this.codeLo && off - 2 <= this.codeHi) this.invalidateCode(this.codeBase + off - 2, size + 2);
      return;
    }
    this.bus.write(addr >>> 0, size, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
    this.breakOut = true; // a peripheral may have changed what the chip does next
  }

  /** Drops cached decodes of instructions starting in [addr, addr+length). */
  invalidateCode(addr: number, length: number): void {
    for (let a = addr & ~1; a < addr + length; a += 2) {
      const p = this.pages[(a >>> 16) & 0xffff];
      if (p) p.word[(a & 0xffff) >>> 1] = 0;
    }
  }

  /** Drops every cached page in [addr, addr+length) (flash remapped or rewritten). */
  invalidatePages(addr: number, length: number): void {
    for (let a = addr; a < addr + length; a += 0x10000) this.pages[(a >>> 16) & 0xffff] = undefined;
    this.line = -1;
  }

  private fetchHalf(addr: number): number {
    const off = (addr - this.codeBase) >>> 0;
    if (off + 2 <= this.ram.length && this.ramOffset(addr) === off) {
      if (off < this.codeLo) this.codeLo = off;
      if (off + 2 > this.codeHi) this.codeHi = off + 2;
      return this.view.getUint16(off, true);
    }
    try {
      return this.bus.read(addr >>> 0, 2);
    } catch (e) {
      if (e instanceof AccessFault) throw new AccessFault(addr, "fetch");
      throw e;
    }
  }

  private decodeInto(page: CodePage, slot: number, pc: number): number {
    const d = decodeAt(this.fetchHalf(pc), () => this.fetchHalf((pc + 2) | 0));
    page.imm[slot] = d.imm;
    page.word[slot] = d.word;
    return d.word;
  }

  private pageOf(pc: number): CodePage {
    const n = (pc >>> 16) & 0xffff;
    let p = this.pages[n];
    if (!p) {
      p = { word: new Int32Array(PAGE_SLOTS), imm: new Int32Array(PAGE_SLOTS) };
      this.pages[n] = p;
    }
    return p;
  }

  /** Takes a trap now (exception or interrupt): pc to the handler. */
  trap(cause: number, tval: number): void {
    this.pc = this.csr.enterTrap(this.pc, cause, tval);
    this.waiting = false;
    this.line = -1;
  }

  /** Takes the pending interrupt if mstatus.MIE allows; true if taken. */
  private takeInterrupt(): boolean {
    if (this.interruptLine < 0 || !this.csr.interruptsEnabled) return false;
    this.trap((CAUSE_INTERRUPT | this.interruptLine) >>> 0, 0);
    return true;
  }

  /** Runs up to `budget` instructions; returns how many ran (fewer after breakOut or wfi). */
  run(budget: number): number {
    const start = this.instret;
    this.breakOut = false;
    if (this.interruptLine >= 0) this.waiting = false; // wfi wakes on a pending interrupt even with MIE clear
    this.takeInterrupt();
    if (this.waiting) return 0;
    while (this.instret - start < budget && !this.breakOut && !this.waiting) {
      try {
        this.runInner(budget - (this.instret - start));
      } catch (e) {
        if (!(e instanceof AccessFault)) throw e;
        const cause = e.kind === "fetch" ? CAUSE_FETCH_FAULT : e.kind === "load" ? CAUSE_LOAD_FAULT : CAUSE_STORE_FAULT;
        this.cycles += COST_BASE;
        this.trap(cause, e.addr);
      }
    }
    return this.instret - start;
  }

  private runInner(budget: number): void {
    const x = this.x;
    const bus = this.bus;
    let n = 0;
    while (n < budget && !this.breakOut) {
      const pc = this.pc;
      if (((pc ^ this.line) >>> 5) !== 0) {
        this.line = pc;
        if (bus.fetchPenalty) this.cycles += bus.fetchPenalty(pc >>> 0);
      }
      const page = this.pageOf(pc);
      const slot = (pc & 0xffff) >>> 1;
      let w = page.word[slot]!;
      if (w === 0) w = this.decodeInto(page, slot, pc);
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
        case Op.Lb: x[rd] = this.loadChecked((a + imm) | 0, 1, true); cost += COST_LOAD; break;
        case Op.Lh: x[rd] = this.loadChecked((a + imm) | 0, 2, true); cost += COST_LOAD; break;
        case Op.Lw: x[rd] = this.loadChecked((a + imm) | 0, 4, true); cost += COST_LOAD; break;
        case Op.Lbu: x[rd] = this.loadChecked((a + imm) | 0, 1, false); cost += COST_LOAD; break;
        case Op.Lhu: x[rd] = this.loadChecked((a + imm) | 0, 2, false); cost += COST_LOAD; break;
        case Op.Sb: this.storeChecked((a + imm) | 0, 1, b); break;
        case Op.Sh: this.storeChecked((a + imm) | 0, 2, b); break;
        case Op.Sw: this.storeChecked((a + imm) | 0, 4, b); break;
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
        case Op.Mret: next = this.csr.returnFromTrap(); cost += COST_TAKEN; this.breakOut = true; break;
        case Op.Wfi: if (this.interruptLine < 0) { this.waiting = true; this.breakOut = true; } break;
        case Op.Csrrw: case Op.Csrrs: case Op.Csrrc: case Op.Csrrwi: case Op.Csrrsi: case Op.Csrrci:
          if (!this.csrOp(w & 0xff, rd, (w >>> 13) & 31, a, imm)) return this.exception(CAUSE_ILLEGAL, pc, this.rawBits(pc, w));
          break;
        case Op.Ecall: case Op.Ebreak: {
          const kind = (w & 0xff) === Op.Ecall ? "ecall" : "ebreak";
          if (!this.onEnvironmentCall?.(this, kind)) {
            return this.exception(kind === "ecall" ? CAUSE_ECALL_M : CAUSE_BREAKPOINT, pc, 0); // mtval 0 for both, as QEMU writes it
          }
          break;
        }
        default: return this.exception(CAUSE_ILLEGAL, pc, imm);
      }
      x[0] = 0;
      this.pc = next;
      this.cycles += cost;
      this.instret++;
      n++;
    }
  }

  private rawBits(pc: number, w: number): number {
    return (w >>> 23) & 1 ? this.load(pc, 4, false) : this.load(pc, 2, false);
  }

  private exception(cause: number, pc: number, tval: number): void {
    this.pc = pc;
    this.cycles += COST_BASE;
    this.trap(cause, tval);
  }

  private loadChecked(addr: number, size: number, signed: boolean): number {
    try {
      return this.load(addr, size, signed);
    } catch (e) {
      if (e instanceof AccessFault && e.kind !== "load") throw new AccessFault(addr, "load");
      throw e;
    }
  }

  private storeChecked(addr: number, size: number, value: number): void {
    try {
      this.store(addr, size, value);
    } catch (e) {
      if (e instanceof AccessFault && e.kind !== "store") throw new AccessFault(addr, "store");
      throw e;
    }
  }

  /** Executes a CSR instruction; false if the CSR does not exist or may not be written. */
  private csrOp(op: number, rd: number, rs1: number, a: number, csr: number): boolean {
    const old = this.csr.read(csr);
    if (old === undefined) return false;
    const src = op >= Op.Csrrwi ? rs1 : a;
    const kind = op >= Op.Csrrwi ? op - Op.Csrrwi : op - Op.Csrrw;
    const writes = kind === 0 || rs1 !== 0;
    if (writes) {
      const v = kind === 0 ? src : kind === 1 ? old | src : old & ~src;
      if (!this.csr.write(csr, v)) return false;
      this.breakOut = true; // mstatus.MIE or mtvec may have changed
    }
    this.x[rd] = old;
    return true;
  }
}
