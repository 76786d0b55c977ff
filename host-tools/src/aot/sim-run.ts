// Runs compiled code on rp2040js's Cortex-M0+ without firmware: the code in flash (in place,
// as on the device), the context, globals, function descriptors, tables, stack and linear
// memory in SRAM. For tests, the spec runner and the compiler's cycle figures (emulated, not
// silicon).
//
// The emulated SRAM grows past the RP2040's 264 KiB as linear memory and tables grow (up to
// MAX_SRAM_BYTES), so memory.grow succeeds where the interpreter's would: the figures do not
// depend on it, only the answers. Memory and tables are bump-allocated regions that move when
// they outgrow their room (CTX.memBase and the table pairs say where they are).
//
// Linking (the spec runner's instances importing from each other): each instance is its own
// SimMachine. A function of another instance is called through JavaScript (HELPER.callImport,
// or the foreign stub behind a descriptor: BKPT FOREIGN_BKPT; BX LR); memories, tables and
// mutable globals imported from another instance are `Shared` objects whose freshest copy is
// in one machine (the holder): a machine that starts or resumes running copies each one it
// uses from the holder first and becomes the holder. References cross machines as `Ref`s.
import { RP2040 } from "rp2040js";
import { CTX, FUNC_DESCRIPTOR_BYTES, HELPER, TRAP, type TrapKind } from "./abi.js";
import type { CompiledModule } from "./compile.js";
import type { FuncType, Module, ValType } from "./module.js";
import { f32Helper, f64Arith, f64ArithCycles, wideCycles, wideHelper } from "./soft-float.js";

const FLASH = 0x10000000;
const SRAM = 0x20000000;
/** The emulated SRAM's limit: well inside the address window rp2040js gives SRAM. */
export const MAX_SRAM_BYTES = 256 * 1024 * 1024;
/** Fixed SRAM layout: [context][return BKPT][helper stubs][helper table][args] */
const CTX_AT = SRAM;
const RETURN_AT = SRAM + 0x100;
const STUBS_AT = SRAM + 0x104;
/** Room for this many helpers: a 4-byte stub and a table word each. */
const MAX_HELPERS = 32;
const HELPERS_AT = SRAM + 0x200;
const ARGS_AT = SRAM + 0x280;
const ARGS_END = SRAM + 0x400;
/** Then (sized per module): globals, function descriptors, foreign stubs and descriptors,
 * table pairs, the stack, and the heap (memory and tables). */
const VARIABLE_AT = SRAM + 0x400;
export const STACK_BYTES = 16 * 1024;
/** Bytes kept free below the stack limit: a callee's PUSH {lr} comes before its check, and the
 * exact bounds check's PUSH {r0} may go just below it (abi.ts, CTX.stackLimit). */
export const STACK_GUARD = 64;
/** Functions of other instances one machine can hold references to. */
const MAX_FOREIGN = 512;
/** BKPT immediate of a foreign stub (helpers use 1 + index, the return 0). */
const FOREIGN_BKPT = 0xf0;
const PAGE = 65536;

export interface SimRun {
  /** r0 and r1 after the call (i32 results in `lo`). */
  lo: number;
  hi: number;
  /** The result words (lo and hi first). */
  words: number[];
  trap: { kind: TrapKind; func: number; wasmOffset: number } | undefined;
  cycles: number;
}

/** A reference as it crosses machines: null, a function of some machine, or a host value. */
export type Ref = null | { machine: SimMachine; func: number } | { extern: bigint };
/** A value as it crosses machines: a number's 32-bit words (low first), or a reference. */
export type Value = number[] | Ref;

/** A function import: JavaScript (i32 arguments in, an i32 or nothing out; throwing a
 * SimNativeTrap traps the caller), or another machine's function. */
export type SimImport = ((...args: number[]) => number | void) | { machine: SimMachine; func: number };

export interface SimOptions {
  /** The module (types of functions, tables and globals); without it, functions only. */
  module?: Module;
  /** Types, external values and shared state of the instances that link with each other. */
  store?: SimStore;
  /** Linear memory size in bytes. */
  memoryBytes?: number;
  /** memory.grow succeeds up to this many bytes (and while the emulated SRAM holds them). */
  maxMemoryBytes?: number;
  memoryInit?: Uint8Array;
  data?: { offset: number; bytes: Uint8Array }[];
  /** Initial values: a number sets a global's first word, a bigint both (i64, f64 bits). */
  globals?: (number | bigint)[];
  fuel?: number;
  maxCycles?: number;
  /** Every data segment (memory.init, data.drop), active ones dropped from the start. */
  segments?: { bytes: Uint8Array; active: boolean }[];
  /** Table 0's initial entries (function index; null for a null entry). */
  table?: ({ func: number } | null)[];
  /** The module's function imports by index. */
  imports?: SimImport[];
  /** Memory, tables and globals (by index) that are another instance's. */
  sharedMemory?: Shared;
  sharedTables?: Map<number, Shared>;
  sharedGlobals?: Map<number, Shared>;
}

export class SimNativeTrap extends Error {}

