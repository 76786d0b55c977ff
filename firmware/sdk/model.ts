// The int8 inference engine, over the model the device holds in its model slot.
// Tensors are copied in and out of the app's memory; the device checks every range.

@external("wasmcu", "model_open")
declare function model_open(): i32;
@external("wasmcu", "model_count")
declare function model_count(output: i32): i32;
@external("wasmcu", "model_info")
declare function model_info(output: i32, index: i32, ptr: usize, len: usize): i32;
@external("wasmcu", "model_write")
declare function model_write(index: i32, ptr: usize, len: usize): i32;
@external("wasmcu", "model_invoke")
declare function model_invoke(): i32;
@external("wasmcu", "model_read")
declare function model_read(index: i32, ptr: usize, len: usize): i32;
@external("wasmcu", "model_reset")
declare function model_reset(): void;
@external("wasmcu", "model_micros")
declare function model_micros(): i64;

/** TensorFlow Lite tensor types the engine uses. */
export const enum TensorType {
  Float32 = 0,
  Int32 = 2,
  UInt8 = 3,
  Int16 = 7,
  Int8 = 9,
}

export class TensorInfo {
  type: i32 = 0;
  shape: StaticArray<i32> = new StaticArray<i32>(0);
  /** real = scale * (q - zeroPoint) */
  scale: f32 = 0;
  zeroPoint: i32 = 0;
  bytes: i32 = 0;

  /** Quantizes a real value to this tensor's int8 code, saturating. */
  quantize(x: f32): i8 {
    const q = <i32>Mathf.round(x / this.scale) + this.zeroPoint;
    return <i8>(q < -128 ? -128 : q > 127 ? 127 : q);
  }

  dequantize(q: i32): f32 {
    return this.scale * <f32>(q - this.zeroPoint);
  }
}

const infoBuf = new StaticArray<u8>(48);

function readInfo(output: i32, index: i32): TensorInfo | null {
  if (model_info(output, index, changetype<usize>(infoBuf), 48) != 0) return null;
  const p = changetype<usize>(infoBuf);
  const t = new TensorInfo();
  t.type = load<i32>(p);
  const rank = load<i32>(p, 4);
  t.shape = new StaticArray<i32>(rank);
  for (let i = 0; i < rank; i++) t.shape[i] = load<i32>(p + 8 + <usize>(i * 4));
  t.scale = load<f32>(p, 32);
  t.zeroPoint = load<i32>(p, 36);
  t.bytes = load<i32>(p, 40);
  return t;
}

export class Model {
  /** The model in the device's model slot, or null (the reason is logged). */
  static open(): Model | null {
    return model_open() == 0 ? new Model() : null;
  }

  get inputCount(): i32 {
    return model_count(0);
  }

  get outputCount(): i32 {
    return model_count(1);
  }

  input(i: i32): TensorInfo | null {
    return readInfo(0, i);
  }

  output(i: i32): TensorInfo | null {
    return readInfo(1, i);
  }

  /** Copies `data` into input tensor i; its length must be the tensor's byte size. */
  setInput(i: i32, data: Uint8Array): bool {
    return model_write(i, data.dataStart, <usize>data.byteLength) == 0;
  }

  invoke(): bool {
    return model_invoke() == 0;
  }

  /** Copies output tensor i into `into`; returns the bytes copied (negative on error). */
  getOutput(i: i32, into: Uint8Array): i32 {
    return model_read(i, into.dataStart, <usize>into.byteLength);
  }

  /** Microseconds the last invoke took on the device. */
  get lastInvokeMicros(): i64 {
    return model_micros();
  }

  /** State tensors (LSTM, SVDF) back to zero. */
  reset(): void {
    model_reset();
  }
}
