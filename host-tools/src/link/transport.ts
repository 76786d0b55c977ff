// A byte stream to a device: a serial port, a pseudo-terminal, or (in tests) a model
// of a bad link that drops, duplicates, corrupts and delays bytes.
import { openSerialPort } from "../serial/port.js";

export interface Transport {
  write(data: Uint8Array): void;
  onData(fn: (chunk: Uint8Array) => void): void;
  close(): Promise<void>;
  readonly description: string;
}

export async function openSerial(path: string, baudRate: number): Promise<Transport> {
  const port = await openSerialPort(path, baudRate);
  const listeners: ((c: Uint8Array) => void)[] = [];
  port.stream.on("data", (chunk: Buffer) => listeners.forEach((l) => l(chunk)));
  return {
    description: `${path} at ${baudRate} baud`,
    write: (data) => {
      port.stream.write(Buffer.from(data));
    },
    onData: (fn) => listeners.push(fn),
    close: () => port.close(),
  };
}

export interface FaultModel {
  /** Probability that a byte is replaced by a random one. */
  corrupt: number;
  /** Probability that a byte is lost. */
  drop: number;
  /** Probability that a byte is sent twice. */
  duplicate: number;
  /** Probability that a whole chunk (a write or a read) is lost. */
  dropChunk: number;
  /** Extra delay for each chunk, uniformly 0..maxDelayMs. */
  maxDelayMs: number;
  /** Probability, per byte, that a burst starts: this byte and the next `burstLength - 1` are replaced. */
  burst?: number;
  /** Bytes a burst replaces (default 16: a millisecond and more of a 115200-baud line). */
  burstLength?: number;
  /** Deterministic seed. */
  seed: number;
}

export interface FaultStats {
  corrupted: number;
  dropped: number;
  duplicated: number;
  chunksDropped: number;
  bursts: number;
}

/** Wraps a transport in a deterministic model of a noisy link (both directions). */
export function faultyTransport(inner: Transport, model: FaultModel): Transport & { stats: FaultStats } {
  let s = model.seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const stats: FaultStats = { corrupted: 0, dropped: 0, duplicated: 0, chunksDropped: 0, bursts: 0 };
  const burstLength = model.burstLength ?? 16;
  let burstLeft = 0; // shared by both directions: a burst is a bad moment on the line
  const mangle = (data: Uint8Array): Uint8Array | undefined => {
    if (rnd() < model.dropChunk) {
      stats.chunksDropped++;
      return undefined;
    }
    const out: number[] = [];
    for (const b of data) {
      if (burstLeft > 0 || (model.burst && rnd() < model.burst)) {
        if (burstLeft === 0) {
          stats.bursts++;
          burstLeft = burstLength;
        }
        burstLeft--;
        stats.corrupted++;
        out.push(Math.floor(rnd() * 256));
        continue;
      }
      const r = rnd();
      if (r < model.drop) {
        stats.dropped++;
        continue;
      }
      if (r < model.drop + model.corrupt) {
        stats.corrupted++;
        out.push(Math.floor(rnd() * 256));
        continue;
      }
      out.push(b);
      if (r < model.drop + model.corrupt + model.duplicate) {
        stats.duplicated++;
        out.push(b);
      }
    }
    return Uint8Array.from(out);
  };
  // Delays keep order within a direction, as a real link does.
  let lastOut = 0;
  let lastIn = 0;
  const later = (last: number, fn: () => void): number => {
    const at = Math.max(Date.now() + rnd() * model.maxDelayMs, last);
    setTimeout(fn, at - Date.now());
    return at;
  };
  const listeners: ((c: Uint8Array) => void)[] = [];
  inner.onData((chunk) => {
    const m = mangle(chunk);
    if (m) lastIn = later(lastIn, () => listeners.forEach((l) => l(m)));
  });
  return {
    stats,
    description: `${inner.description} through a fault model`,
    write: (data) => {
      const m = mangle(data);
      if (m) lastOut = later(lastOut, () => inner.write(m));
    },
    onData: (fn) => listeners.push(fn),
    close: () => inner.close(),
  };
}
