// A tensor's bytes as numbers: the raw values in the tensor's own type and, for quantized
// tensors, the real values they stand for ((q - zero_point) * scale), as TFLite defines them.

export interface TensorValues {
  /** Each element as stored (int8 codes for an int8 tensor). */
  raw: number[];
  /** (raw - zero_point) * scale for a quantized tensor (scale > 0); the raw values for floats; null otherwise. */
  dequantized: number[] | null;
}

const READERS: Record<string, { size: number; read: (v: DataView, at: number) => number; float?: boolean }> = {
  INT8: { size: 1, read: (v, at) => v.getInt8(at) },
  UINT8: { size: 1, read: (v, at) => v.getUint8(at) },
  INT16: { size: 2, read: (v, at) => v.getInt16(at, true) },
  INT32: { size: 4, read: (v, at) => v.getInt32(at, true) },
  FLOAT32: { size: 4, read: (v, at) => v.getFloat32(at, true), float: true },
};

/** The values of a tensor's bytes (little-endian, as the engine writes them); undefined for a
 * type not read here (e.g. INT64, BOOL). A trailing partial element is ignored. */
export function tensorValues(bytes: Uint8Array, type: string, scale: number, zeroPoint: number): TensorValues | undefined {
  const r = READERS[type.toUpperCase()];
  if (!r) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw: number[] = [];
  for (let at = 0; at + r.size <= bytes.length; at += r.size) raw.push(r.read(view, at));
  const dequantized = r.float ? raw : scale > 0 ? raw.map((q) => (q - zeroPoint) * scale) : null;
  return { raw, dequantized };
}

/** A few values for a person: all of them up to `max`, else the first ones and how many more. */
export function previewValues(values: number[], max = 16, digits = 6): string {
  const shown = values.slice(0, max).map((x) => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(digits)).toString()));
  return `[${shown.join(", ")}${values.length > max ? `, ... ${values.length - max} more` : ""}]`;
}
