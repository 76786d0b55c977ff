// The AOT compiler: a validated module's functions to ARMv6-M Thumb, in one pass per
// function (run twice: the first pass only measures the frame).
//
// The wasm operand stack is kept in r0-r5 while it fits and spilled to frame slots (one slot
// per stack position) when it does not; at every control-flow join and call the whole stack is
// spilled, so a block's values always meet in the same slots (simple and correct first; a
// register-carrying merge is the next step for speed). A comparison stays in the flags until
// a branch, `if`, `select` or `eqz` uses it.
//
// Frame (SP-relative, after `push {lr}; sub sp, #F`):
//   [0, OUT)              outgoing arguments of calls made by this function
//   [OUT, OUT + 4*SLOTS)  operand-stack slots, slot i for stack position i
//   [.., F)               locals after the parameters
//   F                     saved LR
//   F + 4 + 4k            parameter k (the caller's outgoing area)
//
// Fuel is charged at loop heads only: without loops, code runs forever only by recursing,
// and the stack check in every prologue ends that.
import {
  CTX, CTX_REG, F64_HELPER_OPS, FAST_CHECK_SLACK, FUNC_DESCRIPTOR_BYTES, HELPER, REF_NULL, LIMIT_REG, MEM_BASE_REG, MEM_FAST_END_REG, OPERAND_REGS, SCRATCH, TRAP, WR_ARG_BYTES,
  type HelperName, type TrapKind,
} from "./abi.js";
import { Assembler, type Label } from "./asm.js";
import { readModule, type FuncType, type Module, type ValType } from "./module.js";
import { Reader } from "./reader.js";
import * as T from "./thumb.js";
import { type Cond, EncodeError, LR, PC, SP } from "./thumb.js";

export class CompileError extends Error {
  constructor(message: string, readonly func: number, readonly offset: number) {
    super(`function ${func}, byte ${offset}: ${message}`);
  }
}

export interface TrapSite {
  /** Native offset of the trap BL's return address (what LR holds in the trap stub). */
  returnOffset: number;
  func: number;
  /** The trapping instruction's byte offset in the module. */
  wasmOffset: number;
  kind: TrapKind;
}

export interface CompiledModule {
  code: Uint8Array;
  /** AAPCS: entry(ctx, code address | 1, u32 *args_and_results, arg slot count) → 0, or 1 after a trap. */
  entryOffset: number;
  /** Bytes of the functions' code (their pools and trap sites included) and of the shared
   * access stubs after them: everything before the trap stub (so also its offset). */
  functionBytes: number;
  /** Code offset of every function, imports included as -1. */
  funcOffsets: number[];
  /** Canonical type id of every function (imports included): its descriptor's second word. */
  funcTypeIds: number[];
  trapSites: TrapSite[];
}

export function compileWasm(bytes: Uint8Array): CompiledModule {
  return compileModule(readModule(bytes));
}

export function compileModule(m: Module): CompiledModule {
  const a = new Assembler();
  const funcLabels = m.funcTypes.map(() => a.newLabel());
  const trapStub = a.newLabel();
  const entry = a.newLabel();
  const sites: { label: Label; func: number; wasmOffset: number; kind: TrapKind }[] = [];
  const stubs = new SharedStubs(a, trapStub);
  for (let i = 0; i < m.bodies.length; i++) {
    const index = m.importedFuncs + i;
    const shared = { m, index, funcLabels, trapStub, stubs };
    const measure = new FunctionCompiler({ ...shared, a: new Assembler(), frame: undefined });
    measure.compile();
    const real = new FunctionCompiler({ ...shared, a, frame: measure.frameShape() });
    a.bind(funcLabels[index] as Label);
    real.compile();
    sites.push(...real.sites);
    a.flushPool();
  }
  stubs.emit();
  emitTrapStub(a, trapStub);
  emitEntry(a, entry);
  const { code, labels } = a.finish();
  const at = (l: Label) => labels.get(l) ?? -1;
  return {
    code,
    entryOffset: at(entry),
    functionBytes: at(trapStub),
    funcOffsets: m.funcTypes.map((_, i) => (i < m.importedFuncs ? -1 : at(funcLabels[i] as Label))),
    funcTypeIds: m.funcTypes.map((t) => m.canonicalType[t] ?? t),
    trapSites: sites.map((s) => ({ returnOffset: at(s.label) + 4, func: s.func, wasmOffset: s.wasmOffset, kind: s.kind })),
  };
}

/**
 * Subroutines shared by every function, placed after the functions (BL reaches them all): the
 * rare paths of memory accesses, so an access carries a conditional BL to one (6 bytes) rather
 * than its own copy. Each keeps every register but SCRATCH and those it names.
 *   memCheck(N): the exact bounds check, SCRATCH + N <= memory size. Failing, it branches to
 *     the trap stub with LR still the site's return address, so the access's `BL memCheck` is
 *     its trap site (the trap map's key), as a `BL <trap stub>` would be.
 *   load(N, d): d = the N-byte little-endian value at host address SCRATCH, a byte at a time;
 *     loadPair(lo, hi) two words (the unaligned path of an access: the M0+ faults on LDR's).
 *   store(N, v), storePair(lo, hi): the same for stores (the value registers are clobbered).
 */
class SharedStubs {
  private readonly labels = new Map<string, { label: Label; body: (trap: Label) => void }>();

  constructor(private readonly a: Assembler, private readonly trapStub: Label) {}

  memCheck(size: number): Label {
    return this.get(`check${size}`, (trap) => {
      const a = this.a;
      a.emit(T.push([0])); // no register is free at a site: borrow r0 (a trap unwinds the stack anyway)
      a.emit(T.memImm("ldr", 0, CTX_REG, CTX.memSize));
      a.emit(T.subsImm8(0, size));
      a.bNear(trap, "lo");
      a.emit(T.alu("cmp", SCRATCH, 0));
      a.emit(T.pop([0])); // POP leaves the flags alone
      a.bNear(trap, "hi");
      a.emit(T.bx(LR));
    });
  }

  load(size: 2 | 4, d: number): Label {
    return this.get(`load${size}r${d}`, () => this.bytewise("ldrb", [[d, 0, size]]));
  }

  loadPair(lo: number, hi: number): Label {
    return this.get(`load8r${lo}r${hi}`, () => this.bytewise("ldrb", [[lo, 0, 4], [hi, 4, 4]]));
  }

  store(size: 2 | 4, v: number): Label {
    return this.get(`store${size}r${v}`, () => this.bytewise("strb", [[v, 0, size]]));
  }

  storePair(lo: number, hi: number): Label {
    return this.get(`store8r${lo}r${hi}`, () => this.bytewise("strb", [[lo, 0, 4], [hi, 4, 4]]));
  }

  /** Each [register, byte offset at SCRATCH, bytes] a byte at a time. A load borrows a pushed
   * register to assemble bytes in; a store shifts its value registers down. */
  private bytewise(op: "ldrb" | "strb", parts: [number, number, number][]): void {
    const a = this.a;
    const used = parts.map(([reg]) => reg);
    const t = [0, 1, 2].find((r) => !used.includes(r)) as number;
    if (op === "ldrb") a.emit(T.push([t]));
    for (const [reg, at, size] of parts) {
      for (let k = 0; k < size; k++) {
        if (op === "strb") {
          a.emit(T.memImm("strb", reg, SCRATCH, at + k));
          if (k < size - 1) a.emit(T.lsrsImm(reg, reg, 8));
        } else if (k === 0) a.emit(T.memImm("ldrb", reg, SCRATCH, at));
        else {
          a.emit(T.memImm("ldrb", t, SCRATCH, at + k));
          a.emit(T.lslsImm(t, t, 8 * k));
          a.emit(T.alu("orrs", reg, t));
        }
      }
    }
    if (op === "ldrb") a.emit(T.pop([t]));
    a.emit(T.bx(LR));
  }

  /**
   * f64.eq/ne/lt/gt/le/ge (opcode 0x61..0x66) of the words at r1 (a low, a high, b low, b high)
   * → r0 0 or 1, as IEEE 754 says: a NaN is unordered (only ne holds), -0 equals +0. Otherwise
   * each double maps to a key whose unsigned order is the numeric order (a negative one
   * inverted, a positive one with its top bit set), compared as 64-bit integers. Clobbers
   * r1-r3 and SCRATCH.
   */
  f64Compare(op: number): Label {
    return this.get(`f64cmp${op}`, () => {
      const a = this.a;
      const unordered = a.newLabel();
      const zeros = a.newLabel();
      const done = a.newLabel();
      a.emit(T.push([4, 5, LR]));
      a.emit(T.memImm("ldr", 0, 1, 4)); // a high
      a.emit(T.memImm("ldr", 3, 1, 0)); // a low
      a.emit(T.memImm("ldr", 2, 1, 12)); // b high
      a.emit(T.memImm("ldr", 1, 1, 8)); // b low
      for (const [hi, lo] of [[0, 3], [2, 1]] as const) {
        // NaN: (high << 1, low) above (0xffe00000, 0) as a 64-bit unsigned; NEGS sets the
        // carry only for low = 0, SBCS then borrows exactly when the pair is above
        a.emit(T.lslsImm(4, hi, 1));
        a.ldrConst(5, 0xffe00000);
        a.emit(T.alu("rsbs", SCRATCH, lo));
        a.emit(T.alu("sbcs", 5, 4));
        a.bCond("lo", unordered);
      }
      a.emit(T.lslsImm(4, 0, 1));
      a.emit(T.alu("orrs", 4, 3));
      a.emit(T.lslsImm(5, 2, 1));
      a.emit(T.alu("orrs", 4, 5));
      a.emit(T.alu("orrs", 4, 1));
      a.bCond("eq", zeros); // both ±0
      a.emit(T.movsImm(5, 1));
      a.emit(T.lslsImm(5, 5, 31));
      for (const [hi, lo] of [[0, 3], [2, 1]] as const) {
        a.emit(T.asrsImm(4, hi, 31)); // all ones when negative
        a.emit(T.alu("eors", lo, 4));
        a.emit(T.alu("orrs", 4, 5));
        a.emit(T.alu("eors", hi, 4));
      }
      if (op === 0x61 || op === 0x62) {
        a.emit(T.alu("eors", 3, 1));
        a.emit(T.alu("eors", 0, 2));
        a.emit(T.alu("orrs", 0, 3));
        a.emit(T.alu("rsbs", 1, 0)); // carry set only for 0: equal
      } else if (op === 0x63 || op === 0x66) {
        a.emit(T.alu("cmp", 3, 1)); // a - b: carry for a >= b
        a.emit(T.alu("sbcs", 0, 2));
      } else {
        a.emit(T.alu("cmp", 1, 3)); // b - a: carry for b >= a
        a.emit(T.alu("sbcs", 2, 0));
      }
      a.emit(T.movsImm(0, 0)); // MOVS leaves the carry
      a.emit(T.alu("adcs", 0, 0));
      // eq, ge, le read the carry; ne, lt, gt its inverse
      if (op === 0x62 || op === 0x63 || op === 0x64) {
        a.emit(T.movsImm(1, 1));
        a.emit(T.alu("eors", 0, 1));
      }
      a.b(done);
      a.bind(unordered);
      a.emit(T.movsImm(0, op === 0x62 ? 1 : 0));
      a.b(done);
      a.bind(zeros);
      a.emit(T.movsImm(0, op === 0x61 || op === 0x65 || op === 0x66 ? 1 : 0));
      a.bind(done);
      a.emit(T.pop([4, 5, PC]));
    });
  }

