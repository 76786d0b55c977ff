// InvenSense MPU-6050 6-axis IMU over I2C (register map RM-MPU-6000A-00 rev 4.2, product
// specification PS-MPU-6000A-00 rev 3.4): wake-up, sample rate, digital low-pass filter,
// accelerometer and gyroscope ranges, data-ready, and one burst read of all seven readings.
//
//   const imu = new Mpu6050();                       // AD0 low: 0x68
//   if (imu.begin(AccelRange.G4, GyroRange.Dps500, Dlpf.Hz44, 19) == 0) {   // 1 kHz / (1 + 19) = 50 Hz
//     if (imu.dataReady() && imu.read() == 0) log.info(imu.ax.toString() + " g");
//   }
//
// Calls that talk to the chip return 0 or a negative i2c.Status (-10: WHO_AM_I is not an
// MPU-6050's); readings are in g, degrees per second and degrees Celsius.
import * as i2c from "./i2c";

export const DEFAULT_ADDRESS: i32 = 0x68;
/** begin(): the chip at the address answered, but not as an MPU-6050. */
export const ERR_WRONG_CHIP: i32 = -10;

export const enum Reg {
  SmplrtDiv = 0x19,
  Config = 0x1a,
  GyroConfig = 0x1b,
  AccelConfig = 0x1c,
  IntEnable = 0x38,
  IntStatus = 0x3a,
  AccelXoutH = 0x3b,
  TempOutH = 0x41,
  GyroXoutH = 0x43,
  PwrMgmt1 = 0x6b,
  WhoAmI = 0x75,
}

/** ACCEL_CONFIG AFS_SEL: full scale ±2/4/8/16 g. */
export const enum AccelRange { G2 = 0, G4 = 1, G8 = 2, G16 = 3 }
/** GYRO_CONFIG FS_SEL: full scale ±250/500/1000/2000 °/s. */
export const enum GyroRange { Dps250 = 0, Dps500 = 1, Dps1000 = 2, Dps2000 = 3 }
/** CONFIG DLPF_CFG: accelerometer bandwidth (gyro close to it); 0 runs the gyro at 8 kHz. */
export const enum Dlpf { Hz260 = 0, Hz184 = 1, Hz94 = 2, Hz44 = 3, Hz21 = 4, Hz10 = 5, Hz5 = 6 }

/** LSB per g for an accelerometer range (16384 at ±2 g, halving per step). */
export function accelLsbPerG(r: AccelRange): f64 {
  return <f64>(16384 >> <i32>r);
}

/** LSB per °/s for a gyroscope range: 131, 65.5, 32.8, 16.4. */
export function gyroLsbPerDps(r: GyroRange): f64 {
  switch (r) {
    case GyroRange.Dps250: return 131.0;
    case GyroRange.Dps500: return 65.5;
    case GyroRange.Dps1000: return 32.8;
    default: return 16.4;
  }
}

/** The sample rate SMPLRT_DIV gives: gyro output rate / (1 + div); 8 kHz with the DLPF off. */
export function sampleRateHz(dlpf: Dlpf, div: i32): f64 {
  return (dlpf == Dlpf.Hz260 ? 8000.0 : 1000.0) / <f64>(1 + (div & 0xff));
}

/** Temperature in °C from TEMP_OUT (register map section 4.18: raw / 340 + 36.53). */
export function temperatureC(raw: i32): f64 {
  return <f64>raw / 340.0 + 36.53;
}

function s16(hi: u8, lo: u8): i32 {
  return <i32>(<i16>((<u16>hi << 8) | <u16>lo));
}

export class Mpu6050 {
  address: i32;
  /** The last I2C status (0 or negative). */
  lastStatus: i32 = 0;
  accelRange: AccelRange = AccelRange.G2;
  gyroRange: GyroRange = GyroRange.Dps250;
  /** Raw counts of the last read(): accel x, y, z, temperature, gyro x, y, z. */
  readonly raw: StaticArray<i32> = new StaticArray<i32>(7);
  ax: f64 = 0;
  ay: f64 = 0;
  az: f64 = 0;
  gx: f64 = 0;
  gy: f64 = 0;
  gz: f64 = 0;
  tempC: f64 = 0;
  /** 14 bytes, never replaced (nor is raw): read() indexes both unchecked. */
  private readonly buf: StaticArray<u8> = new StaticArray<u8>(14);

