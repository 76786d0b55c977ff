// File-level operations behind `wasmcu quantize` and `wasmcu dequantize`: both stream,
// so memory stays constant whatever the file size (auto-calibration reads the input twice).
import { createReadStream, statSync } from "node:fs";
import type { Writable } from "node:stream";
import { once } from "node:events";
import { InputError, UsageError } from "../lib/errors.js";
import { outputStream, removeOutput } from "../lib/files.js";
import { MAX_BLOCK_SAMPLES, type ChannelCalibration, type StreamHeader } from "./format.js";
import { StreamEncoder } from "./encoder.js";
import { WqsDecoder, type Damage, type DroppedBlock } from "./decoder.js";
import { loadCalibrationFile, RangeTracker, RunningZScore } from "./quantize.js";
import { readSamples, type ReaderOptions, type StreamColumns } from "./reader.js";

export interface QuantizeOptions extends ReaderOptions {
  input: string;
  output: string;
  /** "auto" (from the data, a first pass) or a calibration JSON file. */
  calibrate?: string;
  window?: number;
  hop?: number;
  zscore?: boolean;
  int8?: boolean;
  blockSamples?: number;
}

export interface ChannelReport {
  name: string;
  lo: number;
  hi: number;
  /** Sensor units per code step (z units when z-scored). */
  scale: number;
  /** Reconstruction error over every sample (saturated ones included), in units and in steps (LSB). */
  maxError: number;
  rmsError: number;
  maxErrorLsb: number;
  rmsErrorLsb: number;
  saturated: number;
}

export interface QuantizeReport {
  input: string;
  output: string;
  samples: number;
  blocks: number;
  channels: ChannelReport[];
  calibration: "auto" | string;
  zscore: boolean;
  window: number;
  hop: number;
  bytesIn: number;
  /** Size as raw records: int64 timestamp + one float32 per channel. */
  bytesRaw: number;
  bytesOut: number;
  /** bytesRaw / bytesOut */
  ratioRaw: number;
  /** bytesIn / bytesOut */
  ratioInput: number;
  seconds: number;
  samplesPerSecond: number;
}