  /**
   * i32.trunc_sat_f64_s / _u of the words at r1 (low, high) → r0: NaN 0, out of range the
   * nearest bound, else the value truncated toward zero. From the exponent e: below 0 (|x| < 1)
   * 0; from 31 (signed) or 32 (unsigned) saturated; between, the 53-bit significand shifted
   * right by 52 - e (whole words: high >> (20 - e) up to e = 20, else a two-word shift), then
   * the sign. Clobbers r1-r3 and SCRATCH.
   */
  f64ToI32Sat(signed: boolean): Label {
    return this.get(`f64i32sat${signed ? "s" : "u"}`, () => {
      const a = this.a;
      const [zero, big, twoWords, sign, out] = [a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel()];
      a.emit(T.push([4, LR]));
      a.emit(T.memImm("ldr", 2, 1, 4)); // high
      a.emit(T.memImm("ldr", 3, 1, 0)); // low
      a.emit(T.lslsImm(0, 2, 1));
      a.emit(T.lsrsImm(0, 0, 21)); // biased exponent
      a.ldrConst(4, 1023);
      a.emit(T.subsReg(0, 0, 4)); // e
      a.bCond("lt", zero);
      a.emit(T.cmpImm(0, signed ? 31 : 32));
      a.bCond("ge", big);
      a.emit(T.lslsImm(4, 2, 12));
      a.emit(T.lsrsImm(4, 4, 12));
      a.emit(T.movsImm(1, 1));
      a.emit(T.lslsImm(1, 1, 20));
      a.emit(T.alu("orrs", 4, 1)); // the significand's high 21 bits
      a.emit(T.cmpImm(0, 20));
      a.bCond("gt", twoWords);
      a.emit(T.movsImm(1, 20));
      a.emit(T.subsReg(1, 1, 0));
      a.emit(T.alu("lsrs", 4, 1));
      a.b(sign);
      a.bind(twoWords);
      a.emit(T.movsImm(1, 0));
      a.emit(T.addsReg(1, 1, 0));
      a.emit(T.subsImm8(1, 20));
      a.emit(T.alu("lsls", 4, 1)); // high << (e - 20)
      a.emit(T.movsImm(1, 52));
      a.emit(T.subsReg(1, 1, 0));
      a.emit(T.alu("lsrs", 3, 1)); // low >> (52 - e)
      a.emit(T.alu("orrs", 4, 3));
      a.bind(sign);
      a.emit(T.movsImm(0, 0));
      a.emit(T.addsReg(0, 0, 4));
      a.emit(T.cmpImm(2, 0));
      a.bCond("ge", out);
      if (signed) a.emit(T.alu("rsbs", 0, 0));
      else a.b(zero); // a negative value of at least 1: below the range
      a.b(out);
      a.bind(big);
      // a NaN (exponent all ones, significand not 0) is 0; anything else saturates
      a.ldrConst(4, 1024);
      a.emit(T.alu("cmp", 0, 4));
      const saturate = a.newLabel();
      a.bCond("ne", saturate);
      a.emit(T.lslsImm(4, 2, 12));
      a.emit(T.alu("orrs", 4, 3));
      a.bCond("ne", zero);
      a.bind(saturate);
      a.emit(T.cmpImm(2, 0));
      if (signed) {
        const negative = a.newLabel();
        a.bCond("lt", negative);
        a.ldrConst(0, 0x7fffffff);
        a.b(out);
        a.bind(negative);
        a.emit(T.movsImm(0, 1));
        a.emit(T.lslsImm(0, 0, 31));
        a.b(out);
      } else {
        a.bCond("lt", zero);
        a.emit(T.movsImm(0, 0));
        a.emit(T.alu("mvns", 0, 0));
        a.b(out);
      }
      a.bind(zero);
      a.emit(T.movsImm(0, 0));
      a.bind(out);
      a.emit(T.pop([4, PC]));
    });
  }

  /** Every stub used, the bounds checks last: their trap branches must reach the trap stub. */
  emit(): void {
    const isCheck = (key: string) => key.startsWith("check");
    const checksLast = ([x]: [string, unknown], [y]: [string, unknown]) => Number(isCheck(x)) - Number(isCheck(y)) || (x < y ? -1 : 1);
    let pooled = false;
    for (const [key, { label, body }] of [...this.labels.entries()].sort(checksLast)) {
      if (isCheck(key) && !pooled) {
        this.a.flushPool(); // the stubs' constants, after a return
        pooled = true;
      }
      this.a.bind(label);
      body(this.trapStub);
    }
    if (!pooled) this.a.flushPool();
  }

  private get(key: string, body: (trap: Label) => void): Label {
    let entry = this.labels.get(key);
    if (!entry) {
      entry = { label: this.a.newLabel(), body };
      this.labels.set(key, entry);
    }
    return entry.label;
  }
}

/** The trap stub: records the site (LR), unwinds to the entry's SP and returns 1 from it. */
function emitTrapStub(a: Assembler, label: Label): void {
  a.bind(label);
  a.emit(T.mov(SCRATCH, LR));
  a.emit(T.memImm("str", SCRATCH, CTX_REG, CTX.trapLr));
  unwindAndReturn(a, 1);
}

function unwindAndReturn(a: Assembler, status: number): void {
  a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.savedSp));
  a.emit(T.mov(SP, SCRATCH));
  a.emit(T.pop([4, 5, 6]));
  a.emit(T.mov(LIMIT_REG, 4));
  a.emit(T.mov(MEM_FAST_END_REG, 5));
  a.emit(T.mov(MEM_BASE_REG, 6));
  a.emit(T.movsImm(0, status));
  a.emit(T.pop([4, 5, 6, 7, PC]));
}

/** MEM_FAST_END_REG from the context's memory size (at entry and after memory.grow). */
function loadMemoryRegisters(a: Assembler): void {
  const ok = a.newLabel();
  a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.memSize));
  a.emit(T.subsImm8(SCRATCH, FAST_CHECK_SLACK));
  a.bCond("hs", ok);
  a.emit(T.movsImm(SCRATCH, 0));
  a.bind(ok);
  a.emit(T.mov(MEM_FAST_END_REG, SCRATCH));
  a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.memBase));
  a.emit(T.mov(MEM_BASE_REG, SCRATCH));
}

/** entry(ctx r0, code r1, args r2, slots r3): copies the arguments where a callee finds its
 * parameters, calls, stores r0:r1 back over the arguments. */
function emitEntry(a: Assembler, label: Label): void {
  const copy = a.newLabel();
  const go = a.newLabel();
  a.bind(label);
  a.emit(T.push([4, 5, 6, 7, LR]));
  // r8-r10 are callee-saved in the AAPCS
  a.emit(T.mov(4, LIMIT_REG));
  a.emit(T.mov(5, MEM_FAST_END_REG));
  a.emit(T.mov(6, MEM_BASE_REG));
  a.emit(T.push([4, 5, 6]));
  a.emit(T.mov(CTX_REG, 0));
  a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.stackLimit));
  a.emit(T.mov(LIMIT_REG, SCRATCH));
  loadMemoryRegisters(a);
  a.emit(T.memImm("str", 2, CTX_REG, CTX.results));
  a.emit(T.memImm("str", 3, CTX_REG, CTX.argWords));
  a.emit(T.mov(SCRATCH, SP));
  a.emit(T.memImm("str", SCRATCH, CTX_REG, CTX.savedSp));
  a.emit(T.lslsImm(3, 3, 2));
  a.emit(T.subsReg(SCRATCH, SCRATCH, 3));
  a.emit(T.lsrsImm(SCRATCH, SCRATCH, 3)); // keep SP 8-byte aligned (AAPCS) below the arguments
  a.emit(T.lslsImm(SCRATCH, SCRATCH, 3));
  a.emit(T.mov(SP, SCRATCH));
  a.emit(T.movsImm(4, 0));
  a.bind(copy);
  a.emit(T.alu("cmp", 4, 3));
  a.bCond("hs", go);
  a.emit(T.memReg("ldr", 5, 2, 4));
  a.emit(T.memReg("str", 5, SCRATCH, 4));
  a.emit(T.addsImm8(4, 4));
  a.b(copy);
  a.bind(go);
  a.emit(T.blx(1));
  // the argument words back (a function with more than two result words left them there),
  // then r0:r1 over the first two
  const back = a.newLabel();
  const stored = a.newLabel();
  a.emit(T.memImm("ldr", 2, CTX_REG, CTX.results));
  a.emit(T.memImm("ldr", 3, CTX_REG, CTX.argWords));
  a.emit(T.lslsImm(3, 3, 2));
  a.emit(T.mov(SCRATCH, SP));
  a.emit(T.movsImm(4, 0));
  a.bind(back);
  a.emit(T.alu("cmp", 4, 3));
  a.bCond("hs", stored);
  a.emit(T.memReg("ldr", 5, SCRATCH, 4));
  a.emit(T.memReg("str", 5, 2, 4));
  a.emit(T.addsImm8(4, 4));
  a.b(back);
  a.bind(stored);
  a.emit(T.memImm("str", 0, 2, 0));
  a.emit(T.memImm("str", 1, 2, 4));
  unwindAndReturn(a, 0);
}

/** One 32-bit word of the operand stack; an i64 or f64 value is two, its upper word marked `hi`. */
type Val = ({ kind: "reg"; reg: number } | { kind: "slot" } | { kind: "const"; value: number } | { kind: "cond"; cond: Cond }) & { hi?: boolean };

interface Ctl {
  kind: "block" | "loop" | "if" | "func";
  /** Where a branch to this construct goes: the end, or a loop's head. */
  target: Label;
  end: Label;
  else: Label | undefined;
  /** Parameter and result words (an i64 or f64 counts two). */
  params: number;
  results: number;
  resultTypes: readonly ValType[];
  paramTypes: readonly ValType[];
  /** Stack height below the parameters. */
  base: number;
  /** Code after the last branch or return of this construct is dead until its end. */
  dead: boolean;
  /** Reachable when entered (a dead construct only tracks nesting). */
  live: boolean;
}

interface FrameShape {
  out: number;
  slots: number;
}

