// The spec REPL's store for the AOT engine (`wasmcu vm --repl --engine aot`): each module is
// validated (V8's validator: the compiler takes only valid modules), compiled in TypeScript and
// instantiated on the emulated Cortex-M0+ (SimMachine), one machine per instance. Instances
// link as the spec says: a registered instance's functions, globals, memories and tables are
// imported by name and type-checked; calls between instances go through the runner, shared
// state through sim-run.ts's `Shared` objects (see there). Instantiation follows WebAssembly
// 2.0: globals, then active element segments and data segments in order (a trap leaves the
// writes before it in shared tables and memories), then the start function. What the compiler
// or this runner does not handle makes the module "skipped" with the reason, and every command
// on it answers `skipped: REASON` — never a result that could pass by accident.
import { readFileSync } from "node:fs";
import { TRAP, type TrapKind } from "./abi.js";
import { CompileError, compileModule } from "./compile.js";
import { readModule, sameType, type ConstExpr, type FuncType, type Module, type ValType } from "./module.js";
import { ModuleError } from "./reader.js";
import { type Ref, type Shared, type SimImport, SimMachine, SimStore, SimTrap, type Value } from "./sim-run.js";

export type Answer = string;

interface Instance {
  m: Module;
  machine: SimMachine;
}

/** A module the AOT path does not run, and why. */
interface Skipped {
  skipped: string;
}

/** The spectest module's exports (the spec interpreter's host module). */
const SPECTEST_FUNCS: Record<string, ValType[]> = {
  print: [], print_i32: ["i32"], print_i64: ["i64"], print_f32: ["f32"], print_f64: ["f64"],
  print_i32_f32: ["i32", "f32"], print_f64_f64: ["f64", "f64"],
};
/** Bits of the spectest globals (666 in each type); only the first word is used by 32-bit types. */
const SPECTEST_GLOBALS: Partial<Record<ValType, number | bigint>> = { i32: 666, f32: 0x4426a666, i64: 666n, f64: 0x4084d4cccccccccdn };
const SPECTEST_GLOBAL_TYPES = new Map<string, ValType>([["global_i32", "i32"], ["global_i64", "i64"], ["global_f32", "f32"], ["global_f64", "f64"]]);

/** 32-bit words per number type. */
const WORDS: Partial<Record<string, number>> = { i32: 1, f32: 1, i64: 2, f64: 2 };
const PAGE = 65536;

const TRAP_TEXT: Record<TrapKind, string> = {
  unreachable: "unreachable",
  memoryOutOfBounds: "out of bounds memory access",
  divideByZero: "integer divide by zero",
  integerOverflow: "integer overflow",
  invalidConversion: "invalid conversion to integer",
  stackExhausted: "call stack exhausted",
  fuelExhausted: "fuel exhausted",
  indirectCallType: "indirect call type mismatch",
  undefinedElement: "undefined element",
  uninitializedElement: "uninitialized element",
  native: "native trapped",
  tableOutOfBounds: "out of bounds table access",
};

/** Emulated cycles one invocation may take before the runner gives up (an error, not a pass). */
const MAX_CYCLES = 4e8;

export class AotSpecSession {
  private instances = new Map<string, Instance | Skipped>();
  private current: Instance | Skipped | undefined;
  private registered = new Map<string, Instance | Skipped>();
  private store = new SimStore();

  reset(): Answer {
    this.instances = new Map();
    this.registered = new Map();
    this.current = undefined;
    this.store = new SimStore();
    return "ok";
  }

  module(path: string, name?: string): Answer {
    const bytes: Uint8Array<ArrayBuffer> = new Uint8Array(readFileSync(path));
    const inst = this.instantiate(bytes);
    if (typeof inst === "string") return inst;
    this.current = inst;
    if (name !== undefined) this.instances.set(name, inst);
    return "skipped" in inst ? `skipped: ${inst.skipped}` : "ok";
  }

  register(as: string, name?: string): Answer {
    const inst = this.lookup(name);
    if (!inst) return "error usage: no such module";
    this.registered.set(as, inst);
    return "ok";
  }

