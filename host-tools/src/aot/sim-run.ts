// Runs compiled AOT code on an emulated RP2040 core (rp2040js) without firmware: the code in
// flash at the XIP address (it runs in place, as on the device), the context, linear memory and
// the stack in SRAM. For tests and for the compiler's cycle figures (emulated, not silicon).
import { RP2040 } from "rp2040js";
import { CTX, HELPER, TRAP, type TrapKind } from "./abi.js";
import type { CompiledModule } from "./compile.js";
import type { Module } from "./module.js";
import { f32Helper, wideCycles, wideHelper } from "./soft-float.js";

const FLASH = 0x10000000;
const SRAM = 0x20000000;
const SRAM_SIZE = 264 * 1024;
/** SRAM layout: [context][return BKPT][helper stubs][helper table][args][globals][linear memory ...][stack] */
const CTX_AT = SRAM;
const RETURN_AT = SRAM + 0x100;
const STUBS_AT = SRAM + 0x104;
/** Room for this many helpers: a 4-byte stub and a table word each. */
const MAX_HELPERS = 32;
const HELPERS_AT = SRAM + 0x200;
const ARGS_AT = SRAM + 0x280;
const GLOBALS_AT = SRAM + 0x400;
const MEMORY_AT = SRAM + 0x1000;
const STACK_TOP = SRAM + SRAM_SIZE;
export const STACK_BYTES = 16 * 1024;
/** Table 0, 8 bytes an entry, just below the stack. */
export const MAX_TABLE_ENTRIES = 1024;
const TABLE_AT = STACK_TOP - STACK_BYTES - 8 * MAX_TABLE_ENTRIES;

export interface SimRun {
  /** r0 and r1 after the call (i32 results in `lo`). */
  lo: number;
  hi: number;
  /** The result words (lo and hi first). */
  words: number[];
  trap: { kind: TrapKind; func: number; wasmOffset: number } | undefined;
  cycles: number;
}

export interface SimOptions {
  /** Linear memory size in bytes (placed in SRAM; at most ~200 KiB here). */
  memoryBytes?: number;
  /** memory.grow succeeds up to this many bytes, and never past what the emulated SRAM holds. */
  maxMemoryBytes?: number;
  memoryInit?: Uint8Array;
  data?: { offset: number; bytes: Uint8Array }[];
  /** Initial values: a number sets a global's first word, a bigint both (i64, f64 bits). */
  globals?: (number | bigint)[];
  fuel?: number;
  maxCycles?: number;
  /** Every data segment (memory.init, data.drop), active ones dropped from the start. */
  segments?: { bytes: Uint8Array; active: boolean }[];
  /** Table 0's entries (function index and canonical type id; null for a null entry). */
  table?: ({ func: number; type: number } | null)[];
  /** The module's function imports by index, as JavaScript: i32 arguments in, an i32 (or
   * nothing) out; throwing a SimNativeTrap traps the caller. */
  imports?: ((...args: number[]) => number | void)[];
}

export class SimNativeTrap extends Error {}

export class SimMachine {
  private readonly mcu = new RP2040();

