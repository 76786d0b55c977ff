// rp2040-sim: the RP2040 firmware running in rp2040js, driven in big batches of
// instructions (faster than real time when the host allows) with emulated time
// tied to the cycle count. Around rp2040js's core and peripherals we add what
// the wasmcu firmware needs and rp2040js lacks: the flash interface (SSI direct
// mode, chip-select override, XIP cache control) wired to a SPI NOR model,
// optionally persisted to a file; the bootrom's boot2 check and hand-over; chip
// resets by the watchdog (scratch and reason registers survive, as on silicon);
// HardFaults for UDF/BKPT; I2C device models; a pseudo-terminal for UART0;
// optionally a USB host (rp2040js's CDC-ACM helper) on the USB controller,
// bridged to a second pseudo-terminal.
//
// Not emulated (rp2040js): the second core, interrupt latency, bus wait states,
// SPI/UART/I2C transfer times; flash wait states only with `flashModel` (the XIP
// cache and QSPI transaction cost of xip-timing.ts). Cycle counts are emulated cycles,
// not measurements of silicon.
import { existsSync, openSync, readFileSync, closeSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";

import { GPIOPinState, RP2040, USBCDC, type GPIOPin } from "rp2040js";
import { modelUartRxInterrupts } from "./uart-rx.js";

import { RP2040_FAMILY_ID, elfFlashChunks, uf2FlashChunks, type FlashChunk } from "../build/uf2.js";
import { BOOT2_SIZE, BOOT2_SRAM_ADDRESS, SRAM_END, checkBoot2 } from "./bootrom.js";
import { countPeripherals, type ActivityLog } from "./activity.js";
import { SimClock, type SimAlarm } from "./clock.js";
import { isElf } from "../build/elf.js";
import { SpiNorFlash, fastTiming, type SpiNorTiming } from "./flash-chip.js";
import { attachI2cDevices, deviceMap, type I2cDevices, type I2cTraceEntry } from "./i2c.js";
import { openPtyBridge, type PtyBridge } from "./pty.js";
import { IoQspiModel, QspiBus, SsiModel, XIP_03H, XipCtrlModel } from "./qspi.js";
import { uartLog } from "./uart-log.js";
import { FlashTimingModel, readModeFromSsi, type FlashRegion, type XipRegionStats } from "./xip-timing.js";

export const FLASH_BASE = 0x10000000;
export const DEFAULT_FLASH_SIZE = 2 * 1024 * 1024;
const XIP_WINDOW = 16 * 1024 * 1024;
const UART_KEEP = 4 * 1024 * 1024;
const EXC_HARDFAULT = 3;

export interface GpioEvent {
  pin: number;
  level: 0 | 1;
  /** Emulated cycles since the simulation started (continuous across chip resets). */
  cycle: number;
}

export type ResetCause = "watchdog-timeout" | "watchdog-force" | "sysresetreq";

export interface ResetEvent {
  cause: ResetCause;
  cycle: number;
  /**
   * Why the wasmcu firmware reset itself, decoded from the code it leaves in
   * watchdog scratch 0..3 before a forced reset (boards/rp2040/src/fault.c).
   */
  firmware?: { reason: "software" | "hardfault" | "stack-overflow" | "exception"; pc: number; lr: number; xpsr: number };
}

const FIRMWARE_REASONS = ["software", "hardfault", "stack-overflow", "exception"] as const;

function decodeFirmwareReset(scratch: Uint32Array): ResetEvent["firmware"] {
  const v = scratch[0]! >>> 0;
  const reason = FIRMWARE_REASONS[(v & 0xfff) - 1];
  if ((v & 0xfffff000) >>> 0 !== 0x57a5c000 || !reason) return undefined;
  return { reason, pc: scratch[1]! >>> 0, lr: scratch[2]! >>> 0, xpsr: scratch[3]! >>> 0 };
}

export interface Rp2040SimOptions {
  /** Firmware: a path to .elf, .uf2 or .bin, or its bytes (ELF/UF2 recognised by content, else raw flash from 0). */
  image?: string | Uint8Array;
  /** Flash contents kept in this file (created erased if missing); erases and programs are written through. */
  flashFile?: string;
  /** Emulated seconds per wall-clock second; Infinity (default) runs as fast as the host can. */
  speed?: number;
  /** Bridge UART0 to a pseudo-terminal (needs socat); its path is `ptyPath`. */
  pty?: boolean;
  /** Called for each change of a driven GPIO level. */
  onGpio?: (pin: number, level: 0 | 1, cycle: number) => void;
  /** Called with bytes the firmware sends on UART0. */
  onUart?: (bytes: Uint8Array) => void;
  /** Called with the new total each time a byte sent to UART0 is dropped by an overrun (RX FIFO full). */
  onUartDropped?: (total: number, cycle: number) => void;
  /**
   * Plug a USB host into the USB controller: rp2040js's CDC-ACM host helper
   * enumerates the firmware's device (SET_ADDRESS, configuration descriptor,
   * SET_CONFIGURATION, then SET_CONTROL_LINE_STATE with DTR and RTS, as a host
   * opening the port does) and carries bulk data. With `pty` too, the data is
   * bridged to a second pseudo-terminal (`usbPtyPath`).
   */
  usb?: boolean;
  /** Called with bytes the firmware sends on its CDC bulk IN endpoint. */
  onUsb?: (bytes: Uint8Array) => void;
  /** Called when the USB host has configured the device (after each chip reset too). */
  onUsbConnect?: (cycle: number) => void;
  onReset?: (event: ResetEvent) => void;
  /** Emulator warnings (unmodelled registers, unimplemented instructions...). */
  onWarning?: (message: string) => void;
  /** Device models on I2C0, by 7-bit address. */
  i2cDevices?: I2cDevices;
  /** Busy times of the flash chip (default: short ones, see flash-chip.ts). */
  flashTiming?: SpiNorTiming;
  /**
   * Flash timing (xip-timing.ts): XIP cache lookups and QSPI transaction stalls charged to
   * the core, counted per flash region. Off by default (rp2040js's ideal: no wait states).
   */
  flashModel?: boolean | { regions?: FlashRegion[] };
  /** Power-loss testing: see SpiNorOptions.powerCut / onPowerCut. */
  powerCut?: (n: number, kind: "erase" | "program", offset: number, length: number) => boolean;
  onPowerCut?: () => void;
  flashSize?: number;
  /** "boot2" (default): check and run boot2 as the bootrom would; "vectors": start at the vector table after it. */
  boot?: "boot2" | "vectors";
  /**
   * Hold the chip in reset until the first byte arrives on UART0 (from the
   * pseudo-terminal or `uartWrite`), so a host that connects late misses
   * nothing; those first bytes reach the firmware once it enables its UART.
   */
  holdUntilHost?: boolean;
  /** Instructions' worth of cycles per batch between looks at the host (default 4M; also capped to ~25 ms of wall time). */
  batchCycles?: number;
  /**
   * Record what the chip does for a power model (sleep intervals, clk_sys, enabled
   * peripherals; see activity.ts), on this sim's emulated-nanosecond time base.
   */
  activity?: ActivityLog;
  /**
   * Never run past this emulated time (nanoseconds): a second chip on the same time base
   * (a power monitor) follows the chip it measures and must not get ahead of it.
   */
  timeLimitNanos?: () => number;
}

export interface UartWaitOptions {
  /** Character offset in `uartText` to search from (default 0). */
  from?: number;
  /** Wall-clock limit (default 60 s). */
  timeoutMs?: number;
  /** Emulated-cycle limit, counted from the call. */
  timeoutCycles?: number;
}

export interface UartMatch {
  match: RegExpExecArray;
  /** Offsets of the match in the UART output since start. */
  index: number;
  end: number;
  /** Emulated cycle at which the firmware wrote the first newline at or after the match's last character. */
  cycle?: number;
}

export interface SimStats {
  cycles: number;
  emulatedUs: number;
  wallMs: number;
  /** Emulated clk_sys cycles per wall-clock second, in millions. */
  emulatedMHz: number;
}

interface WatchdogLike {
  onWatchdogTrigger: () => void;
  scratchData: Uint32Array;
  reason: number;
  timer: { enable: boolean };
  alarm: { enable: boolean };
}

interface Waiter {
  check: () => boolean;
  fail: (e: Error) => void;
  deadlineWall: number;
  deadlineCycles: number;
  what: string;
}

/** VREG_AND_CHIP_RESET: only what tells a power-on from other resets. */
class ChipResetModel {
  constructor(readonly chipReset: number) {}
  readUint32(offset: number): number {
    if (offset === 0x0) return 0xb1; // VREG: default 1.10 V
    if (offset === 0x4) return 0x91; // BOD: enabled, 0.86 V
    if (offset === 0x8) return this.chipReset;
    return 0;
  }
  writeUint32(): void {}
  writeUint32Atomic(): void {}
}

const HAD_POR = 1 << 8;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

export class Rp2040Sim {
  /** The pseudo-terminal a host opens to talk to UART0 (with `pty: true`). */
  ptyPath: string | undefined;
  /**
   * What the firmware wrote on UART0, one char per byte (latin1): everything
   * since start, or the last 4 MiB of it on long runs (then `uartStart` says
   * how many characters came before). Offsets in UartMatch count from start.
   */
  uartText = "";
  uartStart = 0;
  /** Driven GPIO changes (the most recent 100k). */
  readonly gpioEvents: GpioEvent[] = [];
  readonly resets: ResetEvent[] = [];
  readonly warnings: string[] = [];
  readonly i2cTrace: I2cTraceEntry[] = [];
  /** The flash chip's contents (XIP reads see the same bytes). */
  readonly flash: Uint8Array;
  readonly flashChip: SpiNorFlash;
  /** The pseudo-terminal bridged to the USB CDC port (with `usb: true` and `pty: true`). */
  usbPtyPath: string | undefined;
  /** What the firmware sent over USB CDC (latin1), the last 4 MiB at most. */
  usbText = "";
  /** Emulated cycle at which the USB host configured the device; undefined until then (and after a chip reset). */
  usbConnectedAt: number | undefined;
  /**
   * Bytes sent to UART0 while its receiver was on that the firmware did not take in time
   * (the 32-byte receive FIFO was full): an overrun, as a real PL011 would drop them.
   */
  uartDropped = 0;
  /** Bytes sent to UART0 while it was off (the chip booting or resetting), lost as on a real chip. */
  uartWhileOff = 0;
  /** Resolves when the simulation stops; rejects if the emulation failed. */
  readonly done: Promise<void>;

  /** The rp2040js chip; a new one after each chip reset. */
  rp!: RP2040;
  private clock!: SimClock;
  private ssi!: SsiModel;
  private xipCtrl!: XipCtrlModel;
  private readonly bus: QspiBus;
  /** The flash timing model, when on; `xipStats()` reads its counters. */
  readonly flashTiming: FlashTimingModel | undefined;
  private stall = 0;
  private readonly xip: Uint8Array;
  private readonly devices;
  private nsPerCycle = 8;
  private cycleBase = 0;
  private nanosBase = 0;
  private chipReset = HAD_POR;
  private pendingReset: ResetCause | undefined;
  private pendingFault = false;
  private lockedUp = false;
  private crashed: Error | undefined;
  private stopping = false;
  private running = false;
  private xipOk = true;
  private faultPc: number | undefined;
  private flashFd: number | undefined;
  private pty: PtyBridge | undefined;
  private usbPty: PtyBridge | undefined;
  private usbCdc: USBCDC | undefined;
  private usbRxQueue: number[] = [];
  private usbPendingRead: { endpoint: number; size: number } | undefined;
  private uartOut: number[] = [];
  private uartCount = 0; // bytes written since start
  private newlineCycles: [number, number][] = []; // [offset, cycle] of each "\n" (recent ones)
  private rxQueue: number[] = [];
  private rxAlarm: SimAlarm | undefined;
  private rxScheduled = false;
  private baud = 115200;
  private external = new Map<number, boolean>();
  private waiters = new Set<Waiter>();
  private holding = false;
  private keepEarlyBytes = false;
  private cursor = 0;
  private wallStart = performance.now();
  private wallPaced = 0;
  private nanosPaced = 0;
  private resolveDone!: () => void;
  private rejectDone!: (e: Error) => void;
  private readonly batchCycles: number;
  private readonly speed: number;
  /** Input levels driven from another chip, applied when this chip's time reaches them. */
  private inputQueue: { pin: number; level: boolean; atNs: number }[] = [];
  private releasedResets = 0;

  constructor(private readonly opts: Rp2040SimOptions) {
    const size = opts.flashSize ?? DEFAULT_FLASH_SIZE;
    if (!Number.isInteger(size) || size <= 0 || size > XIP_WINDOW || (size & (size - 1)) !== 0) {
      throw new Error(`flashSize ${size} must be a power of two up to 16 MiB`);
    }
    this.speed = opts.speed ?? Infinity;
    if (!(this.speed > 0)) throw new Error(`speed ${opts.speed} must be positive (Infinity: as fast as possible)`);
    this.batchCycles = opts.batchCycles ?? 4_000_000;
    // One buffer for the whole XIP window, so rp2040js reads see the chip's bytes directly.
    this.xip = new Uint8Array(XIP_WINDOW).fill(0xff);
    this.flash = this.xip.subarray(0, size);
    this.flashChip = new SpiNorFlash(this.flash, {
      timing: opts.flashTiming ?? fastTiming,
      now: () => this.nanos,
      onChange: (offset, length) => this.persist(offset, length),
      powerCut: opts.powerCut,
      onPowerCut: opts.onPowerCut,
    });
    this.bus = new QspiBus(this.flashChip);
    this.bus.onXipChange = () => this.updateXipGuard();
    if (opts.flashModel) {
      const regions = typeof opts.flashModel === "object" ? opts.flashModel.regions ?? [] : [];
      this.flashTiming = new FlashTimingModel(regions, readModeFromSsi(XIP_03H.ctrlr0, XIP_03H.spiCtrlr0, XIP_03H.baudr));
    }
    this.devices = deviceMap(opts.i2cDevices);
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // callers may only look at waiters; never an unhandled rejection
  }

  /** Emulated cycles since the simulation started, continuous across chip resets. */
  get cycles(): number {
    return this.cycleBase + this.rp.core.cycles;
  }

  /** Emulated nanoseconds since the simulation started. */
  get nanos(): number {
    return this.nanosBase + (this.clock?.nanos ?? 0);
  }

  get stats(): SimStats {
    const wallMs = performance.now() - this.wallStart;
    return { cycles: this.cycles, emulatedUs: this.nanos / 1000, wallMs, emulatedMHz: this.cycles / wallMs / 1000 };
  }

  /** Loads flash and image, powers the chip on and starts running. */
  async start(): Promise<void> {
    try {
      this.loadFlash();
      this.powerOn();
      if (this.opts.pty) {
        this.pty = await openPtyBridge((bytes) => this.uartWrite(bytes));
        this.ptyPath = this.pty.path;
        if (this.opts.usb) {
          this.usbPty = await openPtyBridge((bytes) => this.usbWrite(bytes));
          this.usbPtyPath = this.usbPty.path;
        }
      }
    } catch (e) {
      if (this.flashFd !== undefined) closeSync(this.flashFd);
      this.flashFd = undefined;
      await this.pty?.close();
      throw e;
    }
    uartLog(`start ${process.pid}`);
    this.wallStart = this.wallPaced = performance.now();
    this.nanosPaced = 0;
    this.running = true;
    if (this.opts.holdUntilHost) {
      this.holding = this.keepEarlyBytes = true;
      return; // uartWrite releases it
    }
    setImmediate(() => this.loop());
  }

  /** True while `holdUntilHost` keeps the chip in reset. */
  get held(): boolean {
    return this.holding;
  }

  private loadFlash(): void {
    const { flashFile, image } = this.opts;
    if (flashFile) {
      if (existsSync(flashFile)) {
        const bytes = readFileSync(flashFile);
        if (bytes.length !== this.flash.length) {
          throw new Error(`flash file ${flashFile} is ${bytes.length} bytes; the emulated flash is ${this.flash.length}`);
        }
        this.flash.set(bytes);
        this.flashFd = openSync(flashFile, "r+");
      } else {
        this.flashFd = openSync(flashFile, "w+");
        writeSync(this.flashFd, this.flash, 0, this.flash.length, 0);
      }
    }
    if (image !== undefined) {
      const bytes = typeof image === "string" ? new Uint8Array(readFileSync(image)) : image;
      const chunks = imageChunks(bytes, this.flash.length);
      // As the UF2 bootloader does: erase each 4 KiB sector the image touches, then write.
      for (const c of chunks) {
        const off = c.address - FLASH_BASE;
        const first = off - (off % 4096);
        const last = Math.ceil((off + c.data.length) / 4096) * 4096;
        this.flash.fill(0xff, first, last);
      }
      for (const c of chunks) this.flash.set(c.data, c.address - FLASH_BASE);
      this.persist(0, this.flash.length);
    } else if (!flashFile) {
      throw new Error("nothing to run: give an image or a flash file");
    }
  }

  private persist(offset: number, length: number): void {
    if (this.flashFd === undefined) return;
    writeSync(this.flashFd, this.flash, offset, length, offset);
  }

  /** A fresh chip: power-on, or the reset the watchdog (or SYSRESETREQ) performs. */
  private powerOn(carry?: { scratch: Uint32Array; reason: number }): void {
    const clock = new SimClock();
    const rp = new RP2040(clock);
    this.clock = clock;
    this.rp = rp;
    this.lockedUp = false;
    this.pendingFault = false;
    this.faultPc = undefined;
    this.xipOk = true;
    rp.logger = {
      debug: () => {},
      info: () => {},
      warn: (c: string, m: string) => this.warn(`${c}: ${m}`),
      error: (c: string, m: string) => this.warn(`${c}: ${m}`),
    };
    // rp2040js keeps its own 16 MiB flash array; point it at ours (the chip's contents).
    Object.assign(rp as unknown as Record<string, unknown>, {
      flash: this.xip,
      flash16: new Uint16Array(this.xip.buffer),
      flashView: new DataView(this.xip.buffer),
    });
    this.installMemoryChecks(rp);
    this.ssi = new SsiModel(rp, this.bus);
    this.xipCtrl = new XipCtrlModel(rp, this.flashTiming, (cycles) => (this.stall += cycles));
    this.stall = 0;
    if (this.flashTiming) {
      // A chip reset brings the XIP block out of reset (its cache flushed) and the SSI back to the bootrom's mode.
      this.flashTiming.flush();
      this.flashTiming.enabled = true;
      this.flashTiming.setMode(readModeFromSsi(XIP_03H.ctrlr0, XIP_03H.spiCtrlr0, XIP_03H.baudr));
    }
    rp.peripherals[0x18000] = this.ssi;
    rp.peripherals[0x14000] = this.xipCtrl;
    rp.peripherals[0x40018] = new IoQspiModel(rp, this.bus);
    rp.peripherals[0x40064] = new ChipResetModel(this.chipReset);
    this.bus.csOverride = 0;
    this.flashChip.deselect();
    this.flashChip.exitContinuous();
    this.patchPpb(rp);
    fillRegisterGaps(rp);

    const wd = rp.peripherals[0x40058] as unknown as WatchdogLike;
    if (carry) {
      wd.scratchData.set(carry.scratch);
      wd.reason = carry.reason;
    }
    wd.onWatchdogTrigger = () => {
      this.pendingReset ??= wd.reason & 1 ? "watchdog-timeout" : "watchdog-force";
      // The chip resets after this instruction; stop the counter, whose expired
      // alarm would otherwise fire again at the same instant forever.
      wd.alarm.enable = false;
      wd.timer.enable = false;
    };
    rp.onBreak = () => {
      this.pendingFault = true;
    };

    this.nsPerCycle = 1e9 / rp.clkSys;
    rp.addClockListener((clkSys) => {
      this.nsPerCycle = 1e9 / clkSys;
      this.opts.activity?.setFrequency(this.nanos, clkSys);
    });
    if (this.opts.activity) this.trackActivity(rp);

    const uart = rp.uart[0]!;
    uart.onByte = (b) => {
      this.uartOut.push(b);
      if (b === 10) {
        this.newlineCycles.push([this.uartCount, this.cycles]);
        if (this.newlineCycles.length > 110_000) this.newlineCycles.splice(0, 10_000);
      }
      this.uartCount++;
    };
    uart.onBaudRateChange = (baud) => {
      if (baud > 0) this.baud = baud;
    };
    modelUartRxInterrupts(uart, clock, () => 1e9 / this.baud);
    this.rxAlarm = clock.createAlarm(() => this.feedRx());
    this.rxScheduled = false;
    this.scheduleRx();
    attachI2cDevices(rp.i2c[0]!, this.devices, this.i2cTrace);
    if (this.opts.usb) this.attachUsbHost(rp);
    rp.gpio.forEach((pin) => pin.addListener(() => this.pinChanged(pin)));

    this.boot(rp);
  }

  /** Frequency and peripheral count from a fresh chip on (see activity.ts for the rule). */
  private trackActivity(rp: RP2040): void {
    const act = this.opts.activity!;
    this.releasedResets = 0;
    act.setFrequency(this.nanos, rp.clkSys);
    act.setPeripherals(this.nanos, 0);
    const resets = rp.peripherals[0x4000c] as unknown as { readUint32(o: number): number; writeUint32(o: number, v: number): void };
    const write = resets.writeUint32.bind(resets);
    resets.writeUint32 = (off: number, value: number) => {
      const before = resets.readUint32(0);
      write(off, value);
      if (off !== 0) return;
      const after = resets.readUint32(0);
      this.releasedResets |= before & ~after;
      act.setPeripherals(this.nanos, countPeripherals(after, this.releasedResets));
    };
  }

  private boot(rp: RP2040): void {
    const core = rp.core;
    if ((this.opts.boot ?? "boot2") === "boot2") {
      const check = checkBoot2(this.flash);
      if (!check.ok) {
        throw new Error(`boot2 CRC32 mismatch: stored ${hex(check.stored)}, computed ${hex(check.computed)} over ` +
          "flash bytes 0..251; the RP2040 bootrom would not boot this image");
      }
      rp.sram.set(this.flash.subarray(0, BOOT2_SIZE), BOOT2_SRAM_ADDRESS - 0x20000000);
      core.SP = SRAM_END;
      core.PC = BOOT2_SRAM_ADDRESS;
    } else {
      core.VTOR = FLASH_BASE + 0x100;
      core.SP = rp.readUint32(FLASH_BASE + 0x100);
      core.PC = rp.readUint32(FLASH_BASE + 0x104) & ~1;
    }
  }

  /**
   * Cortex-M0+ system registers rp2040js leaves out or differs on: no MPU (its
   * registers read as absent), SYSRESETREQ, and SysTick's current-value write,
   * which on silicon clears the counter without raising the SysTick exception
   * (the exception comes only from counting down from 1 to 0).
   */
  private patchPpb(rp: RP2040): void {
    const ppb = rp.ppb;
    const systick = ppb as unknown as { systickTimer: { set(v: number): void }; systickReload: number; systickCountFlag: boolean };
    const read = ppb.readUint32.bind(ppb);
    const write = ppb.writeUint32.bind(ppb);
    const isMpu = (off: number) => off >= 0xd90 && off <= 0xdbc;
    ppb.readUint32 = (off: number) => (isMpu(off) ? 0 : read(off));
    ppb.writeUint32 = (off: number, value: number) => {
      if (isMpu(off)) return;
      if (off === 0x018) {
        systick.systickTimer.set(systick.systickReload & 0xffffff);
        systick.systickCountFlag = false;
        return;
      }
      if (off === 0xd0c) {
        if (value >>> 16 === 0x05fa && value & 4) this.pendingReset ??= "sysresetreq";
        return;
      }
      write(off, value);
    };
  }

  private warn(message: string): void {
    this.warnings.push(message);
    if (this.warnings.length > 1000) this.warnings.shift();
    this.opts.onWarning?.(message);
  }

  // ---------------------------------------------------------------- memory checks

  /**
   * What silicon enforces and rp2040js does not: word and halfword accesses
   * must be aligned (else HardFault on the Cortex-M0+), and while the SSI is
   * out of XIP mode any flash access is a firmware bug (it returns garbage or
   * stalls), which stops the emulation with a clear message.
   */
  private installMemoryChecks(rp: RP2040): void {
    const proto = RP2040.prototype;
    const inst = rp as unknown as Record<string, unknown>;
    const flash = (a: number) => a >= FLASH_BASE && a < FLASH_BASE + 0x04000000;
    const xip = (a: number) => {
      if (!this.xipOk && flash(a) && !this.ssi.xipReady && !this.crashed) {
        this.crash(new Error(`XIP read of ${hex(a)} (pc ${hex(rp.core.PC)}) while ${this.ssi.xipProblem}: ` +
          "on silicon this returns garbage or stalls; code and data used during flash writes must be in RAM"));
      }
    };
    const t = this.flashTiming;
    // Only with the model on: the ideal path keeps its one range check per access.
    const timed = t ? (a: number) => {
      if (a >= FLASH_BASE && a < FLASH_BASE + 0x04000000) this.stall += t.access(a);
    } : undefined;
    inst.readUint32 = (address: number) => {
      const a = address >>> 0;
      if (a & 3) return this.alignmentFault(a, "32-bit read");
      xip(a);
      timed?.(a);
      return proto.readUint32.call(rp, a);
    };
    inst.readUint16 = (address: number) => {
      const a = address >>> 0;
      if (a & 1) return this.alignmentFault(a, "16-bit read");
      xip(a);
      timed?.(a);
      return proto.readUint16.call(rp, a);
    };
    inst.readUint8 = (address: number) => {
      const a = address >>> 0;
      xip(a);
      timed?.(a);
      return proto.readUint8.call(rp, a);
    };
    inst.writeUint32 = (address: number, value: number) => {
      const a = address >>> 0;
      if (a & 3) this.alignmentFault(a, "32-bit write");
      else {
        if (t && a >>> 24 === 0x10) t.invalidate(a); // cache maintenance (datasheet 2.6.3.2)
        proto.writeUint32.call(rp, a, value);
      }
    };
    inst.writeUint16 = (address: number, value: number) => {
      const a = address >>> 0;
      if (a & 1) this.alignmentFault(a, "16-bit write");
      else proto.writeUint16.call(rp, a, value);
    };
  }

  private alignmentFault(address: number, what: string): number {
    if (!this.pendingFault) {
      this.pendingFault = true;
      // Loads and stores are 16-bit Thumb instructions: the PC has moved 2 past it.
      this.faultPc = (this.rp.core.PC - 2) >>> 0;
      this.warn(`unaligned ${what} of ${hex(address)} at pc ${hex(this.faultPc)}: HardFault on the Cortex-M0+`);
    }
    return 0;
  }

  private updateXipGuard(): void {
    if (!this.ssi) return;
    this.xipOk = this.ssi.xipReady;
    const s = this.ssi;
    if (this.xipOk) this.flashTiming?.setMode(readModeFromSsi(s.ctrlr0, s.spiCtrlr0, s.baudr));
  }

  // ---------------------------------------------------------------- GPIO

  private pinChanged(pin: GPIOPin): void {
    const v = pin.value;
    if (pin.outputEnable) {
      this.setPad(pin, pin.outputValue); // the pad reads back its own level
      if (v === GPIOPinState.High || v === GPIOPinState.Low) {
        const level: 0 | 1 = v === GPIOPinState.High ? 1 : 0;
        const last = this.lastLevel.get(pin.index);
        if (last !== level) {
          this.lastLevel.set(pin.index, level);
          const cycle = this.cycles;
          this.gpioEvents.push({ pin: pin.index, level, cycle });
          if (this.gpioEvents.length > 110_000) this.gpioEvents.splice(0, 10_000);
          this.opts.onGpio?.(pin.index, level, cycle);
        }
      }
      return;
    }
    this.lastLevel.delete(pin.index);
    this.applyInput(pin);
  }

  private lastLevel = new Map<number, 0 | 1>();

  private applyInput(pin: GPIOPin): void {
    const ext = this.external.get(pin.index);
    let level: boolean | undefined = ext;
    if (level === undefined) {
      if (pin.pullupEnabled && !pin.pulldownEnabled) level = true;
      else if (pin.pulldownEnabled && !pin.pullupEnabled) level = false;
    }
    if (level !== undefined) this.setPad(pin, level);
  }

  private padLevel = new Map<number, boolean>();

  private setPad(pin: GPIOPin, level: boolean): void {
    if (this.padLevel.get(pin.index) === level) return;
    this.padLevel.set(pin.index, level);
    pin.setInputValue(level);
  }

  /** Drives a pin from outside (true/false), or releases it (null) to its pulls. */
  setGpioInput(pin: number, level: boolean | null): void {
    const p = this.rp.gpio[pin];
    if (!p) throw new Error(`GPIO ${pin} does not exist (0..29)`);
    if (level === null) this.external.delete(pin);
    else this.external.set(pin, level);
    if (!p.outputEnable) this.applyInput(p);
  }

  // ---------------------------------------------------------------- UART

  /** Sends bytes to the firmware's UART0 receiver, one character time apart at its baud rate. */
  uartWrite(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    for (const b of bytes) this.rxQueue.push(b);
    this.scheduleRx();
    if (this.holding && bytes.length > 0) {
      this.holding = false;
      this.wallPaced = performance.now();
      this.nanosPaced = this.nanos;
      setImmediate(() => this.loop());
    }
  }

  private scheduleRx(): void {
    if (this.rxScheduled || this.rxQueue.length === 0 || !this.rxAlarm) return;
    this.rxScheduled = true;
    this.rxAlarm.schedule((10 / this.baud) * 1e9); // start + 8 data + stop bits
  }

  private feedRx(): void {
    this.rxScheduled = false;
    const b = this.rxQueue.shift();
    if (b === undefined) return;
    const uart = this.rp.uart[0]!;
    // A real UART drops what arrives while it is off or its FIFO is full.
    const fifo = (uart as unknown as { rxFIFO: { full: boolean } }).rxFIFO;
    const ready = uart.enabled && uart.rxEnabled;
    if (!ready && this.keepEarlyBytes) {
      // holdUntilHost: the bytes that woke the board wait for its UART.
      this.rxQueue.unshift(b);
      this.scheduleRx();
      return;
    }
    if (ready) this.keepEarlyBytes = false;
    if (!ready) {
      this.uartWhileOff++;
    } else if (fifo.full) {
      this.uartDropped++;
      this.opts.onUartDropped?.(this.uartDropped, this.cycles);
      uartLog(`uart-dropped ${this.uartDropped} ${this.cycles} ${process.pid}`);
    } else {
      uart.feedByte(b);
    }
    // Wake a sleeping core through the interrupt controller as the UART IRQ does.
    this.scheduleRx();
  }

  private flushUart(): void {
    if (this.uartOut.length === 0) return;
    const bytes = Uint8Array.from(this.uartOut);
    this.uartOut = [];
    this.uartText += Buffer.from(bytes).toString("latin1");
    if (this.uartText.length > UART_KEEP * 2) {
      const drop = this.uartText.length - UART_KEEP;
      this.uartText = this.uartText.slice(drop);
      this.uartStart += drop;
    }
    this.pty?.write(bytes);
    this.opts.onUart?.(bytes);
  }

  // ---------------------------------------------------------------- USB

  /**
   * rp2040js's CDC host helper does the enumeration; its bulk OUT side we
   * replace: the helper answers every armed OUT buffer at once, with zero
   * bytes when it has none (an interrupt every 10 us of emulated time) and
   * keeps only 512 bytes. Here an armed buffer waits for data, as a real host
   * controller's NAKs make it wait, and the queue is unbounded.
   */
  private attachUsbHost(rp: RP2040): void {
    const usb = rp.usbCtrl;
    const cdc = new USBCDC(usb);
    this.usbCdc = cdc;
    this.usbConnectedAt = undefined;
    this.usbPendingRead = undefined;
    cdc.onDeviceConnected = () => {
      this.usbConnectedAt = this.cycles;
      this.opts.onUsbConnect?.(this.usbConnectedAt);
    };
    cdc.onSerialData = (buffer) => {
      if (buffer.length === 0) return;
      this.usbText += Buffer.from(buffer).toString("latin1");
      if (this.usbText.length > UART_KEEP * 2) this.usbText = this.usbText.slice(-UART_KEEP);
      this.usbPty?.write(Uint8Array.from(buffer));
      this.opts.onUsb?.(buffer);
    };
    const helperRead = usb.onEndpointRead;
    usb.onEndpointRead = (endpoint, size) => {
      const out = (cdc as unknown as { outEndpoint: number }).outEndpoint;
      if (endpoint > 0 && endpoint === out) {
        this.usbPendingRead = { endpoint, size };
        this.serveUsbRead();
      } else {
        helperRead?.(endpoint, size);
      }
    };
  }

  private serveUsbRead(): void {
    const p = this.usbPendingRead;
    if (!p || this.usbRxQueue.length === 0) return;
    this.usbPendingRead = undefined;
    const chunk = Uint8Array.from(this.usbRxQueue.splice(0, Math.min(p.size, this.usbRxQueue.length)));
    this.rp.usbCtrl.endpointReadDone(p.endpoint, chunk);
  }

  /** Sends bytes to the firmware over USB CDC (bulk OUT), in packets as it arms its endpoint. */
  usbWrite(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    for (const b of bytes) this.usbRxQueue.push(b);
    this.serveUsbRead();
    if (this.holding && bytes.length > 0) {
      this.holding = false;
      this.wallPaced = performance.now();
      this.nanosPaced = this.nanos;
      setImmediate(() => this.loop());
    }
  }

  /**
   * The host side's SET_CONTROL_LINE_STATE (interface 0): DTR as a terminal
   * program opening (true) or closing (false) the port sets it. Needs a
   * configured device.
   */
  usbSetControlLineState(dtr: boolean, rts = dtr): void {
    if (this.usbConnectedAt === undefined) throw new Error("the USB device is not configured yet");
    const value = (dtr ? 1 : 0) | (rts ? 2 : 0);
    this.rp.usbCtrl.sendSetupPacket(Uint8Array.of(0x21, 0x22, value, 0, 0, 0, 0, 0));
  }

  /** Waits until the USB host has configured the device. */
  waitForUsbConnected(opts: { timeoutMs?: number; timeoutCycles?: number } = {}): Promise<number> {
    if (!this.opts.usb) return Promise.reject(new Error("no USB host attached (start with usb: true)"));
    return this.wait("USB enumeration", () => this.usbConnectedAt, opts);
  }

  /** Waits until USB CDC output (from `from`) matches `pattern`. */
  waitForUsb(pattern: RegExp | string, opts: { from?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
    const re = typeof pattern === "string" ? new RegExp(escapeRegExp(pattern)) : pattern;
    return this.wait(`USB output matching ${re}`, () => re.exec(this.usbText.slice(opts.from ?? 0)) ?? undefined, opts);
  }

  // ---------------------------------------------------------------- running

  private loop(): void {
    if (!this.running) return;
    const startNs = this.nanos;
    try {
      this.runBatch();
    } catch (e) {
      this.crash(e instanceof Error ? e : new Error(String(e)));
    }
    this.flushUart();
    if (this.pendingReset && !this.crashed && !this.stopping) {
      try {
        this.chipResetNow(this.pendingReset);
      } catch (e) {
        this.crash(e as Error);
      }
    }
    this.checkWaiters();
    if (this.crashed || this.stopping) {
      this.finish();
      return;
    }
    if (Number.isFinite(this.speed)) {
      // Keep emulated time from running ahead of wall time * speed.
      const aheadMs = (this.nanos - this.nanosPaced) / 1e6 / this.speed - (performance.now() - this.wallPaced);
      if (aheadMs > 1) {
        setTimeout(() => this.loop(), Math.min(aheadMs, 100));
        return;
      }
    }
    if (this.opts.timeLimitNanos && this.nanos === startNs) {
      // Held at the time limit (the chip we follow has not moved on): wait, do not spin.
      setTimeout(() => this.loop(), 1);
      return;
    }
    setImmediate(() => this.loop());
  }

  /** The clock time (this chip's, since its last reset) the batch may not pass; Infinity without a limit. */
  private clockLimit(): number {
    let limit = this.opts.timeLimitNanos ? this.opts.timeLimitNanos() : Infinity;
    const next = this.inputQueue[0];
    if (next) limit = Math.min(limit, next.atNs);
    return limit - this.nanosBase;
  }

  private runBatch(): void {
    const rp = this.rp;
    const core = rp.core;
    const clock = this.clock;
    const limit = core.cycles + this.batchCycles;
    const wallLimit = performance.now() + 25;
    const act = this.opts.activity;
    this.applyDueInputs();
    const nsLimit = this.clockLimit();
    let n = 0;
    while (core.cycles < limit && clock.nanos < nsLimit && !this.pendingReset && !this.crashed && !this.stopping) {
      if (core.waiting || this.lockedUp) {
        // Asleep (WFI/WFE) or locked up: jump to the next thing that can happen.
        const toNext = clock.nanosToNextAlarm;
        const maxNs = Math.min((limit - core.cycles) * this.nsPerCycle, nsLimit - clock.nanos);
        const ns = toNext === undefined ? maxNs : Math.min(toNext, maxNs);
        const c = Math.max(1, Math.ceil(ns / this.nsPerCycle));
        const from = this.nanosBase + clock.nanos;
        const asleep = core.waiting; // the alarm that ends the jump may wake the core
        core.cycles += c;
        clock.tick(c * this.nsPerCycle);
        if (act && asleep) act.slept(from, this.nanosBase + clock.nanos);
        // rp2040js wakes WFI only from NVIC lines; SysTick and others pend via this flag.
        if (!this.lockedUp && core.waiting && core.interruptsUpdated && core.checkForInterrupts()) {
          core.waiting = false;
        }
      } else {
        let c = core.executeInstruction();
        if (this.stall !== 0) {
          // Flash wait states: the core stalled on XIP misses during this instruction.
          core.cycles += this.stall;
          c += this.stall;
          this.stall = 0;
        }
        clock.tick(c * this.nsPerCycle);
        if (this.pendingFault) this.takeHardFault();
        // WFI with an enabled interrupt already pending does not sleep (ARMv6-M: it is a wake-up
        // event even with PRIMASK set). rp2040js sleeps, and wakes only on a newly pending line,
        // so a UART IRQ raised just before the firmware's masked WFI (time.c) left the core asleep
        // until the next timer alarm while the RX FIFO overflowed.
        if (core.waiting && core.IPSR === 0 && (core.pendingInterrupts & core.enabledInterrupts) !== 0) core.waiting = false;
      }
      if ((++n & 0xfff) === 0 && performance.now() > wallLimit) break;
    }
    act?.advance(this.nanos);
    this.applyDueInputs();
  }

  /** Drives `pin` to `level` once this chip's emulated time reaches `atNanos` (another chip's output). */
  scheduleGpioInput(pin: number, level: boolean, atNanos: number): void {
    let i = this.inputQueue.length;
    while (i > 0 && this.inputQueue[i - 1]!.atNs > atNanos) i--;
    this.inputQueue.splice(i, 0, { pin, level, atNs: atNanos });
  }

  private applyDueInputs(): void {
    while (this.inputQueue.length && this.inputQueue[0]!.atNs <= this.nanos) {
      const e = this.inputQueue.shift()!;
      this.setGpioInput(e.pin, e.level);
    }
  }

  /**
   * HardFault for what rp2040js only reports: UDF and BKPT (no debugger
   * attached, so BKPT escalates too) and unaligned accesses.
   */
  private takeHardFault(): void {
    this.pendingFault = false;
    const core = this.rp.core;
    const pc = this.faultPc ?? (core.PC - core.breakRewind) >>> 0;
    this.faultPc = undefined;
    if (core.IPSR === EXC_HARDFAULT || core.IPSR === 2) {
      // A fault inside the HardFault or NMI handler locks the core up; only a reset helps.
      this.lockedUp = true;
      this.warn(`core locked up: fault at ${hex(pc)} inside exception ${core.IPSR}`);
      return;
    }
    core.PC = pc;
    core.exceptionEntry(EXC_HARDFAULT);
  }

  private chipResetNow(cause: ResetCause): void {
    this.pendingReset = undefined;
    const wd = this.rp.peripherals[0x40058] as unknown as WatchdogLike;
    const carry = { scratch: Uint32Array.from(wd.scratchData), reason: wd.reason };
    if (cause === "sysresetreq") carry.reason = 0;
    const event: ResetEvent = { cause, cycle: this.cycles };
    const firmware = cause === "watchdog-force" ? decodeFirmwareReset(carry.scratch) : undefined;
    if (firmware) event.firmware = firmware;
    this.cycleBase += this.rp.core.cycles;
    this.nanosBase += this.clock.nanos;
    this.lastLevel.clear();
    this.padLevel.clear();
    this.flushUart();
    this.powerOn(carry);
    this.resets.push(event);
    this.opts.onReset?.(event);
  }

  private crash(e: Error): void {
    this.crashed ??= e;
  }

  private finish(): void {
    if (!this.running) return;
    this.running = false;
    const err = this.crashed;
    for (const w of this.waiters) w.fail(err ?? new Error(`simulation stopped while waiting for ${w.what}`));
    this.waiters.clear();
    if (this.flashFd !== undefined) {
      closeSync(this.flashFd);
      this.flashFd = undefined;
    }
    const pty = this.pty;
    const usbPty = this.usbPty;
    this.pty = undefined;
    this.usbPty = undefined;
    void Promise.all([pty?.close(), usbPty?.close()]).then(() => (err ? this.rejectDone(err) : this.resolveDone()));
  }

  /** Stops the emulation (and the pseudo-terminal); resolves once everything is closed. */
  async stop(): Promise<void> {
    if (this.holding) {
      this.holding = false;
      this.stopping = true;
      this.finish();
    }
    if (!this.running) {
      await this.done.catch(() => {});
      return;
    }
    this.stopping = true;
    await this.done.catch(() => {});
  }

  /** Rejects when the emulation failed (e.g. an XIP access while flash was being written). */
  get error(): Error | undefined {
    return this.crashed;
  }

  // ---------------------------------------------------------------- waiting

  private checkWaiters(): void {
    const now = performance.now();
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.delete(w);
        continue;
      }
      if (now > w.deadlineWall || this.cycles > w.deadlineCycles) {
        this.waiters.delete(w);
        const tail = this.uartText.slice(-400).replace(/\r/g, "");
        w.fail(new Error(`timed out waiting for ${w.what} (cycle ${this.cycles}); UART output ends with:\n${tail}`));
      }
    }
  }

  private wait<T>(what: string, test: () => T | undefined, opts: { timeoutMs?: number; timeoutCycles?: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = test();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      if (!this.running) {
        reject(this.crashed ?? new Error(`simulation is not running (waiting for ${what})`));
        return;
      }
      const waiter: Waiter = {
        what,
        deadlineWall: performance.now() + (opts.timeoutMs ?? 60_000),
        deadlineCycles: opts.timeoutCycles !== undefined ? this.cycles + opts.timeoutCycles : Infinity,
        check: () => {
          const r = test();
          if (r === undefined) return false;
          resolve(r);
          return true;
        },
        fail: reject,
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits until UART0 output (from `opts.from`) matches `pattern`. */
  waitForUart(pattern: RegExp | string, opts: UartWaitOptions = {}): Promise<UartMatch> {
    const re = typeof pattern === "string" ? new RegExp(escapeRegExp(pattern)) : pattern;
    const from = opts.from ?? 0;
    const once = new RegExp(re.source, re.flags.replace("g", ""));
    return this.wait(`UART output matching ${re}`, () => {
      const start = Math.max(from, this.uartStart);
      const m = once.exec(this.uartText.slice(start - this.uartStart));
      if (!m) return undefined;
      const index = start + m.index;
      const end = index + m[0].length;
      return { match: m, index, end, cycle: this.newlineCycle(end - 1) };
    }, opts);
  }

  /** Cycle of the first newline written at or after UART offset `offset`. */
  private newlineCycle(offset: number): number | undefined {
    const a = this.newlineCycles;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]![0] < offset) lo = mid + 1;
      else hi = mid;
    }
    return a[lo]?.[1];
  }

  /** Like waitForUart, from where the previous `expect` matched, and moves past the match. */
  async expect(pattern: RegExp | string, opts: Omit<UartWaitOptions, "from"> = {}): Promise<UartMatch> {
    const m = await this.waitForUart(pattern, { ...opts, from: this.cursor });
    this.cursor = m.end;
    return m;
  }

  /** Where the next `expect` starts searching (the end of UART output so far if not set). */
  markUart(): number {
    this.cursor = this.uartStart + this.uartText.length;
    return this.cursor;
  }

  /** Sends a line (adds "\r\n") and returns the UART offset at which its reply will start. */
  sendLine(line: string): number {
    this.flushUart();
    const at = this.markUart();
    this.uartWrite(`${line}\r\n`);
    return at;
  }

  /** Resolves once `cycles` more cycles (or `us` microseconds) of emulated time have passed. */
  runFor(amount: { cycles?: number; us?: number }, timeoutMs = 120_000): Promise<void> {
    const targetNs = amount.us !== undefined ? this.nanos + amount.us * 1000 : undefined;
    const targetCycles = amount.cycles !== undefined ? this.cycles + amount.cycles : undefined;
    return this.wait("emulated time to pass", () => {
      if (targetNs !== undefined && this.nanos < targetNs) return undefined;
      if (targetCycles !== undefined && this.cycles < targetCycles) return undefined;
      return true;
    }, { timeoutMs }).then(() => {});
  }

  /** Waits for the next chip reset (or one already seen after `after` resets). */
  waitForReset(after = this.resets.length, opts: { timeoutMs?: number; timeoutCycles?: number } = {}): Promise<ResetEvent> {
    return this.wait("a chip reset", () => this.resets[after], opts);
  }

  /** The flash timing model's counters per region (empty with the model off). */
  xipStats(): XipRegionStats[] {
    return this.flashTiming?.stats() ?? [];
  }

  /** Counts of what the flash interface did (for tests and benches). */
  get flashInterface(): { ssiFrames: number; xipFlushes: number } {
    return { ssiFrames: this.ssi.frames, xipFlushes: this.xipCtrl.flushes };
  }

}