  invoke(name: string | undefined, func: string, args: string[]): Answer {
    const inst = this.lookup(name);
    if (!inst) return "error usage: no such module";
    if ("skipped" in inst) return `skipped: ${inst.skipped}`;
    const exp = inst.m.exports.find((e) => e.name === func && e.kind === 0);
    if (!exp) return `error usage: no function export ${JSON.stringify(func)}`;
    const type = inst.m.types[inst.m.funcTypes[exp.index] ?? -1] as FuncType;
    if (args.length !== type.params.length) return "error usage: wrong number of arguments";
    const values = args.map((a, k) => parseValue(a, type.params[k] as ValType));
    if (values.some((v) => v === undefined)) return "error usage: argument types";
    let results: Value[];
    try {
      results = inst.machine.invoke(exp.index, values as Value[]);
    } catch (e) {
      if (!(e instanceof SimTrap)) throw e;
      // where, as the interpreter says it (the module byte offset of the trapping instruction)
      const where = e.trap.wasmOffset > 0 ? ` in function ${e.trap.func} at offset 0x${e.trap.wasmOffset.toString(16)}` : "";
      return e.trap.kind === "stackExhausted" ? `exhaustion: ${TRAP_TEXT.stackExhausted}` : `trap: ${TRAP_TEXT[e.trap.kind]}${where}`;
    } finally {
      this.checkGrows();
    }
    const refused = this.checkGrows();
    if (refused) return refused;
    return ["result", ...type.results.map((t, k) => showValue(t, results[k] ?? null))].join(" ");
  }

  get(name: string | undefined, global: string): Answer {
    const inst = this.lookup(name);
    if (!inst) return "error usage: no such module";
    if ("skipped" in inst) return `skipped: ${inst.skipped}`;
    const exp = inst.m.exports.find((e) => e.name === global && e.kind === 3);
    if (!exp) return `error usage: no global export ${JSON.stringify(global)}`;
    const t = inst.m.globals[exp.index]?.type ?? "i32";
    return `result ${showValue(t, inst.machine.readGlobalValue(exp.index))}`;
  }

  /** An instance whose memory.grow gave -1 only for want of emulated SRAM differs from the
   * spec's from then on: skipped. */
  private checkGrows(): Answer | undefined {
    for (const inst of new Set([...this.instances.values(), ...this.registered.values(), this.current])) {
      if (inst && "machine" in inst && inst.machine.sramRefusedGrow) {
        const skipped = { skipped: "memory.grow past what the emulated SRAM holds" };
        this.replace(inst, skipped);
        return `skipped: ${skipped.skipped}`;
      }
    }
    return undefined;
  }

  /** Every binding of `inst` now names `by`. */
  private replace(inst: Instance | Skipped, by: Skipped): void {
    for (const [k, v] of this.instances) if (v === inst) this.instances.set(k, by);
    for (const [k, v] of this.registered) if (v === inst) this.registered.set(k, by);
    if (this.current === inst) this.current = by;
  }

  private lookup(name: string | undefined): Instance | Skipped | undefined {
    return name === undefined ? this.current : this.instances.get(name);
  }

  /** An instance, a skipped module, or the error answer. */
  private instantiate(bytes: Uint8Array<ArrayBuffer>): Instance | Skipped | Answer {
    try {
      new WebAssembly.Module(bytes);
    } catch (e) {
      return `error ${malformed(e) ? "malformed" : "invalid"}: ${(e as Error).message}`;
    }
    let m: Module;
    try {
      m = readModule(bytes);
    } catch (e) {
      if (e instanceof ModuleError) return { skipped: `the AOT reader: ${e.message}` };
      throw e;
    }
    // one type id per signature across the session's modules (call_indirect between instances)
    m.canonicalType = m.types.map((t) => this.store.typeId(t));
    const link = this.link(m);
    if (typeof link === "string" || "skipped" in link) return link;
    if (m.hasMemory && !link.sharedMemory && m.memoryPages.min * PAGE > SimMachine.maxMemoryBytes) {
      return { skipped: `a ${m.memoryPages.min}-page memory (the emulated SRAM holds ${SimMachine.maxMemoryBytes} bytes)` };
    }
    let compiled;
    try {
      compiled = compileModule(m);
    } catch (e) {
      if (e instanceof CompileError || e instanceof ModuleError) return { skipped: `refused by the compiler: ${e.message}` };
      throw e;
    }
    const machine = new SimMachine(compiled, {
      module: m,
      store: this.store,
      memoryBytes: m.hasMemory ? m.memoryPages.min * PAGE : 0,
      maxMemoryBytes: m.memoryPages.max === undefined ? undefined : m.memoryPages.max * PAGE,
      segments: m.dataSegments,
      imports: link.imports,
      sharedMemory: link.sharedMemory,
      sharedTables: link.sharedTables,
      sharedGlobals: link.sharedGlobals,
      maxCycles: MAX_CYCLES,
    });
    machine.activate();
    link.globals.forEach((v, g) => { if (v !== undefined) machine.writeGlobal(g, m.globals[g]?.type ?? "i32", v); });
    for (let g = link.globals.length; g < m.globals.length; g++) {
      const def = m.globals[g];
      machine.writeGlobal(g, def?.type ?? "i32", constValue(machine, def?.initExpr ?? { value: 0 }));
    }
    const failed = initSegments(m, machine);
    if (failed) return failed;
    if (m.start !== undefined) {
      try {
        machine.invoke(m.start, []);
      } catch (e) {
        if (!(e instanceof SimTrap)) throw e;
        return `error uninstantiable: ${TRAP_TEXT[e.trap.kind]}`;
      }
    }
    return { m, machine };
  }

