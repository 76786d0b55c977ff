import type { EspChip } from "./chip.js";

export const ESP32S2: EspChip = {
  name: "ESP32-S2",
  id: "esp32s2",
  magic: [0x000007c6],
  bootloaderOffset: 0x1000,
  beginHasEncryptedWord: true,
  romSupportsDeflate: true,
  romSupportsMd5: true,
  romSupportsBaudChange: true,
  statusLen: 4,
  attachHasRomWord: true,
};
