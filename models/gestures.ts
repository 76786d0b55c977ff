import { rng } from "../host-tools/src/lib/rng.js";
// A seeded synthetic dataset of 3-axis accelerometer windows (in g, 50 Hz,
// 64 samples = 1.28 s) for four gestures. Each window is gravity seen from a
// random device orientation plus the gesture's motion plus sensor noise and
// a small per-axis bias, like a MEMS accelerometer on a wrist or a board:
//   0 idle   - still: gravity, noise, slight drift
//   1 shake  - fast back-and-forth (3-8 Hz, 0.6-2 g) along a random axis
//   2 tilt   - the gravity vector rotates 35-90 degrees, smoothly, once
//   3 circle - the device moves in a circle (0.8-2 Hz, 0.25-0.7 g) in a random plane

export const CLASSES = ["idle", "shake", "tilt", "circle"] as const;
export const WINDOW = 64;
export const AXES = 3;
export const RATE_HZ = 50;

/** The demo model's data: seeds and sizes of its three disjoint splits (windows per class). */
export const SEED = 20261123;
export const SPLITS = {
  train: { perClass: 200, seed: SEED },
  calibration: { perClass: 50, seed: SEED + 1 },
  heldout: { perClass: 100, seed: SEED + 2 },
} as const;

export { rng } from "../host-tools/src/lib/rng.js";

type V3 = [number, number, number];
const norm = (v: V3): V3 => { const n = Math.hypot(...v) || 1; return [v[0] / n, v[1] / n, v[2] / n]; };
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
/** Rodrigues rotation of v about unit axis k by angle a. */
function rotate(v: V3, k: V3, a: number): V3 {
  const c = Math.cos(a), s = Math.sin(a), d = (k[0] * v[0] + k[1] * v[1] + k[2] * v[2]) * (1 - c);
  const x = cross(k, v);
  return [v[0] * c + x[0] * s + k[0] * d, v[1] * c + x[1] * s + k[1] * d, v[2] * c + x[2] * s + k[2] * d];
}

export function makeWindow(cls: number, r: () => number): Float32Array {
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const uni = (a: number, b: number) => a + (b - a) * r();
  const randUnit = (): V3 => norm([gauss(), gauss(), gauss()]);
  // Gravity from a mostly face-up orientation (the device is held or lies flat-ish).
  const g0 = norm([uni(-0.5, 0.5), uni(-0.5, 0.5), 1]);
  const noise = uni(0.01, 0.04);
  const bias: V3 = [uni(-0.03, 0.03), uni(-0.03, 0.03), uni(-0.03, 0.03)];
  const out = new Float32Array(WINDOW * AXES);
  const axis = randUnit();
  const plane1 = norm(cross(axis, [0.3, 0.5, 0.8]));
  const plane2 = cross(axis, plane1);
  const f = cls === 1 ? uni(3, 8) : uni(0.8, 2);
  const amp = cls === 1 ? uni(0.6, 2) : uni(0.25, 0.7);
  const phase = uni(0, 2 * Math.PI);
  const tiltAxis = norm(cross(g0, randUnit()));
  const tiltAngle = uni(35, 90) * (Math.PI / 180) * (r() < 0.5 ? -1 : 1);
  const tiltMid = uni(0.3, 0.7) * WINDOW, tiltWidth = uni(3, 10);
  const drift = uni(-0.002, 0.002);
  for (let i = 0; i < WINDOW; i++) {
    const t = i / RATE_HZ;
    let g: V3 = g0;
    let a: V3 = [0, 0, 0];
    if (cls === 0) a = [drift * i, -drift * i, 0];
    if (cls === 1) {
      const s = amp * Math.sin(2 * Math.PI * f * t + phase) + 0.15 * amp * Math.sin(4 * Math.PI * f * t);
      a = [axis[0] * s, axis[1] * s, axis[2] * s];
    }
    if (cls === 2) g = rotate(g0, tiltAxis, tiltAngle / (1 + Math.exp(-(i - tiltMid) / tiltWidth)));
    if (cls === 3) {
      const c = amp * Math.cos(2 * Math.PI * f * t + phase), s = amp * Math.sin(2 * Math.PI * f * t + phase);
      a = [plane1[0] * c + plane2[0] * s, plane1[1] * c + plane2[1] * s, plane1[2] * c + plane2[2] * s];
    }
    for (let k = 0; k < AXES; k++) out[i * AXES + k] = g[k]! + a[k]! + bias[k]! + noise * gauss();
  }
  return out;
}

/** n windows per class, interleaved in a seeded random order. */
export function makeDataset(perClass: number, seed: number): { x: Float32Array[]; y: number[] } {
  const r = rng(seed);
  const items: { x: Float32Array; y: number }[] = [];
  for (let i = 0; i < perClass; i++) for (let c = 0; c < CLASSES.length; c++) items.push({ x: makeWindow(c, r), y: c });
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return { x: items.map((e) => e.x), y: items.map((e) => e.y) };
}

/** `node --import tsx models/gestures.ts DIR`: writes DIR/calibration.json and DIR/heldout.json
 *  (the demo model's splits, in `wasmcu convert`'s JSON sample format, with labels). */
async function main(dir: string): Promise<void> {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const path = await import("node:path");
  mkdirSync(dir, { recursive: true });
  for (const name of ["calibration", "heldout"] as const) {
    const d = makeDataset(SPLITS[name].perClass, SPLITS[name].seed);
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ samples: d.x.map((v) => Array.from(v)), labels: d.y }));
  }
}
if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    process.stderr.write("usage: node --import tsx models/gestures.ts OUTDIR\n");
    process.exitCode = 2;
  } else await main(process.argv[2]);
}
