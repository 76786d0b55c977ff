// Machine-mode CSRs and traps of the core (RISC-V privileged spec, machine level;
// the C3 runs machine mode only). Unknown CSR numbers trap as illegal instructions,
// as an unimplemented CSR does on hardware.

export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_MPIE = 1 << 7;
const MSTATUS_MPP = 3 << 11;

export const CAUSE_FETCH_FAULT = 1;
export const CAUSE_ILLEGAL = 2;
export const CAUSE_BREAKPOINT = 3;
export const CAUSE_LOAD_FAULT = 5;
export const CAUSE_STORE_FAULT = 7;
export const CAUSE_ECALL_M = 11;
export const CAUSE_INTERRUPT = 0x80000000;

/** misa: MXL=1 (32-bit), extensions C, I, M. */
const MISA = (1 << 30) | (1 << 2) | (1 << 8) | (1 << 12);

export interface Counters {
  /** Emulated cycles so far. */
  cycles(): number;
  /** Instructions retired so far. */
  instret(): number;
}

export class CsrFile {
  mstatus = MSTATUS_MPP;
  mtvec = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mscratch = 0;
  mie = 0;
  mip = 0;
  /** Machine performance counter registers of the C3 (mpcer/mpcmr/mpccr, TRM chapter 1). */
  mpcer = 0;
  mpcmr = 0;

  constructor(private readonly counters: Counters) {}

  /** The CSR's value, or undefined if there is no such CSR. */
  read(n: number): number | undefined {
    switch (n) {
      case 0x300: return this.mstatus | MSTATUS_MPP;
      case 0x301: return MISA | 0;
      case 0x304: return this.mie;
      case 0x305: return this.mtvec;
      case 0x340: return this.mscratch;
      case 0x341: return this.mepc;
      case 0x342: return this.mcause;
      case 0x343: return this.mtval;
      case 0x344: return this.mip;
      case 0xf11: case 0xf12: case 0xf13: case 0xf14: return 0;
      case 0xb00: case 0xc00: case 0x7e2: return low(this.counters.cycles());
      case 0xb80: case 0xc80: return high(this.counters.cycles());
      case 0xb02: case 0xc02: return low(this.counters.instret());
      case 0xb82: case 0xc82: return high(this.counters.instret());
      case 0x7e0: return this.mpcer;
      case 0x7e1: return this.mpcmr;
      default: return undefined;
    }
  }

  /** Writes a CSR; false if it does not exist or is read-only. */
  write(n: number, v: number): boolean {
    if ((n >>> 10) === 3) return false; // read-only CSR space (0xC00-0xFFF)
    switch (n) {
      case 0x300: this.mstatus = (v & (MSTATUS_MIE | MSTATUS_MPIE)) | MSTATUS_MPP; return true;
      case 0x301: return true; // misa: WARL, fixed here
      case 0x304: this.mie = v; return true;
      case 0x305: this.mtvec = v; return true;
      case 0x340: this.mscratch = v; return true;
      case 0x341: this.mepc = v & ~1; return true;
      case 0x342: this.mcause = v; return true;
      case 0x343: this.mtval = v; return true;
      case 0x344: this.mip = v; return true;
      case 0x7e0: this.mpcer = v; return true;
      case 0x7e1: this.mpcmr = v; return true;
      case 0xb00: case 0xb80: case 0xb02: case 0xb82: case 0x7e2: return true; // counters: writes ignored
      default: return false;
    }
  }

  get interruptsEnabled(): boolean {
    return (this.mstatus & MSTATUS_MIE) !== 0;
  }

  /** Trap entry: returns the handler address. Interrupts in vectored mode (mtvec mode 1)
   * go to base + 4 * cause; exceptions always to base. */
  enterTrap(pc: number, cause: number, tval: number): number {
    this.mepc = pc & ~1;
    this.mcause = cause | 0;
    this.mtval = tval | 0;
    const mie = this.mstatus & MSTATUS_MIE;
    this.mstatus = (mie ? MSTATUS_MPIE : 0) | MSTATUS_MPP;
    const base = this.mtvec & ~3;
    const vectored = (this.mtvec & 3) === 1 && (cause & CAUSE_INTERRUPT) !== 0;
    return vectored ? (base + 4 * (cause & 0x7fffffff)) | 0 : base;
  }

  /** mret: MIE from MPIE, MPIE set; returns mepc. */
  returnFromTrap(): number {
    const mpie = this.mstatus & MSTATUS_MPIE;
    this.mstatus = (mpie ? MSTATUS_MIE : 0) | MSTATUS_MPIE | MSTATUS_MPP;
    return this.mepc;
  }
}

const low = (n: number) => n % 0x100000000 | 0;
const high = (n: number) => Math.floor(n / 0x100000000) | 0;
