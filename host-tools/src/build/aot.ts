// `wasmcu build --engine aot`: an app's .wasm compiled ahead of time to Cortex-M0+ Thumb
// (host-tools/src/aot) and written as a .waot image beside it, which carries the .wasm inside
// (one artifact for deploy and OTA). A function the compiler refuses is a build error at the
// app's source line (the debug info build/debuginfo.ts keeps), never a silent interpreter
// fallback.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { CompileError, compileModule, type CompiledModule } from "../aot/compile.js";
import { ImageError, readImage, WAOT_MAGIC, writeImage, type WaotImage } from "../aot/image.js";
import { readModule, type Module } from "../aot/module.js";
import { ModuleError } from "../aot/reader.js";
import { BuildError, InputError, UsageError } from "../lib/errors.js";
import { displayPath } from "../lib/paths.js";
import { buildApp, type AppBuild } from "./app.js";
import { loadNatives } from "../sdk/natives.js";
import { findDebugInfo, sha256Hex, symbolize } from "./debuginfo.js";
import type { Diagnostic } from "./diagnostics.js";
import { formatDiagnostic } from "./diagnostics.js";

/** The engines an app can be built for: the runtime's interpreter (the .wasm as it is) or AOT code. */
export const ENGINES = ["interp", "aot"] as const;
export type Engine = (typeof ENGINES)[number];

export interface AotBuild {
  /** The .waot written beside the .wasm. */
  waot: string;
  bytes: number;
  /** The module's code section payload and the AOT functions' code (pools and trap sites included). */
  wasmCodeBytes: number;
  aotCodeBytes: number;
  /** Host time the compiler took (ms): a figure for the bench, not a check. */
  compileMs: number;
}

/** AOT code is ARMv6-M Thumb: only boards with a Cortex-M0+ (rp2040, rp2040-sim) run it. */
export function requireAotBoard(target: { name: string; board: { cpu: string } }): void {
  if (!target.board.cpu.includes("Cortex-M0+")) {
    throw new UsageError(`--engine aot: ${target.name} (${target.board.cpu}) does not run AOT code, which is Cortex-M0+ Thumb`,
      "use --board rp2040 or rp2040-sim, or --engine interp");
  }
}

/** The .waot of a built .wasm: same folder, same name. */
export function aotImageFile(wasm: string): string {
  return wasm.replace(/\.wasm$/, "") + ".waot";
}

/** The payload size of the module's code section (id 10), 0 when it has none. */
export function codeSectionBytes(bytes: Uint8Array): number {
  let p = 8;
  const leb = () => {
    let v = 0;
    for (let shift = 0; p < bytes.length; shift += 7) {
      const b = bytes[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
    return v;
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = leb();
    if (id === 10) return size;
    p += size;
  }
  return 0;
}

/** A function the compiler refuses, as a diagnostic at the app's source line where the debug info has it. */
function refusal(e: CompileError, bytes: Uint8Array, wasm: string): Diagnostic {
  const [frame] = symbolize(findDebugInfo(sha256Hex(bytes), wasm), [{ func: e.func, offset: e.offset }]);
  const fn = frame?.name ? `${frame.name} (wasm function ${e.func})` : `wasm function ${e.func}`;
  const reason = e.message.replace(/^function \d+, byte \d+: /, "");
  const message = `the AOT compiler cannot compile ${fn} at byte 0x${e.offset.toString(16)}: ${reason}`;
  return frame?.file !== undefined
    ? { severity: "error", message, file: frame.file, line: frame.line, column: frame.column, code: "WASMCU_AOT" }
    : { severity: "error", message, file: displayPath(wasm), code: "WASMCU_AOT" };
}

/** Compiles a module's bytes; a refusal or a module the compiler cannot read is a BuildError naming the function and offset. */
export function compileForAot(bytes: Uint8Array, wasm: string): { module: Module; compiled: CompiledModule; compileMs: number } {
  const t0 = performance.now();
  try {
    const module = readModule(bytes);
    const compiled = compileModule(module);
    return { module, compiled, compileMs: performance.now() - t0 };
  } catch (e) {
    if (e instanceof CompileError) {
      const d = refusal(e, bytes, wasm);
      throw new BuildError(`${displayPath(wasm)} cannot be compiled ahead of time`, formatDiagnostic(d),
        "build it for the interpreter (--engine interp), or change the code at that line", { diagnostics: [d] });
    }
    if (e instanceof ModuleError) throw new BuildError(`${displayPath(wasm)} cannot be compiled ahead of time: ${e.message}`);
    throw e;
  }
}

/** Replaced, never rewritten in place: a board another process starts may be reading it. */
function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Compiles the built `wasm` and writes its .waot beside it (a failed compile leaves no .waot behind). */
export function buildAppImage(wasm: string): AotBuild {
  const waot = aotImageFile(wasm);
  rmSync(waot, { force: true });
  const bytes = new Uint8Array(readFileSync(wasm));
  const { module, compiled, compileMs } = compileForAot(bytes, wasm);
  const image = writeImage(module, compiled);
  writeAtomically(waot, image);
  return { waot, bytes: image.length, wasmCodeBytes: codeSectionBytes(bytes), aotCodeBytes: compiled.functionBytes, compileMs };
}

/** Whether bytes start like a .waot image (its magic; the reader checks the rest). */
export function isAotImage(bytes: Uint8Array): boolean {
  return bytes.length >= WAOT_MAGIC.length && WAOT_MAGIC.every((b, i) => bytes[i] === b);
}

/** The module an app image runs: a .wasm's own bytes, or the one a valid .waot carries
 * (what debug info is keyed by); undefined for a .waot that does not pass the reader. */
export function appModule(bytes: Uint8Array): Uint8Array | undefined {
  if (!isAotImage(bytes)) return bytes;
  try {
    return readImage(bytes).module;
  } catch (e) {
    if (e instanceof ImageError) return undefined;
    throw e;
  }
}

/** A .waot read from `file`, checked whole by the image reader and its imports against the
 * natives the firmware provides (the device checks both again); a bad one is an InputError
 * saying what and where. Returns the embedded module too. */
export function checkAotImage(bytes: Uint8Array, file: string): { module: Uint8Array } {
  let image: WaotImage;
  try {
    image = readImage(bytes);
  } catch (e) {
    if (e instanceof ImageError) throw new InputError(`${file}: ${e.message}`, "rebuild it with `wasmcu build --engine aot`");
    throw e;
  }
  const natives = new Map(loadNatives().map((n) => [`${n.module}.${n.name}`, n]));
  for (const i of image.imports) {
    const n = natives.get(`${i.module}.${i.name}`);
    const sig = (p: readonly string[], r: readonly string[]) => `(${p.join(", ")}) -> (${r.join(", ")})`;
    if (!n || sig(n.wasmParams, n.wasmResults) !== sig(i.params, i.results)) {
      throw new InputError(`${file}: the app imports ${i.module}.${i.name} ${sig(i.params, i.results)}, which the firmware does not provide` +
        (n ? ` (it has ${sig(n.wasmParams, n.wasmResults)})` : ""), "see firmware/device/natives.def for the natives there are");
    }
  }
  return { module: image.module };
}

/** Builds an app (buildApp's `app`) and, for AOT, its .waot: `image` is the file the device's
 * app slot takes (the .wasm or the .waot). */
export async function buildAppFor(app: string | undefined, engine: Engine): Promise<AppBuild & { image: string }> {
  const build = await buildApp(app);
  return { ...build, image: engine === "aot" ? buildAppImage(build.wasm).waot : build.wasm };
}