interface FunctionInput {
  m: Module;
  index: number;
  funcLabels: Label[];
  trapStub: Label;
  stubs: SharedStubs;
  a: Assembler;
  /** From the measuring pass; undefined in that pass. */
  frame: FrameShape | undefined;
}

const CMP: Record<number, Cond> = {
  0x46: "eq", 0x47: "ne", 0x48: "lt", 0x49: "lo", 0x4a: "gt", 0x4b: "hi", 0x4c: "le", 0x4d: "ls", 0x4e: "ge", 0x4f: "hs",
};
const MAX_SP_OFFSET = 1020;

class FunctionCompiler {
  readonly sites: { label: Label; func: number; wasmOffset: number; kind: TrapKind }[] = [];
  private readonly a: Assembler;
  private readonly m: Module;
  private readonly type: FuncType;
  private readonly locals: ValType[];
  /** Each local's first word in the frame's local area (parameters first). */
  private readonly localWord: number[];
  private readonly paramWords: number;
  private readonly localWords: number;
  private readonly stack: Val[] = [];
  private readonly ctls: Ctl[] = [];
  private readonly free = new Set<number>(OPERAND_REGS);
  private maxSlots = 0;
  private maxOut = 0;
  private opOffset = 0;
  /** The last local.get of one word: its register and frame offset, and the assembler's mark
   * just after its LDR (address() folds that LDR when nothing came between). */
  private freshLocal: { reg: number; off: number; mark: number } | undefined;
  private readonly frameSize: number;
  private readonly out: number;

  constructor(private readonly input: FunctionInput) {
    this.a = input.a;
    this.m = input.m;
    this.type = this.funcType(input.index);
    const body = input.m.bodies[input.index - input.m.importedFuncs];
    if (!body) throw this.error("no body");
    this.opOffset = body.start; // errors before the first instruction name the body's start
    this.locals = [...this.type.params, ...body.locals];
    let w = 0;
    this.localWord = this.locals.map((t) => (w += words(t)) - words(t));
    this.paramWords = wordsOf(this.type.params);
    this.localWords = w;
    const shape = input.frame ?? { out: 0, slots: 0 };
    this.out = shape.out;
    // F + push{lr} keeps SP 8-byte aligned
    const raw = shape.out + 4 * shape.slots + 4 * (this.localWords - this.paramWords);
    this.frameSize = raw % 8 === 4 ? raw : raw + 4;
  }

  frameShape(): FrameShape {
    return { out: this.maxOut, slots: this.maxSlots };
  }

  compile(): void {
    const body = this.m.bodies[this.input.index - this.m.importedFuncs];
    if (!body) throw this.error("no body");
    try {
      this.compileBody(new Reader(this.m.bytes, body.start, body.end));
    } catch (e) {
      // an offset or immediate no encoding reaches (a frame past 1 KiB...): refused, not miscompiled
      if (e instanceof EncodeError) throw this.error(`not encodable yet: ${e.message}`);
      throw e;
    }
  }

  private compileBody(r: Reader): void {
    this.prologue();
    const end = this.a.newLabel();
    this.ctls.push({ kind: "func", target: end, end, else: undefined, params: 0, results: wordsOf(this.type.results), resultTypes: this.type.results, paramTypes: [], base: 0, dead: false, live: true });
    while (this.ctls.length > 0) {
      this.opOffset = r.pos;
      this.op(r, r.u8());
    }
    this.a.flushRares();
  }

  // --- frame

  private prologue(): void {
    const a = this.a;
    a.emit(T.push([LR]));
    this.adjustSp(-this.frameSize);
    a.emit(T.mov(0, SP));
    a.emit(T.cmpHi(0, LIMIT_REG));
    this.trapIf("lo", "stackExhausted");
    const extra = this.localWords - this.paramWords;
    if (extra > 0) {
      a.emit(T.movsImm(0, 0));
      for (let j = 0; j < extra; j++) this.spStr(0, this.wordOffset(this.paramWords + j));
    }
  }

  /** reg = [sp + off]: LDR's immediate reaches 1020 bytes; past it the address goes through
   * SCRATCH (LDR literal and ADD leave the flags alone). */
  private spLdr(reg: number, off: number): void {
    if (off <= MAX_SP_OFFSET) return this.a.emit(T.ldrSp(reg, off));
    this.a.ldrConst(SCRATCH, off);
    this.a.emit(T.addHi(SCRATCH, SP));
    this.a.emit(T.memImm("ldr", reg, SCRATCH, 0));
  }

  /** [sp + off] = reg, any offset, flags kept. Storing SCRATCH itself far away borrows r0
   * through r12 (no low register is free there). */
  private spStr(reg: number, off: number): void {
    if (off <= MAX_SP_OFFSET) return this.a.emit(T.strSp(reg, off));
    const value = reg === SCRATCH ? 0 : reg;
    if (reg === SCRATCH) {
      this.a.emit(T.mov(12, 0));
      this.a.emit(T.mov(0, SCRATCH));
    }
    this.a.ldrConst(SCRATCH, off);
    this.a.emit(T.addHi(SCRATCH, SP));
    this.a.emit(T.memImm("str", value, SCRATCH, 0));
    if (reg === SCRATCH) this.a.emit(T.mov(0, 12));
  }

  private adjustSp(delta: number): void {
    if (delta === 0) return;
    if (Math.abs(delta) <= 508) {
      this.a.emit(delta < 0 ? T.subSp(-delta) : T.addSp(delta));
      return;
    }
    this.a.ldrConst(SCRATCH, delta);
    this.a.emit(T.addHi(SP, SCRATCH));
  }

