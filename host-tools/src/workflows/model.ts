// Running the device's active model over the link: write inputs, invoke, read outputs.
import { DeviceError, InputError } from "../lib/errors.js";
import { Cmd, LinkStatus, MAX_PAYLOAD } from "../link/constants.js";
import type { DeviceLink } from "../link/session.js";

export interface DeviceTensor {
  io: "input" | "output";
  index: number;
  type: string;
  bytes: number;
  zero_point: number;
  scale: number;
  shape: number[];
}

export interface DeviceModelInfo {
  arena_bytes: number;
  tensors: DeviceTensor[];
}

export interface DeviceRun {
  outputs: Uint8Array[];
  micros: number;
  /** CPU cycles of the invoke where the board counts them (emulator, real chips), else 0. */
  cycles: number;
}


export async function deviceModelInfo(link: DeviceLink): Promise<DeviceModelInfo> {
  const d = await link.json("model info", Cmd.ModelInfo);
  const raw = JSON.parse(new TextDecoder().decode(d)) as { arena_bytes: number; tensors: (Omit<DeviceTensor, "scale"> & { scale_bits: number })[] };
  const f = new DataView(new ArrayBuffer(4));
  return {
    arena_bytes: raw.arena_bytes,
    tensors: raw.tensors.map(({ scale_bits, ...t }) => {
      f.setUint32(0, scale_bits, true);
      return { ...t, scale: f.getFloat32(0, true) };
    }),
  };
}

/** Writes each input, invokes once, and reads every output of the device's active model. */
export async function runDeviceModel(link: DeviceLink, inputs: Uint8Array[], opts: { reset?: boolean } = {}): Promise<DeviceRun> {
  const info = await deviceModelInfo(link);
  const ins = info.tensors.filter((t) => t.io === "input");
  const outs = info.tensors.filter((t) => t.io === "output");
  if (inputs.length !== ins.length) throw new InputError(`the model has ${ins.length} input(s); ${inputs.length} given`);
  ins.forEach((t, i) => {
    if (inputs[i]!.length !== t.bytes) {
      throw new InputError(`input ${i} is ${inputs[i]!.length} bytes; tensor ${i} (${t.type} [${t.shape.join(",")}]) needs ${t.bytes}`);
    }
  });
  if (opts.reset) await link.ok("model reset", Cmd.ModelReset);
  // Inputs and outputs go in pieces sized by the line (short ones while it loses frames).
  for (const [i, data] of inputs.entries()) {
    await link.pieces(data.length, MAX_PAYLOAD - 5, async (off, n, o) => {
      const p = new Uint8Array(5 + n);
      p[0] = i;
      new DataView(p.buffer).setUint32(1, off, true);
      p.set(data.subarray(off, off + n), 5);
      await link.ok(`model input ${i} at ${off}`, Cmd.ModelInput, p, o);
    });
  }
  const inv = await link.command(Cmd.ModelInvoke);
  if (inv.status !== LinkStatus.Ok) throw new DeviceError(`model invoke failed on the device: ${inv.detail || `status ${inv.status}`}`);
  const d = inv.data.at(-1);
  const dv = d && d.length >= 20 ? new DataView(d.buffer, d.byteOffset, d.length) : undefined;
  const outputs: Uint8Array[] = [];
  for (const t of outs) {
    const buf = new Uint8Array(t.bytes);
    await link.pieces(t.bytes, MAX_PAYLOAD, async (off, n, o) => {
      const p = new Uint8Array(9);
      p[0] = t.index;
      new DataView(p.buffer).setUint32(1, off, true);
      new DataView(p.buffer).setUint32(5, n, true);
      const r = await link.ok(`model output ${t.index} at ${off}`, Cmd.ModelOutput, p, { ...o, expectData: true });
      const part = r.data.at(-1);
      if (!part || part.length !== n) throw new DeviceError(`model output ${t.index}: expected ${n} bytes at ${off}, got ${part?.length ?? 0}`);
      buf.set(part, off);
    });
    outputs.push(buf);
  }
  return { outputs, micros: dv ? Number(dv.getBigUint64(4, true)) : NaN, cycles: dv ? Number(dv.getBigUint64(12, true)) : 0 };
}