/** A trap in a function called through `invoke` (or in another instance's function, on its
 * way out through the machines that called it). */
export class SimTrap extends Error {
  constructor(readonly trap: NonNullable<SimRun["trap"]>) {
    super(`trap: ${trap.kind}`);
  }
}

/** What the instances of one spec session share: type ids across modules and host values. */
export class SimStore {
  private readonly types = new Map<string, number>();
  private readonly externs: bigint[] = [];
  private readonly externIds = new Map<bigint, number>();

  /** One id per signature, whichever module it comes from (call_indirect compares these). */
  typeId(t: FuncType): number {
    const key = `${t.params.join()}->${t.results.join()}`;
    let id = this.types.get(key);
    if (id === undefined) this.types.set(key, (id = this.types.size));
    return id;
  }

  /** An externref's word: a handle from 1 (0 is null). */
  externWord(v: bigint): number {
    let id = this.externIds.get(v);
    if (id === undefined) {
      this.externs.push(v);
      this.externIds.set(v, (id = this.externs.length));
    }
    return id;
  }

  externValue(word: number): bigint {
    const v = this.externs[word - 1];
    if (v === undefined) throw new Error(`externref handle ${word} was never given out`);
    return v;
  }
}

/** A memory, table or global more than one machine uses; the holder has its freshest copy. */
export class Shared {
  readonly index = new Map<SimMachine, number>();
  constructor(readonly kind: "memory" | "table" | "global", public holder: SimMachine, index: number) {
    this.index.set(holder, index);
  }
}

interface Table {
  /** Where its pair is (CTX.tables + 8 * index). */
  index: number;
  type: ValType;
  max: number;
  at: number;
  capacity: number;
}

/** A bump-allocated region of the heap. */
interface Region {
  at: number;
  capacity: number;
}

export class SimMachine {
  private readonly mcu = new RP2040();
  private readonly m: Module | undefined;
  readonly store: SimStore;
  private readonly globalsAt: number;
  private readonly funcsAt: number;
  private readonly foreignStubsAt: number;
  private readonly foreignAt: number;
  private readonly tablesAt: number;
  private readonly stackTop: number;
  private heapEnd: number;
  private memory: Region = { at: 0, capacity: 0 };
  private readonly tables: Table[] = [];
  private readonly foreign: { machine: SimMachine; func: number }[] = [];
  private readonly shared: Shared[] = [];
  /** Element segments' references (null entries of the segment included); undefined once dropped. */
  private readonly elemSegments: (Ref[] | undefined)[] = [];

  constructor(private readonly compiled: CompiledModule, private readonly options: SimOptions = {}) {
    this.m = options.module;
    this.store = options.store ?? new SimStore();
    if (compiled.code.length > this.mcu.flash.length) throw new Error("code larger than the flash");
    this.mcu.flash.set(compiled.code, 0);
    const nGlobals = Math.max(this.m?.globals.length ?? 0, options.globals?.length ?? 0);
    const nFuncs = compiled.funcOffsets.length;
    const nTables = Math.max(this.m?.tables ?? 0, options.table ? 1 : 0);
    this.globalsAt = VARIABLE_AT;
    this.funcsAt = align8(this.globalsAt + 8 * nGlobals);
    this.foreignStubsAt = this.funcsAt + FUNC_DESCRIPTOR_BYTES * nFuncs;
    this.foreignAt = this.foreignStubsAt + 4 * MAX_FOREIGN;
    this.tablesAt = this.foreignAt + FUNC_DESCRIPTOR_BYTES * MAX_FOREIGN;
    this.stackTop = align8(this.tablesAt + 8 * nTables) + STACK_GUARD + STACK_BYTES;
    this.heapEnd = this.stackTop;
    this.ensureSram(this.heapEnd);
    this.writeFixed();
    this.writeFunctions(nFuncs);
    // memory: the machine's own, or another instance's (copied in when this one first runs)
    const shared = options.sharedMemory;
    const memBytes = shared ? shared.holder.memBytes : options.memoryBytes ?? 0;
    this.memory = this.allocate(memBytes);
    this.memBytes = memBytes;
    this.maxMemBytes = shared ? shared.holder.maxMemBytes : options.maxMemoryBytes ?? 65536 * PAGE;
    if (shared) this.join(shared, 0);
    this.sram.set(options.memoryInit ?? new Uint8Array(0), this.memory.at - SRAM);
    for (const d of options.data ?? []) {
      if (d.offset + d.bytes.length > memBytes) throw new Error(`a data segment at ${d.offset} is outside the memory`);
      this.sram.set(d.bytes, this.memory.at - SRAM + d.offset);
    }
    this.writeTables(nTables);
    const globals = options.globals ?? [];
    globals.forEach((g, i) => {
      if (typeof g === "bigint") this.view.setBigUint64(this.globalsAt - SRAM + 8 * i, BigInt.asUintN(64, g), true);
      else this.view.setUint32(this.globalsAt - SRAM + 8 * i, g >>> 0, true);
    });
    for (const [g, s] of options.sharedGlobals ?? []) this.join(s, g);
    (options.segments ?? []).forEach((s, i) => { if (s.active) this.dropped.add(i); });
    // code that runs off into the weeds shows as an unimplemented instruction or a bad address:
    // stop there instead of logging forever
    const fault = (component: string, message: string) => {
      throw new Error(`emulated core: ${component}: ${message} (pc 0x${this.mcu.core.PC.toString(16)})`);
    };
    this.mcu.logger = { debug: () => {}, info: () => {}, warn: fault, error: fault };
    this.mcu.onBreak = (code) => {
      if (code === 0) this.stopped = true;
      else if (code === FOREIGN_BKPT) this.foreignStub();
      else this.helper(code - 1);
    };
  }