  private chargeFuel(): void {
    const a = this.a;
    a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.fuel));
    a.emit(T.subsImm8(SCRATCH, 1));
    a.emit(T.memImm("str", SCRATCH, CTX_REG, CTX.fuel));
    this.trapIf("eq", "fuelExhausted");
  }

  private epilogue(): void {
    this.adjustSp(this.frameSize);
    this.a.emit(T.pop([PC]));
  }

  /** Frame offset of local word w (parameters' words are the caller's outgoing area). */
  private wordOffset(w: number): number {
    const params = this.paramWords;
    return w < params ? this.frameSize + 4 + 4 * w : this.out + 4 * this.maxSlotsForLayout() + 4 * (w - params);
  }

  private maxSlotsForLayout(): number {
    return this.input.frame?.slots ?? 0;
  }

  private slotOffset(i: number): number {
    return this.out + 4 * i;
  }

  /** A trap site: `BL <trap stub>` (its return address is the trap map's key) when `cond`
   * holds. See rareCall for where it goes. */
  private trapIf(cond: Cond, kind: TrapKind, wasmOffset = this.opOffset): void {
    this.rareCall(cond, this.input.trapStub, kind, wasmOffset);
  }

  private trapAlways(kind: TrapKind): void {
    this.siteCall(this.input.trapStub, kind, this.opOffset);
  }

  /** `BL target` when `cond` holds (a shared stub that returns here, or the trap stub: then a
   * trap site of `kind`), out of the usual path (Assembler.rare): that path falls through. */
  private rareCall(cond: Cond, target: Label, kind?: TrapKind, wasmOffset = this.opOffset): void {
    const a = this.a;
    const call = () => (kind ? this.siteCall(target, kind, wasmOffset) : a.bl(target));
    if (target === this.input.trapStub) return a.rare(cond, 4, call);
    const back = a.newLabel();
    a.rare(cond, 8, () => {
      call();
      a.b(back);
    });
    a.bind(back);
  }

  private siteCall(target: Label, kind: TrapKind, wasmOffset: number): void {
    const label = this.a.newLabel();
    this.a.bind(label);
    this.a.bl(target);
    this.sites.push({ label, func: this.input.index, wasmOffset, kind });
  }

  // --- the value stack

  private push(v: Val): void {
    this.stack.push(v);
    this.maxSlots = Math.max(this.maxSlots, this.stack.length);
  }

  private pop(): Val {
    const v = this.stack.pop();
    if (!v) throw this.error("operand stack underflow");
    if (v.kind === "reg") this.free.add(v.reg);
    return v;
  }

  private top(): Val {
    const v = this.stack[this.stack.length - 1];
    if (!v) throw this.error("operand stack underflow");
    return v;
  }

  private alloc(): number {
    for (const r of OPERAND_REGS) {
      if (this.free.has(r)) {
        this.free.delete(r);
        return r;
      }
    }
    const i = this.stack.findIndex((v) => v.kind === "reg");
    if (i < 0) throw this.error("no register to spill");
    this.spillAt(i, false);
    return this.alloc();
  }

  /** A fresh register holding a constant (MOVS sets flags; LDR from the pool does not). */
  private constInto(reg: number, value: number, keepFlags: boolean): void {
    const v = value >>> 0;
    if (!keepFlags && v <= 255) this.a.emit(T.movsImm(reg, v));
    else this.a.ldrConst(reg, v);
  }

  /** Moves stack entry i into its slot. */
  private spillAt(i: number, keepFlags: boolean): void {
    const v = this.stack[i];
    if (!v || v.kind === "slot") return;
    const off = this.slotOffset(i);
    if (v.kind === "reg") {
      this.spStr(v.reg, off);
      this.free.add(v.reg);
    } else if (v.kind === "const") {
      this.constInto(SCRATCH, v.value, keepFlags);
      this.spStr(SCRATCH, off);
    } else {
      throw this.error("a comparison below the top of the stack");
    }
    this.stack[i] = { kind: "slot", hi: v.hi };
  }

  /** Everything but the top `keep` entries to their slots. */
  private spillAll(keep = 0, keepFlags = false): void {
    for (let i = 0; i < this.stack.length - keep; i++) this.spillAt(i, keepFlags);
  }

  /** Entry i in a register of its own (returned); flags are clobbered. */
  private materialize(i: number): number {
    const v = this.stack[i];
    if (!v) throw this.error("operand stack underflow");
    if (v.kind === "reg") return v.reg;
    const reg = this.alloc();
    if (v.kind === "slot") this.spLdr(reg, this.slotOffset(i));
    else if (v.kind === "const") this.constInto(reg, v.value, false);
    else this.condInto(reg, v.cond);
    this.stack[i] = { kind: "reg", reg, hi: v.hi };
    return reg;
  }

  private condInto(reg: number, cond: Cond): void {
    const done = this.a.newLabel();
    this.a.ldrConst(reg, 1); // LDR keeps the flags the branch reads
    this.a.bCond(cond, done);
    this.a.ldrConst(reg, 0);
    this.a.bind(done);
  }

  private popReg(): number {
    const reg = this.materialize(this.stack.length - 1);
    this.stack.pop();
    return reg; // still allocated: the caller owns it
  }

  private pushReg(reg: number, hi = false): void {
    this.free.delete(reg);
    this.push(hi ? { kind: "reg", reg, hi } : { kind: "reg", reg });
  }

  /** A value of type t in its slots (where a join or helper left it). */
  private pushSlots(t: ValType): void {
    this.push({ kind: "slot" });
    if (words(t) === 2) this.push({ kind: "slot", hi: true });
  }

  private release(reg: number): void {
    this.free.add(reg);
  }

  // --- instructions

  private op(r: Reader, op: number): void {
    const ctl = this.ctls[this.ctls.length - 1];
    if (!ctl) throw this.error("no enclosing block");
    if (ctl.dead || !ctl.live) {
      this.skipDead(r, op, ctl);
      return;
    }
    const top = this.stack[this.stack.length - 1];
    if (top?.kind === "cond" && !(op === 0x04 || op === 0x0d || op === 0x1b || op === 0x45)) this.materialize(this.stack.length - 1);
    switch (op) {
      case 0x00: this.trapAlways("unreachable"); this.markDead(); return;
      case 0x01: return;
      case 0x02: case 0x03: return this.enterBlock(op === 0x02 ? "block" : "loop", this.blockType(r));
      case 0x04: return this.enterIf(this.blockType(r));
      case 0x05: return this.elseOf(ctl);
      case 0x0b: return this.endOf(ctl);
      case 0x0c: return this.br(r.u32());
      case 0x0d: return this.brIf(r.u32());
      case 0x0e: return this.brTable(r);
      case 0x0f: return this.ret();
      case 0x10: return this.call(r.u32());
      case 0x11: return this.callIndirect(r.u32(), r.u32());
      case 0x1a: if (this.pop().hi) this.pop(); return;
      case 0x1b: return this.select();
      case 0x20: return this.localGet(r.u32());
      case 0x21: {
        const i = r.u32();
        return this.localSet(i, this.followedByGet(r, i));
      }
      case 0x22: return this.localSet(r.u32(), true);
      case 0x23: return this.globalGet(r.u32());
      case 0x24: return this.globalSet(r.u32());
      case 0x28: return this.load(r, 4, false);
      case 0x2c: return this.load(r, 1, true);
      case 0x2d: return this.load(r, 1, false);
      case 0x2e: return this.load(r, 2, true);
      case 0x2f: return this.load(r, 2, false);
      case 0x36: return this.store(r, 4);
      case 0x3a: return this.store(r, 1);
      case 0x3b: return this.store(r, 2);
      case 0x3f: r.u8(); return this.memorySize();
      case 0x40: r.u8(); return this.memoryGrow();
      case 0x41: this.push({ kind: "const", value: r.s32() }); return;
      case 0x43: this.push({ kind: "const", value: r.f32bits() }); return;
      case 0x42: return this.pushConst64(BigInt.asUintN(64, r.signed(64)));
      case 0x44: return this.pushConst64(r.f64bits());
      case 0x29: case 0x2b: return this.load64(r);
      case 0x37: case 0x39: return this.store64(r);
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: return this.loadExtend(r, op);
      case 0x3c: case 0x3d: case 0x3e: this.pop(); return this.store(r, op === 0x3c ? 1 : op === 0x3d ? 2 : 4);
      case 0xa7: this.pop(); return; // wrap: the low word
      case 0xbd: case 0xbf: return; // reinterpret: the same words
      case 0x99: return this.signBits("abs", true);
      case 0x9a: return this.signBits("neg", true);
      case 0xa6: return this.copysign(true);
      case 0x2a: return this.load(r, 4, false);
      case 0x38: return this.store(r, 4);
      case 0x1c: return this.typedSelect(r);
      case 0x67: return this.unaryHelper("i32Clz");
      case 0x68: return this.unaryHelper("i32Ctz");
      case 0x69: return this.unaryHelper("i32Popcnt");
      case 0xc0: return this.extend("byte");
      case 0xc1: return this.extend("half");
      case 0xbc: case 0xbe: return; // reinterpret: the same bits
      case 0x8b: return this.signBits("abs");
      case 0x8c: return this.signBits("neg");
      case 0x98: return this.copysign();
      case 0xfc: return this.prefixed(r, r.u32());
      case 0x45: return this.eqz();
      case 0xd0: r.u8(); this.push({ kind: "const", value: REF_NULL }); return;
      case 0xd1: return this.eqz(); // a reference is a word, null is 0
      case 0xd2: return this.refFunc(r.u32());
      case 0x25: this.push({ kind: "const", value: r.u32() }); return this.wideOp(0x25, { in: 2, out: 1, traps: ["tableOutOfBounds"] }, "table");
      case 0x26: this.push({ kind: "const", value: r.u32() }); return this.wideOp(0x26, { in: 3, out: 0, traps: ["tableOutOfBounds"] }, "table");
    }
    if (op >= 0x46 && op <= 0x4f) return this.compare(CMP[op] as Cond);
    if (op >= 0x86 && op <= 0x88 && this.shift64ByConst(op)) return;
    if (I64_INLINE.has(op)) return this.i64Inline(op);
    if (op >= 0x61 && op <= 0x66) return this.f64Stub(4, this.input.stubs.f64Compare(op));
    const f64 = F64_HELPER_OPS[op as keyof typeof F64_HELPER_OPS];
    if (f64) return this.f64Arith(f64);
    const wide = WIDE[op];
    if (wide) return this.wideOp(op, wide);
    if (F32_BINARY.has(op)) return this.f32Op(op, 2);
    if (F32_UNARY.has(op)) return this.f32Op(op, 1);
    if (op >= 0x6d && op <= 0x70) return this.divide(op);
    if (op >= 0x6a && op <= 0x78) return this.binary(op);
    throw this.error(`opcode 0x${op.toString(16)} is not compiled yet`);
  }

  /** Dead code: decode immediates, track nesting, emit nothing. */
  private skipDead(r: Reader, op: number, ctl: Ctl): void {
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      this.blockType(r);
      const l = this.a.newLabel();
      this.ctls.push({ kind: "block", target: l, end: l, else: undefined, params: 0, results: 0, resultTypes: [], paramTypes: [], base: this.stack.length, dead: true, live: false });
      return;
    }
    if (op === 0x05 && ctl.live && ctl.kind === "if") return this.elseOf(ctl);
    if (op === 0x0b) {
      if (!ctl.live) {
        this.ctls.pop();
        return;
      }
      return this.endOf(ctl);
    }
    skipImmediates(r, op);
  }

  private blockType(r: Reader): BlockType {
    const b = r.bytes[r.pos];
    if (b === 0x40) {
      r.u8();
      return { params: 0, results: 0, resultTypes: [], paramTypes: [] };
    }
    const single = b === undefined ? undefined : VALUE_TYPES[b];
    if (single) {
      r.u8();
      return { params: 0, results: words(single), resultTypes: [single], paramTypes: [] };
    }
    const t = this.m.types[Number(r.signed(33))];
    if (!t) throw this.error("block type index out of range");
    return { params: wordsOf(t.params), results: wordsOf(t.results), resultTypes: t.results, paramTypes: t.params };
  }

  private enterBlock(kind: "block" | "loop", bt: BlockType): void {
    this.spillAll();
    const end = this.a.newLabel();
    const target = kind === "loop" ? this.a.newLabel() : end;
    this.ctls.push({ kind, target, end, else: undefined, ...bt, base: this.stack.length - bt.params, dead: false, live: true });
    if (kind === "loop") {
      this.a.bind(target);
      this.chargeFuel();
    }
  }

  private enterIf(bt: BlockType): void {
    const elseLabel = this.a.newLabel();
    this.branchOnTop(elseLabel, false);
    const end = this.a.newLabel();
    // parameters are in their slots (branchOnTop spilled them); the else path reaches them
    // untouched, since only the then path runs between the branch and the else label
    this.ctls.push({ kind: "if", target: end, end, else: elseLabel, ...bt, base: this.stack.length - bt.params, dead: false, live: true });
  }

  /** Pops the condition on top and branches to `label` when it is true (`whenTrue`) or false;
   * everything below is spilled first, so both paths see the same stack. */
  private branchOnTop(label: Label, whenTrue: boolean): void {
    const c = this.top();
    if (c.kind === "cond") {
      this.spillAll(1, true);
      this.stack.pop();
      this.a.bCond(whenTrue ? c.cond : T.invert(c.cond), label);
      return;
    }
    const reg = this.materialize(this.stack.length - 1);
    this.spillAll(1);
    this.stack.pop();
    this.a.emit(T.cmpImm(reg, 0));
    this.release(reg);
    this.a.bCond(whenTrue ? "ne" : "eq", label);
  }

  private elseOf(ctl: Ctl): void {
    if (ctl.kind !== "if" || !ctl.else) throw this.error("else outside an if");
    if (!ctl.dead) {
      this.leaveWithResults(ctl);
      this.a.b(ctl.end);
    }
    this.truncate(ctl.base);
    for (const t of ctl.paramTypes) this.pushSlots(t);
    this.a.bind(ctl.else);
    ctl.else = undefined;
    ctl.dead = false;
  }

  private endOf(ctl: Ctl): void {
    if (ctl.kind === "func") {
      if (!ctl.dead) this.returnValues();
      this.a.bind(ctl.end);
      this.ctls.pop();
      return;
    }
    if (!ctl.dead) this.leaveWithResults(ctl);
    if (ctl.else) this.a.bind(ctl.else);
    this.a.bind(ctl.end);
    this.truncate(ctl.base);
    if (inR0(ctl)) this.pushReg(0);
    else for (const t of ctl.resultTypes) this.pushSlots(t);
    this.ctls.pop();
  }

  /** Falling out of a block: its values where every way out puts them. */
  private leaveWithResults(ctl: Ctl): void {
    if (!inR0(ctl)) return this.spillAll();
    this.spillAll(1);
    this.topInto0();
  }

  private truncate(height: number): void {
    while (this.stack.length > height) this.pop();
  }

  private markDead(): void {
    this.a.flushPoolAfterBranch();
    const ctl = this.ctls[this.ctls.length - 1];
    if (!ctl) return;
    this.truncate(ctl.base);
    ctl.dead = true;
  }

  private targetOf(depth: number): { ctl: Ctl; arity: number } {
    const ctl = this.ctls[this.ctls.length - 1 - depth];
    if (!ctl) throw this.error(`branch depth ${depth} out of range`);
    return { ctl, arity: ctl.kind === "loop" ? ctl.params : ctl.results };
  }

  /** Copies the top `arity` slots to the target's base, or the one value into r0 (the stack is spilled). */
  private moveBranchValues(ctl: Ctl, arity: number): void {
    if (inR0(ctl)) {
      this.spLdr(0, this.slotOffset(this.stack.length - 1));
      return;
    }
    const from = this.stack.length - arity;
    if (from === ctl.base) return;
    for (let k = 0; k < arity; k++) {
      this.spLdr(SCRATCH, this.slotOffset(from + k));
      this.spStr(SCRATCH, this.slotOffset(ctl.base + k));
    }
  }

  private br(depth: number): void {
    const { ctl, arity } = this.targetOf(depth);
    if (ctl.kind === "func") return this.ret();
    this.spillAll();
    this.moveBranchValues(ctl, arity);
    this.a.b(ctl.target);
    this.markDead();
  }

  private brIf(depth: number): void {
    const { ctl, arity } = this.targetOf(depth);
    const direct = ctl.kind !== "func" && (arity === 0 || (!inR0(ctl) && this.stack.length - 1 - arity === ctl.base));
    if (direct) return this.branchOnTop(ctl.target, true);
    const skip = this.a.newLabel();
    this.branchOnTop(skip, false);
    if (ctl.kind === "func") this.returnValues();
    else {
      this.moveBranchValues(ctl, arity);
      this.a.b(ctl.target);
    }
    this.a.bind(skip);
  }

  private brTable(r: Reader): void {
    const n = r.u32();
    const depths: number[] = [];
    for (let i = 0; i < n; i++) depths.push(r.u32());
    const fallback = r.u32();
    // a target's value may be loaded into r0 (even over the index): only after its compare matched
    const index = this.popReg();
    this.spillAll();
    depths.forEach((depth, i) => {
      const next = this.a.newLabel();
      if (i <= 255) this.a.emit(T.cmpImm(index, i));
      else {
        this.a.ldrConst(SCRATCH, i);
        this.a.emit(T.alu("cmp", index, SCRATCH));
      }
      this.a.bCond("ne", next);
      this.jumpTo(depth);
      this.a.bind(next);
    });
    this.release(index);
    this.jumpTo(fallback);
    this.markDead();
  }

  private jumpTo(depth: number): void {
    const { ctl, arity } = this.targetOf(depth);
    if (ctl.kind === "func") return this.returnValues();
    this.moveBranchValues(ctl, arity);
    this.a.b(ctl.target);
  }

  private ret(): void {
    this.returnValues();
    this.markDead();
  }

  /** The result into r0 and the epilogue. */
  private returnValues(): void {
    const n = wordsOf(this.type.results);
    if (n === 1) {
      this.spillAll(1);
      this.topInto0();
    } else if (n >= 2) {
      // an i64 or f64 in r0:r1; more words over the parameters (the caller's outgoing area,
      // sized for them), the first two in r0:r1 as well (the entry stub stores those last)
      this.spillAll();
      const from = this.stack.length - n;
      if (n > 2) {
        for (let k = 0; k < n; k++) {
          this.spLdr(SCRATCH, this.slotOffset(from + k));
          this.spStr(SCRATCH, this.frameSize + 4 + 4 * k);
        }
      }
      this.spLdr(0, this.slotOffset(from));
      this.spLdr(1, this.slotOffset(from + 1));
    }
    this.epilogue();
  }

  /** The top value into r0 (everything below is spilled, so r0 is free or is the top). */
  private topInto0(): void {
    const v = this.top();
    if (v.kind === "reg" && v.reg !== 0) this.a.emit(T.mov(0, v.reg));
    else if (v.kind === "slot") this.spLdr(0, this.slotOffset(this.stack.length - 1));
    else if (v.kind === "const") this.constInto(0, v.value, false);
    else if (v.kind === "cond") this.condInto(0, v.cond);
  }

  private call(f: number): void {
    if (f < this.m.importedFuncs) return this.callImport(f);
    const label = this.input.funcLabels[f];
    const t = this.funcType(f);
    if (label === undefined) throw this.error(`function ${f} out of range`);
    const from = this.outgoingArgs(t);
    this.a.bl(label);
    this.pushResult(t, from);
  }

  /** Arguments straight to the outgoing area, everything below them to its slot; returns the
   * stack height below the arguments. The area also takes more than two result words. */
  private outgoingArgs(t: FuncType): number {
    const argWords = wordsOf(t.params);
    const from = this.stack.length - argWords;
    for (let i = 0; i < from; i++) this.spillAt(i, false);
    for (let k = 0; k < argWords; k++) this.storeOutgoing(from + k, 4 * k);
    this.maxOut = Math.max(this.maxOut, 4 * argWords, 4 * wordsOf(t.results));
    this.truncate(from);
    return from;
  }

  /** call_indirect: index < the table's size or trap, a null entry traps, then the
   * descriptor's canonical type id against the expected one; the call is BLX to its code.
   * Table 0 is in the context itself; others through CTX.tables. */
  private callIndirect(typeIndex: number, table: number): void {
    const t = this.m.types[typeIndex];
    if (!t) throw this.error(`type ${typeIndex} out of range`);
    const index = this.popReg();
    const from = this.outgoingArgs(t);
    const a = this.a;
    if (table === 0) {
      a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.tableSize));
      a.emit(T.alu("cmp", index, SCRATCH));
      this.trapIf("hs", "undefinedElement");
      a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.table));
    } else {
      // SCRATCH = the table's {entries, size} pair in CTX.tables
      const size = this.alloc();
      a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.tables));
      let at = 8 * table;
      if (at + 4 > T.maxImmOffset("ldr")) {
        a.ldrConst(size, at);
        a.emit(T.addsReg(SCRATCH, SCRATCH, size));
        at = 0;
      }
      a.emit(T.memImm("ldr", size, SCRATCH, at + 4));
      a.emit(T.alu("cmp", index, size));
      this.trapIf("hs", "undefinedElement");
      a.emit(T.memImm("ldr", SCRATCH, SCRATCH, at));
      this.release(size);
    }
    a.emit(T.lslsImm(index, index, 2));
    a.emit(T.memReg("ldr", index, SCRATCH, index));
    a.emit(T.cmpImm(index, 0));
    this.trapIf("eq", "uninitializedElement");
    a.emit(T.memImm("ldr", SCRATCH, index, 0));
    a.emit(T.memImm("ldr", index, index, 4));
    const id = this.m.canonicalType[typeIndex] ?? typeIndex;
    const expected = this.alloc();
    this.constInto(expected, id, false);
    a.emit(T.alu("cmp", index, expected));
    this.trapIf("ne", "indirectCallType");
    this.release(expected);
    this.release(index);
    a.emit(T.blx(SCRATCH));
    this.pushResult(t, from);
  }

  /** A call's result from r0 (or r0:r1). */
  private pushResult(t: FuncType, from = this.stack.length): void {
    const n = wordsOf(t.results);
    if (n > 2) {
      // more than two words come back in the outgoing area: into their slots
      for (const r of t.results) this.pushSlots(r);
      for (let k = 0; k < n; k++) {
        this.spLdr(SCRATCH, 4 * k);
        this.spStr(SCRATCH, this.slotOffset(from + k));
      }
      return;
    }
    // up to two words in r0:r1: one i32/f32, one i64/f64, or two 32-bit results
    let reg = 0;
    for (const r of t.results) {
      this.pushReg(reg++);
      if (words(r) === 2) this.pushReg(reg++, true);
    }
  }

  /** An import: its i32 arguments as wr_arg slots in the outgoing area, the runtime's helper
   * binds and checks them and calls the native; a nonzero status is a trap here. */
  private callImport(f: number): void {
    const t = this.funcType(f);
    const from = this.stack.length - wordsOf(t.params);
    for (let i = 0; i < from; i++) this.spillAt(i, false);
    let w = from;
    t.params.forEach((p, k) => {
      for (let h = 0; h < words(p); h++) this.storeOutgoing(w++, WR_ARG_BYTES * k + 4 * h);
    });
    this.maxOut = Math.max(this.maxOut, WR_ARG_BYTES * Math.max(t.params.length, t.results.length));
    this.truncate(from);
    const a = this.a;
    a.emit(T.mov(0, CTX_REG));
    if (f <= 255) a.emit(T.movsImm(1, f));
    else a.ldrConst(1, f);
    a.emit(T.mov(2, SP));
    a.emit(T.mov(3, SP));
    a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.helpers));
    a.emit(T.memImm("ldr", SCRATCH, SCRATCH, 4 * HELPER.callImport));
    a.emit(T.blx(SCRATCH));
    a.emit(T.cmpImm(0, 0));
    this.trapIf("ne", "native");
    // the import may have grown (and moved) the memory: another instance's code, or a native
    loadMemoryRegisters(a);
    if (t.results.length === 1) {
      this.spLdr(0, 0);
      this.spLdr(1, 4);
      this.pushResult(t);
      return;
    }
    // several results: each from its wr_arg slot into the operand slots
    t.results.forEach((r, k) => {
      for (let h = 0; h < words(r); h++) {
        this.spLdr(SCRATCH, WR_ARG_BYTES * k + 4 * h);
        this.spStr(SCRATCH, this.slotOffset(this.stack.length + h));
      }
      this.pushSlots(r);
    });
  }

  private storeOutgoing(i: number, off: number): void {
    const v = this.stack[i];
    if (!v) throw this.error("operand stack underflow");
    if (v.kind === "reg") this.spStr(v.reg, off);
    else if (v.kind === "slot") {
      this.spLdr(SCRATCH, this.slotOffset(i));
      this.spStr(SCRATCH, off);
    } else if (v.kind === "const") {
      this.constInto(SCRATCH, v.value, false);
      this.spStr(SCRATCH, off);
    } else throw this.error("a comparison as an argument");
  }

  private funcType(f: number): FuncType {
    const t = this.m.types[this.m.funcTypes[f] ?? -1];
    if (!t) throw this.error(`function ${f} has no type`);
    return t;
  }

  private select(): void {
    const c = this.top();
    let condReg: number;
    if (c.kind === "cond") condReg = this.materialize(this.stack.length - 1);
    else condReg = this.materialize(this.stack.length - 1);
    this.stack.pop();
    const pair = this.top().hi === true;
    const b = this.popReg();
    const bLo = pair ? this.popReg() : undefined;
    const a = this.materialize(this.stack.length - 1);
    const aLo = pair ? this.materialize(this.stack.length - 2) : undefined;
    const keep = this.a.newLabel();
    this.a.emit(T.cmpImm(condReg, 0));
    this.a.bCond("ne", keep);
    this.a.emit(T.mov(a, b));
    if (aLo !== undefined && bLo !== undefined) this.a.emit(T.mov(aLo, bLo));
    this.a.bind(keep);
    this.release(b);
    if (bLo !== undefined) this.release(bLo);
    this.release(condReg);
  }

  private localGet(i: number): void {
    const [w, n] = this.localWords_(i);
    for (let k = 0; k < n; k++) {
      const reg = this.alloc();
      const off = this.wordOffset(w + k);
      this.spLdr(reg, off);
      this.pushReg(reg, k === 1);
      if (n === 1 && off <= MAX_SP_OFFSET) this.freshLocal = { reg, off, mark: this.a.mark() };
    }
  }

  /** `local.set i` then `local.get i` is `local.tee i`: when the next instruction is that get,
   * it is consumed here (it cannot trap, so no trap site needs its offset). */
  private followedByGet(r: Reader, i: number): boolean {
    const at = r.pos;
    if (r.u8() === 0x20 && r.u32() === i) return true;
    r.pos = at;
    return false;
  }

  private localSet(i: number, tee: boolean): void {
    const [w, n] = this.localWords_(i);
    // the upper word of an i64/f64 is on top
    for (let k = n - 1; k >= 0; k--) {
      const reg = this.materialize(this.stack.length - 1 - (n - 1 - k));
      this.spStr(reg, this.wordOffset(w + k));
    }
    if (!tee) for (let k = 0; k < n; k++) this.pop();
  }

  /** Local i's first word and word count. */
  private localWords_(i: number): [number, number] {
    const t = this.locals[i];
    if (t === undefined) throw this.error(`local ${i} out of range`);
    return [this.localWord[i] ?? 0, words(t)];
  }

  private globalGet(g: number): void {
    const n = this.checkGlobal(g);
    for (let k = 0; k < n; k++) {
      const reg = this.alloc();
      this.a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.globals));
      this.globalAccess("ldr", reg, g, 4 * k);
      this.pushReg(reg, k === 1);
    }
  }

  private globalSet(g: number): void {
    const n = this.checkGlobal(g);
    for (let k = n - 1; k >= 0; k--) {
      const reg = this.popReg();
      this.a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.globals));
      this.globalAccess("str", reg, g, 4 * k);
      this.release(reg);
    }
  }

  /** The global's word count. */
  private checkGlobal(g: number): number {
    const t = this.m.globals[g];
    if (!t) throw this.error(`global ${g} out of range`);
    return words(t.type);
  }

  private globalAccess(op: "ldr" | "str", reg: number, g: number, word: number): void {
    if (8 * g + word <= T.maxImmOffset("ldr")) {
      this.a.emit(T.memImm(op, reg, SCRATCH, 8 * g + word));
      return;
    }
    const off = this.alloc();
    this.a.ldrConst(off, 8 * g + word);
    this.a.emit(T.memReg(op, reg, SCRATCH, off));
    this.release(off);
  }

  /** SCRATCH = host address of (addr + offset), after trapping unless addr + offset + size fits.
   * Fast path: addr + offset below max(size - 8, 0), held in r9: no load, no other check. */
  private address(addr: number, offset: number, size: number): void {
    const a = this.a;
    const fresh = this.freshLocal;
    if (fresh?.reg === addr && fresh.mark === a.mark() && (offset === 0 || offset > 7) && offset <= 255 && a.retract(T.ldrSp(addr, fresh.off))) {
      // the address was just loaded from a local: load it into SCRATCH itself
      a.emit(T.ldrSp(SCRATCH, fresh.off));
      if (offset > 0) a.emit(T.addsImm8(SCRATCH, offset));
    } else if (offset <= 7) {
      a.emit(offset === 0 ? T.mov(SCRATCH, addr) : T.addsImm3(SCRATCH, addr, offset));
    } else if (offset <= 255) {
      a.emit(T.mov(SCRATCH, addr));
      a.emit(T.addsImm8(SCRATCH, offset));
    } else {
      a.ldrConst(SCRATCH, offset);
      a.emit(T.addsReg(SCRATCH, SCRATCH, addr));
    }
    if (offset > 0) this.trapIf("hs", "memoryOutOfBounds"); // carry: past 4 GiB
    a.emit(T.cmpHi(SCRATCH, MEM_FAST_END_REG));
    // near the end of memory: the shared exact check, whose BL is this access's trap site
    this.rareCall("hs", this.input.stubs.memCheck(size), "memoryOutOfBounds");
    a.emit(T.addHi(SCRATCH, MEM_BASE_REG));
  }

  /** An access of `size` bytes at SCRATCH: `aligned` when SCRATCH is a multiple of the size (the
   * M0+ faults on an unaligned LDR/STR(H)), else, out of the usual path, the shared bytewise
   * stub. `tmp` is clobbered by the test. */
  private aligned(size: 2 | 4 | 8, tmp: number, bytewise: Label, aligned: () => void): void {
    const a = this.a;
    const done = a.newLabel();
    a.emit(T.lslsImm(tmp, SCRATCH, 32 - Math.log2(Math.min(size, 4))));
    a.rare("ne", 8, () => {
      a.bl(bytewise);
      a.b(done);
    });
    aligned();
    a.bind(done);
  }

  private memarg(r: Reader): number {
    r.u32(); // alignment: only a hint; unaligned accesses take the bytewise path
    const offset = r.u32();
    if (!this.m.hasMemory) throw this.error("memory access without a memory");
    return offset;
  }

  private load(r: Reader, size: 1 | 2 | 4, signed: boolean): void {
    const offset = this.memarg(r);
    const reg = this.popReg();
    this.address(reg, offset, size);
    const a = this.a;
    if (size === 1) {
      a.emit(T.memImm("ldrb", reg, SCRATCH, 0));
      if (signed) a.emit(T.sxtb(reg, reg));
    } else {
      // reg is free for the test: the address is in SCRATCH now
      this.aligned(size, reg, this.input.stubs.load(size, reg), () => a.emit(T.memImm(size === 4 ? "ldr" : "ldrh", reg, SCRATCH, 0)));
      if (size === 2 && signed) a.emit(T.sxth(reg, reg));
    }
    this.pushReg(reg);
  }

  private store(r: Reader, size: 1 | 2 | 4): void {
    const offset = this.memarg(r);
    const value = this.popReg();
    const addr = this.popReg();
    this.address(addr, offset, size);
    const a = this.a;
    if (size === 1) a.emit(T.memImm("strb", value, SCRATCH, 0));
    else this.aligned(size, addr, this.input.stubs.store(size, value), () => a.emit(T.memImm(size === 4 ? "str" : "strh", value, SCRATCH, 0)));
    this.release(value);
    this.release(addr);
  }

  private memorySize(): void {
    const reg = this.alloc();
    this.a.emit(T.memImm("ldr", reg, CTX_REG, CTX.memPages));
    this.pushReg(reg);
  }

  private memoryGrow(): void {
    this.callHelper("memoryGrow", 1);
    loadMemoryRegisters(this.a);
    this.pushReg(0);
  }

  private prefixed(r: Reader, sub: number): void {
    if (sub === 11) {
      if (r.u8() !== 0) throw this.error("memory.fill on a memory other than 0");
      this.callHelper("memoryFill", 3);
    } else if (sub === 10) {
      if (r.u8() !== 0 || r.u8() !== 0) throw this.error("memory.copy between memories other than 0");
      this.callHelper("memoryCopy", 3);
    } else if (sub === 0 || sub === 1) {
      return this.f32Op(0x100 + sub, 1);
    } else if (sub === 8) {
      // memory.init: the segment index joins the operands (dest, source, count, segment)
      const seg = r.u32();
      if (r.u8() !== 0 || !this.m.hasMemory) throw this.error("memory.init on a memory other than 0");
      this.push({ kind: "const", value: seg });
      return this.wideOp(0x108, { in: 4, out: 0, traps: ["memoryOutOfBounds"] });
    } else if (sub === 9) {
      this.push({ kind: "const", value: r.u32() });
      return this.wideOp(0x109, { in: 1, out: 0 });
    } else if (sub === 2 || sub === 3) {
      return this.f64Stub(2, this.input.stubs.f64ToI32Sat(sub === 2));
    } else if (sub >= 4 && sub <= 7) {
      return this.wideOp(0x100 + sub, WIDE[0x100 + sub] as Wide);
    } else if (sub >= 12 && sub <= 17) {
      return this.tableOp(r, sub);
    } else throw this.error(`opcode 0xfc ${sub} is not compiled yet`);
    this.a.emit(T.cmpImm(0, 0));
    this.trapIf("ne", "memoryOutOfBounds");
  }

  /** table.init, elem.drop, table.copy/grow/size/fill in the table helper: the immediates
   * join the operands (abi.ts, HELPER.table). */
  private tableOp(r: Reader, sub: number): void {
    const immediates = sub === 12 || sub === 14 ? [r.u32(), r.u32()] : [r.u32()];
    // table.init's immediates are (segment, table); the helper takes [.., segment, table] too
    for (const v of immediates) this.push({ kind: "const", value: v });
    const operands = { 12: 3, 13: 0, 14: 3, 15: 2, 16: 0, 17: 3 }[sub] ?? 0;
    const out = sub === 15 || sub === 16 ? 1 : 0;
    const traps: TrapKind[] = sub === 13 || sub === 15 || sub === 16 ? [] : ["tableOutOfBounds"];
    this.wideOp(0x100 + sub, { in: operands + immediates.length, out, traps }, "table");
  }

  /** ref.func f: the address of f's descriptor in the context's array. */
  private refFunc(f: number): void {
    const reg = this.alloc();
    this.a.emit(T.memImm("ldr", reg, CTX_REG, CTX.funcs));
    const off = FUNC_DESCRIPTOR_BYTES * f;
    if (off > 0 && off <= 255) this.a.emit(T.addsImm8(reg, off));
    else if (off > 255) {
      this.a.ldrConst(SCRATCH, off);
      this.a.emit(T.addsReg(reg, reg, SCRATCH));
    }
    this.pushReg(reg);
  }

  /** A runtime helper on the top `args` values: helper(ctx, args...) in r0, r1..r3 (AAPCS), or
   * without the context (withCtx false) helper(args...) in r0..r3. */
  private callHelper(name: HelperName, args: number, withCtx = true): void {
    if (name.startsWith("memory") && !this.m.hasMemory) throw this.error(`${name} without a memory`);
    const from = this.stack.length - args;
    const first = withCtx ? 1 : 0;
    for (let i = 0; i < from; i++) this.spillAt(i, false);
    this.argumentsInto(from, args, first);
    this.truncate(from);
    if (withCtx) this.a.emit(T.mov(0, CTX_REG));
    this.a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.helpers));
    this.a.emit(T.memImm("ldr", SCRATCH, SCRATCH, 4 * HELPER[name]));
    this.a.emit(T.blx(SCRATCH));
  }

  /** The top `args` values (all below them spilled) into r<first>.. r<first + args - 1>: one in
   * another register moves there once its target holds no other argument; what a cycle of such
   * moves leaves goes through its slot; slots and constants load last (their targets are free). */
  private argumentsInto(from: number, args: number, first: number): void {
    const at = (k: number) => this.stack[from + k] as Val;
    const misplaced = (k: number) => { const v = at(k); return v.kind === "reg" && v.reg !== first + k; };
    const holds = (reg: number) => Array.from({ length: args }, (_, j) => at(j)).some((v) => v.kind === "reg" && v.reg === reg);
    for (let moved = true; moved;) {
      moved = false;
      for (let k = 0; k < args; k++) {
        const v = at(k);
        if (v.kind !== "reg" || !misplaced(k) || holds(first + k)) continue;
        this.a.emit(T.mov(first + k, v.reg));
        this.free.add(v.reg);
        this.free.delete(first + k);
        this.stack[from + k] = { kind: "reg", reg: first + k, hi: v.hi };
        moved = true;
      }
    }
    for (let k = 0; k < args; k++) if (misplaced(k) || at(k).kind === "cond") this.spillAt(from + k, false);
    for (let k = 0; k < args; k++) {
      const v = at(k);
      if (v.kind === "slot") this.spLdr(first + k, this.slotOffset(from + k));
      else if (v.kind === "const") this.constInto(first + k, v.value, false);
    }
  }

  /** div_s, div_u, rem_s, rem_u: the traps inline (the spec's, in its order), the division in a helper. */
  private divide(op: number): void {
    const n = this.stack.length;
    const rb = this.materialize(n - 1);
    this.materialize(n - 2); // both in registers, so spilling them below is STR only
    const a = this.a;
    a.emit(T.cmpImm(rb, 0));
    this.trapIf("eq", "divideByZero");
    const signed = op === 0x6d || op === 0x6f;
    const name = ({ 0x6d: "i32DivS", 0x6e: "i32DivU", 0x6f: "i32RemS", 0x70: "i32RemU" } as const)[op as 0x6d];
    if (!signed) {
      this.callHelper(name, 2);
      this.pushReg(0);
      return;
    }
    // b = -1 needs no helper: x / -1 = -x (INT_MIN traps) and x % -1 = 0, so no helper ever
    // sees INT_MIN % -1. Both operands go to their slots first so both paths agree.
    const done = a.newLabel();
    const usual = a.newLabel();
    const slotA = this.slotOffset(n - 2);
    a.emit(T.mov(SCRATCH, rb));
    a.emit(T.addsImm8(SCRATCH, 1));
    this.spillAt(n - 2, true); // STR only: the flags of the test survive
    this.spillAt(n - 1, true);
    a.bCond("ne", usual);
    if (op === 0x6d) {
      this.spLdr(SCRATCH, slotA);
      a.emit(T.subsImm8(SCRATCH, 1));
      this.trapIf("vs", "integerOverflow"); // only INT_MIN - 1 overflows
      a.emit(T.alu("mvns", SCRATCH, SCRATCH)); // ~(a - 1) = -a
    } else a.emit(T.movsImm(SCRATCH, 0));
    this.spStr(SCRATCH, slotA);
    a.b(done);
    a.bind(usual);
    this.callHelper(name, 2);
    this.spStr(0, slotA);
    a.bind(done);
    this.push({ kind: "slot" });
  }

  /** f64 add, sub, mul, div: a direct call of the soft-float routine (HELPER.f64Add..f64Div),
   * operands in r0:r1 and r2:r3, the result in r0:r1; no trap is possible. */
  private f64Arith(name: HelperName): void {
    this.callHelper(name, 4, false);
    this.pushReg(0);
    this.pushReg(1, true);
  }

  /** clz, ctz, popcnt: in a helper (ARMv6-M has no CLZ). */
  private unaryHelper(name: HelperName): void {
    this.callHelper(name, 1);
    this.pushReg(0);
  }

  private extend(width: "byte" | "half"): void {
    const reg = this.popReg();
    this.a.emit(width === "byte" ? T.sxtb(reg, reg) : T.sxth(reg, reg));
    this.pushReg(reg);
  }

  /** f32.abs and f32.neg on the bits (NaN payloads kept, as the spec requires). */
  private signBits(op: "abs" | "neg", hi = false): void {
    const reg = this.popReg();
    const mask = this.alloc();
    this.a.ldrConst(mask, 0x80000000);
    this.a.emit(T.alu(op === "abs" ? "bics" : "eors", reg, mask));
    this.release(mask);
    this.pushReg(reg, hi);
  }

  /** (a & ~sign) | (b & sign) */
  private copysign(wide = false): void {
    const b = this.popReg();
    if (wide) this.pop(); // b's low word
    const a = this.popReg();
    const mask = this.alloc();
    this.a.ldrConst(mask, 0x80000000);
    this.a.emit(T.alu("bics", a, mask));
    this.a.emit(T.alu("ands", b, mask));
    this.a.emit(T.alu("orrs", a, b));
    this.release(mask);
    this.release(b);
    this.pushReg(a, wide);
  }

  /** i64 add/sub (ADDS/ADCS, SUBS/SBCS), bit operations pairwise, eqz and comparisons into
   * the flags (CMP on the low words, SBCS on the high words: a - b's carry over 64 bits). */
  private i64Inline(op: number): void {
    const a = this.a;
    if (op === 0x50) {
      const hi = this.popReg();
      const lo = this.popReg();
      a.emit(T.alu("orrs", lo, hi));
      this.release(hi);
      this.release(lo);
      this.push({ kind: "cond", cond: "eq" });
      return;
    }
    const bhi = this.popReg();
    const blo = this.popReg();
    const ahi = this.popReg();
    const alo = this.popReg();
    const done = (cond?: Cond) => {
      for (const r of [alo, ahi, blo, bhi]) this.release(r);
      if (cond) this.push({ kind: "cond", cond });
    };
    if (op === 0x7c || op === 0x7d) {
      a.emit(op === 0x7c ? T.addsReg(alo, alo, blo) : T.subsReg(alo, alo, blo));
      a.emit(T.alu(op === 0x7c ? "adcs" : "sbcs", ahi, bhi));
    } else if (op >= 0x83 && op <= 0x85) {
      const alu = op === 0x83 ? "ands" : op === 0x84 ? "orrs" : "eors";
      a.emit(T.alu(alu, alo, blo));
      a.emit(T.alu(alu, ahi, bhi));
    } else if (op === 0x51 || op === 0x52) {
      a.emit(T.alu("eors", alo, blo));
      a.emit(T.alu("eors", ahi, bhi));
      a.emit(T.alu("orrs", alo, ahi));
      return done(op === 0x51 ? "eq" : "ne");
    } else {
      // lt/ge test a - b, gt/le test b - a; signed reads N != V, unsigned the carry
      const swap = op === 0x55 || op === 0x56 || op === 0x57 || op === 0x58;
      const [xlo, xhi, ylo, yhi] = swap ? [blo, bhi, alo, ahi] : [alo, ahi, blo, bhi];
      const signed = (op & 1) === 1;
      if (signed) {
        // signed as unsigned with the sign bits flipped: the carry is all we read, because
        // rp2040js sets SBCS's V from Rm + borrow (wrong when that wraps), silicon does not
        a.ldrConst(SCRATCH, 0x80000000);
        a.emit(T.alu("eors", xhi, SCRATCH));
        a.emit(T.alu("eors", yhi, SCRATCH));
      }
      a.emit(T.alu("cmp", xlo, ylo));
      a.emit(T.alu("sbcs", xhi, yhi));
      const less = op === 0x53 || op === 0x54 || op === 0x55 || op === 0x56;
      return done(less ? "lo" : "hs");
    }
    this.release(blo);
    this.release(bhi);
    this.pushReg(alo);
    this.pushReg(ahi, true);
  }

  /** i64.shl, shr_s, shr_u by a constant count, in line (false, nothing emitted, for a
   * count known only at run time: that goes to the wide helper). */
  private shift64ByConst(op: number): boolean {
    const count = this.stack[this.stack.length - 2];
    if (count?.kind !== "const" || this.top().kind !== "const") return false;
    this.pop();
    this.pop();
    const c = count.value & 63;
    if (c === 0) return true;
    const a = this.a;
    const hi = this.popReg();
    const lo = this.popReg();
    // LSLS #0 is a move; LSRS/ASRS take 1..32
    const right = (rd: number, rm: number, n: number, signed: boolean) =>
      a.emit(n === 0 ? T.lslsImm(rd, rm, 0) : signed ? T.asrsImm(rd, rm, n) : T.lsrsImm(rd, rm, n));
    if (c < 32) {
      const t = this.alloc();
      if (op === 0x86) {
        a.emit(T.lsrsImm(t, lo, 32 - c));
        a.emit(T.lslsImm(hi, hi, c));
        a.emit(T.alu("orrs", hi, t));
        a.emit(T.lslsImm(lo, lo, c));
      } else {
        a.emit(T.lslsImm(t, hi, 32 - c));
        a.emit(T.lsrsImm(lo, lo, c));
        a.emit(T.alu("orrs", lo, t));
        right(hi, hi, c, op === 0x87);
      }
      this.release(t);
    } else if (op === 0x86) {
      a.emit(T.lslsImm(hi, lo, c - 32));
      a.emit(T.movsImm(lo, 0));
    } else {
      right(lo, hi, c - 32, op === 0x87);
      a.emit(op === 0x87 ? T.asrsImm(hi, hi, 31) : T.movsImm(hi, 0));
    }
    this.pushReg(lo);
    this.pushReg(hi, true);
    return true;
  }

  /** An f64 operation with an i32 result through a shared Thumb stub (SharedStubs: the
   * comparisons, the saturating truncations), not the C helper: its `words` operand words
   * spilled as for the helper, their address in r1, the result in r0. */
  private f64Stub(words: number, stub: Label): void {
    this.spillAll();
    const from = this.stack.length - words;
    this.operandAddress(1, this.slotOffset(from));
    this.truncate(from);
    this.a.bl(stub);
    this.pushReg(0);
  }

  /** reg = SP + off. */
  private operandAddress(reg: number, off: number): void {
    if (off <= MAX_SP_OFFSET) return this.a.emit(T.addRdSp(reg, off));
    this.a.ldrConst(reg, off);
    this.a.emit(T.addHi(reg, SP));
  }

  private pushConst64(bits: bigint): void {
    this.push({ kind: "const", value: Number(bits & 0xffffffffn) });
    this.push({ kind: "const", value: Number(bits >> 32n), hi: true });
  }

  /** An i64/f64 operation in the wide helper: its operand words are spilled to consecutive
   * slots, the helper gets their address and the opcode, writes the result words over them
   * and returns 0 or the trap kind. */
  private wideOp(op: number, w: Wide, helper: "wide" | "table" = "wide"): void {
    this.spillAll();
    const from = this.stack.length - w.in;
    const at = this.slotOffset(from);
    this.truncate(from);
    for (let k = 0; k < Math.max(w.in, w.out); k++) this.push({ kind: "slot" }); // room for the result
    this.truncate(from);
    const a = this.a;
    this.operandAddress(1, at);
    this.constInto(2, op, false);
    a.emit(T.mov(0, CTX_REG));
    a.emit(T.memImm("ldr", SCRATCH, CTX_REG, CTX.helpers));
    a.emit(T.memImm("ldr", SCRATCH, SCRATCH, 4 * HELPER[helper]));
    a.emit(T.blx(SCRATCH));
    for (const kind of w.traps ?? []) {
      a.emit(T.cmpImm(0, TRAP[kind]));
      this.trapIf("eq", kind);
    }
    for (let k = 0; k < w.out; k++) this.push(k === 1 ? { kind: "slot", hi: true } : { kind: "slot" });
  }

  private load64(r: Reader): void {
    const offset = this.memarg(r);
    const lo = this.popReg();
    this.address(lo, offset, 8);
    const hi = this.alloc();
    this.aligned(8, hi, this.input.stubs.loadPair(lo, hi), () => this.pair("ldr", lo, hi));
    this.pushReg(lo);
    this.pushReg(hi, true);
  }

  private pair(op: "ldr" | "str", lo: number, hi: number): void {
    this.a.emit(T.memImm(op, lo, SCRATCH, 0));
    this.a.emit(T.memImm(op, hi, SCRATCH, 4));
  }

  private store64(r: Reader): void {
    const offset = this.memarg(r);
    const hi = this.popReg();
    const lo = this.popReg();
    const addr = this.popReg();
    this.address(addr, offset, 8); // one check for all eight bytes: a trap writes nothing
    this.aligned(8, addr, this.input.stubs.storePair(lo, hi), () => this.pair("str", lo, hi));
    this.release(lo);
    this.release(hi);
    this.release(addr);
  }

  /** i64.load8/16/32 _s/_u: the narrow load, then the upper word from its sign or zero. */
  private loadExtend(r: Reader, op: number): void {
    const size = op <= 0x31 ? 1 : op <= 0x33 ? 2 : 4;
    this.load(r, size, (op & 1) === 0);
    const lo = this.materialize(this.stack.length - 1);
    const hi = this.alloc();
    if ((op & 1) === 0) this.a.emit(T.asrsImm(hi, lo, 32));
    else this.a.emit(T.movsImm(hi, 0));
    this.pushReg(hi, true);
  }

  /** An f32 operation in the soft-float helper: (a, b, opcode); r1 names a conversion's trap. */
  private f32Op(op: number, args: 1 | 2): void {
    if (args === 1) this.push({ kind: "const", value: 0 });
    this.push({ kind: "const", value: op });
    this.callHelper("f32", 3);
    if (op === 0xa8 || op === 0xa9) {
      this.a.emit(T.cmpImm(1, 1));
      this.trapIf("eq", "integerOverflow");
      this.a.emit(T.cmpImm(1, 2));
      this.trapIf("eq", "invalidConversion");
    }
    this.pushReg(0);
  }

  /** select with a type vector (any value type: the words say how wide). */
  private typedSelect(r: Reader): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const t = r.u8();
      if (!VALUE_TYPES[t]) throw this.error(`select of type 0x${t.toString(16)}`);
    }
    this.select();
  }

  private eqz(): void {
    const v = this.top();
    if (v.kind === "cond") {
      this.stack[this.stack.length - 1] = { kind: "cond", cond: T.invert(v.cond) };
      return;
    }
    const reg = this.popReg();
    this.a.emit(T.cmpImm(reg, 0));
    this.release(reg);
    this.push({ kind: "cond", cond: "eq" });
  }

  private compare(cond: Cond): void {
    const b = this.top();
    if (b.kind === "const" && (b.value >>> 0) <= 255) {
      this.stack.pop();
      const a = this.popReg();
      this.a.emit(T.cmpImm(a, b.value >>> 0));
      this.release(a);
      this.push({ kind: "cond", cond });
      return;
    }
    const rb = this.popReg();
    const ra = this.popReg();
    this.a.emit(T.alu("cmp", ra, rb));
    this.release(ra);
    this.release(rb);
    this.push({ kind: "cond", cond });
  }

  private binary(op: number): void {
    const b = this.top();
    const imm = b.kind === "const" ? b.value >>> 0 : undefined;
    if (imm !== undefined && this.binaryImm(op, imm)) return;
    const rb = this.popReg();
    const ra = this.popReg();
    const a = this.a;
    switch (op) {
      case 0x6a: case 0x6b: {
        // three-operand forms: the result goes to the lower register (often r0, a result's home)
        const rd = Math.min(ra, rb);
        a.emit(op === 0x6a ? T.addsReg(rd, ra, rb) : T.subsReg(rd, ra, rb));
        this.release(ra === rd ? rb : ra);
        this.pushReg(rd);
        return;
      }
      case 0x6c: a.emit(T.alu("muls", ra, rb)); break;
      case 0x71: a.emit(T.alu("ands", ra, rb)); break;
      case 0x72: a.emit(T.alu("orrs", ra, rb)); break;
      case 0x73: a.emit(T.alu("eors", ra, rb)); break;
      case 0x74: case 0x75: case 0x76:
        // wasm takes the count modulo 32; Thumb register shifts take its low byte
        a.emit(T.movsImm(SCRATCH, 31));
        a.emit(T.alu("ands", rb, SCRATCH));
        a.emit(T.alu(op === 0x74 ? "lsls" : op === 0x75 ? "asrs" : "lsrs", ra, rb));
        break;
      case 0x77: a.emit(T.alu("rsbs", rb, rb)); a.emit(T.alu("rors", ra, rb)); break; // rotl n = rotr -n
      case 0x78: a.emit(T.alu("rors", ra, rb)); break;
      default: throw this.error(`opcode 0x${op.toString(16)} is not compiled yet`);
    }
    this.release(rb);
    this.pushReg(ra);
  }

  /** Forms with an immediate operand; false when there is none for this op and value. */
  private binaryImm(op: number, imm: number): boolean {
    const shift = imm & 31;
    const isShift = op >= 0x74 && op <= 0x78;
    const fits = (op === 0x6a || op === 0x6b) ? imm <= 255 : isShift;
    if (!fits) return false;
    this.stack.pop();
    const ra = this.popReg();
    const a = this.a;
    if (op === 0x6a) a.emit(T.addsImm8(ra, imm));
    else if (op === 0x6b) a.emit(T.subsImm8(ra, imm));
    else if (shift !== 0) {
      if (op === 0x74) a.emit(T.lslsImm(ra, ra, shift));
      else if (op === 0x75) a.emit(T.asrsImm(ra, ra, shift));
      else if (op === 0x76) a.emit(T.lsrsImm(ra, ra, shift));
      else {
        a.emit(T.movsImm(SCRATCH, op === 0x77 ? (32 - shift) & 31 : shift));
        a.emit(T.alu("rors", ra, SCRATCH));
      }
    }
    this.pushReg(ra);
    return true;
  }

  private error(message: string): CompileError {
    return new CompileError(message, this.input.index, this.opOffset);
  }
}

