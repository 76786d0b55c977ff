import type { EspChip } from "./chip.js";

export const ESP32C3: EspChip = {
  name: "ESP32-C3",
  id: "esp32c3",
  // One value per silicon revision family.
  magic: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
  bootloaderOffset: 0x0,
  beginHasEncryptedWord: true,
  romSupportsDeflate: true,
  romSupportsMd5: true,
  romSupportsBaudChange: true,
  statusLen: 4,
  attachHasRomWord: true,
};