  private get sram(): Uint8Array {
    return this.mcu.sram;
  }

  private get view(): DataView {
    return this.mcu.sramView;
  }

  /** Grows the emulated SRAM to `end` (an address); false past MAX_SRAM_BYTES. */
  private ensureSram(end: number): boolean {
    const need = end - SRAM;
    if (need <= this.sram.length) return true;
    if (need > MAX_SRAM_BYTES) return false;
    const bigger = new Uint8Array(Math.min(MAX_SRAM_BYTES, Math.max(need, Math.floor(this.sram.length * 1.5))));
    bigger.set(this.sram);
    // rp2040js reads SRAM through these two fields and checks addresses against the length
    const mcu = this.mcu as unknown as { sram: Uint8Array; sramView: DataView };
    mcu.sram = bigger;
    mcu.sramView = new DataView(bigger.buffer);
    return true;
  }

  /** A zeroed heap region of `bytes`, or undefined when the SRAM cannot hold it. */
  private allocate(bytes: number): Region {
    const region = this.tryAllocate(bytes);
    if (!region) throw new Error(`${bytes} bytes do not fit the emulated SRAM`);
    return region;
  }

  private tryAllocate(bytes: number): Region | undefined {
    const at = this.heapEnd;
    if (!this.ensureSram(at + bytes)) return undefined;
    this.heapEnd = align8(at + bytes);
    this.sram.fill(0, at - SRAM, at - SRAM + bytes);
    return { at, capacity: bytes };
  }

  /** `region` with room for `bytes`: extended in place when it is the heap's last, else moved. */
  private regrow(region: Region, bytes: number): Region | undefined {
    if (bytes <= region.capacity) return region;
    if (align8(region.at + region.capacity) === this.heapEnd || region.at + region.capacity === this.heapEnd) {
      if (!this.ensureSram(region.at + bytes)) return undefined;
      this.sram.fill(0, region.at + region.capacity - SRAM, region.at + bytes - SRAM);
      this.heapEnd = align8(region.at + bytes);
      return { at: region.at, capacity: bytes };
    }
    const moved = this.tryAllocate(bytes);
    if (!moved) return undefined;
    this.sram.copyWithin(moved.at - SRAM, region.at - SRAM, region.at + region.capacity - SRAM);
    return moved;
  }

  private writeFixed(): void {
    const view = this.view;
    view.setUint16(RETURN_AT - SRAM, 0xbe00, true); // BKPT #0: the call returned
    // each helper: BKPT #(1 + index), serviced below, then BX LR
    if (Object.values(HELPER).some((i) => i >= MAX_HELPERS)) throw new Error("more helpers than the runner has room for");
    for (const index of Object.values(HELPER)) {
      view.setUint16(STUBS_AT - SRAM + 4 * index, 0xbe01 + index, true);
      view.setUint16(STUBS_AT - SRAM + 4 * index + 2, 0x4770, true);
      view.setUint32(HELPERS_AT - SRAM + 4 * index, (STUBS_AT + 4 * index) | 1, true);
    }
    for (let k = 0; k < MAX_FOREIGN; k++) {
      view.setUint16(this.foreignStubsAt - SRAM + 4 * k, 0xbe00 | FOREIGN_BKPT, true);
      view.setUint16(this.foreignStubsAt - SRAM + 4 * k + 2, 0x4770, true);
    }
  }

  /** Every function's descriptor: its code, or (an import) a foreign stub. */
  private writeFunctions(n: number): void {
    for (let f = 0; f < n; f++) {
      const code = this.compiled.funcOffsets[f] ?? -1;
      const at = this.funcsAt - SRAM + FUNC_DESCRIPTOR_BYTES * f;
      const type = this.compiled.funcTypeIds[f] ?? 0;
      if (code >= 0) this.view.setUint32(at, (FLASH + code) | 1, true);
      else this.view.setUint32(at, this.foreignStubFor(this.importTarget(f)) | 1, true);
      this.view.setUint32(at + 4, type, true);
    }
  }

  /** What calling import f reaches: another machine's function, or this one's binding. */
  private importTarget(f: number): { machine: SimMachine; func: number } {
    const binding = this.options.imports?.[f];
    return binding && typeof binding !== "function" ? binding : { machine: this, func: f };
  }

