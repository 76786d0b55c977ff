// esp32c3-sim: the emulated ESP32-C3, the core (cpu.ts) wired to its memory map and
// peripherals, with the ROM's boot (rom-boot.ts) or its serial download mode
// (rom-serial.ts) after every reset. Time is the core's emulated cycles at 160 MHz;
// peripherals with timed events (UART bytes arriving, SYSTIMER alarms, watchdog stages)
// are brought up to date whenever the core reaches the earliest of them.
import { fastTiming, SpiNorFlash, type SpiNorTiming } from "../flash-chip.js";
import { deviceMap, type I2cDevices } from "../i2c.js";
import { CPU_HZ, ResetReason, RESET_REASON_NAMES } from "./clock.js";
import { Cpu } from "./cpu.js";
import { BUS_WINDOW, FlashCache, IBUS_BASE, MMU_TABLE_BASE } from "./flash-cache.js";
import { Gpio, GPIO_BASE } from "./gpio.js";
import { I2c0, I2C0_BASE } from "./i2c0.js";
import { INTMATRIX_BASE, InterruptMatrix, Source } from "./interrupt-matrix.js";
import { ChipBus, DRAM_BASE, DRAM_BYTES, SRAM1_IBUS_BASE, SRAM_BYTES, SRAM_IBUS_BASE, sramLayout } from "./memory-map.js";
import type { Peripheral } from "./peripheral.js";
import { bootFromFlash, romBanner, type BootTarget } from "./rom-boot.js";
import { RomSerialLoader } from "./rom-serial.js";
import { RTC_CNTL_BASE, RtcControl } from "./rtc-cntl.js";
import { Spi1, SPI1_BASE } from "./spi1.js";
import { Systimer, SYSTIMER_BASE } from "./systimer.js";
import { TIMG0_BASE, TIMG1_BASE, TimerGroup } from "./timg.js";
import { Uart, UART0_BASE } from "./uart.js";
import { uartLog } from "../uart-log.js";

export interface Esp32c3Options {
  /** The flash contents (a power of two in size; 4 MiB is the usual C3 module). */
  flash: Uint8Array;
  /** Start in the ROM's serial download mode (GPIO9 strapped low) instead of booting from flash. */
  downloadMode?: boolean;
  /** Print the ROM's boot lines on UART0 as the real ROM does (default true). */
  romLog?: boolean;
  flashTiming?: SpiNorTiming;
  i2cDevices?: I2cDevices;
  onUartTx?: (byte: number) => void;
  onGpio?: (pin: number, level: number, cycle: number) => void;
  onReset?: (reason: number, name: string, cycle: number) => void;
  onUartDropped?: (total: number, cycle: number) => void;
  /** Flash contents changed (erase/program): persist them. */
  onFlashChange?: (offset: number, length: number) => void;
  powerCut?: (n: number, kind: "erase" | "program", offset: number, length: number) => boolean;
  onPowerCut?: () => void;
  onWarning?: (message: string) => void;
}

/** Longest stretch the core runs before peripherals are looked at again (0.1 ms). */
const MAX_SLICE_CYCLES = 16_000;

export class Esp32c3 implements BootTarget {
  readonly sram = new Uint8Array(SRAM_BYTES);
  readonly flash: Uint8Array;
  readonly cache: FlashCache;
  readonly bus: ChipBus;
  readonly cpu: Cpu;
  readonly intMatrix: InterruptMatrix;
  readonly uart: Uart;
  readonly systimer: Systimer;
  readonly timg0: TimerGroup;
  readonly timg1: TimerGroup;
  readonly rtc: RtcControl;
  readonly gpio: Gpio;
  readonly spi1: Spi1;
  readonly i2c0: I2c0;
  readonly flashChip: SpiNorFlash;
  readonly loader: RomSerialLoader;
  downloadMode: boolean;
  /** Why the chip stopped running code (a bad image), if it did. */
  halted: string | undefined;
  resets = 0;
  private readonly timed: Peripheral[];
  private inCore = false;
  private pendingReset: number | undefined;

