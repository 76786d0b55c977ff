// Sensor streams on the device: sample on a grid, filter, normalise, window, quantize to
// 8 bits and encode as .wqs (host-tools/src/stream/FORMAT.md); the host's `wasmcu
// dequantize` reads the result. Constructors allocate; nothing allocates per sample.
//
//   import { Sampler, Quantizer, Calibrator, WqsEncoder } from "../../sdk/stream/index";
//   import { micros } from "../../sdk/time";
//   const sampler = new Sampler(10_000, micros());            // 100 Hz on a fixed grid
//   const quant = new Quantizer(2, false);                     // uint8 codes
//   quant.setRange(0, -2.0, 2.0); quant.setRange(1, 0.0, 50.0); // from the board's sensor config,
//                                                              // or a Calibrator run: cal.apply(quant)
//   const enc = new WqsEncoder(quant, 256, -6);                // 256-sample blocks, us ticks
//   send(enc.header, enc.writeHeader());
//   ...each loop: if (sampler.poll(micros())) {
//     values[0] = ax; values[1] = temp;
//     const n = enc.addValues(sampler.last, values);           // grid time: regular, so cheap
//     if (n > 0) send(enc.out, n);                             // a finished block
//   }
//   sampler.missed, sampler.drift and quant.saturated(ch) say what was lost or clipped.
export { Sampler } from "./sampler";
export { RingBuffer } from "./ring";
export { RunningStats } from "./stats";
export { MedianFilter, EmaFilter } from "./filters";
export { Quantizer, Calibrator } from "./quantize";
export { WqsEncoder, ERR_TIME_BACKWARDS, ERR_CODE_RANGE, ERR_VALUES_RANGE, BLOCK_HEADER_BYTES, MAX_CHANNELS, MAX_BLOCK_SAMPLES } from "./encoder";
export { crc32 } from "./crc32";
export { sendHeader, sendBlock } from "./send";
export { zigzag, writeVarint } from "./varint";
