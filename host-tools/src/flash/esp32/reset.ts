// Reset sequences driven through DTR and RTS.
//
// Dev boards wire the USB-serial bridge's modem lines to the chip through two transistors:
// EN (reset) is pulled low while RTS is asserted and DTR is not; IO0 (boot strap) is pulled
// low while DTR is asserted and RTS is not. Releasing EN while IO0 is low starts the ROM's
// serial download mode. Chips with Espressif's own USB-serial/JTAG peripheral decode the
// same two lines in silicon, but need IO0 requested before the reset is pulsed.
import type { ModemLines } from "../../serial/port.js";

export interface ResetStep {
  lines: ModemLines;
  /** Wait after setting the lines. */
  delayMs: number;
}

export interface ResetSequence {
  name: string;
  steps: ResetStep[];
}

/** Classic auto-reset circuit; `holdMs` is how long IO0 stays low after EN rises. */
export function classicReset(holdMs = 50): ResetSequence {
  return {
    name: holdMs > 100 ? `classic (slow, ${holdMs} ms)` : "classic",
    steps: [
      { lines: { dtr: false, rts: true }, delayMs: 100 }, // EN low, IO0 high: chip held in reset
      { lines: { dtr: true, rts: false }, delayMs: holdMs }, // EN high, IO0 low: boots into download mode
      { lines: { dtr: false, rts: false }, delayMs: 0 }, // release IO0
    ],
  };
}

/** Espressif's USB-serial/JTAG peripheral (ESP32-S3/C3/...; USB id 303a:1001). */
export function usbJtagSerialReset(): ResetSequence {
  return {
    name: "usb-jtag-serial",
    steps: [
      { lines: { dtr: false, rts: false }, delayMs: 100 }, // idle
      { lines: { dtr: true, rts: false }, delayMs: 100 }, // request IO0 low
      { lines: { dtr: false, rts: true }, delayMs: 100 }, // reset
      { lines: { dtr: false, rts: false }, delayMs: 0 }, // out of reset
    ],
  };
}

/** Pulses EN to run the freshly written firmware. */
export function hardReset(): ResetSequence {
  return {
    name: "hard reset",
    steps: [
      { lines: { dtr: false, rts: true }, delayMs: 100 },
      { lines: { dtr: false, rts: false }, delayMs: 0 },
    ],
  };
}

/** The order to try sequences in: Espressif's own USB first when the port is one. */
export function bootloaderSequences(usbJtagSerial: boolean): ResetSequence[] {
  return usbJtagSerial
    ? [usbJtagSerialReset(), classicReset(), classicReset(550)]
    : [classicReset(), usbJtagSerialReset(), classicReset(550)];
}
