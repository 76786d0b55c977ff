// Sensor streams on the host: the .wqs format (FORMAT.md), its encoder/decoder, calibration,
// readers and the file pipelines behind `wasmcu quantize` / `wasmcu dequantize`.
export * from "./format.js";
export * from "./varint.js";
export * from "./quantize.js";
export * from "./encoder.js";
export * from "./decoder.js";
export * from "./reader.js";
export * from "./pipeline.js";
