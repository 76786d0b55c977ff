// gesture: classifies 1.28 s accelerometer windows (64 samples x 3 axes at 50 Hz) with the
// int8 model in the device's model slot (models/gesture.tflite: idle, shake, tilt, circle).
// An MPU-6050 on the I2C bus (0x68) gives the windows when there is one (±4 g, 21 Hz
// filter, 50 Hz). Without it, a simulated IMU makes each window: gravity from a random
// orientation, bias, noise and the gesture's motion (the same kinds of signal the model
// was trained on, models/gestures.ts). The window is quantized with the input tensor's own
// scale and zero point, and the class with the highest score is logged.
import { log, model, mpu6050, time } from "../../sdk/index";

const WINDOW = 64;
const AXES = 3;
const RATE_HZ = 50.0;
const CLASSES: StaticArray<string> = ["idle", "shake", "tilt", "circle"];

// ---- a seeded random source (mulberry32) and the simulated IMU
let state: u32 = 20261123;
function rnd(): f64 {
  state += 0x6d2b79f5;
  let t = state;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296.0;
}
function gauss(): f64 {
  return Math.sqrt(-2.0 * Math.log(rnd() + 1e-12)) * Math.cos(2.0 * Math.PI * rnd());
}
function uni(a: f64, b: f64): f64 {
  return a + (b - a) * rnd();
}

const v = new StaticArray<f64>(3); // scratch vectors, no allocation per window
const g0 = new StaticArray<f64>(3);
const axis = new StaticArray<f64>(3);
const p1 = new StaticArray<f64>(3);
const p2 = new StaticArray<f64>(3);
const tiltAxis = new StaticArray<f64>(3);
const bias = new StaticArray<f64>(3);
const g = new StaticArray<f64>(3);
const window = new StaticArray<f64>(WINDOW * AXES);

function normalize(a: StaticArray<f64>): void {
  let n = Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  if (n == 0) n = 1;
  a[0] /= n; a[1] /= n; a[2] /= n;
}
function crossInto(out: StaticArray<f64>, a: StaticArray<f64>, b0: f64, b1: f64, b2: f64): void {
  const x = a[1] * b2 - a[2] * b1, y = a[2] * b0 - a[0] * b2, z = a[0] * b1 - a[1] * b0;
  out[0] = x; out[1] = y; out[2] = z;
}

/** Fills `window` with one simulated gesture of class `cls`. */
function simulate(cls: i32): void {
  g0[0] = uni(-0.5, 0.5); g0[1] = uni(-0.5, 0.5); g0[2] = 1;
  normalize(g0);
  const noise = uni(0.01, 0.04);
  for (let k = 0; k < 3; k++) bias[k] = uni(-0.03, 0.03);
  axis[0] = gauss(); axis[1] = gauss(); axis[2] = gauss();
  normalize(axis);
  crossInto(p1, axis, 0.3, 0.5, 0.8);
  normalize(p1);
  crossInto(p2, axis, p1[0], p1[1], p1[2]);
  const f = cls == 1 ? uni(3, 8) : uni(0.8, 2);
  const amp = cls == 1 ? uni(0.6, 2) : uni(0.25, 0.7);
  const phase = uni(0, 2 * Math.PI);
  v[0] = gauss(); v[1] = gauss(); v[2] = gauss();
  normalize(v);
  crossInto(tiltAxis, g0, v[0], v[1], v[2]);
  normalize(tiltAxis);
  const tiltAngle = uni(35, 90) * (Math.PI / 180) * (rnd() < 0.5 ? -1.0 : 1.0);
  const tiltMid = uni(0.3, 0.7) * <f64>WINDOW, tiltWidth = uni(3, 10);
  const drift = uni(-0.002, 0.002);
  for (let i = 0; i < WINDOW; i++) {
    const t = <f64>i / RATE_HZ;
    let ax = 0.0, ay = 0.0, az = 0.0;
    g[0] = g0[0]; g[1] = g0[1]; g[2] = g0[2];
    if (cls == 0) { ax = drift * <f64>i; ay = -drift * <f64>i; }
    if (cls == 1) {
      const s = amp * Math.sin(2 * Math.PI * f * t + phase) + 0.15 * amp * Math.sin(4 * Math.PI * f * t);
      ax = axis[0] * s; ay = axis[1] * s; az = axis[2] * s;
    }
    if (cls == 2) {
      // Rodrigues rotation of g0 about tiltAxis by a smooth step of the tilt angle.
      const a = tiltAngle / (1 + Math.exp(-(<f64>i - tiltMid) / tiltWidth));
      const c = Math.cos(a), sn = Math.sin(a);
      const d = (tiltAxis[0] * g0[0] + tiltAxis[1] * g0[1] + tiltAxis[2] * g0[2]) * (1 - c);
      crossInto(v, tiltAxis, g0[0], g0[1], g0[2]);
      for (let k = 0; k < 3; k++) g[k] = g0[k] * c + v[k] * sn + tiltAxis[k] * d;
    }
    if (cls == 3) {
      const c = amp * Math.cos(2 * Math.PI * f * t + phase), s = amp * Math.sin(2 * Math.PI * f * t + phase);
      ax = p1[0] * c + p2[0] * s; ay = p1[1] * c + p2[1] * s; az = p1[2] * c + p2[2] * s;
    }
    window[i * 3] = g[0] + ax + bias[0] + noise * gauss();
    window[i * 3 + 1] = g[1] + ay + bias[1] + noise * gauss();
    window[i * 3 + 2] = g[2] + az + bias[2] + noise * gauss();
  }
}