/** Types held in one 32-bit register or slot. */
function isWord(t: ValType): boolean {
  return t === "i32" || t === "f32";
}

/** Operand-stack words of a value: i64 and f64 take two (low word first, below). */
function words(t: ValType): number {
  return t === "i64" || t === "f64" ? 2 : 1;
}

function wordsOf(ts: readonly ValType[]): number {
  return ts.reduce((n, t) => n + words(t), 0);
}

/** Block and select value types; references are one word (abi.ts). */
const VALUE_TYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x70: "funcref", 0x6f: "externref" };

interface BlockType {
  params: number;
  results: number;
  resultTypes: readonly ValType[];
  paramTypes: readonly ValType[];
}

/** f32 operators the soft-float helper takes: binary (arithmetic, min/max, copysign aside;
 * comparisons), and unary (rounding, sqrt, conversions from and to i32). */
const F32_BINARY = new Set([0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97]);
const F32_UNARY = new Set([0x8d, 0x8e, 0x8f, 0x90, 0x91, 0xa8, 0xa9, 0xb2, 0xb3]);

/** i64 operators compiled inline (the rest go to the wide helper). */
const I64_INLINE = new Set([0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x7c, 0x7d, 0x83, 0x84, 0x85]);

interface Wide {
  /** Operand and result words. */
  in: number;
  out: number;
  traps?: TrapKind[];
}