  /** The foreign stub (and descriptor) for a function; one per function. */
  private foreignStubFor(ref: { machine: SimMachine; func: number }): number {
    let k = this.foreign.findIndex((x) => x.machine === ref.machine && x.func === ref.func);
    if (k < 0) {
      k = this.foreign.length;
      if (k >= MAX_FOREIGN) throw new Error(`more than ${MAX_FOREIGN} functions of other instances`);
      this.foreign.push(ref);
      const at = this.foreignAt - SRAM + FUNC_DESCRIPTOR_BYTES * k;
      this.view.setUint32(at, (this.foreignStubsAt + 4 * k) | 1, true);
      this.view.setUint32(at + 4, ref.machine.compiled.funcTypeIds[ref.func] ?? 0, true);
    }
    return this.foreignStubsAt + 4 * k;
  }

  private writeTables(n: number): void {
    for (let i = 0; i < n; i++) {
      const limits = this.m?.tableLimits[i] ?? { min: this.options.table?.length ?? 0, max: undefined };
      const shared = this.options.sharedTables?.get(i);
      const size = shared ? shared.holder.tableSize(shared.index.get(shared.holder) ?? 0) : limits.min;
      const region = this.allocate(4 * size);
      const max = shared ? shared.holder.tables[shared.index.get(shared.holder) ?? 0]?.max ?? 0 : limits.max ?? 0xffffffff;
      this.tables.push({ index: i, type: this.m?.tableTypes[i] ?? "funcref", max, at: region.at, capacity: region.capacity });
      this.setTablePair(i, region.at, size);
      if (shared) this.join(shared, i);
    }
    (this.options.table ?? []).forEach((e, i) => this.setEntry(0, i, e === null ? null : { machine: this, func: e.func }));
  }

  private setTablePair(i: number, at: number, size: number): void {
    this.view.setUint32(this.tablesAt - SRAM + 8 * i, at, true);
    this.view.setUint32(this.tablesAt - SRAM + 8 * i + 4, size, true);
  }

  memoryPages(): number {
    this.activate();
    return this.memBytes / PAGE;
  }

  tableSize(i: number): number {
    return this.view.getUint32(this.tablesAt - SRAM + 8 * i + 4, true);
  }

  private join(s: Shared, index: number): void {
    s.index.set(this, index);
    this.shared.push(s);
  }

  /** This machine's memory, table or global, shared from now on (for another to import). */
  share(kind: Shared["kind"], index: number): Shared {
    const found = this.shared.find((s) => s.kind === kind && s.index.get(this) === index);
    if (found) return found;
    this.activate();
    const s = new Shared(kind, this, index);
    this.shared.push(s);
    return s;
  }

  /** Copies in what another machine changed last (see the file's comment). */
  activate(): void {
    for (const s of this.shared) {
      if (s.holder === this) continue;
      const from = s.holder;
      const i = s.index.get(this) ?? 0;
      const j = s.index.get(from) ?? 0;
      if (s.kind === "memory") {
        this.memory = this.regrow(this.memory, from.memBytes) ?? this.allocate(from.memBytes);
        this.sram.set(from.sram.subarray(from.memory.at - SRAM, from.memory.at - SRAM + from.memBytes), this.memory.at - SRAM);
        this.memBytes = from.memBytes;
      } else if (s.kind === "table") {
        const size = from.tableSize(j);
        this.resizeTable(i, size);
        for (let k = 0; k < size; k++) this.setEntry(i, k, from.entry(j, k));
      } else {
        const t = this.m?.globals[i]?.type ?? "i32";
        this.writeGlobal(i, t, from.globalValue(j, t));
      }
      s.holder = this;
    }
    this.view.setUint32(CTX_AT - SRAM + CTX.memBase, this.memory.at, true);
    this.view.setUint32(CTX_AT - SRAM + CTX.memSize, this.memBytes, true);
    this.view.setUint32(CTX_AT - SRAM + CTX.memPages, this.memBytes / PAGE, true);
  }

  // --- references and values

  /** A reference's word in this machine. */
  refWord(t: ValType, ref: Ref): number {
    if (ref === null) return 0;
    if ("extern" in ref) {
      if (t !== "externref") throw new Error("an externref where a funcref belongs");
      return this.store.externWord(ref.extern);
    }
    if (ref.machine === this) return this.funcsAt + FUNC_DESCRIPTOR_BYTES * ref.func;
    const k = (this.foreignStubFor(ref) - this.foreignStubsAt) / 4;
    return this.foreignAt + FUNC_DESCRIPTOR_BYTES * k;
  }

  /** A word of type t (a reference type) from this machine as a Ref. */
  wordRef(t: ValType, w: number): Ref {
    if (w === 0) return null;
    if (t === "externref") return { extern: this.store.externValue(w) };
    const own = (w - this.funcsAt) / FUNC_DESCRIPTOR_BYTES;
    if (Number.isInteger(own) && own >= 0 && own < this.compiled.funcOffsets.length) {
      return own < (this.m?.importedFuncs ?? 0) ? this.importTarget(own) : { machine: this, func: own };
    }
    const k = (w - this.foreignAt) / FUNC_DESCRIPTOR_BYTES;
    const ref = Number.isInteger(k) ? this.foreign[k] : undefined;
    if (!ref) throw new Error(`0x${w.toString(16)} is not a function reference of this machine`);
    return ref;
  }

