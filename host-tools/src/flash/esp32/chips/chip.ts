// What the flasher needs to know about one chip's ROM loader. Adding a chip is adding a file.

export interface EspChip {
  /** Name as Espressif writes it: "ESP32", "ESP32-S3". */
  name: string;
  /** --board style id: "esp32", "esp32s3". */
  id: string;
  /** Values of the chip-detect register (0x40001000) that identify this chip. */
  magic: number[];
  /** Where the second-stage bootloader lives in flash. */
  bootloaderOffset: number;
  /** FLASH_BEGIN / FLASH_DEFL_BEGIN take a fifth word (encrypted write flag) on this ROM. */
  beginHasEncryptedWord: boolean;
  /** The ROM loader can inflate FLASH_DEFL_DATA. */
  romSupportsDeflate: boolean;
  /** The ROM loader answers SPI_FLASH_MD5 and CHANGE_BAUDRATE. */
  romSupportsMd5: boolean;
  romSupportsBaudChange: boolean;
  /** Status bytes at the end of every ROM response (ESP32-family ROMs: 4). */
  statusLen: number;
  /** SPI_ATTACH takes an extra zero word when the ROM (not a stub) answers. */
  attachHasRomWord: boolean;
}

/** Register whose reset value differs between chip models. */
export const CHIP_DETECT_MAGIC_REG = 0x40001000;