  constructor(private readonly compiled: CompiledModule, private readonly options: SimOptions = {}) {
    const memBytes = options.memoryBytes ?? 0;
    if (MEMORY_AT + memBytes > TABLE_AT) throw new Error(`${memBytes} bytes of memory do not fit the emulated SRAM`);
    if (compiled.code.length > this.mcu.flash.length) throw new Error("code larger than the flash");
    this.mcu.flash.set(compiled.code, 0);
    this.mcu.sram.set(options.memoryInit ?? new Uint8Array(0), MEMORY_AT - SRAM);
    for (const d of options.data ?? []) {
      if (d.offset + d.bytes.length > memBytes) throw new Error(`a data segment at ${d.offset} is outside the memory`);
      this.mcu.sram.set(d.bytes, MEMORY_AT - SRAM + d.offset);
    }
    const view = this.mcu.sramView;
    view.setUint16(RETURN_AT - SRAM, 0xbe00, true); // BKPT #0: the call returned
    // each helper: BKPT #(1 + index), serviced below, then BX LR
    if (Object.values(HELPER).some((i) => i >= MAX_HELPERS)) throw new Error("more helpers than the runner has room for");
    for (const index of Object.values(HELPER)) {
      view.setUint16(STUBS_AT - SRAM + 4 * index, 0xbe01 + index, true);
      view.setUint16(STUBS_AT - SRAM + 4 * index + 2, 0x4770, true);
      view.setUint32(HELPERS_AT - SRAM + 4 * index, (STUBS_AT + 4 * index) | 1, true);
    }
    const globals = options.globals ?? [];
    if (GLOBALS_AT + 8 * globals.length > MEMORY_AT) throw new Error(`${globals.length} globals do not fit the runner's area`);
    globals.forEach((g, i) => {
      if (typeof g === "bigint") view.setBigUint64(GLOBALS_AT - SRAM + 8 * i, BigInt.asUintN(64, g), true);
      else view.setUint32(GLOBALS_AT - SRAM + 8 * i, g, true);
    });
    this.memBytes = memBytes;
    this.maxMemBytes = Math.min(options.maxMemoryBytes ?? Infinity, TABLE_AT - MEMORY_AT);
    const table = options.table ?? [];
    if (table.length > MAX_TABLE_ENTRIES) throw new Error(`a table of ${table.length} entries does not fit the runner's area`);
    table.forEach((e, i) => {
      const code = e === null ? -1 : compiled.funcOffsets[e.func] ?? -1;
      if (e !== null && code < 0) throw new Error(`table entry ${i}: function ${e.func} has no code`);
      view.setUint32(TABLE_AT - SRAM + 8 * i, e === null ? 0 : (FLASH + code) | 1, true);
      view.setUint32(TABLE_AT - SRAM + 8 * i + 4, e === null ? 0 : e.type, true);
    });
    // code that runs off into the weeds shows as an unimplemented instruction or a bad address:
    // stop there instead of logging forever
    const fault = (component: string, message: string) => {
      throw new Error(`emulated core: ${component}: ${message} (pc 0x${this.mcu.core.PC.toString(16)})`);
    };
    (options.segments ?? []).forEach((s, i) => { if (s.active) this.dropped.add(i); });
    this.mcu.logger = { debug: () => {}, info: () => {}, warn: fault, error: fault };
    this.mcu.onBreak = (code) => {
      if (code === 0) this.stopped = true;
      else this.helper(code - 1);
    };
  }

  /** A module instantiated: its memory's initial pages, active data segments, start function run. */
  static forModule(m: Module, compiled: CompiledModule, options: SimOptions = {}): SimMachine {
    const pages = m.hasMemory ? m.memoryPages.min : 0;
    const max = m.memoryPages.max === undefined ? undefined : m.memoryPages.max * 65536;
    const globals = m.globals.map((g) => g.init ?? 0);
    const machine = new SimMachine(compiled, { memoryBytes: pages * 65536, maxMemoryBytes: max, data: m.data, globals, ...options });
    if (m.start !== undefined) {
      const started = machine.call(m.start, []);
      if (started.trap) throw new Error(`the start function trapped (${started.trap.kind})`);
    }
    return machine;
  }

  private stopped = false;
  /** A memory.grow failed only because the emulated SRAM is full (see the memoryGrow helper). */
  sramRefusedGrow = false;
  private memBytes: number;
  private readonly maxMemBytes: number;