  /** The words of a value at `at` (SRAM address) as a Value, and back. */
  private readValue(t: ValType, at: number): Value {
    const w0 = this.view.getUint32(at - SRAM, true);
    if (t === "funcref" || t === "externref") return this.wordRef(t, w0);
    return t === "i64" || t === "f64" ? [w0, this.view.getUint32(at - SRAM + 4, true)] : [w0];
  }

  private writeValue(t: ValType, at: number, v: Value): void {
    if (t === "funcref" || t === "externref") {
      this.view.setUint32(at - SRAM, this.refWord(t, v as Ref), true);
      return;
    }
    (v as number[]).forEach((w, k) => this.view.setUint32(at - SRAM + 4 * k, w >>> 0, true));
  }

  private globalValue(g: number, t: ValType): Value {
    return this.readValue(t, this.globalsAt + 8 * g);
  }

  /** Sets global g (instantiation: a constant expression's value). */
  writeGlobal(g: number, t: ValType, v: Value): void {
    this.writeValue(t, this.globalsAt + 8 * g, v);
  }

  /** Global g's value, fresh from whichever machine changed it last. */
  readGlobalValue(g: number): Value {
    this.activate();
    return this.globalValue(g, this.m?.globals[g]?.type ?? "i32");
  }

  /** Global `index`'s first word (i32, f32 bits), or the second. */
  readGlobal(index: number, word = 0): number {
    this.activate();
    return this.view.getUint32(this.globalsAt - SRAM + 8 * index + 4 * word, true);
  }

  entry(table: number, i: number): Ref {
    const t = this.tables[table] as Table;
    return this.wordRef(t.type, this.view.getUint32(this.tableEntriesAt(table) - SRAM + 4 * i, true));
  }

  setEntry(table: number, i: number, ref: Ref): void {
    const t = this.tables[table] as Table;
    this.view.setUint32(this.tableEntriesAt(table) - SRAM + 4 * i, this.refWord(t.type, ref), true);
  }

  private tableEntriesAt(i: number): number {
    return this.view.getUint32(this.tablesAt - SRAM + 8 * i, true);
  }

  /** Table i at `size` entries (new ones null); false when the SRAM cannot hold it. */
  private resizeTable(i: number, size: number): boolean {
    const t = this.tables[i] as Table;
    const region = this.regrow({ at: t.at, capacity: t.capacity }, 4 * size);
    if (!region) return false;
    t.at = region.at;
    t.capacity = region.capacity;
    const old = this.tableSize(i);
    if (size > old) this.sram.fill(0, t.at - SRAM + 4 * old, t.at - SRAM + 4 * size);
    this.setTablePair(i, t.at, size);
    return true;
  }

  /** Element segment i's references (instantiation gives them; table.init reads them). */
  setElemSegment(i: number, refs: Ref[] | undefined): void {
    this.elemSegments[i] = refs;
  }

  /** table.init's check and copy, also for instantiating an active segment. */
  initTable(table: number, dest: number, refs: Ref[], source: number, count: number): boolean {
    if (source + count > refs.length || dest + count > this.tableSize(table)) return false;
    for (let k = 0; k < count; k++) this.setEntry(table, dest + k, refs[source + k] ?? null);
    return true;
  }

