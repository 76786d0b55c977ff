// What the RP2040 bootrom does before our code runs, for the emulator (which
// has no bootrom): check the CRC32 of the first 256 bytes of flash (boot2) and
// copy them to the top of SRAM. Datasheet 2.8.1.3: CRC-32 with polynomial
// 0x04c11db7, initial value 0xffffffff, no reflection, no final XOR, over 252
// bytes, stored little-endian in bytes 252..255.

export const BOOT2_SIZE = 256;
/** Where the bootrom copies boot2 and enters it. */
export const BOOT2_SRAM_ADDRESS = 0x20041f00;
export const SRAM_END = 0x20042000;

export function boot2Crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    }
  }
  return crc >>> 0;
}

export interface Boot2Check {
  ok: boolean;
  computed: number;
  stored: number;
}

/** Checks the boot2 block at the start of a flash image, as the bootrom does. */
export function checkBoot2(flash: Uint8Array): Boot2Check {
  if (flash.length < BOOT2_SIZE) return { ok: false, computed: 0, stored: 0 };
  const computed = boot2Crc32(flash.subarray(0, 252));
  const stored = (flash[252]! | (flash[253]! << 8) | (flash[254]! << 16) | (flash[255]! << 24)) >>> 0;
  return { ok: computed === stored, computed, stored };
}