  /** The helpers, in JavaScript (the device has them in C): arguments in r1..r3, result in r0. */
  private helper(index: number): void {
    const r = this.mcu.core.registers;
    const [a = 0, b = 0, c = 0] = [r[1], r[2], r[3]];
    const mem = (at: number) => MEMORY_AT - SRAM + at;
    const inBounds = (at: number, n: number) => at + n <= this.memBytes;
    if (index === HELPER.memoryGrow) {
      const old = this.memBytes / 65536;
      const grown = this.memBytes + a * 65536;
      // a grow the module allows but the emulated SRAM cannot hold: recorded, so a runner can
      // tell its -1 from the one wasm semantics give
      if (a <= 0xffff && grown > this.maxMemBytes && grown <= (this.options.maxMemoryBytes ?? 65536 * 65536)) this.sramRefusedGrow = true;
      if (a > 0xffff || grown > this.maxMemBytes) r[0] = 0xffffffff;
      else {
        this.memBytes = grown;
        this.mcu.sramView.setUint32(CTX_AT - SRAM + CTX.memSize, grown, true);
        this.mcu.sramView.setUint32(CTX_AT - SRAM + CTX.memPages, grown / 65536, true);
        r[0] = old;
      }
    } else if (index === HELPER.memoryFill) {
      if (!inBounds(a, c)) r[0] = 1;
      else {
        this.mcu.sram.fill(b & 0xff, mem(a), mem(a + c));
        r[0] = 0;
      }
    } else if (index === HELPER.memoryCopy) {
      if (!inBounds(a, c) || !inBounds(b, c)) r[0] = 1;
      else {
        this.mcu.sram.copyWithin(mem(a), mem(b), mem(b + c));
        r[0] = 0;
      }
    } else if (index >= HELPER.i32DivS && index <= HELPER.i32RemU) {
      r[0] = divide(index, a, b);
      // rp2040js runs this in no time: charge what libgcc's shift-subtract division takes on an
      // M0+ (about 40-100 cycles; the RP2040's SIO divider would take 8) so figures stay honest
      this.mcu.core.cycles += DIVIDE_CYCLES;
    } else if (index === HELPER.i32Clz) {
      r[0] = Math.clz32(a);
      this.mcu.core.cycles += BIT_COUNT_CYCLES;
    } else if (index === HELPER.i32Ctz) {
      r[0] = a === 0 ? 32 : 31 - Math.clz32(a & -a);
      this.mcu.core.cycles += BIT_COUNT_CYCLES;
    } else if (index === HELPER.i32Popcnt) {
      let n = 0;
      for (let v = a >>> 0; v; v >>>= 1) n += v & 1;
      r[0] = n;
      this.mcu.core.cycles += BIT_COUNT_CYCLES;
    } else if (index === HELPER.f32) {
      const [value, status] = f32Helper(c, a, b);
      r[0] = value;
      r[1] = status;
      this.mcu.core.cycles += softFloatCycles(c);
    } else if (index === HELPER.wide) {
      const view = this.mcu.sramView;
      const words = [0, 1, 2, 3].map((k) => view.getUint32(a - SRAM + 4 * k, true));
      if (b === 0x108 || b === 0x109) {
        r[0] = this.segmentOp(b, words);
        return;
      }
      const { status, out } = wideHelper(b, words);
      out.forEach((w, k) => view.setUint32(a - SRAM + 4 * k, w >>> 0, true));
      r[0] = status;
      this.mcu.core.cycles += wideCycles(b);
    } else if (index === HELPER.callImport) {
      r[0] = this.callImport(a, b);
    } else throw new Error(`no helper ${index}`);
  }

  /** Segments memory.init has dropped (active ones are, once instantiated: the spec's rule). */
  private readonly dropped = new Set<number>();

  /** memory.init (dest, source, count, segment) → 0 or TRAP.memoryOutOfBounds; data.drop. */
  private segmentOp(op: number, [dest = 0, source = 0, count = 0, seg = 0]: number[]): number {
    const segments = this.options.segments ?? [];
    const s = segments[op === 0x108 ? seg : dest];
    if (!s) throw new Error(`data segment ${op === 0x108 ? seg : dest} is not in the runner's options`);
    if (op === 0x109) {
      this.dropped.add(dest);
      return 0;
    }
    const length = this.dropped.has(seg) ? 0 : s.bytes.length;
    if (source + count > length || dest + count > this.memBytes) return TRAP.memoryOutOfBounds;
    this.mcu.sram.set(s.bytes.subarray(source, source + count), MEMORY_AT - SRAM + dest);
    this.mcu.core.cycles += 20 + count; // a byte loop
    return 0;
  }

  /** Global `index`'s first word (i32, f32 bits), or the second. */
  readGlobal(index: number, word = 0): number {
    return this.mcu.sramView.getUint32(GLOBALS_AT - SRAM + 8 * index + 4 * word, true);
  }

  /** The largest linear memory this runner holds (the emulated SRAM less the stack). */
  static readonly maxMemoryBytes = TABLE_AT - MEMORY_AT;

  readMemory(offset: number, length: number): Uint8Array {
    return this.mcu.sram.slice(MEMORY_AT - SRAM + offset, MEMORY_AT - SRAM + offset + length);
  }

