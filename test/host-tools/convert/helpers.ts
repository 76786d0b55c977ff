// Shared by the convert tests: build small TF.js models with seeded weights,
// save them as files, make seeded samples, run models on the C engine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeLayersArtifacts } from "../../../host-tools/src/convert/tfjs-save.js";
import { hostBin } from "../../helpers/paths.js";
import { rng } from "../../../host-tools/src/lib/rng.js";

export { tf };

let ready: Promise<void> | undefined;
/** Pure-JS CPU backend, quietly (tfjs prints a hint about tfjs-node otherwise). */
export function tfReady(): Promise<void> {
  ready ??= (async () => {
    tf.env().set("PROD", true); // no console hint about tfjs-node
    await tf.setBackend("cpu");
    await tf.ready();
  })();
  return ready;
}

export { rng } from "../../../host-tools/src/lib/rng.js";

/** Replaces every weight with seeded values in [-range, range] (BN variances positive). */
export function seedWeights(model: tf.LayersModel, seed: number, range = 0.5): void {
  const r = rng(seed);
  model.setWeights(model.weights.map((w) => {
    const shape = w.shape.map((d) => d ?? 1);
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, () => (w.name.includes("variance") ? 0.5 + r() : (2 * r() - 1) * range));
    return tf.tensor(v, shape);
  }));
}

export function samples(n: number, elements: number, seed: number, range = 1): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: elements }, () => (2 * r() - 1) * range));
}

const dirs: string[] = [];
process.on("exit", () => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A fresh temporary directory, removed when the test process exits. */
export function tmpDir(tag: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `wasmcu-convert-${tag}-`));
  dirs.push(d);
  return d;
}

/** Saves a model to DIR/model.json + DIR/weights.bin; returns the model.json path. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<string> {
  let file = "";
  await model.save(tf.io.withSaveHandler(async (a) => {
    file = writeLayersArtifacts(dir, a as Parameters<typeof writeLayersArtifacts>[1]);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  return file;
}

export function writeSamplesJson(file: string, s: Float32Array[], labels?: number[]): string {
  writeFileSync(file, JSON.stringify(labels ? { samples: s.map((x) => [...x]), labels } : s.map((x) => [...x])));
  return file;
}

/** Runs MODEL on the engine with N int8 frames; returns each frame's output 0 bytes. */
export function engineRun(model: string, inputs: Int8Array[], dir: string): Int8Array[] {
  const inFile = path.join(dir, "in.bin");
  writeFileSync(inFile, Buffer.concat(inputs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.length))));
  execFileSync(hostBin("wasmcu-nn"), ["run", model, "--input", inFile, "--output-prefix", path.join(dir, "p"), "--frames", String(inputs.length)], { stdio: "pipe" });
  const out = new Int8Array(Uint8Array.from(readFileSync(path.join(dir, "p.out0.bin"))).buffer);
  const n = out.length / inputs.length;
  return inputs.map((_, i) => out.slice(i * n, (i + 1) * n));
}