  constructor(private readonly opts: Esp32c3Options) {
    this.flash = opts.flash;
    this.downloadMode = opts.downloadMode ?? false;
    this.cache = new FlashCache(this.flash, () => this.flashCodeChanged());
    this.bus = new ChipBus(this.cache);
    this.cpu = new Cpu(this.bus, sramLayout(this.sram));
    this.bus.charge = (c) => (this.cpu.cycles += c);
    const now = () => this.cpu.cycles;
    this.intMatrix = new InterruptMatrix((line) => {
      this.cpu.interruptLine = line;
      this.cpu.breakOut = true;
    });
    const source = (s: number) => (on: boolean) => this.intMatrix.setSource(s, on);
    this.uart = new Uart({
      now, transmit: (b) => this.uartTx(b), setInterrupt: source(Source.UART0),
      dropped: (total) => {
        uartLog(`uart-dropped ${total} ${this.cpu.cycles} ${process.pid}`);
        opts.onUartDropped?.(total, this.cpu.cycles);
      },
    });
    uartLog(`start ${process.pid}`);
    this.systimer = new Systimer({ now, setInterrupt: (n, on) => this.intMatrix.setSource(Source.SYSTIMER_TARGET0 + n, on) });
    const resetChip = (reason: number) => () => this.reset(reason);
    this.timg0 = new TimerGroup("TIMG0", {
      now, setInterrupts: (t0, wdt) => { source(Source.TG0_T0)(t0); source(Source.TG0_WDT)(wdt); },
      resetChip: (kind) => resetChip(kind === "cpu" ? ResetReason.TG0WDT_CPU : ResetReason.TG0WDT_SYS)(),
    });
    this.timg1 = new TimerGroup("TIMG1", {
      now, setInterrupts: (t0, wdt) => { source(Source.TG1_T0)(t0); source(Source.TG1_WDT)(wdt); },
      resetChip: (kind) => resetChip(kind === "cpu" ? ResetReason.TG1WDT_CPU : ResetReason.TG1WDT_SYS)(),
    });
    this.rtc = new RtcControl({ now, resetChip: (_kind, reason) => this.reset(reason), setInterrupt: source(Source.RTC_CORE) });
    this.gpio = new Gpio({ now, onChange: opts.onGpio });
    this.flashChip = new SpiNorFlash(this.flash, {
      jedecId: 0xef4000 | Math.log2(this.flash.length),
      timing: opts.flashTiming ?? fastTiming,
      now: () => (this.cpu.cycles * 1e9) / CPU_HZ,
      onChange: (o, l) => opts.onFlashChange?.(o, l),
      powerCut: opts.powerCut,
      onPowerCut: opts.onPowerCut,
    });
    this.spi1 = new Spi1(this.flashChip, () => this.flashCodeChanged());
    this.i2c0 = new I2c0(deviceMap(opts.i2cDevices), source(Source.I2C_EXT0));
    this.loader = new RomSerialLoader(this);
    this.attachAll();
    this.timed = [this.uart, this.systimer, this.timg0, this.timg1, this.rtc];
    this.powerOn();
  }

  private attachAll(): void {
    const at: [number, Peripheral][] = [
      [UART0_BASE, this.uart], [SPI1_BASE, this.spi1], [GPIO_BASE, this.gpio], [RTC_CNTL_BASE, this.rtc],
      [I2C0_BASE, this.i2c0], [TIMG0_BASE, this.timg0], [TIMG1_BASE, this.timg1], [SYSTIMER_BASE, this.systimer],
      [INTMATRIX_BASE, this.intMatrix], [MMU_TABLE_BASE, this.cache],
    ];
    for (const [base, p] of at) this.bus.attach(base, p);
  }

  get cycles(): number {
    return this.cpu.cycles;
  }

  /** Emulated time in nanoseconds. */
  get nanos(): number {
    return (this.cpu.cycles * 1e9) / CPU_HZ;
  }

  private uartTx(byte: number): void {
    this.opts.onUartTx?.(byte);
  }

  romPrint(text: string): void {
    if (this.opts.romLog === false) return;
    for (let i = 0; i < text.length; i++) this.uartTx(text.charCodeAt(i) & 0xff);
  }

  /** Code in flash was remapped or rewritten: cached decodes and cache lines of it are stale. */
  private flashCodeChanged(): void {
    this.cpu.invalidatePages(IBUS_BASE, BUS_WINDOW);
    this.cache.invalidate();
  }

  get resetReason(): number {
    return this.rtc.resetReason;
  }

  set resetReason(r: number) {
    this.rtc.resetReason = r;
  }

  writeRam(addr: number, bytes: Uint8Array): void {
    const a = addr >>> 0;
    if (a >= SRAM_IBUS_BASE && a + bytes.length <= SRAM_IBUS_BASE + SRAM_BYTES) {
      this.sram.set(bytes, a - SRAM_IBUS_BASE);
    } else if (a >= DRAM_BASE && a + bytes.length <= DRAM_BASE + DRAM_BYTES) {
      this.sram.set(bytes, a - DRAM_BASE + (SRAM1_IBUS_BASE - SRAM_IBUS_BASE));
    } else {
      for (let i = 0; i < bytes.length; i++) this.bus.write(a + i, 1, bytes[i]!);
    }
    this.cpu.invalidatePages(SRAM_IBUS_BASE, SRAM_BYTES);
  }

  mapFlashPage(vpage: number, ppage: number): void {
    this.cache.map(vpage, ppage);
  }

  startFlashBootWatchdogs(): void {
    this.timg0.startFlashBootProtection();
    this.rtc.startFlashBootProtection();
  }

  jump(entry: number): void {
    this.cpu.pc = entry | 0;
  }

