import type { EspChip } from "./chip.js";

export const ESP32S3: EspChip = {
  name: "ESP32-S3",
  id: "esp32s3",
  magic: [0x00000009],
  bootloaderOffset: 0x0,
  beginHasEncryptedWord: true,
  romSupportsDeflate: true,
  romSupportsMd5: true,
  romSupportsBaudChange: true,
  statusLen: 4,
  attachHasRomWord: true,
};