  /** An active data segment (instantiation): false, writing nothing, when it does not fit. */
  initMemory(offset: number, bytes: Uint8Array): boolean {
    if (offset + bytes.length > this.memBytes) return false;
    this.sram.set(bytes, this.memory.at - SRAM + offset);
    return true;
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
    const mem = (at: number) => this.memory.at - SRAM + at;
    const inBounds = (at: number, n: number) => at + n <= this.memBytes;
    if (index === HELPER.memoryGrow) {
      r[0] = this.growMemory(a);
    } else if (index === HELPER.memoryFill) {
      if (!inBounds(a, c)) r[0] = 1;
      else {
        this.sram.fill(b & 0xff, mem(a), mem(a + c));
        r[0] = 0;
      }
    } else if (index === HELPER.memoryCopy) {
      if (!inBounds(a, c) || !inBounds(b, c)) r[0] = 1;
      else {
        this.sram.copyWithin(mem(a), mem(b), mem(b + c));
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
    } else if (index === HELPER.wide || index === HELPER.table) {
      const view = this.view;
      const words = [0, 1, 2, 3, 4].map((k) => view.getUint32(a - SRAM + 4 * k, true));
      if (index === HELPER.table) {
        r[0] = this.tableOp(b, words, a);
        this.mcu.core.cycles += 30;
        return;
      }
      if (b === 0x108 || b === 0x109) {
        r[0] = this.segmentOp(b, words);
        return;
      }
      const { status, out } = wideHelper(b, words.slice(0, 4));
      out.forEach((w, k) => view.setUint32(a - SRAM + 4 * k, w >>> 0, true));
      r[0] = status;
      this.mcu.core.cycles += wideCycles(b);
    } else if (index >= HELPER.f64Add && index <= HELPER.f64Div) {
      // no context: the operands' words from r0, the result in r0:r1 (AAPCS soft-float)
      const op = 0xa0 + index - HELPER.f64Add;
      const [x0 = 0, x1 = 0, y0 = 0, y1 = 0] = [r[0], r[1], r[2], r[3]];
      const [lo = 0, hi = 0] = f64Arith(op, [x0, x1], [y0, y1]);
      r[0] = lo;
      r[1] = hi;
      this.mcu.core.cycles += f64ArithCycles(op);
    } else if (index === HELPER.callImport) {
      r[0] = this.callImport(a, b);
    } else throw new Error(`no helper ${index}`);
  }

  /** memory.grow by `pages`: the previous size in pages, or -1. */
  private growMemory(pages: number): number {
    const old = this.memBytes / PAGE;
    const grown = this.memBytes + pages * PAGE;
    if (pages > 0xffff || grown > Math.min(this.maxMemBytes, 65536 * PAGE)) return 0xffffffff;
    const region = this.regrow(this.memory, grown);
    if (!region) {
      // a grow the module allows but the emulated SRAM cannot hold: recorded, so a runner can
      // tell its -1 from the one wasm semantics give
      this.sramRefusedGrow = true;
      return 0xffffffff;
    }
    this.memory = region;
    this.memBytes = grown;
    this.view.setUint32(CTX_AT - SRAM + CTX.memBase, region.at, true);
    this.view.setUint32(CTX_AT - SRAM + CTX.memSize, grown, true);
    this.view.setUint32(CTX_AT - SRAM + CTX.memPages, grown / PAGE, true);
    return old;
  }

  /** HELPER.table (abi.ts): the operation on `words`, the result written at `at`. */
  private tableOp(op: number, w: number[], at: number): number {
    const out = (v: number) => this.view.setUint32(at - SRAM, v >>> 0, true);
    const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0] = w;
    const oob = TRAP.tableOutOfBounds;
    switch (op) {
      case 0x25:
        if (w0 >= this.tableSize(w1)) return oob;
        out(this.view.getUint32(this.tableEntriesAt(w1) - SRAM + 4 * w0, true));
        return 0;
      case 0x26:
        if (w0 >= this.tableSize(w2)) return oob;
        this.view.setUint32(this.tableEntriesAt(w2) - SRAM + 4 * w0, w1, true);
        return 0;
      case 0x10c: {
        const refs = this.elemSegments[w3] ?? [];
        return this.initTable(w4, w0, refs, w1, w2) ? 0 : oob;
      }
      case 0x10d:
        this.elemSegments[w0] = undefined;
        return 0;
      case 0x10e: {
        const [dest, src, n, dt, st] = [w0, w1, w2, w3, w4];
        if (src + n > this.tableSize(st) || dest + n > this.tableSize(dt)) return oob;
        const from = this.tableEntriesAt(st) - SRAM, to = this.tableEntriesAt(dt) - SRAM;
        this.sram.copyWithin(to + 4 * dest, from + 4 * src, from + 4 * (src + n));
        this.mcu.core.cycles += 4 * n;
        return 0;
      }
      case 0x10f: {
        const old = this.tableSize(w2);
        const t = this.tables[w2] as Table;
        const size = old + w1;
        if (size > Math.min(t.max, 10_000_000) || !this.resizeTable(w2, size)) {
          out(0xffffffff);
          return 0;
        }
        const entries = this.tableEntriesAt(w2) - SRAM;
        for (let k = old; k < size; k++) this.view.setUint32(entries + 4 * k, w0, true);
        out(old);
        return 0;
      }
      case 0x110:
        out(this.tableSize(w0));
        return 0;
      case 0x111: {
        if (w0 + w2 > this.tableSize(w3)) return oob;
        const entries = this.tableEntriesAt(w3) - SRAM;
        for (let k = 0; k < w2; k++) this.view.setUint32(entries + 4 * (w0 + k), w1, true);
        this.mcu.core.cycles += 4 * w2;
        return 0;
      }
      default: throw new Error(`table helper: opcode 0x${op.toString(16)}`);
    }
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
    this.sram.set(s.bytes.subarray(source, source + count), this.memory.at - SRAM + dest);
    this.mcu.core.cycles += 20 + count; // a byte loop
    return 0;
  }

  /** The largest linear memory this runner holds. */
  static readonly maxMemoryBytes = MAX_SRAM_BYTES - 0x100000;

  readMemory(offset: number, length: number): Uint8Array {
    this.activate();
    return this.sram.slice(this.memory.at - SRAM + offset, this.memory.at - SRAM + offset + length);
  }

