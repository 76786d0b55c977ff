// The parts of a WebAssembly module the build checks read: function types, imports and
// exports (a module asc just wrote; still bounds-checked, a bad one is an InputError).
import { InputError } from "../lib/errors.js";
import type { WasmValType } from "../sdk/natives.js";

export interface FuncType {
  params: WasmValType[];
  results: WasmValType[];
}

export type ExternKind = "func" | "table" | "memory" | "global" | "tag";

export interface WasmImport {
  module: string;
  name: string;
  kind: ExternKind;
  /** For function imports. */
  type?: FuncType;
}

export interface WasmExport {
  name: string;
  kind: ExternKind;
  /** For function exports. */
  type?: FuncType;
}

export interface WasmInfo {
  imports: WasmImport[];
  exports: WasmExport[];
}

const VALTYPE: Record<number, WasmValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64" };
const KIND: ExternKind[] = ["func", "table", "memory", "global", "tag"];

export function readWasmInfo(bytes: Uint8Array, file = "module"): WasmInfo {
  let p = 8;
  const fail = (what: string): never => {
    throw new InputError(`${file}: not a WebAssembly module this build can read (${what} at byte ${p})`);
  };
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) fail("no \\0asm header");
  const byte = () => (p < bytes.length ? bytes[p++]! : fail("unexpected end"));
  const u32 = () => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
    return fail("bad LEB128");
  };
  const name = () => {
    const n = u32();
    if (p + n > bytes.length) fail("name past the end");
    const s = Buffer.from(bytes.subarray(p, p + n)).toString("utf8");
    p += n;
    return s;
  };
  const valtype = (): WasmValType => VALTYPE[byte()] ?? fail("unsupported value type");
  const limits = () => {
    const flags = byte();
    u32();
    if (flags & 1) u32();
  };
  const types: FuncType[] = [];
  const imports: WasmImport[] = [];
  const funcTypes: (FuncType | undefined)[] = [];
  const exports: WasmExport[] = [];
  while (p < bytes.length) {
    const id = byte();
    const size = u32();
    const end = p + size;
    if (end > bytes.length) fail("section past the end");
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (byte() !== 0x60) fail("type is not a function type");
        const params = Array.from({ length: u32() }, valtype);
        const results = Array.from({ length: u32() }, valtype);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = KIND[byte()] ?? fail("unknown import kind");
        if (kind === "func") {
          const type = types[u32()];
          funcTypes.push(type);
          imports.push({ module, name: field, kind, ...(type ? { type } : {}) });
        } else {
          if (kind === "table") byte(), limits();
          else if (kind === "memory") limits();
          else if (kind === "global") byte(), byte();
          else byte(), u32();
          imports.push({ module, name: field, kind });
        }
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(types[u32()]);
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = KIND[byte()] ?? fail("unknown export kind");
        const index = u32();
        const type = kind === "func" ? funcTypes[index] : undefined;
        exports.push({ name: field, kind, ...(type ? { type } : {}) });
      }
    }
    p = end;
  }
  return { imports, exports };
}