/**
 * Registers rp2040js warns about although writing them is ordinary: the UART
 * FIFO level select (its model interrupts per byte anyway), I2C's interrupt
 * mask (kept so it reads back) and SDA hold time (no bus timing modelled).
 * And TIMER alarms: rp2040js schedules them a whole number of microseconds
 * from now, so they fire up to 1 us before the counter reaches the value;
 * silicon fires exactly when the microsecond counter becomes equal.
 */
function fillRegisterGaps(rp: RP2040): void {
  const timer = rp.peripherals[0x40054] as unknown as {
    writeUint32(off: number, v: number): void;
    clock: { nanos: number };
    alarms: { clockAlarm: { schedule(ns: number): void } }[];
  };
  const timerWrite = timer.writeUint32.bind(timer);
  timer.writeUint32 = (off: number, value: number) => {
    timerWrite(off, value);
    if (off < 0x10 || off > 0x1c) return;
    const nowNs = timer.clock.nanos;
    const nowUs = Math.floor(nowNs / 1000);
    const deltaUs = (value - nowUs) >>> 0;
    if (deltaUs > 0) timer.alarms[(off - 0x10) >> 2]!.clockAlarm.schedule(deltaUs * 1000 - (nowNs - nowUs * 1000));
  };
  for (const uart of rp.uart) {
    const write = uart.writeUint32.bind(uart);
    let ifls = 0x12;
    const read = uart.readUint32.bind(uart);
    uart.writeUint32 = (off: number, value: number) => (off === 0x34 ? void (ifls = value & 0x3f) : write(off, value));
    uart.readUint32 = (off: number) => (off === 0x34 ? ifls : read(off));
  }
  for (const i2c of rp.i2c) {
    const write = i2c.writeUint32.bind(i2c);
    const read = i2c.readUint32.bind(i2c);
    const state = i2c as unknown as { intEnable: number; checkInterrupts(): void };
    let sdaHold = 1;
    i2c.writeUint32 = (off: number, value: number) => {
      if (off === 0x30) {
        state.intEnable = value & 0x1fff;
        state.checkInterrupts();
      } else if (off === 0x7c) {
        sdaHold = value & 0xffffff;
      } else {
        write(off, value);
      }
    };
    i2c.readUint32 = (off: number) => (off === 0x7c ? sdaHold : read(off));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Splits a firmware file into flash writes, checking every byte lands in flash. */
export function imageChunks(bytes: Uint8Array, flashSize: number): FlashChunk[] {
  const range = { start: FLASH_BASE, end: FLASH_BASE + flashSize };
  let chunks: FlashChunk[];
  if (isElf(bytes)) {
    chunks = elfFlashChunks(bytes, range);
  } else if (bytes.length >= 512 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === 0x0a324655) {
    chunks = uf2FlashChunks(bytes, RP2040_FAMILY_ID);
    if (chunks.length === 0) throw new Error(`the UF2 file has no blocks for the RP2040 (family ${hex(RP2040_FAMILY_ID)})`);
  } else {
    chunks = [{ address: FLASH_BASE, data: bytes }];
  }
  for (const c of chunks) {
    if (c.address < range.start || c.address + c.data.length > range.end) {
      throw new Error(`image bytes at ${hex(c.address)}..${hex(c.address + c.data.length)} fall outside flash ` +
        `${hex(range.start)}..${hex(range.end)}`);
    }
  }
  return chunks;
}

/** Creates and starts an emulated RP2040 running `opts.image` (and/or `opts.flashFile`). */
export async function startRp2040Sim(opts: Rp2040SimOptions): Promise<Rp2040Sim> {
  const sim = new Rp2040Sim(opts);
  await sim.start();
  return sim;
}
