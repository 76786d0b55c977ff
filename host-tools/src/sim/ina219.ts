// A simulated TI INA219 current/power monitor for the rp2040js emulator, modelled
// at register level from the datasheet (SBOS448). It is the same model as the
// host board's boards/host/ina219_sim.c (both pass test/boards/host/ina219-vectors.ts);
// the power model behind its current is written down in boards/host/INA219-MODEL.md.
// Everything read from it is simulated, never a measurement of silicon.
import type { I2cDevice } from "./i2c.js";

export const INA219_REG = { config: 0, shunt: 1, bus: 2, power: 3, current: 4, calibration: 5 } as const;
export const INA219_CONFIG_POR = 0x399f;
const REG_COUNT = 6;
const SHUNT_LSB_V = 10e-6;
const BUS_LSB_V = 4e-3;

/** The simulated chip's power model: P = alpha·f·V²·(1−idle) + beta·nPeriph + gamma·V. */
export interface PowerModel {
  /** Effective switched capacitance, farads (W / (Hz·V²)). */
  alpha: number;
  /** Watts per enabled peripheral. */
  beta: number;
  /** Static (idle) current, amperes. */
  gamma: number;
  /** Standard deviation of the current noise per ADC sample, amperes. */
  noiseA: number;
  /** Noise generator seed (0 becomes 1). */
  seed: number;
  /** The board's shunt resistor, ohms. */
  shuntOhms: number;
}

/** What the simulated chip is doing. */
export interface Load {
  fHz: number;
  vSupply: number;
  nPeriph: number;
  /** Fraction of time asleep, 0..1. */
  idle: number;
}

export const DEFAULT_POWER_MODEL: Readonly<PowerModel> = {
  alpha: 4.4e-11,
  beta: 3e-3,
  gamma: 1.5e-3,
  noiseA: 50e-6,
  seed: 1,
  shuntOhms: 0.1,
};

/** The model's noiseless power in watts for a load. */
export function modelPower(m: Pick<PowerModel, "alpha" | "beta" | "gamma">, l: Load): number {
  const idle = Math.min(1, Math.max(0, l.idle));
  return m.alpha * l.fHz * l.vSupply * l.vSupply * (1 - idle) + m.beta * l.nPeriph + m.gamma * l.vSupply;
}

/** Conversion time of one BADC/SADC setting (datasheet table 5), microseconds. */
export function adcTimeUs(adc: number): number {
  const single = [84, 148, 276, 532];
  const averaged = [532, 1060, 2130, 4260, 8510, 17020, 34050, 68100];
  adc &= 0xf;
  return adc & 8 ? averaged[adc & 7]! : single[adc & 3]!;
}

