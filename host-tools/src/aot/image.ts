// The `.waot` image: one file carrying a module's Thumb code, what the device's loader needs to
// run it in place (function table, imports to bind, trap map) and the `.wasm` module itself
// (the runtime instantiates memory, globals, data and element segments from it, as for the
// interpreter). The byte layout is specified in README.md ("The .waot image"); the device's
// reader is firmware/runtime/src/aot.c. Everything read here is untrusted: every field is
// checked and a bad one is an ImageError naming the field and its byte offset.
import { createHash } from "node:crypto";
import { InputError } from "../lib/errors.js";
import { ABI_VERSION, TRAP, type TrapKind } from "./abi.js";
import { compileModule, type CompiledModule, type TrapSite } from "./compile.js";
import { readModule, type Module, type ValType } from "./module.js";

/** "\0aot": a plain module starts "\0asm", so an app slot's first four bytes say which engine runs it. */
export const WAOT_MAGIC = Uint8Array.of(0x00, 0x61, 0x6f, 0x74);
export const WAOT_VERSION = 1;
/** ARMv6-M Thumb (the RP2040's Cortex-M0+). */
export const WAOT_TARGET_THUMBV6M = 1;
export const WAOT_HEADER_BYTES = 112;
export const WAOT_FUNC_BYTES = 8;
export const WAOT_TRAP_BYTES = 12;
/** The trap map packs a function index into 24 bits (the kind takes the top 8). */
const MAX_TRAP_FUNC = 0xffffff;

/** Header field offsets (all little-endian; section entries are {offset u32, size u32}). */
export const WAOT_FIELD = {
  magic: 0, version: 4, target: 6, abi: 8, length: 12, moduleSha256: 16, entry: 48,
  funcCount: 52, importCount: 56, trapCount: 60,
  funcs: 64, imports: 72, traps: 80, code: 88, module: 96, flags: 104, trapStub: 108,
} as const;
/** The sections in the order they must appear in the file, after the header. */
export const WAOT_SECTIONS = ["funcs", "imports", "traps", "code", "module"] as const;
export type WaotSection = (typeof WAOT_SECTIONS)[number];

/** A bad image: what and where (an input error at the CLI: exit status and code of InputError). */
export class ImageError extends InputError {
  constructor(message: string, readonly offset: number) {
    super(`.waot image: ${message} (at byte ${offset})`, "rebuild it with `wasmcu build --engine aot`");
  }
}

export interface WaotImport {
  module: string;
  name: string;
  params: ValType[];
  results: ValType[];
}

export interface WaotFunc {
  /** Offset of the function's first instruction in the code section. */
  codeOffset: number;
  /** The lowest type index with the function's signature (what call_indirect compares). */
  canonicalType: number;
}

export interface WaotImage {
  version: number;
  target: number;
  abi: number;
  moduleSha256: Uint8Array;
  entryOffset: number;
  /** The trap stub's offset in the code (the runtime points what it cannot call there). */
  trapStubOffset: number;
  funcs: WaotFunc[];
  imports: WaotImport[];
  traps: TrapSite[];
  code: Uint8Array;
  /** The embedded `.wasm`. */
  module: Uint8Array;
  /** Each section's place in the file. */
  sections: Record<WaotSection, { offset: number; size: number }>;
}

const VALTYPE_BYTE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, funcref: 0x70, externref: 0x6f };
const BYTE_VALTYPE = new Map(Object.entries(VALTYPE_BYTE).map(([k, v]) => [v, k as ValType]));
const TRAP_NAME = new Map<number, TrapKind>(Object.entries(TRAP).map(([k, v]) => [v, k as TrapKind]));

const align4 = (n: number) => (n + 3) & ~3;

/** Compiles `wasm` and wraps it in a `.waot` image (CompileError/ModuleError when refused). */
export function compileImage(wasm: Uint8Array): Uint8Array {
  const m = readModule(wasm);
  return writeImage(m, compileModule(m));
}

