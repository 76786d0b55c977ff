// What the mask ROM does at a flash boot, as esp32c3-sim models it: print its banner and
// the reset reason on UART0 (the real ROM's lines, 115200 baud), parse and check the
// image at flash offset 0 (image.ts), copy the RAM segments, map the flash segments
// through the MMU (what the second-stage bootloader would do; our images boot without
// one: a flash segment's data must sit at the same offset within its 64 KiB page as its
// address, as esptool's elf2image arranges), start the flash-boot watchdogs, and jump to
// the entry point. A bad image is reported as the ROM reports it and the chip waits,
// as the ROM does (it retries forever; here it stops after the report).
import { ResetReason, RESET_REASON_NAMES } from "./clock.js";
import { BUS_WINDOW, DBUS_BASE, IBUS_BASE, MMU_PAGE } from "./flash-cache.js";
import { ImageError, parseImage, type EspImage, type LoadRegions } from "./image.js";
import { DRAM_BASE, DRAM_BYTES, RTC_FAST_BASE, RTC_FAST_BYTES, SRAM_BYTES, SRAM_IBUS_BASE } from "./memory-map.js";

/** The chip as the ROM boot sees it. */
export interface BootTarget {
  readonly flash: Uint8Array;
  resetReason: number;
  downloadMode: boolean;
  romPrint(text: string): void;
  /** Writes bytes at a RAM address (SRAM through either bus, or RTC fast memory). */
  writeRam(addr: number, bytes: Uint8Array): void;
  mapFlashPage(vpage: number, ppage: number): void;
  startFlashBootWatchdogs(): void;
  jump(entry: number): void;
  /** The boot failed: the ROM halts here. */
  halt(reason: string): void;
}

const inside = (addr: number, length: number, base: number, bytes: number) => addr >= base && addr + length <= base + bytes;

export const c3Regions: LoadRegions = {
  isRam: (a, n) => inside(a, n, SRAM_IBUS_BASE, SRAM_BYTES) || inside(a, n, DRAM_BASE, DRAM_BYTES) || inside(a, n, RTC_FAST_BASE, RTC_FAST_BYTES),
  isFlashMapped: (a, n) => inside(a, n, IBUS_BASE, BUS_WINDOW) || inside(a, n, DBUS_BASE, BUS_WINDOW),
};

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

export function romBanner(target: BootTarget): void {
  const reason = target.resetReason;
  const boot = target.downloadMode ? "0x1 (DOWNLOAD(USB/UART0))" : "0xc (SPI_FAST_FLASH_BOOT)";
  target.romPrint(`ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x${reason.toString(16)} (${RESET_REASON_NAMES[reason] ?? "?"}),boot:${boot}\r\n`);
}

/** Boots the image at flash offset 0; returns it, or undefined after reporting why not. */
export function bootFromFlash(target: BootTarget): EspImage | undefined {
  let image: EspImage;
  try {
    image = parseImage(target.flash, 0, c3Regions);
    checkMappable(image);
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    target.romPrint(`${e.message}\r\n`);
    target.halt(e.message);
    return undefined;
  }
  target.romPrint(`SPIWP:0xee\r\nmode:${["QIO", "QOUT", "DIO", "DOUT"][image.spiMode] ?? "DIO"}, clock div:1\r\n`);
  for (const s of image.segments) {
    if (c3Regions.isRam(s.addr, s.length)) {
      target.romPrint(`load:${hex(s.addr)},len:0x${s.length.toString(16)}\r\n`);
      target.writeRam(s.addr, target.flash.subarray(s.dataOffset, s.dataOffset + s.length));
    } else {
      mapSegment(target, s.addr, s.dataOffset, s.length);
    }
  }
  target.romPrint(`entry ${hex(image.entry)}\r\n`);
  target.startFlashBootWatchdogs();
  target.jump(image.entry);
  return image;
}

function checkMappable(image: EspImage): void {
  for (const s of image.segments) {
    if (!c3Regions.isRam(s.addr, s.length) && (s.addr % MMU_PAGE) !== (s.dataOffset % MMU_PAGE)) {
      throw new ImageError(`flash segment at ${hex(s.addr)}: its data at flash offset ${hex(s.dataOffset)} is not at the same offset within a 64 KiB page, so it cannot be mapped`);
    }
  }
}

function mapSegment(target: BootTarget, addr: number, dataOffset: number, length: number): void {
  const firstV = Math.floor((addr % BUS_WINDOW) / MMU_PAGE);
  const lastV = Math.floor(((addr + length - 1) % BUS_WINDOW) / MMU_PAGE);
  const firstP = Math.floor(dataOffset / MMU_PAGE);
  for (let v = firstV; v <= lastV; v++) target.mapFlashPage(v, firstP + (v - firstV));
}

export { ResetReason };