  /** Calls defined function `func` with 32-bit argument slots; `resultWords` words come back
   * in `words` (more than two only from a function with multiple results). */
  call(func: number, args: number[], resultWords = 2): SimRun {
    const { mcu, compiled } = this;
    const at = compiled.funcOffsets[func];
    if (at === undefined || at < 0) throw new Error(`function ${func} has no code`);
    const view = mcu.sramView;
    const ctx = (field: number, v: number) => view.setUint32(CTX_AT - SRAM + field, v >>> 0, true);
    ctx(CTX.memBase, MEMORY_AT);
    ctx(CTX.memSize, this.memBytes);
    ctx(CTX.memPages, this.memBytes / 65536);
    ctx(CTX.helpers, HELPERS_AT);
    ctx(CTX.globals, GLOBALS_AT);
    ctx(CTX.fuel, this.options.fuel ?? 0);
    ctx(CTX.stackLimit, STACK_TOP - STACK_BYTES);
    ctx(CTX.table, TABLE_AT);
    ctx(CTX.tableSize, this.options.table?.length ?? 0);
    const slots = [...args, ...Array<number>(Math.max(0, resultWords - args.length)).fill(0)];
    if (ARGS_AT + 4 * Math.max(slots.length, 2) > GLOBALS_AT) throw new Error(`${args.length} argument words do not fit the runner's area`);
    slots.forEach((v, i) => view.setUint32(ARGS_AT - SRAM + 4 * i, v >>> 0, true));
    const core = mcu.core;
    core.registers[0] = CTX_AT;
    core.registers[1] = (FLASH + at) | 1;
    core.registers[2] = ARGS_AT;
    core.registers[3] = slots.length;
    core.SP = STACK_TOP;
    core.LR = RETURN_AT | 1;
    core.PC = FLASH + compiled.entryOffset;
    const start = core.cycles;
    const limit = start + (this.options.maxCycles ?? 2e9);
    this.stopped = false;
    while (!this.stopped) {
      mcu.step();
      if (core.cycles > limit) throw new Error(`no return within ${limit - start} cycles`);
    }
    const cycles = core.cycles - start;
    const status = core.registers[0] ?? 0;
    return {
      lo: view.getUint32(ARGS_AT - SRAM, true),
      hi: view.getUint32(ARGS_AT - SRAM + 4, true),
      words: Array.from({ length: Math.max(resultWords, 2) }, (_, k) => view.getUint32(ARGS_AT - SRAM + 4 * k, true)),
      trap: status === 0 ? undefined : this.trapAt(view.getUint32(CTX_AT - SRAM + CTX.trapLr, true)),
      cycles,
    };
  }

  /** Import `index` with its wr_arg slots at `args` (8 bytes each, i32 in the first word). */
  private callImport(index: number, args: number): number {
    const fn = this.options.imports?.[index];
    if (!fn) throw new Error(`import ${index} has no implementation in this runner`);
    const view = this.mcu.sramView;
    const values = Array.from({ length: fn.length }, (_, k) => view.getInt32(args - SRAM + 8 * k, true));
    try {
      const result = fn(...values);
      if (typeof result === "number") view.setUint32(args - SRAM, result >>> 0, true);
      return 0;
    } catch (e) {
      if (e instanceof SimNativeTrap) return 1;
      throw e;
    }
  }

  private trapAt(lr: number): SimRun["trap"] {
    const offset = (lr & ~1) - FLASH;
    const site = this.compiled.trapSites.find((s) => s.returnOffset === offset);
    if (!site) throw new Error(`trap from an unknown site at code offset ${offset}`);
    return { kind: site.kind, func: site.func, wasmOffset: site.wasmOffset };
  }
}

/** Cycles charged per division helper call (documented above). */
export const DIVIDE_CYCLES = 70;
/** clz/ctz/popcnt in a helper: a table-driven C routine, about 20 cycles with the call. */
export const BIT_COUNT_CYCLES = 20;

/** Cycles charged per soft-float helper call: estimates for an M0+ soft-float library (the
 * RP2040 boot ROM's take roughly these), emulated figures never measured on silicon. */
export function softFloatCycles(op: number): number {
  if (op === 0x95) return 150; // div
  if (op === 0x91) return 200; // sqrt
  if (op >= 0x5b && op <= 0x60) return 30; // comparisons
  return 70; // add, sub, mul, min/max, rounding, conversions
}

function divide(index: number, a: number, b: number): number {
  if (index === HELPER.i32DivU) return Math.floor(a / b) >>> 0;
  if (index === HELPER.i32RemU) return (a % b) >>> 0;
  const [sa, sb] = [a | 0, b | 0];
  return (index === HELPER.i32DivS ? Math.trunc(sa / sb) : sa % sb) >>> 0;
}

export { TRAP };