/** Operations of the wide helper (HELPER.wide): i64 and f64 arithmetic, comparisons and
 * conversions; 0xfc n as 0x100 + n. */
const WIDE: Record<number, Wide> = (() => {
  const t: Record<number, Wide> = {};
  const set = (ops: number[], w: Wide) => { for (const op of ops) t[op] = w; };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const convert: TrapKind[] = ["integerOverflow", "invalidConversion"];
  set([0x50], { in: 2, out: 1 });
  set([...range(0x51, 0x5a), ...range(0x61, 0x66)], { in: 4, out: 1 });
  set(range(0x79, 0x7b), { in: 2, out: 2 });
  set([...range(0x7c, 0x7e), ...range(0x83, 0x8a)], { in: 4, out: 2 });
  set([0x7f], { in: 4, out: 2, traps: ["divideByZero", "integerOverflow"] });
  set([0x80, 0x81, 0x82], { in: 4, out: 2, traps: ["divideByZero"] });
  set(range(0x9b, 0x9f), { in: 2, out: 2 });
  set(range(0xa0, 0xa5), { in: 4, out: 2 });
  set([0xaa, 0xab], { in: 2, out: 1, traps: convert });
  set([0xac, 0xad, 0xb7, 0xb8, 0xbb], { in: 1, out: 2 });
  set([0xae, 0xaf], { in: 1, out: 2, traps: convert });
  set([0xb0, 0xb1], { in: 2, out: 2, traps: convert });
  set([0xb4, 0xb5, 0xb6], { in: 2, out: 1 });
  set([0xb9, 0xba, 0xc2, 0xc3, 0xc4], { in: 2, out: 2 });
  set([0x102, 0x103], { in: 2, out: 1 });
  set([0x104, 0x105], { in: 1, out: 2 });
  set([0x106, 0x107], { in: 2, out: 2 });
  return t;
})();

