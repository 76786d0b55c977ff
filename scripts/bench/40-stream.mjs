#!/usr/bin/env node
// Sensor streams (.wqs, host-tools/src/stream/FORMAT.md): compression ratio, reconstruction
// error and host encode/decode throughput per dataset, on real series (Debian's
// python3-vega-datasets) and synthetic ones. Run: node --import tsx scripts/bench/40-stream.mjs
// (npm run bench runs it with tsx). Device cycles per sample are not measured here yet.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { rng } from "../../host-tools/src/lib/rng.ts";
import {
  ChannelQuantizer, decodeWqs, encodeSamples, quantizeFile, RangeTracker, StreamEncoder,
} from "../../host-tools/src/stream/index.ts";

function vegaFile(name) {
  const usual = path.join("/usr/lib/python3/dist-packages/vega_datasets/_data", name);
  if (existsSync(usual)) return usual;
  const hit = execFileSync("dpkg", ["-L", "python3-vega-datasets"], { encoding: "utf8" }).split("\n").find((l) => l.endsWith(`/${name}`));
  if (!hit) throw new Error(`python3-vega-datasets (scripts/apt-packages.txt) has no ${name}`);
  return hit;
}

function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

// ---------------------------------------------------------------- datasets
const utc = (s) => Date.parse(s.replace(/\//g, "-").replace(" ", "T") + (s.length <= 10 ? "T00:00:00Z" : "Z"));
function seattle() {
  const rows = readFileSync(vegaFile("seattle-weather.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  return { name: "seattle-weather (temp_max, temp_min; daily)", names: ["temp_max", "temp_min"], timeExp: -3,
    samples: rows.map((f) => ({ t: utc(f[0]), values: [Number(f[2]), Number(f[3])] })) };
}
function sftemps() {
  const rows = readFileSync(vegaFile("sf-temps.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  return { name: "sf-temps (temp; hourly)", names: ["temp"], timeExp: -3, samples: rows.map((f) => ({ t: utc(f[1]), values: [Number(f[0])] })) };
}
const N = 100_000;
function sineNoise() {
  const r = rng(1);
  return { name: "sine + noise (2 ch, 100 Hz)", names: ["a", "b"], timeExp: -6,
    samples: Array.from({ length: N }, (_, i) => ({ t: i * 10_000, values: [Math.sin(i / 50) + 0.02 * gauss(r), 0.5 * Math.cos(i / 80) + 0.02 * gauss(r)] })) };
}
function steps() {
  const r = rng(2);
  let a = 0, b = 0;
  return { name: "steps (2 ch, 100 Hz)", names: ["a", "b"], timeExp: -6,
    samples: Array.from({ length: N }, (_, i) => {
      if (i % 250 === 0) a = Math.round(r() * 10);
      if (i % 400 === 0) b = Math.round(r() * 4) * 25;
      return { t: i * 10_000, values: [a, b] };
    }) };
}
function spikes() {
  const r = rng(3);
  return { name: "spikes (2 ch, 100 Hz, 1% spikes)", names: ["a", "b"], timeExp: -6,
    samples: Array.from({ length: N }, (_, i) => ({ t: i * 10_000, values: [
      20 + Math.sin(i / 3000) + 0.05 * gauss(r) + (r() < 0.01 ? 8 * r() : 0),
      1 + 0.02 * gauss(r) - (r() < 0.01 ? 3 * r() : 0),
    ] })) };
}
function accel() {
  const r = rng(4);
  return { name: "accelerometer bursts (2 ch, 1 kHz, jittered clock)", names: ["ax", "ay"], timeExp: -6,
    samples: Array.from({ length: N }, (_, i) => {
      const burst = Math.floor(i / 2000) % 5 === 0; // 2 s of vibration every 10 s
      const amp = burst ? 1.5 : 0;
      return { t: i * 1000 + (r() < 0.05 ? Math.round(gauss(r) * 20) : 0), values: [
        amp * Math.sin(i / 3.1) + 0.01 * gauss(r), 1 + amp * 0.6 * Math.sin(i / 4.7 + 1) + 0.01 * gauss(r),
      ] };
    }) };
}

// ---------------------------------------------------------------- reference sizes
function rawRecords(ds) {
  const C = ds.names.length;
  const buf = Buffer.alloc(ds.samples.length * (8 + 4 * C));
  let p = 0;
  for (const s of ds.samples) {
    buf.writeBigInt64LE(BigInt(s.t), p); p += 8;
    for (let c = 0; c < C; c++) { buf.writeFloatLE(s.values[c], p); p += 4; }
  }
  return buf;
}

const clz32 = Math.clz32;
function ctz32(x) { return x === 0 ? 32 : 31 - clz32(x & -x); }
/** Bits Gorilla's scheme would use (delta-of-delta buckets; XOR of float32 values), counted, not encoded. */
function gorillaBits(ds) {
  const C = ds.names.length;
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  let bits = 64 + 32 * C;
  let prevT = ds.samples[0].t, prevD = 0;
  const prev = ds.samples[0].values.map((v) => { f[0] = v; return u[0]; });
  const lead = new Array(C).fill(-1), trail = new Array(C).fill(-1);
  for (let i = 1; i < ds.samples.length; i++) {
    const s = ds.samples[i];
    const d = s.t - prevT, dod = d - prevD;
    prevT = s.t; prevD = d;
    bits += dod === 0 ? 1 : Math.abs(dod) <= 64 ? 9 : Math.abs(dod) <= 256 ? 12 : Math.abs(dod) <= 2048 ? 16 : 36;
    for (let c = 0; c < C; c++) {
      f[0] = s.values[c];
      const x = (u[0] ^ prev[c]) >>> 0;
      prev[c] = u[0];
      if (x === 0) { bits += 1; continue; }
      const l = clz32(x), t = ctz32(x);
      if (lead[c] >= 0 && l >= lead[c] && t >= trail[c]) bits += 2 + (32 - lead[c] - trail[c]);
      else { bits += 2 + 5 + 5 + (32 - l - t); lead[c] = l; trail[c] = t; }
    }
  }
  return Math.ceil(bits / 8);
}

/**
 * Bits a Sprintz-style coder (delta forecaster, zigzag, bit packing of 8-sample groups per
 * channel with a 4-bit width header, all-zero groups run-length coded; no FIRE, no Huffman)
 * would use for the same 8-bit codes, plus Gorilla-style timestamps. Counted, not encoded.
 */
function sprintzBits(ds, codes) {
  const C = ds.names.length;
  let bits = 64 + 32; // first timestamp and delta
  let prevT = ds.samples[0].t, prevD = 0;
  for (let i = 1; i < ds.samples.length; i++) {
    const d = ds.samples[i].t - prevT, dod = d - prevD;
    prevT = ds.samples[i].t; prevD = d;
    bits += dod === 0 ? 1 : Math.abs(dod) <= 64 ? 9 : Math.abs(dod) <= 256 ? 12 : Math.abs(dod) <= 2048 ? 16 : 36;
  }
  for (let c = 0; c < C; c++) {
    let prev = 0, zeroRun = false;
    for (let g = 0; g < codes.length; g += 8) {
      let w = 0;
      for (let i = g; i < Math.min(g + 8, codes.length); i++) {
        const dv = codes[i][c] - prev; prev = codes[i][c];
        const zz = dv >= 0 ? 2 * dv : -2 * dv - 1;
        w = Math.max(w, zz === 0 ? 0 : 32 - clz32(zz));
      }
      if (w === 0 && zeroRun) { bits += 0.25; continue; } // a run counter amortised over long runs
      zeroRun = w === 0;
      bits += 4 + 8 * w;
    }
  }
  return Math.ceil(bits / 8);
}

// ---------------------------------------------------------------- the device SDK, on the host
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const BENCH_AS = (sdk) => `// Generated by scripts/bench/40-stream.mjs
import { Quantizer, WqsEncoder } from "${sdk}";
const q = new Quantizer(2, false);
const codes = new StaticArray<i32>(2);
let seed: u32 = 1;
function rnd(): f64 { seed = seed * 1664525 + 1013904223; return <f64>(seed >>> 8) / 16777216.0; }
// Two channels of sine + noise, 100 Hz in us ticks: signal generation only (the baseline).
export function generateOnly(n: i32): f64 {
  seed = 1;
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    s += Math.sin(<f64>i / 50.0) + 0.02 * (rnd() - 0.5);
    s += 0.5 * Math.cos(<f64>i / 80.0) + 0.02 * (rnd() - 0.5);
  }
  return s;
}
// The same signal, quantized and encoded into 256-sample .wqs blocks; returns the bytes written.
export function encodeSine(n: i32): i32 {
  seed = 1;
  q.setRange(0, -1.1, 1.1);
  q.setRange(1, -0.6, 0.6);
  const e = new WqsEncoder(q, 256, -6);
  let bytes = e.writeHeader();
  for (let i = 0; i < n; i++) {
    codes[0] = q.quantize(0, Math.sin(<f64>i / 50.0) + 0.02 * (rnd() - 0.5));
    codes[1] = q.quantize(1, 0.5 * Math.cos(<f64>i / 80.0) + 0.02 * (rnd() - 0.5));
    const r = e.add(<i64>i * 10000, codes);
    if (r > 0) bytes += r;
  }
  return bytes + e.flush();
}
`;

async function deviceEncoderOnHost() {
  const dir = path.join(repoRoot, "build", "bench-stream");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, "stream-bench.ts");
  const wasm = path.join(dir, "stream-bench.wasm");
  writeFileSync(entry, BENCH_AS(path.relative(dir, path.join(repoRoot, "firmware/sdk/stream/index")).split(path.sep).join("/")));
  const asc = (await import("assemblyscript/asc")).default;
  let diag = "";
  const sink = asc.createMemoryStream((c) => (diag += typeof c === "string" ? c : Buffer.from(c).toString("utf8")));
  const res = await asc.main([entry, "--outFile", wasm, "--runtime", "stub", "--use", "abort=", "-O3", "--initialMemory", "1", "--maximumMemory", "1"], { stdout: sink, stderr: sink });
  if (res.error) throw new Error(`asc: ${diag}`);
  const n = 1_000_000;
  const { instance } = await WebAssembly.instantiate(readFileSync(wasm), {});
  const ex = instance.exports;
  ex.encodeSine(10_000);
  const tBase = best(() => ex.generateOnly(n)).seconds;
  const enc = best(() => ex.encodeSine(n));
  const rows = [
    "",
    "## Sensor streams: the device SDK encoder (AssemblyScript) on the host",
    "",
    `Same .wasm in both engines: 2-channel sine + noise, ${n} samples, quantize + encode per sample = (encodeSine - generateOnly) / samples. Host x86-64; these are not device figures.`,
    "",
    "| engine | quantize + encode ns/sample | signal generation ns/sample | .wqs bytes/sample |",
    "| --- | ---: | ---: | ---: |",
    `| Node ${process.version} WebAssembly (JIT), best of 5 | ${(((enc.seconds - tBase) / n) * 1e9).toFixed(1)} | ${((tBase / n) * 1e9).toFixed(1)} | ${(enc.out / n).toFixed(2)} |`,
  ];
  const vm = path.join(repoRoot, process.env.WASMCU_HOST_BUILD ?? "build/host", "bin", "wasmcu-vm");
  if (existsSync(vm)) {
    const run = (fn, k) => {
      const s = process.hrtime.bigint();
      const o = execFileSync(vm, ["--func", fn, wasm, String(k)], { encoding: "utf8" });
      return { seconds: Number(process.hrtime.bigint() - s) / 1e9, out: o.trim() };
    };
    // Subtract a tiny run of each so process start and module load cancel out.
    const m = 200_000;
    const base = Math.min(...[0, 1, 2].map(() => run("generateOnly", m).seconds)) - Math.min(...[0, 1, 2].map(() => run("generateOnly", 1).seconds));
    const full = Math.min(...[0, 1, 2].map(() => run("encodeSine", m).seconds)) - Math.min(...[0, 1, 2].map(() => run("encodeSine", 1).seconds));
    const bytes = Number(run("encodeSine", m).out.replace(/^i32:/, ""));
    rows.push(`| wasmcu-vm (this project's interpreter, ${path.relative(repoRoot, vm)}), best of 3 | ${(((full - base) / m) * 1e9).toFixed(1)} | ${((base / m) * 1e9).toFixed(1)} | ${(bytes / m).toFixed(2)} |`);
  } else {
    rows.push("| wasmcu-vm | not built (node scripts/build-host.mjs) | | |");
  }
  return rows;
}

// ---------------------------------------------------------------- measurements
function best(fn, reps = 5) {
  let t = Infinity, out;
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    out = fn();
    t = Math.min(t, Number(process.hrtime.bigint() - s) / 1e9);
  }
  return { seconds: t, out };
}

function measure(ds) {
  const C = ds.names.length;
  const tracker = new RangeTracker(C);
  for (const s of ds.samples) tracker.add(s.values);
  const header = { channels: tracker.calibration(ds.names), int8: false, zscore: false, timeExp: ds.timeExp, blockSamples: 256, window: 0, hop: 0 };
  const enc = best(() => encodeSamples(header, ds.samples));
  const wqs = enc.out;
  const dec = best(() => {
    const d = decodeWqs(wqs);
    const qs = d.header.channels.map((c) => new ChannelQuantizer(c, false));
    let sum = 0;
    for (const b of d.blocks) for (let i = 0; i < b.q.length; i++) sum += qs[i % C].dequantize(b.q[i]);
    return { d, sum };
  });
  const d = dec.out.d;
  if (d.damage.length) throw new Error(`${ds.name}: decode reported damage`);
  const qs = header.channels.map((c) => new ChannelQuantizer(c, false));
  const codes = ds.samples.map((s) => s.values.map((x, c) => qs[c].quantize(x)));
  let maxLsb = 0, sumSqLsb = 0, maxUnit = [];
  let k = 0;
  for (const b of d.blocks) for (let i = 0; i < b.n; i++, k++) {
    for (let c = 0; c < C; c++) {
      const err = Math.abs(qs[c].dequantize(b.q[i * C + c]) - ds.samples[k].values[c]);
      maxUnit[c] = Math.max(maxUnit[c] ?? 0, err);
      maxLsb = Math.max(maxLsb, err / qs[c].scale);
      sumSqLsb += (err / qs[c].scale) ** 2;
    }
  }
  const raw = rawRecords(ds);
  const gz = gzipSync(raw, { level: 9 }).length;
  const n = ds.samples.length;
  return {
    name: ds.name, n, C, rawPer: 8 + 4 * C, raw: raw.length, wqs: wqs.length, gz, wqsGz: gzipSync(wqs, { level: 9 }).length,
    gorilla: gorillaBits(ds), sprintz: sprintzBits(ds, codes),
    maxLsb, rmsLsb: Math.sqrt(sumSqLsb / (n * C)), maxUnit, scale: qs.map((q) => q.scale),
    encRate: n / enc.seconds, decRate: n / dec.seconds,
  };
}

const fmtN = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)} k` : x.toFixed(0));
const datasets = [seattle(), sftemps(), sineNoise(), steps(), spikes(), accel()];
measure(datasets[0]); // warm the JIT so the first row is not slower for it
const results = datasets.map(measure);

const out = [];
out.push("## Sensor streams (.wqs): size against raw records and gzip -9");
out.push("");
out.push("Raw record = int64 timestamp + one float32 per channel (16 B for two channels). Calibration: auto (data range, f32-widened), uint8 codes, 256-sample blocks.");
out.push("Gorilla and Sprintz columns are bit counts of those schemes computed by this script on the same data (not their implementations): Gorilla lossless on the float32 values, Sprintz-style (delta, 8-sample bit packing, zero-run; no FIRE, no Huffman) on our 8-bit codes.");
out.push("");
out.push("| dataset | samples | raw B | .wqs B | B/sample | vs raw | gzip -9 raw B | vs gzip -9 | .wqs + gzip -9 B | Gorilla-style B (lossless) | Sprintz-style B (same codes) |");
out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  out.push(`| ${r.name} | ${r.n} | ${r.raw} | ${r.wqs} | ${(r.wqs / r.n).toFixed(2)} | **${(r.raw / r.wqs).toFixed(2)}x** | ${r.gz} | ${(r.gz / r.wqs).toFixed(2)}x | ${r.wqsGz} | ${r.gorilla} (${(r.raw / r.gorilla).toFixed(2)}x) | ${r.sprintz} (${(r.raw / r.sprintz).toFixed(2)}x) |`);
}
out.push("");
out.push("## Sensor streams: reconstruction error and host throughput");
out.push("");
out.push(`Host: node ${process.version}, ${process.arch}; best of 5 runs after a warm-up; encode = quantize + encode in memory (encodeSamples), decode = decodeWqs + dequantize. Error bound for in-range values: 0.5 LSB.`);
out.push("");
out.push("| dataset | max error (units, per channel) | step (units) | max error LSB | RMS error LSB | encode samples/s | decode samples/s |");
out.push("| --- | --- | --- | ---: | ---: | ---: | ---: |");
for (const r of results) {
  out.push(`| ${r.name} | ${r.maxUnit.map((x) => x.toPrecision(3)).join(", ")} | ${r.scale.map((x) => x.toPrecision(3)).join(", ")} | ${r.maxLsb.toFixed(3)} | ${r.rmsLsb.toFixed(3)} | ${fmtN(r.encRate)} | ${fmtN(r.decRate)} |`);
}

// Streaming a large file through the CLI pipeline: throughput and memory stay flat.
const dir = mkdtempSync(path.join(tmpdir(), "wqs-bench-"));
try {
  const big = path.join(dir, "big.csv");
  const r = rng(9);
  const lines = ["t,ax,ay"];
  const BIG = 1_000_000;
  for (let i = 0; i < BIG; i++) lines.push(`${i * 1000},${(Math.sin(i / 40) + 0.01 * gauss(r)).toFixed(4)},${(Math.cos(i / 70) * 0.5).toFixed(4)}`);
  writeFileSync(big, lines.join("\n") + "\n");
  lines.length = 0;
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const rep = await quantizeFile({ input: big, output: path.join(dir, "big.wqs"), timeExp: -6 });
  clearInterval(timer);
  out.push("");
  out.push("## Sensor streams: a 1,000,000-sample CSV through `quantizeFile` (what `wasmcu quantize` runs)");
  out.push("");
  out.push("| input | .wqs | vs raw | vs CSV | second pass samples/s (read CSV + quantize + encode + write) | RSS growth during the run |");
  out.push("| ---: | ---: | ---: | ---: | ---: | ---: |");
  out.push(`| ${(statSync(big).size / 1e6).toFixed(1)} MB | ${(rep.bytesOut / 1e3).toFixed(0)} kB | ${rep.ratioRaw.toFixed(2)}x | ${rep.ratioInput.toFixed(2)}x | ${fmtN(rep.samplesPerSecond)} | ${((peak - rss0) / 1e6).toFixed(1)} MB |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
out.push(...await deviceEncoderOnHost());
out.push("");
out.push("Device cycles per sample (rp2040-sim): the bench app's `stream-encode` workload (2 channels, quantize + .wqs encode through firmware/sdk/stream) in `35-device.mjs`'s table, about 75 k emulated cycles per sample on our runtime.");
process.stdout.write(out.join("\n") + "\n");