  /** Imports: the spectest module's, or a registered instance's exports (checked by type). */
  private link(m: Module): Link | Skipped | Answer {
    const out: Link = { imports: [], globals: [], sharedTables: new Map(), sharedGlobals: new Map() };
    let tables = 0;
    for (const imp of m.imports) {
      const what = `${imp.module}.${imp.name}`;
      const g = out.globals.length;
      if (imp.module === "spectest") {
        const bad = this.linkSpectest(m, imp, out, tables);
        if (bad) return bad;
      } else {
        const from = this.registered.get(imp.module);
        if (!from) return `error unlinkable: unknown import ${what}`;
        if ("skipped" in from) return { skipped: `imports from a skipped module (${from.skipped})` };
        const kind = { func: 0, table: 1, memory: 2, global: 3 }[imp.kind];
        const exp = from.m.exports.find((e) => e.name === imp.name && e.kind === kind);
        if (!exp) return `error unlinkable: unknown import ${what}`;
        const bad = linkExport(m, imp, from, exp.index, out, tables);
        if (bad) return `error unlinkable: incompatible import type ${what} (${bad})`;
      }
      if (imp.kind === "table") tables++;
      if (imp.kind === "global" && out.globals.length === g) out.globals.push(undefined);
    }
    return out;
  }

  private linkSpectest(m: Module, imp: Module["imports"][number], out: Link, table: number): Answer | undefined {
    const bad = `error unlinkable: incompatible import spectest.${imp.name}`;
    if (imp.kind === "func") {
      const want = SPECTEST_FUNCS[imp.name];
      const t = m.types[imp.typeIndex ?? -1];
      if (!want || !t || t.results.length > 0 || t.params.join() !== want.join()) return bad;
      out.imports.push(() => {});
    } else if (imp.kind === "global") {
      const t = SPECTEST_GLOBAL_TYPES.get(imp.name);
      if (!t || !imp.global || imp.global.type !== t || imp.global.mutable) return bad;
      const bits = SPECTEST_GLOBALS[t] as number | bigint;
      out.globals.push(typeof bits === "bigint" ? [Number(bits & 0xffffffffn), Number(bits >> 32n)] : [bits]);
    } else if (imp.kind === "memory") {
      const mem = imp.memory;
      if (imp.name !== "memory" || !mem || mem.min > 1 || (mem.max !== undefined && mem.max < 2)) return bad;
      // the spectest memory is (memory 1 2): this instance gets one of its own that size
      m.memoryPages = { min: 1, max: 2 };
    } else {
      const t = imp.table;
      if (imp.name !== "table" || !t || t.elem !== "funcref" || t.min > 10 || (t.max !== undefined && t.max < 20)) return bad;
      // the spectest table is (table 10 20 funcref): one of its own that size
      m.tableLimits[table] = { min: 10, max: 20 };
    }
    return undefined;
  }
}

interface Link {
  imports: SimImport[];
  /** Imported globals' values (undefined: shared, a mutable one). */
  globals: (Value | undefined)[];
  sharedMemory?: Shared;
  sharedTables: Map<number, Shared>;
  sharedGlobals: Map<number, Shared>;
}

