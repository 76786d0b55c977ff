// bench: the standard device workloads, each an export the host runs over the link
// (`CALL`) and times on the device itself (cycles where the board counts them).
// It has nothing to do between calls, so it exports no loop():
// wasmcu: no-loop
import { gpio, model, power, time } from "../../sdk/index";
import { Quantizer, WqsEncoder } from "../../sdk/stream/index";

// The board's own pins (board.json's led_pin and marker_pin): the same app on every board.
const LED: i32 = gpio.led();
/** Phase marker: high while a marked phase runs, for a power monitor's marker input. */
const MARKER: i32 = gpio.marker();

export function setup(): void {
  gpio.pinMode(LED, gpio.PinMode.Output);
  gpio.pinMode(MARKER, gpio.PinMode.Output);
  gpio.digitalWrite(MARKER, false);
}

// ---- peripheral sets (`wasmcu bench --periph N`): the host switches the app's blocks all
// off, then on one at a time in Peripheral order; each call returns how many clocked I/O
// blocks are on now (the board's own included), or -1 when the board cannot switch the
// next one.
let nextPeripheral: i32 = 0;

export function periph_all_off(): i32 {
  for (let i: i32 = 0; i < power.PERIPHERALS; i++) power.off(<power.Peripheral>i);
  nextPeripheral = 0;
  return power.count();
}

export function periph_one_more(): i32 {
  if (nextPeripheral >= power.PERIPHERALS || !power.on(<power.Peripheral>nextPeripheral)) return -1;
  nextPeripheral++;
  return power.count();
}

// ---- marked phases: m_<workload> raises MARKER, runs the workload, lowers MARKER, and
// returns where the phase sat on the device clock, packed in the CALL result:
// (start_us mod 2^32) << 32 | (end_us − start_us). The host turns these into phase
// markers and matches them with the marker edges the monitor saw.
let markStart: i64 = 0;

function begin(): void {
  gpio.digitalWrite(MARKER, true);
  markStart = time.micros();
}

function end(): i64 {
  const t = time.micros();
  gpio.digitalWrite(MARKER, false);
  return ((markStart & 0xffffffff) << 32) | ((t - markStart) & 0xffffffff);
}

export function m_fib24(): i64 { begin(); fib24(); return end(); }
export function m_sha256_1k(): i64 { begin(); sha256_1k(); return end(); }
export function m_gpio_toggle_1000(): i64 { begin(); gpio_toggle_1000(); return end(); }
export function m_alloc_1k_100(): i64 { begin(); alloc_1k_100(); return end(); }
export function m_stream_encode_1000(): i64 { begin(); stream_encode_1000(); return end(); }
export function m_infer(): i64 { return inferMarked(1); }
// A model whose inference is shorter than a power monitor's samples (hello_world: ~0.1 ms
// against 1 ms) runs several times in one marked window; the host divides by the count.
export function m_infer_x10(): i64 { return inferMarked(10); }
export function m_infer_x100(): i64 { return inferMarked(100); }
export function m_infer_x1000(): i64 { return inferMarked(1000); }

function inferMarked(n: i32): i64 {
  begin();
  let r = 0;
  for (let i = 0; i < n && r == 0; i++) r = infer();
  const e = end();
  return r == 0 ? e : <i64>r;
}
export function m_idle_100ms(): i64 { begin(); idle_100ms(); return end(); }

