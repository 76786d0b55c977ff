import type { EspChip } from "./chip.js";

export const ESP32: EspChip = {
  name: "ESP32",
  id: "esp32",
  magic: [0x00f01d83],
  bootloaderOffset: 0x1000,
  beginHasEncryptedWord: false,
  romSupportsDeflate: true,
  romSupportsMd5: true,
  romSupportsBaudChange: true,
  statusLen: 4,
  attachHasRomWord: true,
};
