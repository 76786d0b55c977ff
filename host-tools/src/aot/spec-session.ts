// The spec REPL's store for the AOT engine (`wasmcu vm --repl --engine aot`): each module is
// validated (V8's validator: the compiler takes only valid modules), compiled in TypeScript and
// instantiated on the emulated Cortex-M0+ (SimMachine). What the compiler or this runner does
// not handle (an operator it refuses, element segments, imports from other modules, a memory
// larger than the emulated SRAM) makes the module "skipped" with the reason, and every command
// on it answers `skipped: REASON` — never a result that could pass by accident.
import { readFileSync } from "node:fs";
import { TRAP, type TrapKind } from "./abi.js";
import { CompileError, compileModule } from "./compile.js";
import { readModule, type FuncType, type Module, type ValType } from "./module.js";
import { ModuleError } from "./reader.js";
import { MAX_TABLE_ENTRIES, SimMachine } from "./sim-run.js";

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

/** 32-bit words per value type the runner passes. */
const WORDS: Partial<Record<string, number>> = { i32: 1, f32: 1, i64: 2, f64: 2 };

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
};

/** Emulated cycles one invocation may take before the runner gives up (an error, not a pass). */
const MAX_CYCLES = 4e8;

export class AotSpecSession {
  private instances = new Map<string, Instance | Skipped>();
  private current: Instance | Skipped | undefined;
  private registered = new Map<string, Instance | Skipped>();

  reset(): Answer {
    this.instances = new Map();
    this.registered = new Map();
    this.current = undefined;
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
    if (exp.index < inst.m.importedFuncs) return "skipped: a re-exported import (linking is not implemented in the AOT runner)";
    const type = inst.m.types[inst.m.funcTypes[exp.index] ?? -1] as FuncType;
    const unsupported = [...type.params, ...type.results].find((t) => !WORDS[t]);
    if (unsupported) return `skipped: ${unsupported} parameters or results`;
    const words = args.flatMap((a) => {
      const [t = "", v = "0"] = a.split(":");
      const bits = BigInt(v);
      return WORDS[t] === 2 ? [Number(bits & 0xffffffffn), Number(bits >> 32n)] : [Number(bits)];
    });
    const run = inst.machine.call(exp.index, words, type.results.reduce((n, t) => n + (WORDS[t] ?? 1), 0));
    if (inst.machine.sramRefusedGrow) {
      // from here on the instance differs from the spec's (its memory.grow gave -1 for want of SRAM)
      const skipped = { skipped: "memory.grow past what the emulated SRAM holds" };
      this.replace(inst, skipped);
      return `skipped: ${skipped.skipped}`;
    }
    if (run.trap) return run.trap.kind === "stackExhausted" ? `exhaustion: ${TRAP_TEXT.stackExhausted}` : `trap: ${TRAP_TEXT[run.trap.kind]}`;
    let w = 0;
    const values = type.results.map((t) => {
      const lo = BigInt(run.words[w++] ?? 0);
      return `${t}:${WORDS[t] === 2 ? (BigInt(run.words[w++] ?? 0) << 32n) | lo : lo}`;
    });
    return ["result", ...values].join(" ");
  }

  get(name: string | undefined, global: string): Answer {
    const inst = this.lookup(name);
    if (!inst) return "error usage: no such module";
    if ("skipped" in inst) return `skipped: ${inst.skipped}`;
    const exp = inst.m.exports.find((e) => e.name === global && e.kind === 3);
    if (!exp) return `error usage: no global export ${JSON.stringify(global)}`;
    const t = inst.m.globals[exp.index]?.type;
    if (!t || !WORDS[t]) return `skipped: ${t} globals`;
    const lo = BigInt(inst.machine.readGlobal(exp.index));
    return `result ${t}:${WORDS[t] === 2 ? (BigInt(inst.machine.readGlobal(exp.index, 1)) << 32n) | lo : lo}`;
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
    const link = this.link(m);
    if (typeof link === "string") return link;
    if ("skipped" in link) return link;
    const why = unsupportedInstantiation(m);
    if (why) return { skipped: why };
    let compiled;
    try {
      compiled = compileModule(m);
    } catch (e) {
      if (e instanceof CompileError || e instanceof ModuleError) return { skipped: `refused by the compiler: ${e.message}` };
      throw e;
    }
    const memoryBytes = m.hasMemory ? m.memoryPages.min * 65536 : 0;
    const table: ({ func: number; type: number } | null)[] = Array.from({ length: m.tableLimits[0]?.min ?? 0 }, () => null);
    for (const e of m.elems.filter((s) => s.mode === "active")) {
      if (e.offset + e.funcs.length > table.length) return "error uninstantiable: out of bounds table access (element segment)";
      e.funcs.forEach((f, i) => {
        table[e.offset + i] = f === null ? null : { func: f, type: m.canonicalType[m.funcTypes[f] ?? -1] ?? -1 };
      });
    }
    for (const d of m.data) {
      if (d.offset + d.bytes.length > memoryBytes) return "error uninstantiable: out of bounds memory access (data segment)";
    }
    const machine = new SimMachine(compiled, {
      memoryBytes,
      maxMemoryBytes: m.memoryPages.max === undefined ? undefined : m.memoryPages.max * 65536,
      data: m.data,
      segments: m.dataSegments,
      table,
      globals: link.globals,
      imports: link.imports,
      maxCycles: MAX_CYCLES,
    });
    if (m.start !== undefined) {
      if (m.start < m.importedFuncs) return { skipped: "an imported start function" };
      const run = machine.call(m.start, []);
      if (run.trap) return `error uninstantiable: ${TRAP_TEXT[run.trap.kind]}`;
    }
    return { m, machine };
  }

