// The parts of a module the compiler and the AOT runner need (the spec's binary format,
// chapter 5.5): types, imports, defined functions, globals with their initialisers, memory and
// table limits and types, every data and element segment (each constant expression as a
// ConstExpr), exports, the start function, and each body's locals and code range.
import { Reader } from "./reader.js";

/** A constant expression (WebAssembly 2.0 has one instruction in each): a number's bits (a
 * bigint for i64 and f64), a global's value, a function reference or null. */
export type ConstExpr = { value: number | bigint } | { global: number } | { func: number } | { null: true };

export interface ElemSegment {
  mode: "active" | "passive" | "declarative";
  /** The table an active segment initialises. */
  table: number;
  /** An active segment's offset: an i32 value or a global. */
  offset: ConstExpr;
  /** Each entry: a function, null, or a global's reference. */
  items: ConstExpr[];
}

export type ValType = "i32" | "i64" | "f32" | "f64" | "funcref" | "externref";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Import {
  module: string;
  name: string;
  kind: "func" | "table" | "memory" | "global";
  /** Function imports: the type index. */
  typeIndex?: number;
  /** Global imports. */
  global?: GlobalType;
  /** Table imports. */
  table?: { min: number; max: number | undefined; elem: ValType };
  /** Memory imports. */
  memory?: { min: number; max: number | undefined };
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
  /** A defined global's constant initial value (bits; a bigint for i64 and f64); other initialisers are the runtime's. */
  init?: number | bigint;
  /** A defined global initialised by `global.get` of this (imported) global. */
  initFrom?: number;
  /** A defined global's initialiser, whatever it is. */
  initExpr?: ConstExpr;
}

export interface Body {
  /** Locals after the parameters, one entry per local. */
  locals: ValType[];
  /** The expression's bytes [start, end) in the module, ending with `end` (0x0b). */
  start: number;
  end: number;
}

export interface Module {
  bytes: Uint8Array;
  types: FuncType[];
  /** Type index of every function, imports first (the function index space). */
  funcTypes: number[];
  importedFuncs: number;
  imports: Import[];
  /** Global index space, imports first. */
  globals: GlobalType[];
  hasMemory: boolean;
  /** Initial and maximum pages of the memory (defined or imported). */
  memoryPages: { min: number; max: number | undefined };
  /** Active data segments with a constant offset (what a runner without the runtime applies). */
  data: { offset: number; bytes: Uint8Array }[];
  /** Every data segment's bytes, by index, and whether it is active (memory.init reads them),
   * with an active one's offset. */
  dataSegments: { bytes: Uint8Array; active: boolean; offset?: ConstExpr }[];
  /** Active data segments whose offset is not an `i32.const` (left to the runtime). */
  otherData: number;
  /** Every element segment, in every binary form. */
  elems: ElemSegment[];
  /** Each table's limits, imports first. */
  tableLimits: { min: number; max: number | undefined }[];
  /** Each table's element type, imports first. */
  tableTypes: ValType[];
  tables: number;
  exports: { name: string; kind: number; index: number }[];
  /** The start function, which instantiation runs. */
  start: number | undefined;
  bodies: Body[];
  /** For each type index, the lowest index with the same signature (call_indirect compares these). */
  canonicalType: number[];
}

const VALTYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x70: "funcref", 0x6f: "externref" };
/** A function body may declare up to this many locals: the runtime's limit, so no frame size overflows. */
export const MAX_LOCALS = 50_000;

function valType(r: Reader): ValType {
  const b = r.u8();
  return VALTYPES[b] ?? r.fail(`value type 0x${b.toString(16)} not supported`);
}

function vec<T>(r: Reader, item: (r: Reader) => T): T[] {
  const n = r.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r));
  return out;
}

function funcType(r: Reader): FuncType {
  if (r.u8() !== 0x60) r.fail("function type must start with 0x60");
  return { params: vec(r, valType), results: vec(r, valType) };
}

function limits(r: Reader): { min: number; max: number | undefined } {
  const flags = r.u8();
  const min = r.u32();
  return { min, max: flags & 1 ? r.u32() : undefined };
}

function globalType(r: Reader): GlobalType {
  const type = valType(r);
  return { type, mutable: r.u8() === 1 };
}

function importEntry(r: Reader): Import {
  const module = r.name();
  const name = r.name();
  const kind = r.u8();
  if (kind === 0) return { module, name, kind: "func", typeIndex: r.u32() };
  if (kind === 1) {
    const elem = valType(r);
    return { module, name, kind: "table", table: { ...limits(r), elem } };
  }
  if (kind === 2) return { module, name, kind: "memory", memory: limits(r) };
  if (kind === 3) return { module, name, kind: "global", global: globalType(r) };
  return r.fail(`import kind ${kind}`);
}

function body(r: Reader): Body {
  const size = r.u32();
  const end = r.pos + size;
  if (end > r.end) r.fail("function body past the end of its section");
  const locals: ValType[] = [];
  const groups = r.u32();
  for (let g = 0; g < groups; g++) {
    const n = r.u32();
    const type = valType(r);
    if (locals.length + n > MAX_LOCALS) r.fail(`more than ${MAX_LOCALS} locals`);
    for (let i = 0; i < n; i++) locals.push(type);
  }
  const start = r.pos;
  r.pos = end;
  return { locals, start, end };
}

