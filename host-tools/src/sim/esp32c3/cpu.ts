// The RV32IMC core of esp32c3-sim: machine mode only, as on the ESP32-C3.
// Speed: instructions are decoded once per address into packed words kept in
// 64 KiB pages (a store into cached code drops the entries it touches), RAM is a
// typed array reached without the bus, and nothing is allocated per instruction.
// Emulated cycles follow the cost model in cost.ts.
import { AccessFault, type Bus, type FastRam } from "./bus.js";
import { COST_BASE } from "./cost.js";
import { CAUSE_FETCH_FAULT, CAUSE_INTERRUPT, CAUSE_LOAD_FAULT, CAUSE_STORE_FAULT, CsrFile } from "./csr.js";
import { decodeAt } from "./decode.js";
import { execute, Op } from "./execute.js";

const PAGE_SLOTS = 0x8000; // halfwords in 64 KiB

export interface CodePage {
  word: Int32Array;
  imm: Int32Array;
}

/** Lets a machine serve ecall/ebreak itself (semihosting, a Linux system call layer);
 * returning true means handled: execution continues after the instruction. */
export type EnvironmentCall = (cpu: Cpu, kind: "ecall" | "ebreak") => boolean;

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
  /** The 32-byte line the last fetch was in (fetch penalties are asked per line). */
  line = -1;

  constructor(readonly bus: Bus, fast: FastRam) {
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

  decodeInto(page: CodePage, slot: number, pc: number): number {
    const d = decodeAt(this.fetchHalf(pc), () => this.fetchHalf((pc + 2) | 0));
    page.imm[slot] = d.imm;
    page.word[slot] = d.word;
    return d.word;
  }

  pageOf(pc: number): CodePage {
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
        execute(this, budget - (this.instret - start));
      } catch (e) {
        if (!(e instanceof AccessFault)) throw e;
        const cause = e.kind === "fetch" ? CAUSE_FETCH_FAULT : e.kind === "load" ? CAUSE_LOAD_FAULT : CAUSE_STORE_FAULT;
        this.cycles += COST_BASE;
        this.trap(cause, e.addr);
      }
    }
    return this.instret - start;
  }

  rawBits(pc: number, w: number): number {
    return (w >>> 23) & 1 ? this.load(pc, 4, false) : this.load(pc, 2, false);
  }

  exception(cause: number, pc: number, tval: number): void {
    this.pc = pc;
    this.cycles += COST_BASE;
    this.trap(cause, tval);
  }

  /** Executes a CSR instruction; false if the CSR does not exist or may not be written. */
  csrOp(op: number, rd: number, rs1: number, a: number, csr: number): boolean {
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
