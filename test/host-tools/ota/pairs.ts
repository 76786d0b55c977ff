// Realistic old/new pairs for delta tests and the OTA benchmark: an AssemblyScript
// sensor app compiled with asc (a changed constant; a new function) and a reference
// int8 model with its weights perturbed as a retraining of the same shape would.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot, sharedDir } from "../../helpers/paths.js";

const APP = (threshold: number, withMedian: boolean) => `
import { gpio, log, time } from "SDK";

const LED: i32 = gpio.led(); // the board's LED (board.json led_pin)
const THRESHOLD: i32 = ${threshold};
const WINDOW: i32 = 8;
const samples = new StaticArray<i32>(WINDOW);
let head = 0;
let count = 0;

function movingAverage(): i32 {
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) sum += samples[i];
  return sum / WINDOW;
}
${withMedian ? `
function median3(a: i32, b: i32, c: i32): i32 {
  if (a > b) { const t = a; a = b; b = t; }
  if (b > c) { const t = b; b = c; c = t; }
  if (a > b) { const t = a; a = b; b = t; }
  return b;
}
` : ""}
function readSensor(): i32 {
  // a synthetic sensor: a slow ramp with a wobble
  const t = <i32>time.millis();
  return (t / 7) % 1000 + ((t / 13) % 17);
}

export function setup(): void {
  gpio.pinMode(LED, gpio.PinMode.Output);
  log.info("sensor: threshold " + THRESHOLD.toString());
}

export function loop(): void {
  ${withMedian ? "const v = median3(readSensor(), readSensor(), readSensor());" : "const v = readSensor();"}
  samples[head] = v;
  head = (head + 1) % WINDOW;
  count++;
  const avg = movingAverage();
  gpio.digitalWrite(LED, avg > THRESHOLD);
  if (count % 10 == 0) log.info("sample #" + count.toString() + " avg " + avg.toString());
  time.sleep(100);
}
`;

/** Everything a compile depends on besides the app source: the SDK, asconfig.json and asc's version. */
function toolchainDigest(): string {
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(path.join(repoRoot, "firmware", "sdk"));
  h.update(readFileSync(path.join(repoRoot, "asconfig.json")));
  h.update(readFileSync(path.join(repoRoot, "node_modules", "assemblyscript", "package.json")));
  return h.digest("hex");
}

/** Compiles an app source (its SDK import pointed at firmware/sdk) with asc, release target.
 * Results are cached in the OS temp dir by a hash of all inputs (asc takes seconds per app). */
export async function compileApp(source: string): Promise<Buffer> {
  const key = createHash("sha256").update(source).update(toolchainDigest()).digest("hex").slice(0, 24);
  const cached = path.join(os.tmpdir(), `wasmcu-ota-app-${key}.wasm`);
  if (existsSync(cached)) return readFileSync(cached);
  const wasm = await compileUncached(source);
  const part = `${cached}.${process.pid}`;
  writeFileSync(part, wasm);
  renameSync(part, cached); // atomic: concurrent test files never see half a file
  return wasm;
}

async function compileUncached(source: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasmcu-ota-app-"));
  const sdk = path.relative(dir, path.join(repoRoot, "firmware", "sdk", "index")).split(path.sep).join("/");
  const entry = path.join(dir, "main.ts");
  writeFileSync(entry, source.replace('"SDK"', JSON.stringify(sdk)));
  const out = path.join(dir, "main.wasm");
  const asc = (await import("assemblyscript/asc")).default;
  let diag = "";
  const sink = asc.createMemoryStream((c) => { diag += typeof c === "string" ? c : Buffer.from(c).toString(); });
  const r = await asc.main([entry, "--config", path.join(repoRoot, "asconfig.json"), "--target", "release", "--outFile", out],
    { stdout: sink, stderr: sink });
  if (r.error) throw new Error(`asc failed: ${r.error.message}\n${diag}`);
  const wasm = readFileSync(out);
  rmSync(dir, { recursive: true, force: true });
  return wasm;
}

let cached: Promise<{ base: Buffer; constant: Buffer; newFunction: Buffer }> | undefined;

/** The sensor app, the same with THRESHOLD changed, and with a median filter added (compiled once per process). */
export function appPairs(): Promise<{ base: Buffer; constant: Buffer; newFunction: Buffer }> {
  cached ??= (async () => ({
    base: await compileApp(APP(500, false)),
    constant: await compileApp(APP(650, false)),
    newFunction: await compileApp(APP(500, true)),
  }))();
  return cached;
}

/** Byte ranges of the tensor buffers of a .tflite (Model.buffers[i].data), from the flatbuffer. */
export function tfliteBuffers(m: Buffer): { offset: number; length: number }[] {
  const table = m.readUInt32LE(0);
  const vtable = table - m.readInt32LE(table);
  const field = (t: number, vt: number, i: number) => {
    const vtSize = m.readUInt16LE(vt);
    if (4 + 2 * i >= vtSize) return 0;
    const off = m.readUInt16LE(vt + 4 + 2 * i);
    return off ? t + off : 0;
  };
  const buffersField = field(table, vtable, 4); // Model: version, operator_codes, subgraphs, description, buffers
  if (!buffersField) return [];
  const vec = buffersField + m.readUInt32LE(buffersField);
  const n = m.readUInt32LE(vec);
  const out: { offset: number; length: number }[] = [];
  for (let i = 0; i < n; i++) {
    const elem = vec + 4 + 4 * i;
    const t = elem + m.readUInt32LE(elem);
    const dataField = field(t, t - m.readInt32LE(t), 0);
    if (!dataField) continue;
    const data = dataField + m.readUInt32LE(dataField);
    out.push({ offset: data + 4, length: m.readUInt32LE(data) });
  }
  return out;
}

/** "Retrained, same shape": a fraction of the weight bytes of every large buffer move by +-1 (seeded). */
export function perturbModel(model: Buffer, fraction: number, seed = 1): Buffer {
  const out = Buffer.from(model);
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (const b of tfliteBuffers(model)) {
    if (b.length < 256) continue;
    for (let i = b.offset; i < b.offset + b.length; i++) {
      if (rnd() < fraction) out[i] = (out[i]! + (rnd() < 0.5 ? 1 : 255)) & 0xff;
    }
  }
  return out;
}

export function referenceModel(name: string): Buffer {
  return readFileSync(path.join(sharedDir, "reference-models", name, "model.tflite"));
}
