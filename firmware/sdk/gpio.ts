// Digital pins. Pin numbers are the board's GPIO numbers (see `wasmcu boards`).

@external("wasmcu", "gpio_mode")
declare function gpio_mode(pin: i32, mode: i32): void;
@external("wasmcu", "gpio_write")
declare function gpio_write(pin: i32, level: i32): void;
@external("wasmcu", "gpio_read")
declare function gpio_read(pin: i32): i32;
@external("wasmcu", "gpio_led_pin")
declare function gpio_led_pin(): i32;
@external("wasmcu", "gpio_marker_pin")
declare function gpio_marker_pin(): i32;

export const enum PinMode {
  Input = 0,
  Output = 1,
  InputPullUp = 2,
  InputPullDown = 3,
}

export function pinMode(pin: i32, mode: PinMode): void {
  gpio_mode(pin, mode);
}

export function digitalWrite(pin: i32, high: bool): void {
  gpio_write(pin, high ? 1 : 0);
}

export function digitalRead(pin: i32): bool {
  return gpio_read(pin) != 0;
}

/** The board's LED pin (board.json's led_pin): 25 on the Pico and the host board, 8 on the ESP32-C3. */
export function led(): i32 {
  return gpio_led_pin();
}

/** The pin a power monitor's marker input watches (board.json's marker_pin, else 15): the
 * bench app raises it during each measured phase. GPIO 7 on the ESP32-C3, whose 15 is flash. */
export function marker(): i32 {
  return gpio_marker_pin();
}
