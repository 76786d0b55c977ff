// Writes a TF.js Layers model's save artifacts as files (model.json + one
// weight shard): the shape of `tf.io.ModelArtifacts`, without depending on
// TensorFlow.js. Use with `model.save(tf.io.withSaveHandler(...))` in Node,
// where the browser/`file://` handlers of @tensorflow/tfjs are unavailable.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface LayersArtifacts {
  modelTopology?: unknown;
  weightSpecs?: { name: string; shape: number[]; dtype: string }[];
  weightData?: ArrayBuffer | ArrayBuffer[];
}

/** Writes DIR/model.json and DIR/<shard>; returns the model.json path. */
export function writeLayersArtifacts(dir: string, a: LayersArtifacts, shard = "weights.bin"): string {
  mkdirSync(dir, { recursive: true });
  const parts = a.weightData === undefined ? [] : Array.isArray(a.weightData) ? a.weightData : [a.weightData];
  writeFileSync(path.join(dir, shard), Buffer.concat(parts.map((p) => Buffer.from(p))));
  const json = {
    format: "layers-model",
    generatedBy: "wasmcu",
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [`./${shard}`], weights: a.weightSpecs ?? [] }],
  };
  const file = path.join(dir, "model.json");
  writeFileSync(file, `${JSON.stringify(json)}\n`);
  return file;
}