  constructor(address: i32 = DEFAULT_ADDRESS) {
    this.address = address;
  }

  private status(s: i32): i32 {
    this.lastStatus = s;
    return s;
  }

  writeRegister(reg: Reg, value: i32): i32 {
    return this.status(i2c.writeRegister8(this.address, <i32>reg, value));
  }

  /** 0..255, or a negative status. */
  readRegister(reg: Reg): i32 {
    const v = i2c.readRegister8(this.address, <i32>reg);
    this.lastStatus = v < 0 ? v : 0;
    return v;
  }

  /** Checks WHO_AM_I, wakes the chip on the X gyro's clock and sets ranges, filter and rate. */
  begin(accel: AccelRange = AccelRange.G2, gyro: GyroRange = GyroRange.Dps250, dlpf: Dlpf = Dlpf.Hz44, div: i32 = 19): i32 {
    const who = this.readRegister(Reg.WhoAmI);
    if (who < 0) return who;
    if ((who & 0x7e) != 0x68) return this.status(ERR_WRONG_CHIP); // bits 6:1 are the address's upper six bits
    let s = this.writeRegister(Reg.PwrMgmt1, 0x01); // SLEEP off, CLKSEL = PLL with the X gyro
    if (s == 0) s = this.writeRegister(Reg.Config, <i32>dlpf);
    if (s == 0) s = this.writeRegister(Reg.SmplrtDiv, div & 0xff);
    if (s == 0) s = this.setAccelRange(accel);
    if (s == 0) s = this.setGyroRange(gyro);
    if (s == 0) s = this.writeRegister(Reg.IntEnable, 0x01); // DATA_RDY_EN: INT_STATUS says when a sample is new
    return s;
  }

  setAccelRange(r: AccelRange): i32 {
    const s = this.writeRegister(Reg.AccelConfig, <i32>r << 3);
    if (s == 0) this.accelRange = r;
    return s;
  }

  setGyroRange(r: GyroRange): i32 {
    const s = this.writeRegister(Reg.GyroConfig, <i32>r << 3);
    if (s == 0) this.gyroRange = r;
    return s;
  }

  /** Puts the chip to sleep (a few µA) or wakes it. */
  sleep(on: bool): i32 {
    return this.writeRegister(Reg.PwrMgmt1, on ? 0x41 : 0x01);
  }

  /** True when a new sample is ready (INT_STATUS.DATA_RDY_INT; reading clears it). */
  dataReady(): bool {
    const v = this.readRegister(Reg.IntStatus);
    return v >= 0 && (v & 0x01) != 0;
  }

  /** Reads accelerometer, temperature and gyroscope in one burst (registers 0x3B..0x48). */
  read(): i32 {
    const b = this.buf;
    const s = this.status(i2c.readRegisters(this.address, <i32>Reg.AccelXoutH, b, 14));
    if (s < 0) return s;
    const r = this.raw;
    for (let i = 0; i < 7; i++) unchecked((r[i] = s16(unchecked(b[2 * i]), unchecked(b[2 * i + 1]))));
    // LSB per g is a power of two, so multiplying by its reciprocal gives the quotient's
    // exact bits with one soft-float division instead of three; per °/s is not (131, 65.5...).
    const ia = 1.0 / accelLsbPerG(this.accelRange), g = gyroLsbPerDps(this.gyroRange);
    this.ax = <f64>unchecked(r[0]) * ia;
    this.ay = <f64>unchecked(r[1]) * ia;
    this.az = <f64>unchecked(r[2]) * ia;
    this.tempC = temperatureC(unchecked(r[3]));
    this.gx = <f64>unchecked(r[4]) / g;
    this.gy = <f64>unchecked(r[5]) / g;
    this.gz = <f64>unchecked(r[6]) / g;
    return 0;
  }
}