// ---- a real IMU, when the board has one
const imu = new mpu6050.Mpu6050();
let useImu = false;

/** Fills `window` with 64 samples as the IMU makes them (50 Hz); false if it stopped answering. */
function readImu(): bool {
  for (let i = 0; i < WINDOW; i++) {
    let waited = 0;
    while (!imu.dataReady()) {
      if (imu.lastStatus < 0 || ++waited > 100) return false;
      time.sleep(1);
    }
    if (imu.read() < 0) return false;
    window[i * 3] = imu.ax;
    window[i * 3 + 1] = imu.ay;
    window[i * 3 + 2] = imu.az;
  }
  return true;
}

// ---- classification
let m: model.Model | null = null;
let inInfo: model.TensorInfo | null = null;
let outInfo: model.TensorInfo | null = null;
const input = new Uint8Array(WINDOW * AXES);
const scores = new Uint8Array(4);
let n = 0;
let correct = 0;

export function setup(): void {
  m = model.Model.open();
  if (m == null) {
    log.error("gesture: no usable model; deploy models/gesture.tflite with `wasmcu deploy --model`");
    return;
  }
  inInfo = m!.input(0);
  outInfo = m!.output(0);
  useImu = imu.begin(mpu6050.AccelRange.G4, mpu6050.GyroRange.Dps500, mpu6050.Dlpf.Hz21, 19) == 0;
  log.info(useImu ? "gesture: classifying MPU-6050 windows (0x68, 50 Hz) of 64x3 samples with the int8 model"
                  : "gesture: classifying simulated IMU windows of 64x3 samples with the int8 model");
}

export function loop(): void {
  if (m == null) {
    time.sleep(1000);
    return;
  }
  const truth = n % 4;
  if (useImu) {
    if (!readImu()) {
      log.error("gesture: the MPU-6050 stopped answering (" + imu.lastStatus.toString() + ")");
      time.sleep(1000);
      return;
    }
  } else {
    simulate(truth);
  }
  for (let i = 0; i < WINDOW * AXES; i++) input[i] = <u8>inInfo!.quantize(<f32>window[i]);
  m!.setInput(0, input);
  if (!m!.invoke()) {
    log.error("gesture: invoke failed");
    time.sleep(1000);
    return;
  }
  m!.getOutput(0, scores);
  let best = 0;
  for (let k = 1; k < 4; k++) if (<i8>scores[k] > <i8>scores[best]) best = k;
  n++;
  const p = <i32>(outInfo!.dequantize(<i32><i8>scores[best]) * 100);
  if (useImu) {
    log.info("gesture #" + n.toString() + ": IMU window -> model says " + CLASSES[best] + " (" + p.toString() + "%, " +
      m!.lastInvokeMicros.toString() + " us)");
    return;
  }
  if (best == truth) correct++;
  log.info("gesture #" + n.toString() + ": simulated " + CLASSES[truth] + " -> model says " + CLASSES[best] +
    " (" + p.toString() + "%, " + m!.lastInvokeMicros.toString() + " us); " + correct.toString() + "/" + n.toString() + " right");
  time.sleep(400);
}
