// Sample sets for calibration and evaluation. Two formats:
//  - JSON: an array of samples, or {"samples": [...], "labels": [...]}; each
//    sample is a (possibly nested) array of numbers, flattened in row-major
//    order to the model input's element count (e.g. [64][3] for a [64, 3]
//    input). labels (optional, integer class per sample) enable accuracy.
//  - raw float32 (.f32 / .bin): little-endian float32 values, samples back to
//    back; the sample count is the file size / (4 x input elements).
//  - .wqs sensor streams written with windows (`wasmcu quantize --window W`):
//    each window of W samples x C channels is one sample, dequantized with the
//    stream's calibration (lo + code x (hi - lo) / 255), sample-major like a
//    [W, C] input. Damaged blocks are an error (calibration data must be whole).
import { existsSync, readFileSync, statSync } from "node:fs";
import { InputError } from "../lib/errors.js";
import { decodeWqs } from "../stream/decoder.js";

export interface SampleSet {
  file: string;
  samples: Float32Array[];
  labels?: number[];
}

function flatten(v: unknown, out: number[], where: string): void {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new InputError(`${where}: value ${v} is not finite`);
    out.push(v);
  } else if (Array.isArray(v)) for (const x of v) flatten(x, out, where);
  else throw new InputError(`${where}: expected numbers or arrays of numbers, found ${JSON.stringify(v)?.slice(0, 40)}`);
}

/** Reads a sample set for a model input of `elements` values. */
export function readSamples(file: string, elements: number): SampleSet {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`sample file ${file} does not exist`);
  const bytes = readFileSync(file);
  if (/\.wqs$/i.test(file)) return readWqs(file, bytes, elements);
  if (/\.(f32|bin|raw)$/i.test(file)) {
    if (bytes.length % (4 * elements) !== 0) {
      throw new InputError(`${file}: ${bytes.length} bytes is not a whole number of float32 samples of ${elements} values (${4 * elements} bytes each)`);
    }
    const samples: Float32Array[] = [];
    for (let off = 0; off < bytes.length; off += 4 * elements) {
      const s = new Float32Array(elements);
      for (let i = 0; i < elements; i++) s[i] = bytes.readFloatLE(off + 4 * i);
      samples.push(s);
    }
    return { file, samples };
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`, "sample files are JSON (an array of samples) or raw float32 (.f32)");
  }
  const obj = !Array.isArray(json) && typeof json === "object" && json !== null ? (json as Record<string, unknown>) : undefined;
  const list = obj ? obj.samples : json;
  if (!Array.isArray(list)) throw new InputError(`${file}: expected an array of samples or {"samples": [...]}`);
  const samples = list.map((s, i) => {
    const flat: number[] = [];
    flatten(s, flat, `${file}: sample ${i}`);
    if (flat.length !== elements) throw new InputError(`${file}: sample ${i} has ${flat.length} values, the model input has ${elements}`);
    return Float32Array.from(flat);
  });
  let labels: number[] | undefined;
  if (obj && obj.labels !== undefined) {
    const l = obj.labels;
    if (!Array.isArray(l) || l.length !== samples.length || !l.every((x) => Number.isInteger(x) && x >= 0)) {
      throw new InputError(`${file}: "labels" must hold one non-negative integer class per sample (${samples.length})`);
    }
    labels = l as number[];
  }
  return { file, samples, labels };
}

function readWqs(file: string, bytes: Uint8Array, elements: number): SampleSet {
  const { header, blocks, damage, lost, dropped } = decodeWqs(bytes);
  if (damage.length || lost.length || dropped.length) {
    throw new InputError(`${file}: ${damage.length} damaged block(s)${damage[0] ? ` (first at byte ${damage[0].offset}: ${damage[0].reason})` : ""}, ${lost.length} gap(s) in the block sequence, ${dropped.length} replayed or out-of-order block(s)`);
  }
  const C = header.channels.length;
  if (header.window === 0) {
    throw new InputError(`${file}: the stream is not windowed`, "write it with `wasmcu quantize --window N` so each window is one model input");
  }
  if (header.window * C !== elements) {
    throw new InputError(`${file}: windows of ${header.window} samples x ${C} channels are ${header.window * C} values, the model input has ${elements}`);
  }
  const samples: Float32Array[] = [];
  for (const b of blocks) {
    if (b.n !== header.window) continue; // a short final block is not a whole window
    const s = new Float32Array(elements);
    for (let i = 0; i < b.n; i++) {
      for (let c = 0; c < C; c++) {
        const ch = header.channels[c]!;
        const u = header.int8 ? b.q[i * C + c]! + 128 : b.q[i * C + c]!;
        s[i * C + c] = ch.lo + u * ((ch.hi - ch.lo) / 255);
      }
    }
    samples.push(s);
  }
  return { file, samples };
}
