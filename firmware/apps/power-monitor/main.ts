// power-monitor: turns a board with an INA219 into the current monitor `wasmcu bench
// --monitor PORT` reads (and the monitor chip of rp2040-sim's measurement rig). It samples
// the INA219 every PERIOD_US on the device's microsecond clock, together with the level of
// the marker input the device under test raises during each benchmark phase, and streams
// the samples to the host as compact binary records over the link's stream messages.
// Record and header layout: README.md next to this file.
import { gpio, ina219, log, time } from "../../sdk/index";
import { sendBlock, sendHeader } from "../../sdk/stream/index";

/** The board's shunt resistor, ohms, and the largest current expected, amperes (sets the LSB). */
const SHUNT_OHMS: f64 = 0.1;
const MAX_AMPS: f64 = 0.4;
/** Sampling period on the device clock, microseconds. */
const PERIOD_US: i64 = 1000;
/** Input wired to the device under test's phase-marker output. */
const MARKER_PIN: i32 = 16;
/** Records per stream message: 64 × 8 bytes fits one link frame. */
const BATCH: i32 = 64;
const RECORD_BYTES: i32 = 8;
const HEADER_BYTES: i32 = 20;
/** Header again every this many batches, so a host that attaches late can decode. */
const HEADER_EVERY: i32 = 16;

// 12-bit shunt conversion (532 us) + 11-bit bus (276 us) = 808 us: one fresh conversion per
// 1 ms sample (12-bit bus would take 1064 us). 11 bits keep the bus voltage to 8 mV steps,
// 0.25% of 3.3 V; 9 bits (32 mV) showed as a 0.5% error in power. The 40 mV range covers
// 0.4 A through 0.1 ohm.
const BUS_ADC = ina219.Adc.Bits11;
const SHUNT_ADC = ina219.Adc.Bits12;
const CONFIG: i32 = ina219.configValue(ina219.BusRange.V16, ina219.Gain.Div1_40mV, BUS_ADC, SHUNT_ADC, ina219.Mode.ShuntBusContinuous);

const mon = new ina219.Ina219(ina219.DEFAULT_ADDRESS);
const header = new Uint8Array(HEADER_BYTES);
const records = new Uint8Array(BATCH * RECORD_BYTES);
// Made once: allocating per sample would wake the garbage collector, whose pauses (~10 ms
// in the interpreter) are holes in the trace.
const recordView = new DataView(records.buffer);
let filled: i32 = 0;
let batches: i32 = 0;
let next: i64 = 0;
let busErrors: i32 = 0;
let ready = false;

function writeHeader(): void {
  const v = new DataView(header.buffer);
  header[0] = 0x57; header[1] = 0x50; header[2] = 0x4d; header[3] = 0x31; // "WPM1"
  v.setUint32(4, <u32>PERIOD_US, true);
  v.setFloat32(8, <f32>mon.currentLsbA, true);
  v.setFloat32(12, <f32>SHUNT_OHMS, true);
  v.setUint16(16, <u16>CONFIG, true);
  header[18] = <u8>MARKER_PIN;
  header[19] = <u8>RECORD_BYTES;
}

export function setup(): void {
  gpio.pinMode(MARKER_PIN, gpio.PinMode.InputPullDown);
  let s = mon.reset();
  if (s == 0) s = mon.writeRegister(ina219.Reg.Config, CONFIG);
  if (s == 0) s = mon.calibrate(SHUNT_OHMS, MAX_AMPS);
  if (s != 0) {
    log.error(`power-monitor: no INA219 at 0x40 (status ${s})`);
    return;
  }
  writeHeader();
  sendHeader(header, HEADER_BYTES);
  ready = true;
  next = time.micros();
  log.info(`power-monitor: INA219 every ${PERIOD_US} us, marker on GPIO ${MARKER_PIN}, ${SHUNT_OHMS} ohm shunt`);
}

/** One record: t_us u32 | current i16 (register counts) | bus register u16 with bit 2 = marker level. */
function sample(): void {
  const marker = gpio.digitalRead(MARKER_PIN);
  const t = time.micros();
  const cur = mon.readRegister(ina219.Reg.Current);
  const bus = mon.readRegister(ina219.Reg.Bus);
  if (cur < 0 || bus < 0) {
    // Leave the sample out: the host sees a gap, never a made-up value.
    if (busErrors++ == 0) log.warn(`power-monitor: I2C error ${cur < 0 ? cur : bus}; samples are left out`);
    return;
  }
  const v = recordView;
  const at = filled * RECORD_BYTES;
  v.setUint32(at, <u32>t, true);
  v.setUint16(at + 4, <u16>cur, true);
  v.setUint16(at + 6, <u16>((bus & ~4) | (marker ? 4 : 0)), true);
  if (++filled == BATCH) {
    sendBlock(records, BATCH * RECORD_BYTES);
    filled = 0;
    if (++batches % HEADER_EVERY == 0) sendHeader(header, HEADER_BYTES);
  }
}

export function loop(): void {
  if (!ready) {
    time.sleep(1000);
    return;
  }
  const now = time.micros();
  if (now >= next) {
    sample();
    next += PERIOD_US;
    // Fell behind (the link was busy): skip the missed slots rather than sample in a burst.
    if (next <= now) next = now + PERIOD_US;
  }
  // Asleep until the next grid point: the link is served meanwhile, and the core idles.
  time.sleepUntil(next);
}