function fib(n: i32): i32 {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Recursive fib(24): 150,049 calls. Returns 46368. */
export function fib24(): i32 {
  return fib(24);
}

// ---- SHA-256 (FIPS 180-4) of a fixed 1 KiB buffer
const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const H = new StaticArray<u32>(8);
const Wt = new StaticArray<u32>(64);
const block = new StaticArray<u8>(64);
const data = new StaticArray<u8>(1024);

// Every index below is proven in range by its loop bound (t < 64, i < 1024), so the
// arrays are read unchecked(): what an app author writes for a hot loop on a device.
function compress(): void {
  for (let t = 0; t < 16; t++) {
    const i = t << 2;
    unchecked((Wt[t] =
      (<u32>unchecked(block[i]) << 24) | (<u32>unchecked(block[i + 1]) << 16) |
      (<u32>unchecked(block[i + 2]) << 8) | <u32>unchecked(block[i + 3])));
  }
  for (let t = 16; t < 64; t++) {
    const a = unchecked(Wt[t - 15]);
    const b = unchecked(Wt[t - 2]);
    const s0 = rotr<u32>(a, 7) ^ rotr<u32>(a, 18) ^ (a >>> 3);
    const s1 = rotr<u32>(b, 17) ^ rotr<u32>(b, 19) ^ (b >>> 10);
    unchecked((Wt[t] = unchecked(Wt[t - 16]) + s0 + unchecked(Wt[t - 7]) + s1));
  }
  let a = unchecked(H[0]), b = unchecked(H[1]), c = unchecked(H[2]), d = unchecked(H[3]);
  let e = unchecked(H[4]), f = unchecked(H[5]), g = unchecked(H[6]), h = unchecked(H[7]);
  for (let t = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[t]) + unchecked(Wt[t]);
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  unchecked((H[0] += a)); unchecked((H[1] += b)); unchecked((H[2] += c)); unchecked((H[3] += d));
  unchecked((H[4] += e)); unchecked((H[5] += f)); unchecked((H[6] += g)); unchecked((H[7] += h));
}

/** SHA-256 of bytes 0, 1, 2, ... 255, 0, 1 ... (1 KiB); returns the first word of the digest. */
export function sha256_1k(): i32 {
  for (let i = 0; i < 1024; i++) unchecked((data[i] = <u8>i));
  unchecked((H[0] = 0x6a09e667)); unchecked((H[1] = 0xbb67ae85)); unchecked((H[2] = 0x3c6ef372)); unchecked((H[3] = 0xa54ff53a));
  unchecked((H[4] = 0x510e527f)); unchecked((H[5] = 0x9b05688c)); unchecked((H[6] = 0x1f83d9ab)); unchecked((H[7] = 0x5be0cd19));
  for (let off = 0; off < 1024; off += 64) {
    memory.copy(changetype<usize>(block), changetype<usize>(data) + <usize>off, 64);
    compress();
  }
  // Padding: 0x80, zeros, then the length in bits (8192) as a big-endian u64.
  memory.fill(changetype<usize>(block), 0, 64);
  unchecked((block[0] = 0x80));
  unchecked((block[62] = 0x20));
  compress();
  return <i32>unchecked(H[0]);
}

/** 1000 writes to the LED pin through the SDK. */
export function gpio_toggle_1000(): i32 {
  let on = false;
  for (let i = 0; i < 1000; i++) {
    on = !on;
    gpio.digitalWrite(LED, on);
  }
  return 1000;
}

/** Allocations between two collections inside alloc_1k_100. */
const ALLOC_BATCH: i32 = 25;

/**
 * 100 allocations of a 1 KiB buffer. Under the device build's minimal runtime the device
 * collects garbage after each call into the app; a call that allocates more than its memory
 * holds collects itself, here every 25 buffers (no buffer is live then), and that cost is
 * part of the figure.
 */
export function alloc_1k_100(): i32 {
  let sum = 0;
  for (let i = 0; i < 100; i++) {
    const b = new Uint8Array(1024);
    b[i] = <u8>i;
    sum += b.length;
    if ((i + 1) % ALLOC_BATCH == 0) __collect();
  }
  return sum;
}

/** alloc_1k_100 with StaticArray<u8>(1024): one heap block per buffer where a Uint8Array takes two (view and buffer). */
export function alloc_static_1k_100(): i32 {
  let sum = 0;
  for (let i = 0; i < 100; i++) {
    const b = new StaticArray<u8>(1024);
    b[i] = <u8>i;
    sum += b.length;
    if ((i + 1) % ALLOC_BATCH == 0) __collect();
  }
  return sum;
}

let opened: model.Model | null = null;

/**
 * One invoke of the model in the device's model slot (inputs as they are), as an app makes it:
 * the model opened once (an app does that in setup(); a model deploy restarts the app), then
 * invoke() per inference.
 */
export function infer(): i32 {
  let m = opened;
  if (m == null) {
    m = model.Model.open();
    if (m == null) return -1;
    opened = m;
  }
  return m.invoke() ? 0 : -2;
}

// ---- tensor copies: setInput()/getOutput() of tensor 0, views made once by model_io_prepare()
let ioModel: model.Model | null = null;
let ioIn = new Uint8Array(0);
let ioOut = new Uint8Array(0);

/** Opens the model and makes buffers the size of input and output tensor 0; returns their total bytes. */
export function model_io_prepare(): i32 {
  const m = model.Model.open();
  if (m == null) return -1;
  const ti = m.input(0);
  const to = m.output(0);
  if (ti == null || to == null) return -2;
  ioModel = m;
  ioIn = new Uint8Array(ti.bytes);
  ioOut = new Uint8Array(to.bytes);
  return ti.bytes + to.bytes;
}

/** setInput(0) then getOutput(0) with the prepared buffers; returns the bytes moved. */
export function model_io(): i32 {
  const m = ioModel;
  if (m == null) return -1;
  if (!m.setInput(0, ioIn)) return -3;
  const n = m.getOutput(0, ioOut);
  return n < 0 ? -4 : ioIn.length + n;
}

// ---- sensor streams: quantize + encode, per sample (firmware/sdk/stream)
const quant = new Quantizer(2, false);
quant.setRange(0, -2.0, 2.0);
quant.setRange(1, 0.0, 50.0);
const encoder = new WqsEncoder(quant, 256, -6);
const STREAM_SAMPLES: i32 = 1000;
/** Distinct samples made once by stream_prepare(), outside the timed encode, and cycled: [i * 2 + channel]. */
const PREPARED: i32 = 200;
const samples = new StaticArray<f64>(2 * PREPARED);
let streamT: i64 = 0;

/** Generates the 1000 two-channel samples stream_encode_1000() encodes (Math.sin is not the encoder's cost). */
export function stream_prepare(): i32 {
  for (let i = 0; i < PREPARED; i++) {
    unchecked((samples[2 * i] = Math.sin(<f64>i * 0.05)));
    unchecked((samples[2 * i + 1] = 20.0 + 0.01 * <f64>(i % 100)));
  }
  return PREPARED;
}
stream_prepare();

/** 1000 two-channel samples on a 10 ms grid through the quantizer and the .wqs encoder (the encoder alone). */
export function stream_encode_1000(): i32 {
  let bytes = 0;
  let k = 0;
  for (let i = 0; i < STREAM_SAMPLES; i++) {
    streamT += 10000;
    const n = encoder.addValuesFrom(streamT, samples, 2 * k);
    if (n > 0) bytes += n;
    if (++k == PREPARED) k = 0;
  }
  return bytes;
}

/** An idle period of 100 ms, for power measurements. */
export function idle_100ms(): i32 {
  time.sleep(100);
  return 0;
}
