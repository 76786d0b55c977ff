// I2C master on the board's sensor bus (RP2040: I2C0 on GPIO 4/5 at 400 kHz; the host
// board: device models given on its command line). 7-bit addresses. Every call returns 0
// (or a value) on success and a negative Status on failure; nothing allocates, so drivers
// can call these from loop(). Buffers are StaticArray<u8>; `length` defaults to the whole
// buffer.
//
//   const WHO_AM_I: u8 = 0x75;
//   const id = i2c.readRegister8(0x68, WHO_AM_I);     // 0..255, or a negative Status
//   if (id < 0) log.error("IMU: " + i2c.statusText(id));

@external("wasmcu", "i2c_write")
declare function i2c_write(addr: i32, data: usize, len: i32, stop: i32): i32;
@external("wasmcu", "i2c_read")
declare function i2c_read(addr: i32, buf: usize, len: i32): i32;

/** firmware/hal/include/hal.h's hal_status, negated. */
export const enum Status {
  Ok = 0,
  /** Address above 0x7f, a zero or too long length. */
  BadParam = -1,
  /** The controller reported an error (arbitration lost, bus stuck). */
  Io = -2,
  Timeout = -3,
  /** No device acknowledged the address or a byte. */
  Nack = -4,
  /** The board has no I2C bus. */
  Unsupported = -5,
}

export function statusText(status: i32): string {
  switch (status) {
    case Status.Ok: return "ok";
    case Status.BadParam: return "bad parameter";
    case Status.Io: return "bus error";
    case Status.Timeout: return "timeout";
    case Status.Nack: return "no acknowledge";
    case Status.Unsupported: return "no I2C bus on this board";
    default: return "unknown I2C status " + status.toString();
  }
}

function span(buf: StaticArray<u8>, length: i32): i32 {
  const n = length < 0 ? buf.length : length;
  return n == 0 || n > buf.length ? -1 : n;
}

/** Sends `length` bytes; stop = false holds the bus for a repeated start (a read next). */
export function write(address: i32, data: StaticArray<u8>, length: i32 = -1, stop: bool = true): i32 {
  const n = span(data, length);
  if (n < 0) return Status.BadParam;
  return i2c_write(address, changetype<usize>(data), n, stop ? 1 : 0);
}

/** Reads `length` bytes into `into`. */
export function read(address: i32, into: StaticArray<u8>, length: i32 = -1): i32 {
  const n = span(into, length);
  if (n < 0) return Status.BadParam;
  return i2c_read(address, changetype<usize>(into), n);
}

/** Writes `out`, then reads into `into` after a repeated start (no stop in between). */
export function writeRead(address: i32, out: StaticArray<u8>, outLength: i32, into: StaticArray<u8>, inLength: i32 = -1): i32 {
  const s = write(address, out, outLength, false);
  return s < 0 ? s : read(address, into, inLength);
}

// Two bytes, never replaced: indices 0 and 1 are read and written unchecked.
const one = new StaticArray<u8>(2);

/** Writes one 8-bit register (register address byte, then the value). */
export function writeRegister8(address: i32, register: i32, value: i32): i32 {
  unchecked((one[0] = <u8>register));
  unchecked((one[1] = <u8>value));
  return i2c_write(address, changetype<usize>(one), 2, 1);
}

/** Reads one 8-bit register: 0..255, or a negative Status. */
export function readRegister8(address: i32, register: i32): i32 {
  unchecked((one[0] = <u8>register));
  let s = i2c_write(address, changetype<usize>(one), 1, 0);
  if (s == 0) s = i2c_read(address, changetype<usize>(one), 1);
  return s < 0 ? s : <i32>unchecked(one[0]);
}

/** Reads `length` consecutive registers from `register` (devices that auto-increment). */
export function readRegisters(address: i32, register: i32, into: StaticArray<u8>, length: i32 = -1): i32 {
  unchecked((one[0] = <u8>register));
  const s = i2c_write(address, changetype<usize>(one), 1, 0);
  if (s < 0) return s;
  const n = span(into, length);
  return n < 0 ? Status.BadParam : i2c_read(address, changetype<usize>(into), n);
}

/** True when a device answers at `address` (one byte is read from it, as bus scans do). */
export function probe(address: i32): bool {
  return i2c_read(address, changetype<usize>(one), 1) == 0;
}
