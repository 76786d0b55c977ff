// Runs the host engine (wasmcu-nn) on model bytes built in a test.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hostBin } from "../../helpers/paths.js";

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  outputs: Buffer[];
}

/** Writes the model and inputs to a temp dir, runs `wasmcu-nn run`, reads the outputs back. */
export function runModel(model: Uint8Array, inputs: Uint8Array[], extra: string[] = []): RunResult {
  const dir = mkdtempSync(path.join(tmpdir(), "nn-"));
  try {
    const m = path.join(dir, "m.tflite");
    writeFileSync(m, model);
    const args = ["run", m];
    inputs.forEach((b, i) => {
      const p = path.join(dir, `in${i}.bin`);
      writeFileSync(p, b);
      args.push("--input", p);
    });
    args.push("--output-prefix", path.join(dir, "o"), ...extra);
    const r = spawnSync(hostBin("wasmcu-nn"), args, { encoding: "utf8" });
    const outputs: Buffer[] = [];
    if (r.status === 0) {
      for (let i = 0; ; i++) {
        try {
          outputs.push(readFileSync(path.join(dir, `o.out${i}.bin`)));
        } catch {
          break;
        }
      }
    }
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `wasmcu-nn info` on model bytes. */
export function infoModel(model: Uint8Array, json = true): { status: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "nn-"));
  try {
    const m = path.join(dir, "m.tflite");
    writeFileSync(m, model);
    const r = spawnSync(hostBin("wasmcu-nn"), ["info", m, ...(json ? ["--json"] : [])], { encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one int8 op model and returns the output as signed values. */
export function runInt8(model: Uint8Array, inputs: number[][]): number[] {
  const r = runModel(model, inputs.map((v) => new Uint8Array(Int8Array.from(v).buffer)));
  if (r.status !== 0) throw new Error(`wasmcu-nn failed: ${r.stderr}`);
  return Array.from(new Int8Array(r.outputs[0]!.buffer, r.outputs[0]!.byteOffset, r.outputs[0]!.length));
}