/** The image of module `m` (its bytes embedded) compiled as `compiled`. */
export function writeImage(m: Module, compiled: CompiledModule): Uint8Array {
  const funcs = m.bodies.map((_, k): WaotFunc => ({
    codeOffset: compiled.funcOffsets[m.importedFuncs + k] ?? -1,
    canonicalType: m.canonicalType[m.funcTypes[m.importedFuncs + k] ?? -1] ?? -1,
  }));
  const imports = m.imports.filter((i) => i.kind === "func").map((i): WaotImport => {
    const t = m.types[i.typeIndex ?? -1];
    if (!t) throw new Error(`import ${i.module}.${i.name} has no type`);
    return { module: i.module, name: i.name, params: t.params, results: t.results };
  });
  const importBytes = encodeImports(imports);
  const sizes: Record<WaotSection, number> = {
    funcs: WAOT_FUNC_BYTES * funcs.length, imports: importBytes.length, traps: WAOT_TRAP_BYTES * compiled.trapSites.length,
    code: compiled.code.length, module: m.bytes.length,
  };
  const sections = {} as WaotImage["sections"];
  let at = WAOT_HEADER_BYTES;
  for (const s of WAOT_SECTIONS) {
    sections[s] = { offset: at, size: sizes[s] };
    at = align4(at + sizes[s]);
  }
  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  out.set(WAOT_MAGIC, WAOT_FIELD.magic);
  view.setUint16(WAOT_FIELD.version, WAOT_VERSION, true);
  view.setUint16(WAOT_FIELD.target, WAOT_TARGET_THUMBV6M, true);
  view.setUint32(WAOT_FIELD.abi, ABI_VERSION, true);
  view.setUint32(WAOT_FIELD.length, out.length, true);
  out.set(createHash("sha256").update(m.bytes).digest(), WAOT_FIELD.moduleSha256);
  view.setUint32(WAOT_FIELD.entry, compiled.entryOffset, true);
  view.setUint32(WAOT_FIELD.trapStub, compiled.functionBytes, true);
  view.setUint32(WAOT_FIELD.funcCount, funcs.length, true);
  view.setUint32(WAOT_FIELD.importCount, imports.length, true);
  view.setUint32(WAOT_FIELD.trapCount, compiled.trapSites.length, true);
  for (const s of WAOT_SECTIONS) {
    view.setUint32(WAOT_FIELD[s], sections[s].offset, true);
    view.setUint32(WAOT_FIELD[s] + 4, sections[s].size, true);
  }
  funcs.forEach((f, k) => {
    view.setUint32(sections.funcs.offset + WAOT_FUNC_BYTES * k, f.codeOffset, true);
    view.setUint32(sections.funcs.offset + WAOT_FUNC_BYTES * k + 4, f.canonicalType, true);
  });
  out.set(importBytes, sections.imports.offset);
  const traps = [...compiled.trapSites].sort((a, b) => a.returnOffset - b.returnOffset);
  traps.forEach((t, k) => {
    if (t.func > MAX_TRAP_FUNC) throw new Error(`function ${t.func}: too many functions for the trap map`);
    const e = sections.traps.offset + WAOT_TRAP_BYTES * k;
    view.setUint32(e, t.returnOffset, true);
    view.setUint32(e + 4, t.wasmOffset, true);
    view.setUint32(e + 8, (t.func | (TRAP[t.kind] << 24)) >>> 0, true);
  });
  out.set(compiled.code, sections.code.offset);
  out.set(m.bytes, sections.module.offset);
  // what the device will refuse, refused here first
  readImage(out);
  return out;
}

/** Each import: u16 module length, u16 name length, u8 params, u8 results, u16 0, the module
 * and name bytes (UTF-8), the param and result value-type bytes, zeros to a multiple of 4. */
