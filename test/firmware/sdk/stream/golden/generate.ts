// Regenerates the golden vectors (inputs and expected .wqs bytes). Run after a deliberate
// format change only:  node --import tsx test/firmware/sdk/stream/golden/generate.ts
// The .wqs files are what both implementations are checked against; review their diff.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { toF32Range } from "../../../../../host-tools/src/stream/index.js";
import { goldenDir, hostEncode, type GoldenInput } from "../golden.js";
import { rng } from "../../../../../host-tools/src/lib/rng.js";


const r = rng(7);
const round = (x: number, d = 4) => Number(x.toFixed(d));
const vectors: Record<string, GoldenInput> = {};

// Two channels, 10 ms period with one late sample and one gap, values that saturate both ways.
{
  const samples: number[][] = [];
  let t = 5000;
  for (let i = 0; i < 20; i++) {
    t += i === 7 ? 13 : i === 12 ? 30 : 10;
    const ax = round(Math.sin(i / 3) * 1.2 + (r() - 0.5) * 0.1);
    const ay = round(9.81 + (r() - 0.5) * 0.4);
    samples.push([t, ax, ay]);
  }
  samples[4]![1] = -2.5; // below lo
  samples[9]![2] = 11.5; // above hi
  vectors["basic-u8"] = {
    description: "uint8, 2 channels, 8-sample blocks (8+8+4), jittered 10 ms clock with a gap, saturation both ways",
    channels: [{ name: "ax", lo: -1.5, hi: 1.5 }, { name: "ay", lo: 9, hi: 10.75 }],
    int8: false, zscore: false, timeExp: -3, blockSamples: 8, window: 0, hop: 0, samples,
  };
}

// Three channels z-scored then int8, microsecond ticks.
{
  const samples: number[][] = [];
  for (let i = 0; i < 40; i++) {
    samples.push([1_000_000 + i * 2000, round(100 + 5 * Math.sin(i / 4) + r()), round(-3 + r() * 0.2), round(i < 20 ? 0.5 : 4.5 + r())]);
  }
  vectors["int8-zscore"] = {
    description: "int8 codes, running z-score on 3 channels, 16-sample blocks, 2 ms period in us ticks",
    channels: [{ name: "temp", lo: -3, hi: 3 }, { name: "bias", lo: -3, hi: 3 }, { name: "step", lo: -3, hi: 3 }],
    int8: true, zscore: true, timeExp: -6, blockSamples: 16, window: 0, hop: 0, samples,
  };
}

// Sliding windows: 8 samples, hop 4, one unnamed channel, negative timestamps.
{
  const samples: number[][] = [];
  for (let i = 0; i < 30; i++) samples.push([-150 + i * 5, round(Math.floor(i / 6) * 0.25 + r() * 0.02)]);
  vectors["window-8-4"] = {
    description: "uint8, windows of 8 samples with hop 4 (overlapping blocks), an unnamed channel, negative ticks",
    channels: [{ name: "", lo: -0.25, hi: 1.5 }],
    int8: false, zscore: false, timeExp: -3, blockSamples: 8, window: 8, hop: 4, samples,
  };
}

// Real data: the first 100 days of Debian's python3-vega-datasets seattle-weather.csv.
{
  const csv = readFileSync("/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv", "utf8").trim().split("\n").slice(1, 101);
  const samples = csv.map((l) => {
    const f = l.split(",");
    return [Date.parse(f[0]!.replace(/\//g, "-") + "T00:00:00Z"), Number(f[2]), Number(f[3])];
  });
  const range = (k: number) => toF32Range(Math.min(...samples.map((s) => s[k]!)), Math.max(...samples.map((s) => s[k]!)));
  vectors["seattle-100"] = {
    description: "real data: seattle-weather.csv days 1-100 (temp_max, temp_min), ms since 1970, ranges from the data (f32-widened)",
    channels: [{ name: "temp_max", ...range(1) }, { name: "temp_min", ...range(2) }],
    int8: false, zscore: false, timeExp: -3, blockSamples: 64, window: 0, hop: 0, samples,
  };
}

for (const [name, v] of Object.entries(vectors)) {
  writeFileSync(path.join(goldenDir, `${name}.json`), JSON.stringify(v, null, 1) + "\n");
  const bytes = hostEncode(v);
  writeFileSync(path.join(goldenDir, `${name}.wqs`), bytes);
  process.stdout.write(`${name}: ${v.samples.length} samples -> ${bytes.length} bytes\n`);
}