/** A block or if with one result and no parameters hands its value over in r0, not a slot. */
function inR0(ctl: Ctl): boolean {
  return (ctl.kind === "block" || ctl.kind === "if") && ctl.params === 0 && ctl.results === 1;
}

/** The immediates of an instruction in dead code (the validator has checked them). */
function skipImmediates(r: Reader, op: number): void {
  if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x26) || op === 0x10 || op === 0xd2) r.u32();
  else if (op === 0x0e) {
    const n = r.u32();
    for (let i = 0; i <= n; i++) r.u32();
  } else if (op === 0x11) {
    r.u32();
    r.u32();
  } else if (op >= 0x28 && op <= 0x3e) {
    r.u32();
    r.u32();
  } else if (op === 0x3f || op === 0x40) r.u8();
  else if (op === 0x41) r.signed(32);
  else if (op === 0x42) r.signed(64);
  else if (op === 0x43) r.bytesOf(4);
  else if (op === 0x44) r.bytesOf(8);
  else if (op === 0x1c) {
    const n = r.u32();
    for (let i = 0; i < n; i++) r.u8();
  } else if (op === 0xd0) r.u8();
  else if (op === 0xfc) {
    const sub = r.u32();
    if (sub === 8 || sub === 10 || sub === 12 || sub === 14) { r.u32(); r.u32(); }
    else if (sub >= 9 && sub <= 17) r.u32();
  }
}

export { TRAP };
