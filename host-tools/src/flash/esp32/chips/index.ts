// The chips the flasher knows, and chip detection from the magic register's value.
import type { EspChip } from "./chip.js";
import { ESP32 } from "./esp32.js";
import { ESP32C3 } from "./esp32c3.js";
import { ESP32S2 } from "./esp32s2.js";
import { ESP32S3 } from "./esp32s3.js";

export type { EspChip } from "./chip.js";
export { CHIP_DETECT_MAGIC_REG } from "./chip.js";

export const CHIPS: readonly EspChip[] = [ESP32, ESP32S2, ESP32S3, ESP32C3];

/** Chips whose magic we recognise only to refuse them with a clear message. */
const UNSUPPORTED: Record<number, string> = {
  0xfff0c101: "ESP8266 (its ROM has no MD5 or compressed writes; use esptool for it)",
};

export type ChipDetection = { chip: EspChip } | { unsupported: string } | { unknown: number };

export function chipFromMagic(magic: number): ChipDetection {
  const m = magic >>> 0;
  const chip = CHIPS.find((c) => c.magic.includes(m));
  if (chip) return { chip };
  const name = UNSUPPORTED[m];
  return name ? { unsupported: name } : { unknown: m };
}

export function chipById(id: string): EspChip | undefined {
  return CHIPS.find((c) => c.id === id.toLowerCase());
}
