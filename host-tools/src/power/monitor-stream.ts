// The power-monitor app's sample stream (firmware/apps/power-monitor, layout in its
// README.md): a header message, then 8-byte records, each the INA219's current and bus
// registers and the marker input's level at one instant on the monitor's clock. Decoded
// here into current samples and the marker edges analyzeBench aligns with.
import { InputError } from "../lib/errors.js";
import type { CurrentSample } from "./trace.js";

export const MONITOR_MAGIC = "WPM1";
export const MONITOR_HEADER_BYTES = 20;
export const MONITOR_RECORD_BYTES = 8;

export interface MonitorHeader {
  periodUs: number;
  currentLsbA: number;
  shuntOhms: number;
  /** The INA219 configuration register the monitor wrote. */
  config: number;
  markerPin: number;
  recordBytes: number;
}

export interface MonitorRecord {
  t_us: number;
  current_a: number;
  /** Bus voltage at the INA219's IN− (after the shunt), volts. */
  bus_v: number;
  marker: 0 | 1;
  overflow: boolean;
}

export function parseMonitorHeader(b: Uint8Array): MonitorHeader {
  if (b.length < MONITOR_HEADER_BYTES || String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!) !== MONITOR_MAGIC) {
    throw new InputError(`not a power-monitor stream header (expected ${MONITOR_HEADER_BYTES} bytes starting "${MONITOR_MAGIC}")`);
  }
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const h: MonitorHeader = {
    periodUs: v.getUint32(4, true),
    currentLsbA: v.getFloat32(8, true),
    shuntOhms: v.getFloat32(12, true),
    config: v.getUint16(16, true),
    markerPin: b[18]!,
    recordBytes: b[19]!,
  };
  if (h.recordBytes !== MONITOR_RECORD_BYTES || !(h.currentLsbA > 0) || !(h.shuntOhms > 0)) {
    throw new InputError(`power-monitor header: unsupported record size ${h.recordBytes} or calibration (LSB ${h.currentLsbA} A, shunt ${h.shuntOhms} ohm)`);
  }
  return h;
}

/**
 * Collects the stream as it arrives: records before the first header cannot be scaled and
 * are dropped (counted); device times (32-bit microseconds) are unwrapped.
 */
export class MonitorStream {
  header: MonitorHeader | undefined;
  readonly records: MonitorRecord[] = [];
  droppedBeforeHeader = 0;
  private pending = new Uint8Array(0);
  private wraps = 0;
  private lastRaw = -1;

  push(isHeader: boolean, bytes: Uint8Array): void {
    if (isHeader) {
      this.header = parseMonitorHeader(bytes);
      return;
    }
    const h = this.header;
    if (!h) {
      this.droppedBeforeHeader += Math.floor(bytes.length / MONITOR_RECORD_BYTES);
      return;
    }
    const all = new Uint8Array(this.pending.length + bytes.length);
    all.set(this.pending);
    all.set(bytes, this.pending.length);
    const v = new DataView(all.buffer);
    let at = 0;
    for (; at + MONITOR_RECORD_BYTES <= all.length; at += MONITOR_RECORD_BYTES) {
      const raw = v.getUint32(at, true);
      if (this.lastRaw >= 0 && raw < this.lastRaw && this.lastRaw - raw > 0x80000000) this.wraps++;
      this.lastRaw = raw;
      const bus = v.getUint16(at + 6, true);
      this.records.push({
        t_us: raw + this.wraps * 0x100000000,
        current_a: v.getInt16(at + 4, true) * h.currentLsbA,
        bus_v: (bus >> 3) * 4e-3,
        marker: bus & 4 ? 1 : 0,
        overflow: (bus & 1) !== 0,
      });
    }
    this.pending = all.slice(at);
  }

  /**
   * Samples for the energy integration. `bus_v` here is the supply upstream of the shunt
   * (IN− plus I·R_shunt): P = I·V_supply is what the board draws, as the power model and
   * RUNS.json mean it. Out-of-order times (a monitor reset) keep only increasing ones.
   */
  samples(): CurrentSample[] {
    const out: CurrentSample[] = [];
    const r = this.header?.shuntOhms ?? 0;
    for (const s of this.records) {
      if (out.length && s.t_us <= out[out.length - 1]!.t_us) continue;
      out.push({ t_us: s.t_us, current_a: s.current_a, bus_v: s.bus_v + s.current_a * r });
    }
    return out;
  }

  /**
   * Times of marker level changes, at sample resolution: the edge happened between the last
   * sample at the old level and the first at the new one; the midpoint is the estimate
   * (error within half a sample period when no samples are missing).
   */
  edges(): { t_us: number; level: 0 | 1 }[] {
    const out: { t_us: number; level: 0 | 1 }[] = [];
    let prev: MonitorRecord | undefined;
    for (const s of this.records) {
      if (s.marker !== (prev?.marker ?? 0)) out.push({ t_us: prev ? (prev.t_us + s.t_us) / 2 : s.t_us, level: s.marker });
      prev = s;
    }
    return out;
  }

  get lastTimeUs(): number | undefined {
    return this.records[this.records.length - 1]?.t_us;
  }
}