  halt(reason: string): void {
    this.halted = reason;
    this.opts.onWarning?.(`ROM: ${reason}`);
  }

  private powerOn(): void {
    this.rtc.powerOn();
    this.restart();
  }

  /** A reset of the chip (watchdog, software): everything but the RTC domain and SRAM contents starts over.
   * Asked for by a store the core is executing, it happens once that instruction is done. */
  reset(reason: number): void {
    if (this.inCore) {
      this.pendingReset = reason;
      this.cpu.breakOut = true;
      return;
    }
    this.resets++;
    this.rtc.resetReason = reason;
    this.opts.onReset?.(reason, RESET_REASON_NAMES[reason] ?? `reason ${reason}`, this.cpu.cycles);
    this.rtc.reset();
    this.restart();
  }

  /** Hardware reset state, then the ROM. */
  private restart(): void {
    for (const p of [this.intMatrix, this.uart, this.systimer, this.timg0, this.timg1, this.gpio, this.spi1, this.cache, this.i2c0]) p.reset?.();
    this.cpu.x.fill(0);
    this.cpu.csr.mstatus = 0;
    this.cpu.csr.mtvec = 0;
    this.cpu.waiting = false;
    this.cpu.breakOut = true;
    this.halted = undefined;
    this.gpio.downloadBoot = this.downloadMode;
    romBanner(this);
    if (this.downloadMode) {
      this.rtc.feedSuperWatchdogAutomatically();
      this.romPrint("waiting for download\r\n");
      this.loader.start();
    } else {
      bootFromFlash(this);
    }
  }

  writeFlash(offset: number, bytes: Uint8Array): void {
    // NOR programming: bits only go from 1 to 0
    for (let i = 0; i < bytes.length; i++) this.flash[offset + i]! &= bytes[i]!;
    this.opts.onFlashChange?.(offset, bytes.length);
    this.flashCodeChanged();
  }

  eraseFlash(offset: number, length: number): void {
    this.flash.fill(0xff, offset, offset + length);
    this.opts.onFlashChange?.(offset, length);
    this.flashCodeChanged();
  }

  romTransmit(bytes: Uint8Array): void {
    for (const b of bytes) this.uartTx(b);
  }

  /** The download-mode strap is a button held at power-on: once the loader is left, resets boot from flash. */
  leaveToFlash(reset: boolean): void {
    this.downloadMode = false;
    if (reset) this.reset(ResetReason.RTC_SW_SYS);
    else bootFromFlash(this);
  }

  leaveToRam(entry: number): void {
    this.downloadMode = false;
    this.jump(entry);
  }

  /** Strapping for the next reset: download mode (GPIO9 low) or flash boot. */
  setBootMode(download: boolean): void {
    this.downloadMode = download;
  }

  /** Bytes from the host to UART0. */
  uartReceive(bytes: Uint8Array): void {
    this.uart.receive(bytes);
  }

  /** The earliest cycle at which a peripheral has something to do. */
  private nextEvent(): number {
    let t = Infinity;
    for (const p of this.timed) t = Math.min(t, p.nextEvent!(this.cpu.cycles));
    return t;
  }

  private advancePeripherals(): void {
    const now = this.cpu.cycles;
    for (const p of this.timed) p.advance!(now);
  }

  private runCore(budget: number): number {
    this.inCore = true;
    let ran: number;
    try {
      ran = this.cpu.run(budget);
    } finally {
      this.inCore = false;
    }
    const reason = this.pendingReset;
    if (reason !== undefined) {
      this.pendingReset = undefined;
      this.reset(reason);
    }
    return ran;
  }

  /** Runs until the emulated cycle count reaches `until` (or the chip has nothing at all to do). */
  runUntil(until: number): void {
    while (this.cpu.cycles < until) {
      const event = this.nextEvent();
      const stop = Math.min(until, event, this.cpu.cycles + MAX_SLICE_CYCLES);
      if (this.downloadMode && this.loader.active) {
        this.cpu.cycles = Math.max(this.cpu.cycles, Math.min(stop, Math.max(event, this.cpu.cycles + 1)));
        this.advancePeripherals();
        this.loader.poll();
        continue;
      }
      if (this.halted !== undefined) { this.cpu.cycles = until; return; } // the ROM stopped: nothing runs
      if (this.cpu.waiting) {
        if (event === Infinity && this.cpu.interruptLine < 0) { this.cpu.cycles = until; return; }
        this.cpu.cycles = Math.max(this.cpu.cycles, stop);
        this.advancePeripherals();
        this.runCore(1); // wakes on a pending interrupt
        continue;
      }
      const ran = this.runCore(Math.max(1, Math.ceil(stop - this.cpu.cycles)));
      if (ran === 0 && !this.cpu.waiting) this.cpu.cycles += 1;
      this.advancePeripherals();
    }
  }
}