function encodeImports(imports: WaotImport[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = imports.map((i) => {
    const mod = enc.encode(i.module);
    const name = enc.encode(i.name);
    if (mod.length > 0xffff || name.length > 0xffff || i.params.length > 0xff || i.results.length > 0xff) {
      throw new Error(`import ${i.module}.${i.name}: a name or signature too long for the image`);
    }
    const bytes = new Uint8Array(align4(8 + mod.length + name.length + i.params.length + i.results.length));
    const v = new DataView(bytes.buffer);
    v.setUint16(0, mod.length, true);
    v.setUint16(2, name.length, true);
    bytes[4] = i.params.length;
    bytes[5] = i.results.length;
    bytes.set(mod, 8);
    bytes.set(name, 8 + mod.length);
    bytes.set([...i.params, ...i.results].map((t) => VALTYPE_BYTE[t]), 8 + mod.length + name.length);
    return bytes;
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads and checks an image: the header, every section's place, every entry, the module's
 * SHA-256, and that the function table and imports agree with the embedded module. */
export function readImage(bytes: Uint8Array): WaotImage {
  if (bytes.length < WAOT_HEADER_BYTES) throw new ImageError(`truncated: ${bytes.length} bytes, the header alone is ${WAOT_HEADER_BYTES}`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  if (!WAOT_MAGIC.every((b, i) => bytes[i] === b)) throw new ImageError("not a .waot image (bad magic)", 0);
  const version = view.getUint16(WAOT_FIELD.version, true);
  if (version !== WAOT_VERSION) throw new ImageError(`format version ${version}, this reader knows ${WAOT_VERSION}`, WAOT_FIELD.version);
  const target = view.getUint16(WAOT_FIELD.target, true);
  if (target !== WAOT_TARGET_THUMBV6M) throw new ImageError(`target ${target}, expected ${WAOT_TARGET_THUMBV6M} (thumbv6m)`, WAOT_FIELD.target);
  const abi = u32(WAOT_FIELD.abi);
  if (abi !== ABI_VERSION) throw new ImageError(`ABI version ${abi}, this runtime has ${ABI_VERSION}`, WAOT_FIELD.abi);
  if (u32(WAOT_FIELD.length) !== bytes.length) {
    throw new ImageError(`${bytes.length} bytes, the header says ${u32(WAOT_FIELD.length)} (truncated or padded)`, WAOT_FIELD.length);
  }
  if (u32(WAOT_FIELD.flags) !== 0) throw new ImageError("unknown flags", WAOT_FIELD.flags);
  const sections = {} as WaotImage["sections"];
  let floor = WAOT_HEADER_BYTES;
  for (const s of WAOT_SECTIONS) {
    const offset = u32(WAOT_FIELD[s]);
    const size = u32(WAOT_FIELD[s] + 4);
    if (offset % 4 !== 0 || offset < floor || offset > bytes.length || size > bytes.length - offset) {
      throw new ImageError(`${s} section [${offset}, +${size}) out of range or out of order`, WAOT_FIELD[s]);
    }
    sections[s] = { offset, size };
    floor = offset + size;
  }
  const funcCount = u32(WAOT_FIELD.funcCount);
  const trapCount = u32(WAOT_FIELD.trapCount);
  if (sections.funcs.size !== WAOT_FUNC_BYTES * funcCount) throw new ImageError(`function table of ${sections.funcs.size} bytes for ${funcCount} functions`, WAOT_FIELD.funcs);
  if (sections.traps.size !== WAOT_TRAP_BYTES * trapCount) throw new ImageError(`trap map of ${sections.traps.size} bytes for ${trapCount} sites`, WAOT_FIELD.traps);
  const code = bytes.subarray(sections.code.offset, sections.code.offset + sections.code.size);
  const module = bytes.subarray(sections.module.offset, sections.module.offset + sections.module.size);
  const entryOffset = u32(WAOT_FIELD.entry);
  if (entryOffset % 2 !== 0 || entryOffset >= code.length) throw new ImageError(`entry offset ${entryOffset} outside the code`, WAOT_FIELD.entry);
  const trapStubOffset = u32(WAOT_FIELD.trapStub);
  if (trapStubOffset % 2 !== 0 || trapStubOffset >= code.length) throw new ImageError(`trap stub offset ${trapStubOffset} outside the code`, WAOT_FIELD.trapStub);
  const moduleSha256 = bytes.slice(WAOT_FIELD.moduleSha256, WAOT_FIELD.moduleSha256 + 32);
  if (!createHash("sha256").update(module).digest().equals(moduleSha256)) throw new ImageError("the embedded module does not match its SHA-256", WAOT_FIELD.moduleSha256);
  const funcs = Array.from({ length: funcCount }, (_, k): WaotFunc => {
    const at = sections.funcs.offset + WAOT_FUNC_BYTES * k;
    const f = { codeOffset: u32(at), canonicalType: u32(at + 4) };
    if (f.codeOffset % 2 !== 0 || f.codeOffset >= code.length) throw new ImageError(`function ${k}'s code offset ${f.codeOffset} outside the code`, at);
    return f;
  });
  const imports = decodeImports(bytes, sections.imports, u32(WAOT_FIELD.importCount));
  const traps = decodeTraps(view, sections.traps.offset, trapCount, code.length);
  checkAgainstModule(module, sections.module.offset, funcs, imports, sections);
  return { version, target, abi, moduleSha256, entryOffset, trapStubOffset, funcs, imports, traps, code, module, sections };
}

function decodeImports(bytes: Uint8Array, at: { offset: number; size: number }, count: number): WaotImport[] {
  const dec = new TextDecoder("utf-8", { fatal: true });
  const end = at.offset + at.size;
  const out: WaotImport[] = [];
  let p = at.offset;
  for (let k = 0; k < count; k++) {
    if (end - p < 8) throw new ImageError(`import ${k} past the end of the imports section`, p);
    const v = new DataView(bytes.buffer, bytes.byteOffset + p, 8);
    const [modLen, nameLen, np, nr] = [v.getUint16(0, true), v.getUint16(2, true), bytes[p + 4] ?? 0, bytes[p + 5] ?? 0];
    const size = align4(8 + modLen + nameLen + np + nr);
    if (size > end - p) throw new ImageError(`import ${k} past the end of the imports section`, p);
    const text = (from: number, n: number) => {
      try {
        return dec.decode(bytes.subarray(from, from + n));
      } catch {
        throw new ImageError(`import ${k}: a name is not UTF-8`, from);
      }
    };
    const types = [...bytes.subarray(p + 8 + modLen + nameLen, p + 8 + modLen + nameLen + np + nr)].map((b) => {
      const t = BYTE_VALTYPE.get(b);
      if (!t) throw new ImageError(`import ${k}: value type 0x${b.toString(16)}`, p);
      return t;
    });
    out.push({ module: text(p + 8, modLen), name: text(p + 8 + modLen, nameLen), params: types.slice(0, np), results: types.slice(np) });
    p += size;
  }
  if (p !== end) throw new ImageError(`${end - p} bytes after the last import`, p);
  return out;
}

function decodeTraps(view: DataView, at: number, count: number, codeBytes: number): TrapSite[] {
  const out: TrapSite[] = [];
  for (let k = 0; k < count; k++) {
    const e = at + WAOT_TRAP_BYTES * k;
    const returnOffset = view.getUint32(e, true);
    const funcKind = view.getUint32(e + 8, true);
    const kind = TRAP_NAME.get(funcKind >>> 24);
    if (!kind) throw new ImageError(`trap site ${k}: kind ${funcKind >>> 24}`, e + 8);
    if (returnOffset > codeBytes || (k > 0 && returnOffset <= (out[k - 1]?.returnOffset ?? 0))) {
      throw new ImageError(`trap site ${k}: return offset ${returnOffset} outside the code or out of order`, e);
    }
    out.push({ returnOffset, wasmOffset: view.getUint32(e + 4, true), func: funcKind & MAX_TRAP_FUNC, kind });
  }
  return out;
}

/** The function table and the imports must be the embedded module's (the code was compiled from it). */
function checkAgainstModule(module: Uint8Array, at: number, funcs: WaotFunc[], imports: WaotImport[], sections: WaotImage["sections"]): void {
  let m: Module;
  try {
    m = readModule(module);
  } catch (e) {
    throw new ImageError(`the embedded module: ${(e as Error).message}`, at);
  }
  if (m.bodies.length !== funcs.length) throw new ImageError(`${funcs.length} functions for a module that defines ${m.bodies.length}`, WAOT_FIELD.funcCount);
  funcs.forEach((f, k) => {
    const want = m.canonicalType[m.funcTypes[m.importedFuncs + k] ?? -1];
    if (f.canonicalType !== want) throw new ImageError(`function ${k}'s type id ${f.canonicalType}, the module says ${want}`, sections.funcs.offset + WAOT_FUNC_BYTES * k + 4);
  });
  const want = m.imports.filter((i) => i.kind === "func");
  if (want.length !== imports.length) throw new ImageError(`${imports.length} imports for a module that imports ${want.length} functions`, WAOT_FIELD.importCount);
  want.forEach((w, k) => {
    const got = imports[k] as WaotImport;
    const t = m.types[w.typeIndex ?? -1];
    const same = got.module === w.module && got.name === w.name && t !== undefined && got.params.join() === t.params.join() && got.results.join() === t.results.join();
    if (!same) throw new ImageError(`import ${k} (${got.module}.${got.name}) differs from the module's`, sections.imports.offset);
  });
}