  /** Calls defined function `func` with 32-bit argument slots; `resultWords` words come back
   * in `words` (more than two only from a function with multiple results). Called again while
   * running (another instance calling back into this one), it runs below the current frame
   * and restores the core afterwards. */
  call(func: number, args: number[], resultWords = 2): SimRun {
    const { mcu, compiled } = this;
    const at = compiled.funcOffsets[func];
    if (at === undefined || at < 0) throw new Error(`function ${func} has no code`);
    const core = mcu.core;
    const nested = this.running;
    // nested: below the caller's frame (its outgoing area is at SP and above), with room for
    // the entry stub's pushes and the arguments, or the stack is exhausted here
    const sp = nested ? (core.SP - 64) & ~7 : this.stackTop;
    if (sp - 64 - 4 * Math.max(args.length, resultWords) < this.stackTop - STACK_BYTES) {
      return { lo: 0, hi: 0, words: [], trap: { kind: "stackExhausted", func, wasmOffset: 0 }, cycles: 0 };
    }
    const saved = nested ? this.saveCore() : undefined;
    this.activate();
    const view = this.view;
    const ctx = (field: number, v: number) => view.setUint32(CTX_AT - SRAM + field, v >>> 0, true);
    ctx(CTX.helpers, HELPERS_AT);
    ctx(CTX.globals, this.globalsAt);
    if (!nested) ctx(CTX.fuel, this.options.fuel ?? 0);
    ctx(CTX.stackLimit, this.stackTop - STACK_BYTES);
    ctx(CTX.table, this.tables[0] ? this.tableEntriesAt(0) : 0);
    ctx(CTX.tableSize, this.tables[0] ? this.tableSize(0) : 0);
    ctx(CTX.funcs, this.funcsAt);
    ctx(CTX.tables, this.tablesAt);
    const slots = [...args, ...Array<number>(Math.max(0, resultWords - args.length)).fill(0)];
    if (ARGS_AT + 4 * Math.max(slots.length, 2) > ARGS_END) throw new Error(`${args.length} argument words do not fit the runner's area`);
    slots.forEach((v, i) => view.setUint32(ARGS_AT - SRAM + 4 * i, v >>> 0, true));
    core.registers[0] = CTX_AT;
    core.registers[1] = (FLASH + at) | 1;
    core.registers[2] = ARGS_AT;
    core.registers[3] = slots.length;
    core.SP = sp;
    core.LR = RETURN_AT | 1;
    core.PC = FLASH + compiled.entryOffset;
    const start = core.cycles;
    const limit = start + (this.options.maxCycles ?? 2e9);
    this.stopped = false;
    this.running = true;
    let foreignTrap: SimRun["trap"];
    try {
      while (!this.stopped) {
        mcu.step();
        if (core.cycles > limit) throw new Error(`no return within ${limit - start} cycles`);
      }
    } catch (e) {
      if (!(e instanceof SimTrap)) throw e;
      foreignTrap = e.trap;
    } finally {
      this.running = nested;
      this.stopped = false;
    }
    const cycles = core.cycles - start;
    const status = core.registers[0] ?? 0;
    const out = this.view; // the SRAM may have grown (a new array) during the call
    const run: SimRun = {
      lo: out.getUint32(ARGS_AT - SRAM, true),
      hi: out.getUint32(ARGS_AT - SRAM + 4, true),
      words: Array.from({ length: Math.max(resultWords, 2) }, (_, k) => out.getUint32(ARGS_AT - SRAM + 4 * k, true)),
      trap: foreignTrap ?? (status === 0 ? undefined : this.trapAt(out.getUint32(CTX_AT - SRAM + CTX.trapLr, true))),
      cycles,
    };
    if (saved) this.restoreCore(saved);
    return run;
  }

  private running = false;

  private saveCore(): { regs: number[]; pc: number; sp: number; flags: number; ctx: number[] } {
    const core = this.mcu.core;
    const ctx = [CTX.savedSp, CTX.results, CTX.trapLr, CTX.argWords].map((f) => this.view.getUint32(CTX_AT - SRAM + f, true));
    return { regs: Array.from(core.registers), pc: core.PC, sp: core.SP, flags: core.APSR, ctx };
  }

  private restoreCore(s: ReturnType<SimMachine["saveCore"]>): void {
    const core = this.mcu.core;
    s.regs.forEach((v, i) => { if (i < 13) core.registers[i] = v; });
    core.SP = s.sp;
    core.LR = s.regs[14] ?? 0;
    core.PC = s.pc;
    core.APSR = s.flags;
    [CTX.savedSp, CTX.results, CTX.trapLr, CTX.argWords].forEach((f, k) => this.view.setUint32(CTX_AT - SRAM + f, s.ctx[k] ?? 0, true));
  }