async function write(out: Writable, chunk: Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

function checkWindow(opts: QuantizeOptions): { window: number; hop: number } {
  const window = opts.window ?? 0;
  const hop = opts.hop ?? (window ? window : 0);
  if (!window && opts.hop !== undefined) throw new UsageError("--hop needs --window");
  if (window && (!Number.isInteger(window) || window < 1 || window > MAX_BLOCK_SAMPLES)) throw new UsageError(`--window must be 1..${MAX_BLOCK_SAMPLES}`);
  if (window && (!Number.isInteger(hop) || hop < 1 || hop > 0xffff)) throw new UsageError("--hop must be 1..65535");
  return { window, hop };
}

/** Calibration pass: the range of every channel after the optional z-score. */
async function autoCalibrate(opts: QuantizeOptions): Promise<{ cols: StreamColumns; cal: ChannelCalibration[] }> {
  let cols: StreamColumns | null = null;
  let tracker: RangeTracker | null = null;
  let zs: RunningZScore[] | null = null;
  let z = new Float64Array(0);
  for await (const s of readSamples(opts.input, opts, (c) => (cols = c))) {
    if (!tracker) {
      tracker = new RangeTracker(s.values.length);
      zs = opts.zscore ? Array.from(s.values, () => new RunningZScore()) : null;
      z = new Float64Array(s.values.length);
    }
    if (zs) {
      for (let c = 0; c < z.length; c++) z[c] = zs[c]!.next(s.values[c]!);
      tracker.add(z);
    } else tracker.add(s.values);
  }
  const c = cols as StreamColumns | null;
  if (!c || !tracker) throw new InputError(`${opts.input}: no samples`);
  return { cols: c, cal: tracker.calibration(c.channels) };
}

export async function quantizeFile(opts: QuantizeOptions): Promise<QuantizeReport> {
  const { window, hop } = checkWindow(opts);
  const blockSamples = window || (opts.blockSamples ?? 256);
  if (!Number.isInteger(blockSamples) || blockSamples < 1 || blockSamples > MAX_BLOCK_SAMPLES) throw new UsageError(`block length must be 1..${MAX_BLOCK_SAMPLES}`);
  const calibrate = opts.calibrate ?? "auto";
  const pre = calibrate === "auto" ? await autoCalibrate(opts) : null;

  const started = process.hrtime.bigint();
  let enc: StreamEncoder | null = null;
  let out: Writable | null = null;
  let bytesOut = 0;
  let blocks = 0;
  let samples = 0;
  let channels = 0;
  let errMax: Float64Array = new Float64Array(0);
  let errSq: Float64Array = new Float64Array(0);
  const emit = async (b: Uint8Array | null, isBlock = true) => {
    if (!b) return;
    bytesOut += b.length;
    if (isBlock) blocks++;
    await write(out!, b);
  };
  let failed = true;
  try {
    for await (const s of readSamples(opts.input, opts, (cols) => {
      const cal = pre ? pre.cal : loadCalibrationFile(calibrate, cols.channels);
      const header: StreamHeader = {
        channels: cal, int8: opts.int8 ?? false, zscore: opts.zscore ?? false,
        timeExp: cols.timeExp, blockSamples, window, hop,
      };
      enc = new StreamEncoder(header);
      channels = cal.length;
      errMax = new Float64Array(channels);
      errSq = new Float64Array(channels);
      out = outputStream(opts.output);
    })) {
      const e = enc!;
      if (bytesOut === 0) await emit(e.headerBytes(), false);
      const block = e.add(s.t, s.values);
      const codes = e.lastCodes;
      for (let c = 0; c < channels; c++) {
        const err = Math.abs(e.transformed[c]! - e.quantizers[c]!.dequantize(codes[c]!));
        if (err > errMax[c]!) errMax[c] = err;
        errSq[c] = errSq[c]! + err * err;
      }
      samples++;
      await emit(block);
    }
    const e = enc as StreamEncoder | null;
    if (!e) throw new InputError(`${opts.input}: no samples`);
    await emit(e.flush());
    failed = false;
  } finally {
    const o = out as Writable | null;
    if (o) {
      o.end();
      await once(o, "close");
      // Do not leave a half-written stream behind that looks like a result.
      if (failed) removeOutput(opts.output);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const e = enc as unknown as StreamEncoder;
  const bytesRaw = samples * (8 + 4 * channels);
  return {
    input: opts.input,
    output: opts.output,
    samples,
    blocks,
    calibration: calibrate,
    zscore: opts.zscore ?? false,
    window,
    hop,
    channels: e.header.channels.map((ch, c) => {
      const q = e.quantizers[c]!;
      const rms = Math.sqrt(errSq[c]! / samples);
      return {
        name: ch.name, lo: ch.lo, hi: ch.hi, scale: q.scale,
        maxError: errMax[c]!, rmsError: rms, maxErrorLsb: errMax[c]! / q.scale, rmsErrorLsb: rms / q.scale,
        saturated: q.saturated,
      };
    }),
    bytesIn: statSync(opts.input).size,
    bytesRaw,
    bytesOut,
    ratioRaw: bytesRaw / bytesOut,
    ratioInput: statSync(opts.input).size / bytesOut,
    seconds,
    samplesPerSecond: samples / seconds,
  };
}

export interface DequantizeReport {
  input: string;
  output: string;
  header: StreamHeader;
  blocks: number;
  samples: number;
  damage: Damage[];
  lost: { fromSeq: number; toSeq: number }[];
  /** Blocks dropped because their sequence number repeats or goes backwards. */
  dropped: DroppedBlock[];
}

/** Enough decimals to show a step of `scale` with two more digits. */
function decimalsFor(scale: number): number {
  return Math.min(12, Math.max(0, Math.ceil(-Math.log10(scale)) + 2));
}

/** Decodes a .wqs to CSV (t, channels...; a leading `window` column for windowed streams). */
export async function dequantizeFile(input: string, output: string): Promise<DequantizeReport> {
  try {
    if (!statSync(input).isFile()) throw new Error("not a file");
  } catch {
    throw new InputError(`cannot read ${input}: no such file`);
  }
  const dec = new WqsDecoder();
  const damage: Damage[] = [];
  const lost: { fromSeq: number; toSeq: number }[] = [];
  const dropped: DroppedBlock[] = [];
  let out: Writable | null = null;
  let quant: { lo: number; scale: number; off: number; dp: number }[] = [];
  let windowed = false;
  const handle = async (events: ReturnType<WqsDecoder["push"]>) => {
    for (const ev of events) {
      if (ev.type === "header") {
        const h = ev.header;
        windowed = h.window > 0;
        quant = h.channels.map((c) => {
          const scale = (c.hi - c.lo) / 255;
          return { lo: c.lo, scale, off: h.int8 ? 128 : 0, dp: decimalsFor(scale) };
        });
        out = outputStream(output);
        const names = h.channels.map((c, i) => c.name || `ch${i}`);
        await write(out, Buffer.from([...(windowed ? ["window"] : []), "t", ...names].join(",") + "\n"));
      } else if (ev.type === "block") {
        const b = ev.block;
        const C = quant.length;
        let text = "";
        for (let i = 0; i < b.n; i++) {
          let row = windowed ? `${b.seq},${b.t[i]}` : `${b.t[i]}`;
          for (let c = 0; c < C; c++) {
            const k = quant[c]!;
            row += "," + (k.lo + (b.q[i * C + c]! + k.off) * k.scale).toFixed(k.dp);
          }
          text += row + "\n";
        }
        await write(out!, Buffer.from(text));
      } else if (ev.type === "damage") damage.push(ev.damage);
      else if (ev.type === "dropped") dropped.push(ev.dropped);
      else lost.push({ fromSeq: ev.fromSeq, toSeq: ev.toSeq });
    }
  };
  try {
    for await (const chunk of createReadStream(input)) await handle(dec.push(chunk as Buffer));
    await handle(dec.end());
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${input}: ${e.message}`, e.hint);
    throw e;
  } finally {
    const o = out as Writable | null;
    if (o) {
      o.end();
      await once(o, "close");
    }
  }
  return { input, output, header: dec.header!, blocks: dec.blocks, samples: dec.samples, damage, lost, dropped };
}