/** Binds import `imp` of m to export `index` of `from`; what does not match, or undefined. */
function linkExport(m: Module, imp: Module["imports"][number], from: Instance, index: number, out: Link, table: number): string | undefined {
  const fm = from.m;
  if (imp.kind === "func") {
    const want = m.types[imp.typeIndex ?? -1];
    const got = fm.types[fm.funcTypes[index] ?? -1];
    if (!want || !got || !sameType(want, got)) return "function type";
    out.imports.push({ machine: from.machine, func: index });
  } else if (imp.kind === "global") {
    const got = fm.globals[index];
    if (!got || !imp.global || got.type !== imp.global.type || got.mutable !== imp.global.mutable) return "global type";
    if (got.mutable) {
      out.sharedGlobals.set(out.globals.length, from.machine.share("global", index));
      out.globals.push(undefined);
    } else out.globals.push(from.machine.readGlobalValue(index));
  } else if (imp.kind === "memory") {
    const want = imp.memory;
    const shared = from.machine.share("memory", 0);
    const pages = from.machine.memoryPages();
    const max = fm.memoryPages.max;
    if (!want || pages < want.min || (want.max !== undefined && (max === undefined || max > want.max))) return "memory limits";
    out.sharedMemory = shared;
    m.memoryPages = { min: pages, max };
  } else {
    const want = imp.table;
    const size = from.machine.tableSize(index);
    const max = fm.tableLimits[index]?.max;
    if (!want || fm.tableTypes[index] !== want.elem || size < want.min || (want.max !== undefined && (max === undefined || max > want.max))) return "table limits";
    out.sharedTables.set(table, from.machine.share("table", index));
  }
  return undefined;
}

/** A constant expression's value in `machine` (its imported globals already set). */
function constValue(machine: SimMachine, e: ConstExpr): Value {
  if ("value" in e) return typeof e.value === "bigint" ? [Number(e.value & 0xffffffffn), Number(e.value >> 32n)] : [e.value];
  if ("global" in e) return machine.readGlobalValue(e.global);
  // an imported function's reference is the function it binds (wordRef follows the import)
  if ("func" in e) return machine.wordRef("funcref", machine.refWord("funcref", { machine, func: e.func }));
  return null;
}

/** Active element segments, then active data segments, in order; the first that does not fit
 * traps (what came before stays written). Passive element segments keep their references. */
function initSegments(m: Module, machine: SimMachine): Answer | undefined {
  for (const [i, e] of m.elems.entries()) {
    const refs = e.items.map((x) => constValue(machine, x) as Ref);
    if (e.mode !== "passive") machine.setElemSegment(i, undefined);
    else machine.setElemSegment(i, refs);
    if (e.mode !== "active") continue;
    const at = (constValue(machine, e.offset) as number[])[0] ?? 0;
    if (!machine.initTable(e.table, at >>> 0, refs, 0, refs.length)) return "error uninstantiable: out of bounds table access";
  }
  for (const d of m.dataSegments) {
    if (!d.active || !d.offset) continue;
    const at = (constValue(machine, d.offset) as number[])[0] ?? 0;
    if (!machine.initMemory(at >>> 0, d.bytes)) return "error uninstantiable: out of bounds memory access";
  }
  return undefined;
}

/** A protocol value (TYPE:BITS or TYPE:null) as a Value of type t; undefined for another type. */
function parseValue(arg: string, t: ValType): Value | undefined {
  const [type = "", v = "0"] = arg.split(":");
  if (type !== t) return undefined;
  if (t === "funcref" || t === "externref") {
    if (v === "null") return null;
    return t === "externref" ? { extern: BigInt(v) } : undefined;
  }
  const bits = BigInt(v);
  return WORDS[t] === 2 ? [Number(bits & 0xffffffffn), Number(bits >> 32n)] : [Number(bits)];
}

function showValue(t: ValType, v: Value): string {
  if (Array.isArray(v)) return `${t}:${WORDS[t] === 2 ? (BigInt(v[1] ?? 0) << 32n) | BigInt(v[0] ?? 0) : BigInt(v[0] ?? 0)}`;
  if (v === null) return `${t}:null`;
  return "extern" in v ? `${t}:${v.extern}` : `${t}:${v.func + 1}`;
}

/** V8 says "expected magic word", "section was shorter", ... for binary-format errors. */
export function malformed(e: unknown): boolean {
  const msg = String((e as Error).message);
  return /magic|version|section|length|expected \d+ bytes|extends past end|invalid (name|utf-8|local count|section)|LEB|unterminated|too (many|large)/i.test(msg);
}

export { TRAP };
