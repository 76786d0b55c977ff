// sensor: samples two channels at 100 Hz on a fixed grid, quantizes them to 8 bits and
// streams .wqs blocks to the host (`wasmcu monitor --record FILE.wqs`). With no real sensor
// on the board, the channels are a simulated accelerometer axis and a slowly warming
// temperature; the ranges below are the sensor configuration, not a calibration run.
import { log, time } from "../../sdk/index";
import { Quantizer, Sampler, WqsEncoder, sendBlock, sendHeader } from "../../sdk/stream/index";

const PERIOD_US: i64 = 10_000;
const quant = new Quantizer(2, false);
const encoder = new WqsEncoder(quant, 64, -6);
const values = new StaticArray<f64>(2);
let sampler: Sampler | null = null;
let headerLen = 0;
let blocks = 0;

export function setup(): void {
  quant.setRange(0, -2.0, 2.0);   // accelerometer axis, g
  quant.setRange(1, 15.0, 35.0);  // temperature, degrees C
  encoder.setName(0, "accel_x");
  encoder.setName(1, "temp_c");
  headerLen = encoder.writeHeader();
  sendHeader(encoder.header, headerLen);
  sampler = new Sampler(PERIOD_US, time.micros());
  log.info("sensor: streaming 2 channels at 100 Hz in blocks of 64 samples");
}

export function loop(): void {
  const s = sampler!;
  const now = time.micros();
  if (s.poll(now)) {
    const t = <f64>s.last / 1e6;
    values[0] = 0.8 * Math.sin(2 * Math.PI * 1.5 * t);
    values[1] = 21.0 + 0.5 * t;
    const n = encoder.addValues(s.last, values);
    if (n > 0) {
      sendBlock(encoder.out, n);
      // The header again every 8 blocks, so a monitor that attaches late can begin a file.
      if (++blocks % 8 == 0) sendHeader(encoder.header, headerLen);
    }
  }
  const wait = <i32>((s.next - time.micros()) / 1000);
  time.sleep(wait > 0 ? wait : 0);
}
