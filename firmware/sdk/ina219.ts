// TI INA219 current/power monitor over I2C (datasheet SBOS448): configuration,
// calibration from the shunt resistance and the largest expected current, bus and
// shunt voltage, current, power, and the conversion-ready and overflow flags.
//
//   const mon = new Ina219(0x40);
//   mon.configure(BusRange.V16, Gain.Div1_40mV, Adc.Bits12, Adc.Samples8, Mode.ShuntBusContinuous);
//   mon.calibrate(0.1, 0.4);           // 0.1 ohm shunt, up to 400 mA
//   if (mon.conversionReady()) log.info(`${mon.current() * 1000} mA`);
//
// Calls that talk to the chip return 0 or a negative i2c.Status (the board's I2C error);
// readings return NaN when the bus failed, with the status in `lastStatus`.
import * as i2c from "./i2c";

export const enum Reg {
  Config = 0,
  Shunt = 1,
  Bus = 2,
  Power = 3,
  Current = 4,
  Calibration = 5,
}

/** Bus voltage full-scale range (BRNG). */
export const enum BusRange {
  V16 = 0,
  V32 = 1,
}

/** Shunt PGA gain and range (PG). */
export const enum Gain {
  Div1_40mV = 0,
  Div2_80mV = 1,
  Div4_160mV = 2,
  Div8_320mV = 3,
}

/** ADC resolution or averaging (BADC / SADC). */
export const enum Adc {
  Bits9 = 0,
  Bits10 = 1,
  Bits11 = 2,
  Bits12 = 3,
  Samples2 = 9,
  Samples4 = 10,
  Samples8 = 11,
  Samples16 = 12,
  Samples32 = 13,
  Samples64 = 14,
  Samples128 = 15,
}

/** Operating mode (MODE). */
export const enum Mode {
  PowerDown = 0,
  ShuntTriggered = 1,
  BusTriggered = 2,
  ShuntBusTriggered = 3,
  AdcOff = 4,
  ShuntContinuous = 5,
  BusContinuous = 6,
  ShuntBusContinuous = 7,
}

export const DEFAULT_ADDRESS: i32 = 0x40;
/** Status when an argument is out of range (a negative number apart from the board's I2C errors). */
export const ERR_PARAM: i32 = -100;

/** Microseconds one conversion takes at an ADC setting (datasheet table 5). */
export function conversionTimeUs(adc: i32): i32 {
  adc &= 0xf;
  if ((adc & 8) == 0) {
    const bits = adc & 3;
    return bits == 0 ? 84 : bits == 1 ? 148 : bits == 2 ? 276 : 532;
  }
  const n = adc & 7;
  if (n == 0) return 532;
  if (n == 1) return 1060;
  if (n == 2) return 2130;
  if (n == 3) return 4260;
  if (n == 4) return 8510;
  if (n == 5) return 17020;
  if (n == 6) return 34050;
  return 68100;
}

/** Config register value for these settings. */
export function configValue(range: BusRange, gain: Gain, busAdc: Adc, shuntAdc: Adc, mode: Mode): i32 {
  return ((<i32>range & 1) << 13) | ((<i32>gain & 3) << 11) | ((<i32>busAdc & 0xf) << 7) | ((<i32>shuntAdc & 0xf) << 3) | (<i32>mode & 7);
}

/** Current_LSB the calibration uses: the largest expected current over 2^15, amperes. */
export function currentLsb(maxAmps: f64): f64 {
  return maxAmps / 32768.0;
}

/**
 * Cal = trunc(0.04096 / (Current_LSB × R_shunt)), the datasheet's formula; bit 0 is not
 * implemented by the chip, so the value is even. A quotient a hair under an integer from
 * floating-point rounding (4095.9999999 for 4096) is taken as that integer.
 * Returns ERR_PARAM when the result does not fit the 16-bit register or the inputs are not positive.
 */
export function calibrationValue(shuntOhms: f64, maxAmps: f64): i32 {
  if (!(shuntOhms > 0) || !(maxAmps > 0)) return ERR_PARAM;
  const q = 0.04096 / (currentLsb(maxAmps) * shuntOhms);
  const cal = Math.floor(q * (1.0 + 1e-12));
  if (!(cal >= 1.0) || cal > 65535.0) return ERR_PARAM;
  return <i32>cal & 0xfffe;
}

export class Ina219 {
  readonly address: i32;
  lastStatus: i32 = 0;
  /** Amperes per current-register count, after calibrate(). */
  currentLsbA: f64 = 0;
  /** Watts per power-register count: 20 × Current_LSB. */
  powerLsbW: f64 = 0;
  /** The calibration register value written by calibrate(). */
  calibration: i32 = 0;
  /** Three bytes, never replaced: indexed unchecked below. */
  private readonly buf: StaticArray<u8> = new StaticArray<u8>(3);

