// The reference models in ../shared/reference-models as the nn tests and the nn bench read
// them: which models there are, and the README's input for a model without stored cases.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The model folders under `dir` that have a meta.json, sorted; none when `dir` is missing. */
export function referenceModels(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, "meta.json")))
    .map((e) => e.name)
    .sort();
}

/** The README's xorshift32 inputs: byte j = low byte of the state after step j+1. */
export function xorshiftBytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0;
  const out = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[j] = x & 255;
  }
  return out;
}

/** The README's input for a held-out model (xorshift32, seed 1), cut into one file per input
 * tensor as `<prefix>.in<i>.bin`: the files' paths, in input order. */
export function writeXorshiftInputs(prefix: string, inputs: readonly { bytes: number }[]): string[] {
  const bytes = xorshiftBytes(1, inputs.reduce((s, t) => s + t.bytes, 0));
  let off = 0;
  return inputs.map((t, i) => {
    const p = `${prefix}.in${i}.bin`;
    writeFileSync(p, bytes.subarray(off, off + t.bytes));
    off += t.bytes;
    return p;
  });
}