export function readModule(bytes: Uint8Array): Module {
  const r = new Reader(bytes);
  const magic = r.bytesOf(8);
  if (magic.join(",") !== "0,97,115,109,1,0,0,0") r.fail("not a WebAssembly 1.0 binary");
  const m: Module = {
    bytes, types: [], funcTypes: [], importedFuncs: 0, imports: [], globals: [],
    hasMemory: false, memoryPages: { min: 0, max: 0 }, data: [], dataSegments: [], otherData: 0, elems: [], tableLimits: [], tableTypes: [], tables: 0, exports: [], start: undefined, bodies: [], canonicalType: [],
  };
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    const s = new Reader(bytes, r.pos, r.pos + size);
    if (s.end > bytes.length) r.fail(`section ${id} past the end`);
    readSection(m, id, s);
    r.pos = s.end;
  }
  if (m.bodies.length !== m.funcTypes.length - m.importedFuncs) r.fail("function and code sections disagree");
  m.canonicalType = m.types.map((t, i) => m.types.findIndex((u) => sameType(t, u)) ?? i);
  return m;
}

function readSection(m: Module, id: number, s: Reader): void {
  switch (id) {
    case 1: m.types = vec(s, funcType); break;
    case 2:
      m.imports = vec(s, importEntry);
      for (const imp of m.imports) {
        if (imp.kind === "func") m.funcTypes.push(imp.typeIndex ?? 0);
        if (imp.kind === "global" && imp.global) m.globals.push(imp.global);
        if (imp.memory) {
          m.hasMemory = true;
          m.memoryPages = imp.memory;
        }
        if (imp.kind === "table" && imp.table) {
          m.tables++;
          m.tableLimits.push({ min: imp.table.min, max: imp.table.max });
          m.tableTypes.push(imp.table.elem);
        }
      }
      m.importedFuncs = m.funcTypes.length;
      break;
    case 3: m.funcTypes.push(...vec(s, (r) => r.u32())); break;
    case 4: {
      const tables = vec(s, (r) => ({ elem: valType(r), ...limits(r) }));
      m.tables += tables.length;
      m.tableLimits.push(...tables.map((t) => ({ min: t.min, max: t.max })));
      m.tableTypes.push(...tables.map((t) => t.elem));
      break;
    }
    case 5: {
      const mems = vec(s, limits);
      if (mems[0]) {
        m.hasMemory = true;
        m.memoryPages = mems[0];
      }
      break;
    }
    case 6: m.globals.push(...vec(s, definedGlobal)); break;
    case 7: m.exports = vec(s, (r) => ({ name: r.name(), kind: r.u8(), index: r.u32() })); break;
    case 8: m.start = s.u32(); break;
    case 10: m.bodies = vec(s, body); break;
    case 9: m.elems = vec(s, elemSegment); break;
    case 11: {
      const segments = vec(s, dataSegment);
      m.dataSegments = segments.map((d) => ({ bytes: d.bytes, active: d.offset !== undefined, offset: d.offset }));
      m.data = segments.flatMap((d) => (d.offset && "value" in d.offset ? [{ offset: Number(d.offset.value), bytes: d.bytes }] : []));
      m.otherData = segments.filter((d) => d.offset && !("value" in d.offset)).length;
      break;
    }
    default: break; // custom, start, element, data, data count: the runtime's
  }
}

function definedGlobal(r: Reader): GlobalType {
  const g = globalType(r);
  const e = constExpr(r);
  const simple = "value" in e ? { init: e.value } : "global" in e ? { initFrom: e.global } : {};
  return { ...g, ...simple, initExpr: e };
}

/** One constant instruction and its `end`. */
function constExpr(r: Reader): ConstExpr {
  const op = r.u8();
  const e: ConstExpr = op === 0x41 ? { value: r.s32() >>> 0 } : op === 0x43 ? { value: r.f32bits() }
    : op === 0x42 ? { value: BigInt.asUintN(64, r.signed(64)) } : op === 0x44 ? { value: r.f64bits() }
    : op === 0x23 ? { global: r.u32() } : op === 0xd2 ? { func: r.u32() }
    : op === 0xd0 ? (r.u8(), { null: true }) : r.fail(`opcode 0x${op.toString(16)} in a constant expression`);
  if (r.u8() !== 0x0b) r.fail("a constant expression longer than one instruction");
  return e;
}

/** A data segment: an active one's offset (memory 0), undefined for a passive one. */
function dataSegment(r: Reader): { offset: ConstExpr | undefined; bytes: Uint8Array } {
  const mode = r.u32();
  if (mode === 1) return { offset: undefined, bytes: r.bytesOf(r.u32()) };
  if (mode === 2 && r.u32() !== 0) r.fail("a data segment for a memory other than 0");
  const offset = constExpr(r);
  return { offset, bytes: r.bytesOf(r.u32()) };
}

/** An element segment, any of the binary format's eight forms (flags bit 0: passive or
 * declarative, bit 1: explicit table index or declarative, bit 2: expressions, not indices). */
function elemSegment(r: Reader): ElemSegment {
  const flags = r.u32();
  if (flags > 7) r.fail(`element segment flags ${flags}`);
  const active = (flags & 1) === 0;
  const table = active && flags & 2 ? r.u32() : 0;
  const offset: ConstExpr = active ? constExpr(r) : { value: 0 };
  if (flags & 3) r.u8(); // elemkind or reference type
  const items = vec(r, (x): ConstExpr => ((flags & 4) === 0 ? { func: x.u32() } : constExpr(x)));
  const mode = active ? "active" : (flags & 2) ? "declarative" : "passive";
  return { mode, table, offset, items };
}

export function sameType(a: FuncType, b: FuncType): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}