  /** Calls function `func` of this machine (an import: its binding) with Values. */
  invoke(func: number, args: Value[]): Value[] {
    const t = this.funcType(func);
    if (func < (this.m?.importedFuncs ?? 0)) {
      const binding = this.options.imports?.[func];
      if (!binding) throw new Error(`import ${func} has no implementation in this runner`);
      if (typeof binding !== "function") return binding.machine.invoke(binding.func, args);
      try {
        const result = binding(...args.map((a) => (Array.isArray(a) ? a[0] ?? 0 : 0) | 0));
        return t.results.map(() => [typeof result === "number" ? result >>> 0 : 0]);
      } catch (e) {
        if (e instanceof SimNativeTrap) throw new SimTrap({ kind: "native", func, wasmOffset: 0 });
        throw e;
      }
    }
    const words: number[] = [];
    t.params.forEach((p, k) => {
      const v = valueAt(args, k);
      words.push(...(Array.isArray(v) ? v : [this.refWord(p, v)]));
    });
    const run = this.call(func, words, t.results.reduce((n, r) => n + wordCount(r), 0));
    if (run.trap) throw new SimTrap(run.trap);
    let w = 0;
    return t.results.map((r) => {
      const n = wordCount(r);
      const ws = run.words.slice(w, (w += n));
      return r === "funcref" || r === "externref" ? this.wordRef(r, ws[0] ?? 0) : ws;
    });
  }

  private funcType(f: number): FuncType {
    const t = this.m?.types[this.m.funcTypes[f] ?? -1];
    if (!t) throw new Error(`function ${f}: no module types in this runner`);
    return t;
  }

  /** Import `index` with its wr_arg slots at `args` (8 bytes each, results over them). */
  private callImport(index: number, args: number): number {
    const binding = this.options.imports?.[index];
    if (!binding) throw new Error(`import ${index} has no implementation in this runner`);
    const view = this.view;
    if (typeof binding === "function") {
      const values = Array.from({ length: binding.length }, (_, k) => view.getInt32(args - SRAM + 8 * k, true));
      try {
        const result = binding(...values);
        if (typeof result === "number") view.setUint32(args - SRAM, result >>> 0, true);
        return 0;
      } catch (e) {
        if (e instanceof SimNativeTrap) return 1;
        throw e;
      }
    }
    const t = this.funcType(index);
    const values = t.params.map((p, k) => this.readValue(p, args + 8 * k));
    const results = this.callOut(binding, values);
    t.results.forEach((r, k) => this.writeValue(r, args + 8 * k, valueAt(results, k)));
    return 0;
  }

  /** Another machine's function, this one resuming afterwards with what it changed. */
  private callOut(target: { machine: SimMachine; func: number }, values: Value[]): Value[] {
    const results = target.machine.invoke(target.func, values);
    this.activate();
    return results;
  }

  /** A foreign stub (PC just past its BKPT): the function behind it with the AOT calling
   * convention, r9/r10 reloaded for the caller (abi.ts, CTX.funcs). */
  private foreignStub(): void {
    const core = this.mcu.core;
    const k = (core.PC - 2 - this.foreignStubsAt) / 4;
    const target = this.foreign[k];
    if (!target) throw new Error(`foreign stub ${k} has no function`);
    const t = target.machine.funcType(target.func);
    const sp = core.SP;
    let w = 0;
    const values = t.params.map((p) => {
      const v = this.readValue(p, sp + 4 * w);
      w += wordCount(p);
      return v;
    });
    const results = this.callOut(target, values);
    const words: number[] = [];
    t.results.forEach((r, i) => {
      const v = valueAt(results, i);
      words.push(...(Array.isArray(v) ? v : [this.refWord(r, v)]));
    });
    if (words.length > 2) words.forEach((x, i) => this.view.setUint32(sp - SRAM + 4 * i, x >>> 0, true));
    core.registers[0] = words[0] ?? 0;
    core.registers[1] = words[1] ?? 0;
    core.registers[9] = Math.max(this.memBytes - 8, 0);
    core.registers[10] = this.memory.at;
  }

  private trapAt(lr: number): SimRun["trap"] {
    const offset = (lr & ~1) - FLASH;
    const site = this.compiled.trapSites.find((s) => s.returnOffset === offset);
    if (!site) throw new Error(`trap from an unknown site at code offset ${offset}`);
    return { kind: site.kind, func: site.func, wasmOffset: site.wasmOffset };
  }

  /** A module instantiated from its constant parts: memory's initial pages, active data
   * segments, constant globals, table 0's active segments, the start function run. */
  static forModule(m: Module, compiled: CompiledModule, options: SimOptions = {}): SimMachine {
    const pages = m.hasMemory ? m.memoryPages.min : 0;
    const max = m.memoryPages.max === undefined ? undefined : m.memoryPages.max * PAGE;
    const globals = m.globals.map((g) => g.init ?? 0);
    const machine = new SimMachine(compiled, { module: m, memoryBytes: pages * PAGE, maxMemoryBytes: max, data: m.data, globals, segments: m.dataSegments, ...options });
    if (m.start !== undefined) {
      const started = machine.call(m.start, []);
      if (started.trap) throw new Error(`the start function trapped (${started.trap.kind})`);
    }
    return machine;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function wordCount(t: ValType): number {
  return t === "i64" || t === "f64" ? 2 : 1;
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

/** values[k]; a missing one as a zero word (a null reference is a value, not a missing one). */
function valueAt(values: Value[], k: number): Value {
  const v = values[k];
  return v === undefined ? [0] : v;
}
