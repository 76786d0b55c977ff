// sine: runs the model in the device's model slot (TFLM's hello_world_int8: y ≈ sin(x))
// through the SDK, quantizing x and dequantizing y with the tensors' own parameters.
import { log, model, time } from "../../sdk/index";

let m: model.Model | null = null;
let inInfo: model.TensorInfo | null = null;
let outInfo: model.TensorInfo | null = null;
const input = new Uint8Array(1);
const output = new Uint8Array(1);
let step = 0;

export function setup(): void {
  m = model.Model.open();
  if (m == null) {
    log.error("sine: no usable model; deploy one with `wasmcu deploy --model`");
    return;
  }
  inInfo = m!.input(0);
  outInfo = m!.output(0);
  log.info("sine: model has " + m!.inputCount.toString() + " input(s), " + m!.outputCount.toString() + " output(s)");
}

export function loop(): void {
  if (m == null) {
    time.sleep(1000);
    return;
  }
  const x = <f32>step * (2 * Mathf.PI / 8);
  input[0] = <u8>inInfo!.quantize(x);
  m!.setInput(0, input);
  if (!m!.invoke()) {
    log.error("sine: invoke failed");
    time.sleep(1000);
    return;
  }
  m!.getOutput(0, output);
  const y = outInfo!.dequantize(<i32><i8>output[0]);
  log.info("sine: x=" + x.toString() + " y=" + y.toString() + " (" + m!.lastInvokeMicros.toString() + " us)");
  step = (step + 1) % 8;
  time.sleep(250);
}
