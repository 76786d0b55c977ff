// A simulated InvenSense MPU-6050 on the emulated I2C bus (register map RM-MPU-6000A-00):
// the register pointer protocol, WHO_AM_I, power-on sleep, the range and filter registers,
// DATA_RDY, and the measurement registers filled from a motion model.
// With a clock (rp2040-sim gives its emulated one), the chip samples at the rate its
// registers select from the moment it woke: a burst read from ACCEL_XOUT_H returns the
// latest sample, and INT_STATUS reports DATA_RDY once per new sample (reading clears it).
// Without one, every such read returns the next sample and DATA_RDY is always set.
//
//   rp2040-sim --i2c-device 0x68=host-tools/src/sim/mpu6050.ts
import type { I2cDevice } from "./i2c.js";

export const REG = {
  SMPLRT_DIV: 0x19, CONFIG: 0x1a, GYRO_CONFIG: 0x1b, ACCEL_CONFIG: 0x1c, INT_ENABLE: 0x38, INT_STATUS: 0x3a,
  ACCEL_XOUT_H: 0x3b, TEMP_OUT_H: 0x41, GYRO_XOUT_H: 0x43, PWR_MGMT_1: 0x6b, WHO_AM_I: 0x75,
} as const;

/** One sample of the motion: acceleration in g, rotation in °/s, temperature in °C. */
export interface Motion {
  accel: [number, number, number];
  gyro: [number, number, number];
  tempC: number;
}

/** The default motion: lying flat (1 g on z), shaken along x at 5 Hz (±1 g), turning about z. */
export function shake(tSeconds: number): Motion {
  const w = 2 * Math.PI * 5;
  return {
    accel: [Math.sin(w * tSeconds), 0, 1],
    gyro: [0, 0, 30 * Math.cos(w * tSeconds)],
    tempC: 25,
  };
}

const ACCEL_LSB = [16384, 8192, 4096, 2048];
const GYRO_LSB = [131, 65.5, 32.8, 16.4];

export class Mpu6050Sim implements I2cDevice {
  readonly regs = new Uint8Array(128);
  /** Samples delivered so far. */
  samples = 0;
  private pointer = 0;
  private first = true;
  private wokeUs = 0;
  /** Index of the sample in the measurement registers, and of the last one INT_STATUS reported. */
  private latched = -1;
  private reported = -1;

  constructor(private readonly motion: (t: number) => Motion = shake, private readonly nowUs?: () => number) {
    this.reset();
  }

  /** Power-on values: asleep (PWR_MGMT_1 = 0x40), WHO_AM_I 0x68, everything else 0. */
  reset(): void {
    this.regs.fill(0);
    this.regs[REG.PWR_MGMT_1] = 0x40;
    this.regs[REG.WHO_AM_I] = 0x68;
  }

  get asleep(): boolean {
    return (this.regs[REG.PWR_MGMT_1]! & 0x40) !== 0;
  }

  /** Samples per second the registers select: 8 kHz or 1 kHz gyro rate / (1 + SMPLRT_DIV). */
  get rateHz(): number {
    const dlpf = this.regs[REG.CONFIG]! & 0x07;
    return (dlpf === 0 || dlpf === 7 ? 8000 : 1000) / (1 + this.regs[REG.SMPLRT_DIV]!);
  }

  /** The sample the chip has made by now (clocked), or the next one (unclocked). */
  private current(): number {
    if (!this.nowUs) return this.samples;
    return Math.floor(((this.nowUs() - this.wokeUs) / 1e6) * this.rateHz);
  }

  start(read: boolean): boolean {
    if (!read) this.first = true;
    else if (this.pointer === REG.ACCEL_XOUT_H && !this.asleep) this.latch(this.current());
    return true;
  }

  write(byte: number): boolean {
    if (this.first) {
      this.pointer = byte & 0x7f;
      this.first = false;
      return true;
    }
    this.store(this.pointer, byte);
    this.pointer = (this.pointer + 1) & 0x7f;
    return true;
  }

  read(): number {
    let v = this.regs[this.pointer]!;
    if (this.pointer === REG.INT_STATUS) {
      const n = this.asleep ? this.reported : this.current();
      v = this.nowUs ? (n > this.reported ? 0x01 : 0) : this.asleep ? 0 : 0x01;
      this.reported = Math.max(this.reported, n);
    }
    this.pointer = (this.pointer + 1) & 0x7f;
    return v;
  }

  private store(reg: number, value: number): void {
    if (reg === REG.WHO_AM_I || (reg >= REG.ACCEL_XOUT_H && reg <= REG.GYRO_XOUT_H + 5) || reg === REG.INT_STATUS) return; // read only
    if (reg === REG.PWR_MGMT_1 && value & 0x80) {
      this.reset(); // DEVICE_RESET
      return;
    }
    if (reg === REG.PWR_MGMT_1 && this.asleep && !(value & 0x40)) {
      this.wokeUs = this.nowUs?.() ?? 0; // sampling starts when the chip wakes
      this.latched = this.reported = -1;
    }
    this.regs[reg] = value & 0xff;
  }

  /** Puts sample n of the motion into the measurement registers, at the set ranges. */
  private latch(n: number): void {
    if (n === this.latched || n < 0) return;
    this.latched = n;
    const m = this.motion(n / this.rateHz);
    this.samples++;
    const a = ACCEL_LSB[(this.regs[REG.ACCEL_CONFIG]! >> 3) & 3]!;
    const g = GYRO_LSB[(this.regs[REG.GYRO_CONFIG]! >> 3) & 3]!;
    const put = (reg: number, v: number) => {
      const c = Math.max(-32768, Math.min(32767, Math.round(v)));
      this.regs[reg] = (c >> 8) & 0xff;
      this.regs[reg + 1] = c & 0xff;
    };
    m.accel.forEach((v, i) => put(REG.ACCEL_XOUT_H + 2 * i, v * a));
    put(REG.TEMP_OUT_H, (m.tempC - 36.53) * 340);
    m.gyro.forEach((v, i) => put(REG.GYRO_XOUT_H + 2 * i, v * g));
  }
}

/** For `--i2c-device ADDR=host-tools/src/sim/mpu6050.ts`: on the emulated clock when given one. */
export default function create(ctx?: { nowUs(): number }): I2cDevice {
  return new Mpu6050Sim(shake, ctx?.nowUs);
}
