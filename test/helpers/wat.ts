// WebAssembly text to binary with wabt's wat2wasm (Debian package wabt), for tests that write
// their modules inline.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function wat2wasm(text: string): Uint8Array<ArrayBuffer> {
  const dir = mkdtempSync(path.join(tmpdir(), "wasmcu-wat-"));
  try {
    writeFileSync(path.join(dir, "m.wat"), text);
    execFileSync("wat2wasm", [path.join(dir, "m.wat"), "-o", path.join(dir, "m.wasm")]);
    return new Uint8Array(readFileSync(path.join(dir, "m.wasm")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
