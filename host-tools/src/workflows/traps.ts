// A trap as a person reads it: what trapped, then where in the app's own source, innermost
// first (`trap: integer divide by zero` / `    at loop (src/main.ts:17:13)`), using the app's
// debug info kept on the host (build/debuginfo.ts) when there is one for the running module.
import { appModule } from "../build/aot.js";
import { findDebugInfo, sha256Hex, symbolize, type DebugInfo, type SourceFrame } from "../build/debuginfo.js";
import { EXIT } from "../lib/exit-codes.js";
import type { TrapContext, TrapFrame } from "../link/messages.js";

/** The exit status of `run` and `deploy` when the app trapped: the job failed. */
export const EXIT_APP_TRAPPED = EXIT.FAILED;

/** A TRAP frame's content with each frame's function name and source position where known. */
export interface SourceTrap {
  kind: "trap";
  context: TrapContext;
  depth: number;
  message: string;
  frames: SourceFrame[];
}

/** The debug info of an app image, from its bytes (a .wasm, or the module a .waot carries),
 * beside `file` if given, else from the per-user cache. */
export function debugInfoFor(bytes: Uint8Array, file?: string): DebugInfo | undefined {
  const module = appModule(bytes);
  return module ? findDebugInfo(sha256Hex(module), file) : undefined;
}

export function sourceTrap(
  e: { context: TrapContext; depth: number; message: string; frames: readonly TrapFrame[] },
  info: DebugInfo | undefined,
): SourceTrap {
  return { kind: "trap", context: e.context, depth: e.depth, message: e.message, frames: symbolize(info, e.frames) };
}

function where(f: TrapFrame & Partial<SourceFrame>): string {
  const fn = f.name ?? `function ${f.func}`;
  const inlined = f.inlinedInto ? `, inlined into ${f.inlinedInto}` : "";
  if (f.file !== undefined && f.line !== undefined) return `${fn} (${f.file}:${f.line}:${f.column ?? 1})${inlined}`;
  return `${fn} (wasm function ${f.func}, offset 0x${f.offset.toString(16)})`;
}

/**
 * The lines of a trap. The runtime's "in function N at offset 0x..." leaves the first line
 * when frames follow; standard-library frames at the top (an `abort` in ~lib/staticarray.ts)
 * are left out for the first frame in code of the app's own (`--json` keeps them all).
 */
export function describeTrap(t: { message: string; depth: number; frames: readonly (TrapFrame & Partial<SourceFrame>)[] }): string {
  const message = t.frames.length ? t.message.replace(/ in function \d+ at offset 0x[0-9a-f]+/, "") : t.message;
  const lines = [`trap: ${message}`];
  let first = t.frames.findIndex((f) => !f.library);
  if (first < 0) first = 0;
  for (const f of t.frames.slice(first)) lines.push(`    at ${where(f)}`);
  const more = t.depth - t.frames.length;
  if (more > 0) lines.push(`    ... ${more} more frame${more === 1 ? "" : "s"}`);
  return lines.join("\n");
}

/** The slot header before a development image's payload (firmware/device/src/slots.h). */
const SLOT_HEADER_BYTES = 32;

/**
 * The debug info of the app a device runs, for a session that did not build it (`monitor`,
 * `--port`): reads the development image back over the link and looks its SHA-256 up in the
 * cache. Undefined for a signed image, no app, or no debug info on this machine.
 */
export async function deviceAppDebugInfo(
  link: { info(): Promise<Record<string, unknown>>; read(offset: number, length: number): Promise<Uint8Array> },
): Promise<DebugInfo | undefined> {
  const hello = await link.info();
  const app = hello.app as { slot?: string; bytes?: number; signed?: boolean } | null | undefined;
  const layout = hello.layout as { name: string; offset: number; size: number }[] | undefined;
  const region = layout?.find((r) => r.name === app?.slot);
  if (!app || app.signed || !region || typeof app.bytes !== "number" || app.bytes + SLOT_HEADER_BYTES > region.size) return undefined;
  return debugInfoFor(await link.read(region.offset + SLOT_HEADER_BYTES, app.bytes));
}
