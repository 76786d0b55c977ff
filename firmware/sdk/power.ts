// Peripheral power: switch on-chip blocks on only while the app needs them. A block that
// is off is held in reset with its clock gated (no dynamic power); switching it on gives
// it its power-on register values. The blocks the board itself uses (the link, the I2C
// bus of the sensors) are always on. What an app switched on goes off when the next app
// starts.
//
//   if (!power.on(power.Peripheral.SPI0)) log.warn("no SPI0 on this board");
//   ...
//   power.off(power.Peripheral.SPI0);

@external("wasmcu", "periph_power")
declare function periph_power(id: i32, on: i32): i32;
@external("wasmcu", "periph_count")
declare function periph_count(): i32;

/** firmware/hal/include/hal.h's hal_periph numbering. */
export const enum Peripheral {
  SPI0 = 0,
  SPI1 = 1,
  PWM = 2,
  /** Programmable I/O (RP2040). */
  PIO0 = 3,
  PIO1 = 4,
  /** The second I2C controller (the sensors' bus is the first, always on). */
  I2C1 = 5,
  /** The second UART (the link is the first, always on). */
  UART1 = 6,
}

/** Number of Peripheral values. */
export const PERIPHERALS: i32 = 7;

/** Switches a block on. False when the board has no such block or cannot switch it. */
export function on(p: Peripheral): bool {
  return periph_power(<i32>p, 1) == 0;
}

/** Switches a block off (held in reset). False when the board cannot. */
export function off(p: Peripheral): bool {
  return periph_power(<i32>p, 0) == 0;
}

/** Clocked I/O blocks on now, the board's own included: what a power model counts. */
export function count(): i32 {
  return periph_count();
}