const samplesOf = (adc: number) => (adc & 8 ? 1 << (adc & 7) : 1);
const stepOf = (adc: number) => (adc & 8 ? 1 : 1 << (3 - (adc & 3)));
const roundAway = (x: number) => (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
const shuntEnabled = (mode: number) => mode !== 0 && mode !== 4 && (mode & 1) !== 0;
const busEnabled = (mode: number) => mode !== 0 && mode !== 4 && (mode & 2) !== 0;

export interface Ina219SimOptions {
  model?: Partial<PowerModel>;
  /** Time conversions run on, microseconds (the emulator's clock); default: an internal clock moved by advance(). */
  now?: () => number;
  /**
   * The load averaged over each conversion's window [fromUs, toUs] (a measured chip's
   * emulated activity, see sim/rig.ts). When given, the power model is on from the start
   * and each conversion asks for its own window instead of using setLoad's fixed load.
   */
  loadFor?: (fromUs: number, toUs: number) => Load;
}

export class Ina219Sim implements I2cDevice {
  readonly model: PowerModel;
  private readonly nowFn: (() => number) | undefined;
  private readonly loadFor: ((fromUs: number, toUs: number) => Load) | undefined;
  private manualNow = 0;

  private config = INA219_CONFIG_POR;
  private cal = 0;
  private shunt = 0;
  private bus = 0;
  private current = 0;
  private power = 0;
  private cnvr = false;
  private ovf = false;
  private ptr = 0;
  private converting = true;
  private cycleStart = 0;

  private useModel = false;
  private inShuntV = 0;
  private inBusV = 0;
  private load: Load = { fHz: 0, vSupply: 0, nPeriph: 0, idle: 0 };
  private rng: number;

  // Bus transfer state.
  private written = 0;
  private msb = 0;
  private readIndex = 0;
  private readValue = 0;

  constructor(opts: Ina219SimOptions = {}) {
    this.model = { ...DEFAULT_POWER_MODEL, ...opts.model };
    const m = this.model;
    if (![m.alpha, m.beta, m.gamma, m.noiseA, m.shuntOhms].every(Number.isFinite) || m.noiseA < 0 || m.shuntOhms <= 0) {
      throw new RangeError("INA219 sim: power model values must be finite, noise >= 0 and the shunt > 0 ohms");
    }
    this.nowFn = opts.now;
    this.loadFor = opts.loadFor;
    this.useModel = opts.loadFor !== undefined;
    this.rng = (m.seed >>> 0) || 1;
    this.powerOn();
  }

  // ---------------------------------------------------------------- inputs

  /** Fixed inputs: shunt voltage (signed) and bus voltage (IN− to GND), volts. */
  setInput(shuntV: number, busV: number): void {
    if (!Number.isFinite(shuntV) || !Number.isFinite(busV)) throw new RangeError("INA219 sim: input voltages must be finite");
    this.update();
    this.useModel = false;
    this.inShuntV = shuntV;
    this.inBusV = busV;
  }

  /** Inputs from the power model for this load, from now on. */
  setLoad(load: Load): void {
    const ok = Number.isFinite(load.fHz) && load.fHz >= 0 && Number.isFinite(load.vSupply) && load.vSupply >= 0 &&
      Number.isInteger(load.nPeriph) && load.nPeriph >= 0 && load.idle >= 0 && load.idle <= 1;
    if (!ok) throw new RangeError("INA219 sim: load needs fHz >= 0, vSupply >= 0, integer nPeriph >= 0, idle in 0..1");
    this.update();
    this.useModel = true;
    this.load = { ...load };
  }

  /** Moves the internal clock (only when no `now` was given). */
  advance(us: number): void {
    this.manualNow += us;
  }

  /** A register's value after due conversions, without bus side effects. */
  peek(reg: number): number {
    this.update();
    return this.regValue(reg);
  }

  // ---------------------------------------------------------------- I2cDevice (byte level)

  start(read: boolean): boolean {
    this.update();
    if (read) {
      this.readIndex = 0;
      this.readValue = this.regValue(this.ptr);
    } else {
      this.written = 0;
    }
    return true;
  }

  write(byte: number): boolean {
    const n = this.written++;
    if (n === 0) {
      if (byte >= REG_COUNT) return false; // no such register: NACK, pointer unchanged
      this.ptr = byte;
    } else if (n === 1) {
      this.msb = byte & 0xff;
    } else if (n === 2) {
      this.writeRegister(this.ptr, (this.msb << 8) | (byte & 0xff));
    }
    return true;
  }

  read(): number {
    // Reads past the two bytes repeat the register; reading the power register clears CNVR.
    const v = this.readIndex++ & 1 ? this.readValue & 0xff : this.readValue >> 8;
    if (this.ptr === INA219_REG.power) this.cnvr = false;
    return v;
  }

  stop(): void {
    // Nothing to finish: a register write commits on its third byte.
  }

  // ---------------------------------------------------------------- transfer helpers (tests, harnesses)

  /** One write transfer; false if a byte was NACKed. */
  writeBytes(bytes: ArrayLike<number>): boolean {
    this.start(false);
    for (let i = 0; i < bytes.length; i++) {
      if (!this.write(bytes[i]!)) {
        this.stop();
        return false;
      }
    }
    this.stop();
    return true;
  }

  /** One read transfer of n bytes. */
  readBytes(n: number): Uint8Array {
    this.start(true);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.read();
    this.stop();
    return out;
  }

  // ---------------------------------------------------------------- the chip

  private now(): number {
    return this.nowFn ? this.nowFn() : this.manualNow;
  }

  private powerOn(): void {
    this.config = INA219_CONFIG_POR;
    this.cal = 0;
    this.shunt = 0;
    this.bus = 0;
    this.current = 0;
    this.power = 0;
    this.cnvr = false;
    this.ovf = false;
    this.ptr = 0;
    this.converting = true;
    this.cycleStart = this.now();
  }

  private get mode(): number {
    return this.config & 7;
  }

  private get sadc(): number {
    return (this.config >> 3) & 0xf;
  }

  private get badc(): number {
    return (this.config >> 7) & 0xf;
  }

  private cycleUs(): number {
    return (shuntEnabled(this.mode) ? adcTimeUs(this.sadc) : 0) + (busEnabled(this.mode) ? adcTimeUs(this.badc) : 0);
  }

  private uniform01(): number {
    // xorshift32 (Marsaglia 2003); 24 bits mapped to (0, 1], as in the C model.
    let x = this.rng;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.rng = x;
    return ((x >>> 8) + 1) / 16777216;
  }

  private gaussian(): number {
    const u1 = this.uniform01();
    const u2 = this.uniform01();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private update(): void {
    if (!this.converting) return;
    const now = this.now();
    const cycle = this.cycleUs();
    if (cycle === 0 || now < this.cycleStart + cycle) return;
    // The window of the last due conversion: it ends where the cycle in progress begins.
    let end: number;
    if (this.mode >= 5) {
      this.cycleStart += Math.floor((now - this.cycleStart) / cycle) * cycle;
      end = this.cycleStart;
    } else {
      this.converting = false;
      end = this.cycleStart + cycle;
    }
    this.convert(end - cycle, end);
  }

  private convert(fromUs: number, toUs: number): void {
    let shuntV = this.inShuntV;
    let busV = this.inBusV;
    if (this.loadFor && this.useModel) this.load = this.loadFor(fromUs, toUs);
    if (this.useModel) {
      const v = this.load.vSupply;
      let amps = v > 0 ? modelPower(this.model, this.load) / v : 0;
      if (this.model.noiseA > 0) amps += (this.gaussian() * this.model.noiseA) / Math.sqrt(samplesOf(this.sadc));
      shuntV = amps * this.model.shuntOhms;
      busV = v - shuntV;
    }
    let ovf = false;
    if (shuntEnabled(this.mode)) {
      const range = 4000 << ((this.config >> 11) & 3); // PGA /1../8: 40..320 mV
      let counts = roundAway(shuntV / SHUNT_LSB_V);
      if (counts > range) { counts = range; ovf = true; }
      if (counts < -range) { counts = -range; ovf = true; }
      const step = stepOf(this.sadc);
      this.shunt = roundAway(counts / step) * step;
    }
    if (busEnabled(this.mode)) {
      const range = this.config & 0x2000 ? 8000 : 4000; // BRNG: 32 V or 16 V
      const counts = Math.min(range, Math.max(0, roundAway(busV / BUS_LSB_V)));
      const step = stepOf(this.badc);
      this.bus = Math.min(range, roundAway(counts / step) * step);
    }
    if (this.cal === 0) {
      this.current = 0;
      this.power = 0;
    } else {
      // Datasheet: Current = Shunt × Cal / 4096; Power = Current × Bus / 5000 (truncated).
      let cur = Math.trunc((this.shunt * this.cal) / 4096);
      if (cur > 32767) { cur = 32767; ovf = true; }
      if (cur < -32768) { cur = -32768; ovf = true; }
      this.current = cur;
      let pw = Math.trunc((Math.abs(cur) * this.bus) / 5000);
      if (pw > 0xffff) { pw = 0xffff; ovf = true; }
      this.power = pw;
    }
    this.ovf = ovf;
    this.cnvr = true;
  }

  private regValue(reg: number): number {
    switch (reg) {
      case INA219_REG.config: return this.config;
      case INA219_REG.shunt: return this.shunt & 0xffff;
      case INA219_REG.bus: return ((this.bus << 3) | (this.cnvr ? 2 : 0) | (this.ovf ? 1 : 0)) & 0xffff;
      case INA219_REG.power: return this.power;
      case INA219_REG.current: return this.current & 0xffff;
      case INA219_REG.calibration: return this.cal;
      default: return 0;
    }
  }

  private writeRegister(reg: number, v: number): void {
    if (reg === INA219_REG.config) {
      if (v & 0x8000) {
        this.powerOn();
        return;
      }
      this.config = v & 0x3fff;
      const mode = this.mode;
      // A new mode clears CNVR, except power-down and ADC-off; either way conversions restart now.
      if (mode !== 0 && mode !== 4) this.cnvr = false;
      this.converting = shuntEnabled(mode) || busEnabled(mode);
      this.cycleStart = this.now();
    } else if (reg === INA219_REG.calibration) {
      this.cal = v & 0xfffe; // bit 0 is not implemented
    }
    // The measurement registers are read-only: writes to them are ignored.
  }
}