  /** Imports bound to the spectest module; imports from other modules are skipped (no linking). */
  private link(m: Module): { globals: (number | bigint)[]; imports: (() => void)[] } | Skipped | Answer {
    const globals: (number | bigint)[] = [];
    const imports: (() => void)[] = [];
    for (const imp of m.imports) {
      if (imp.module !== "spectest") {
        const from = this.registered.get(imp.module);
        if (from) {
          const skipped = { skipped: `imports from the registered module ${JSON.stringify(imp.module)} (linking is not implemented in the AOT runner)` };
          // the exporter's state may now differ from the spec's (a data segment written into its memory...)
          this.replace(from, { skipped: `shares state with a module importing it (linking is not implemented in the AOT runner)` });
          return skipped;
        }
        return `error unlinkable: unknown import ${imp.module}.${imp.name}`;
      }
      if (imp.kind === "func") {
        const want = SPECTEST_FUNCS[imp.name];
        const t = m.types[imp.typeIndex ?? -1];
        if (!want || !t || t.results.length > 0 || t.params.join() !== want.join()) return `error unlinkable: incompatible import spectest.${imp.name}`;
        imports.push(() => {});
      } else if (imp.kind === "global") {
        const t = SPECTEST_GLOBAL_TYPES.get(imp.name);
        if (!t || !imp.global || imp.global.type !== t || imp.global.mutable) return `error unlinkable: incompatible import spectest.${imp.name}`;
        const bits = SPECTEST_GLOBALS[t];
        if (bits === undefined) return { skipped: `the ${t} spectest global` };
        globals.push(bits);
      } else if (imp.kind === "memory") {
        const mem = imp.memory;
        if (imp.name !== "memory" || !mem || mem.min > 1 || (mem.max !== undefined && mem.max < 2)) return `error unlinkable: incompatible import spectest.${imp.name}`;
        // the spectest memory is (memory 1 2): this instance gets one of its own that size
        m.memoryPages = { min: 1, max: 2 };
      } else return { skipped: "an imported table (tables are not implemented in the AOT runner)" };
    }
    for (let g = globals.length; g < m.globals.length; g++) {
      const def = m.globals[g];
      if (def?.init !== undefined) globals.push(def.init);
      else if (def?.initFrom !== undefined && globals[def.initFrom] !== undefined) globals.push(globals[def.initFrom] as number | bigint);
      else return { skipped: `global ${g}'s initializer (only i32.const, f32.const and global.get of an import)` };
    }
    return { globals, imports };
  }
}

/** What the runner leaves to the runtime, which this runner does not have. */
function unsupportedInstantiation(m: Module): string | undefined {
  if (m.otherElems > 0) return "an element segment with other than i32.const offsets and function entries";
  if (m.tables > 1) return "more than one table";
  if ((m.tableLimits[0]?.min ?? 0) > MAX_TABLE_ENTRIES) return `a table of more than ${MAX_TABLE_ENTRIES} entries`;
  const imported = m.elems.flatMap((e) => e.funcs).find((f) => f !== null && f < m.importedFuncs);
  if (imported !== undefined) return "an imported function in a table (the AOT runner has no import trampolines)";
  if (m.otherData > 0) return "a data segment whose offset is not i32.const";
  if (m.hasMemory && m.memoryPages.min * 65536 > SimMachine.maxMemoryBytes) {
    return `a ${m.memoryPages.min}-page memory (the emulated SRAM holds ${SimMachine.maxMemoryBytes} bytes)`;
  }
  return undefined;
}

/** V8 says "expected magic word", "section was shorter", ... for binary-format errors. */
export function malformed(e: unknown): boolean {
  const msg = String((e as Error).message);
  return /magic|version|section|length|expected \d+ bytes|extends past end|invalid (name|utf-8|local count|section)|LEB|unterminated|too (many|large)/i.test(msg);
}

export { TRAP };
