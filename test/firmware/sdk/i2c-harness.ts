// Runs SDK drivers under Node's WebAssembly with their two I2C natives wired to device
// models (host-tools/src/sim): compiled from firmware/sdk sources with a test's harness, and
// a bus that acts as the boards' does (a write without stop makes the next transfer a
// repeated start; a NACK ends the transfer; nothing answers at other addresses).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { I2cDevice } from "../../../host-tools/src/sim/i2c.js";
import { repoRoot } from "../../helpers/paths.js";

export const HAL_ERR_NACK = 4;

/** Compiles `harness` (as harness.ts) beside these firmware/sdk files. */
export async function compileSdk(harness: string, sdkFiles: string[]): Promise<Uint8Array> {
  const asc = (await import("assemblyscript/asc")).default;
  const sources: Record<string, string> = { "harness.ts": harness };
  for (const f of sdkFiles) sources[f] = readFileSync(path.join(repoRoot, "firmware/sdk", f), "utf8");
  const r = await asc.compileString(sources, { runtime: "incremental", optimizeLevel: 1 });
  assert.ok(r.binary, `asc failed:\n${r.stderr.toString()}`);
  return r.binary;
}

/**
 * Instantiates `wasm` with `dev` at `address`; returns its exports. Each write transfer is
 * logged in `log` when given, as "w ADDR BYTES" (hex) plus " (no stop)".
 */
export async function onI2cBus<T>(wasm: Uint8Array, address: number, dev: I2cDevice, log?: string[]): Promise<T> {
  let memory: WebAssembly.Memory | undefined;
  let held = false;
  const bytes = (ptr: number, len: number) => new Uint8Array(memory!.buffer, ptr, len);
  const nack = () => {
    held = false;
    dev.stop?.();
    return -HAL_ERR_NACK;
  };
  const imports = {
    wasmcu: {
      i2c_write(addr: number, ptr: number, len: number, stop: number): number {
        log?.push(`w ${addr.toString(16)} ${[...bytes(ptr, len)].map((b) => b.toString(16)).join(" ")}${stop ? "" : " (no stop)"}`);
        if (addr !== address || dev.start?.(false, held) === false) return -HAL_ERR_NACK;
        for (const b of bytes(ptr, len)) if (!dev.write(b)) return nack();
        held = !stop;
        if (stop) dev.stop?.();
        return 0;
      },
      i2c_read(addr: number, ptr: number, len: number): number {
        if (addr !== address || dev.start?.(true, held) === false) return -HAL_ERR_NACK;
        const out = bytes(ptr, len);
        for (let i = 0; i < len; i++) out[i] = dev.read(i + 1 < len);
        held = false;
        dev.stop?.();
        return 0;
      },
    },
    env: { abort() { throw new Error("abort"); } },
  };
  const inst = (await WebAssembly.instantiate(wasm, imports)) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
  memory = inst.instance.exports.memory as WebAssembly.Memory;
  return inst.instance.exports as unknown as T;
}
