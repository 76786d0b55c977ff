// Golden vectors shared by the host encoder and the device SDK: golden/<name>.json is the
// input (stream parameters, calibration, samples), golden/<name>.wqs the expected bytes.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeSamples, type StreamHeader } from "../../../../host-tools/src/stream/index.js";

export const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");

export interface GoldenInput {
  description: string;
  channels: { name: string; lo: number; hi: number }[];
  int8: boolean;
  zscore: boolean;
  timeExp: number;
  blockSamples: number;
  window: number;
  hop: number;
  /** [t, v0, v1, ...] per sample, values in sensor units. */
  samples: number[][];
}

export interface Golden {
  name: string;
  input: GoldenInput;
  wqs: Uint8Array;
}

export function headerOf(g: GoldenInput): StreamHeader {
  return {
    channels: g.channels, int8: g.int8, zscore: g.zscore, timeExp: g.timeExp,
    blockSamples: g.blockSamples, window: g.window, hop: g.hop,
  };
}

export function hostEncode(g: GoldenInput): Uint8Array {
  return encodeSamples(headerOf(g), g.samples.map((s) => ({ t: s[0]!, values: s.slice(1) })));
}

export function loadGoldens(): Golden[] {
  return readdirSync(goldenDir).filter((f) => f.endsWith(".json")).sort().map((f) => {
    const name = f.replace(/\.json$/, "");
    return {
      name,
      input: JSON.parse(readFileSync(path.join(goldenDir, f), "utf8")) as GoldenInput,
      wqs: new Uint8Array(readFileSync(path.join(goldenDir, `${name}.wqs`))),
    };
  });
}