  constructor(address: i32 = DEFAULT_ADDRESS) {
    this.address = address;
  }

  /** Writes a 16-bit register; 0 or a negative status. */
  writeRegister(reg: Reg, value: i32): i32 {
    const b = this.buf;
    unchecked((b[0] = <u8>reg));
    unchecked((b[1] = <u8>(value >> 8)));
    unchecked((b[2] = <u8>value));
    const s = i2c.write(this.address, b, 3);
    this.lastStatus = s;
    return s;
  }

  /** Reads a 16-bit register (0..65535), or a negative status. */
  readRegister(reg: Reg): i32 {
    const b = this.buf;
    unchecked((b[0] = <u8>reg));
    const address = this.address;
    let s = i2c.write(address, b, 1);
    if (s == 0) s = i2c.read(address, b, 2);
    this.lastStatus = s;
    if (s < 0) return s;
    return (<i32>unchecked(b[0]) << 8) | <i32>unchecked(b[1]);
  }

  /** Resets every register to its power-on value (RST bit). */
  reset(): i32 {
    const s = this.writeRegister(Reg.Config, 0x8000);
    if (s == 0) {
      this.currentLsbA = 0;
      this.powerLsbW = 0;
      this.calibration = 0;
    }
    return s;
  }

  configure(range: BusRange, gain: Gain, busAdc: Adc, shuntAdc: Adc, mode: Mode): i32 {
    return this.writeRegister(Reg.Config, configValue(range, gain, busAdc, shuntAdc, mode));
  }

  /** Starts a triggered conversion (or changes mode): rewrites the mode bits, keeping the rest. */
  setMode(mode: Mode): i32 {
    const c = this.readRegister(Reg.Config);
    if (c < 0) return c;
    return this.writeRegister(Reg.Config, (c & ~7) | (<i32>mode & 7));
  }

  /** Programs the calibration for this shunt and the largest current expected (amperes). */
  calibrate(shuntOhms: f64, maxAmps: f64): i32 {
    const cal = calibrationValue(shuntOhms, maxAmps);
    if (cal < 0) {
      this.lastStatus = cal;
      return cal;
    }
    const s = this.writeRegister(Reg.Calibration, cal);
    if (s == 0) {
      this.calibration = cal;
      this.currentLsbA = currentLsb(maxAmps);
      this.powerLsbW = 20.0 * this.currentLsbA;
    }
    return s;
  }

  /** Time a full conversion takes with the current configuration (both ADCs when both run), microseconds. */
  conversionTimeUs(): i32 {
    const c = this.readRegister(Reg.Config);
    if (c < 0) return c;
    const mode = c & 7;
    let t = 0;
    if (mode != 0 && mode != 4 && (mode & 1) != 0) t += conversionTimeUs((c >> 3) & 0xf);
    if (mode != 0 && mode != 4 && (mode & 2) != 0) t += conversionTimeUs((c >> 7) & 0xf);
    return t;
  }

  /** Shunt voltage in volts (signed, 10 µV per count). */
  shuntVoltage(): f64 {
    const r = this.readRegister(Reg.Shunt);
    if (r < 0) return NaN;
    return <f64><i16>r * 10e-6;
  }

  /** Bus voltage in volts (4 mV per count). */
  busVoltage(): f64 {
    const r = this.readRegister(Reg.Bus);
    if (r < 0) return NaN;
    return <f64>(r >> 3) * 4e-3;
  }

  /** Current in amperes from the current register (needs calibrate()). */
  current(): f64 {
    if (this.currentLsbA == 0) {
      this.lastStatus = ERR_PARAM;
      return NaN;
    }
    const r = this.readRegister(Reg.Current);
    if (r < 0) return NaN;
    return <f64><i16>r * this.currentLsbA;
  }

  /** Power in watts from the power register (needs calibrate()). Reading it clears conversion-ready. */
  power(): f64 {
    if (this.powerLsbW == 0) {
      this.lastStatus = ERR_PARAM;
      return NaN;
    }
    const r = this.readRegister(Reg.Power);
    if (r < 0) return NaN;
    return <f64>r * this.powerLsbW;
  }

  /** CNVR: a conversion finished since the last power read or mode write. False on a bus error. */
  conversionReady(): bool {
    const r = this.readRegister(Reg.Bus);
    return r >= 0 && (r & 2) != 0;
  }

  /** OVF: the current or power arithmetic (or the shunt input) overflowed in the last conversion. */
  overflow(): bool {
    const r = this.readRegister(Reg.Bus);
    return r >= 0 && (r & 1) != 0;
  }
}
