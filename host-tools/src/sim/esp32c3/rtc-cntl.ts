// RTC_CNTL (TRM "Low-power Management (RTC_CNTL)", base 0x60008000), the parts the
// firmware meets: the reset reason the ROM reports (RESET_STATE), software system reset
// (OPTIONS0.SW_SYS_RST), the RTC watchdog (four stages on the RTC slow clock, key
// WDT_KEY, fed through WDTFEED bit 31; left running in flash-boot mode by the ROM),
// the super watchdog (SWD: key 0x8F1D312A, fed by SWD_CONF.SWD_FEED or fed
// automatically with SWD_AUTO_FEED_EN, off with SWD_DISABLE), and the STORE registers,
// which keep their values across every reset but power-on.
// Offsets from esptool's ESP32-C3 target and the TRM register summary.
import { CYCLES_PER_RTC_SLOW_TICK, ResetReason } from "./clock.js";
import type { Peripheral } from "./peripheral.js";
import { StagedWatchdog, WdtAction } from "./watchdog.js";

export const RTC_CNTL_BASE = 0x60008000;

const OPTIONS0 = 0x00;
const RESET_STATE = 0x38;
const WDTCONFIG0 = 0x90, WDTCONFIG1 = 0x94, WDTCONFIG4 = 0xa0, WDTFEED = 0xa4, WDTWPROTECT = 0xa8;
const SWD_CONF = 0xac, SWD_WPROTECT = 0xb0;
const STORE_OFFSETS = [0x50, 0x54, 0x58, 0x5c, 0xbc, 0xc0, 0xc4, 0xc8];

const SW_SYS_RST = 1 << 31;
const WDT_EN = 1 << 31;
const WDT_FLASHBOOT_MOD_EN = 1 << 12;
const WDT_FEED = 1 << 31;
/** RTC WDT stage 0 hold at reset: 200,000 slow-clock ticks (about 1.5 s). */
const WDT_STG0_HOLD_RESET = 200_000;

export const SWD_KEY = 0x8f1d312a;
const SWD_AUTO_FEED_EN = 1 << 31;
const SWD_DISABLE = 1 << 30;
const SWD_FEED = 1 << 17;
/** The super watchdog's timeout: about one second (an estimate; the TRM gives no exact figure). */
const SWD_TIMEOUT_CYCLES = 160_000_000;

export interface RtcHooks {
  now(): number;
  resetChip(kind: "cpu" | "system", reason: number): void;
  /** RTC_CORE interrupt source (the RTC WDT's interrupt stage). */
  setInterrupt(asserted: boolean): void;
}

export class RtcControl implements Peripheral {
  readonly name = "RTC_CNTL";
  readonly wdt: StagedWatchdog;
  resetReason: number = ResetReason.POWERON;
  private wdtConfig0 = 0;
  private swdConf = 0;
  private swdKey = 0;
  private swdStart = 0;
  private readonly store = new Map<number, number>();

  constructor(private readonly hooks: RtcHooks) {
    this.wdt = new StagedWatchdog((a) => this.wdtAction(a));
    this.wdt.cyclesPerTick = CYCLES_PER_RTC_SLOW_TICK;
    this.reset();
  }

  private wdtAction(a: WdtAction): void {
    if (a === WdtAction.Interrupt) this.hooks.setInterrupt(true);
    else if (a === WdtAction.ResetCpu) this.hooks.resetChip("cpu", ResetReason.RTCWDT_CPU);
    else if (a === WdtAction.ResetSystem) this.hooks.resetChip("system", ResetReason.RTCWDT_SYS);
    else this.hooks.resetChip("system", ResetReason.RTCWDT_RTC);
  }

  /** RTC WDT WDTCONFIG0: EN bit 31, stage actions at [30:28], [27:25], [24:22], [21:19] (3 bits each: RTC reset exists). */
  private applyWdtConfig(): void {
    const c = this.wdtConfig0;
    for (let s = 0; s < 4; s++) this.wdt.actions[s] = (c >>> (28 - 3 * s)) & 7;
    const en = (c & WDT_EN) !== 0;
    const flashBoot = (c & WDT_FLASHBOOT_MOD_EN) !== 0;
    if (!en && flashBoot) {
      this.wdt.actions.fill(WdtAction.None);
      this.wdt.actions[0] = WdtAction.ResetSystem;
    }
    const was = this.wdt.enabled;
    this.wdt.enabled = en || flashBoot;
    if (!was && this.wdt.enabled) this.wdt.feed(this.hooks.now());
  }

  read(offset: number): number {
    switch (offset) {
      case RESET_STATE: return this.resetReason & 0x3f;
      case WDTCONFIG0: return this.wdtConfig0 >>> 0;
      case WDTWPROTECT: return this.wdt.protectValue;
      case SWD_CONF: return this.swdConf >>> 0;
      case SWD_WPROTECT: return this.swdKey >>> 0;
      default:
        if (offset >= WDTCONFIG1 && offset <= WDTCONFIG4) return this.wdt.holds[(offset - WDTCONFIG1) >>> 2]!;
        return this.store.get(offset) ?? 0;
    }
  }

  write(offset: number, value: number): void {
    const now = this.hooks.now();
    if (offset === OPTIONS0 && value & SW_SYS_RST) return this.hooks.resetChip("system", ResetReason.RTC_SW_SYS);
    if (offset === WDTWPROTECT) return this.wdt.writeProtect(value);
    if (offset === SWD_WPROTECT) { this.swdKey = value >>> 0; return; }
    if (offset >= WDTCONFIG0 && offset <= WDTFEED) {
      if (!this.wdt.unlocked) return;
      if (offset === WDTFEED) { if (value & WDT_FEED) this.wdt.feed(now); return; }
      if (offset === WDTCONFIG0) this.wdtConfig0 = value;
      else this.wdt.holds[(offset - WDTCONFIG1) >>> 2] = value >>> 0;
      this.applyWdtConfig();
      return;
    }
    if (offset === SWD_CONF) {
      if (this.swdKey !== SWD_KEY) return;
      const wasRunning = this.swdRunning();
      this.swdConf = value & ~SWD_FEED;
      // fed now, or counting from now after auto feed or disable kept it at zero
      if (value & SWD_FEED || (!wasRunning && this.swdRunning())) this.swdStart = now;
      return;
    }
    if (STORE_OFFSETS.includes(offset)) this.store.set(offset, value >>> 0);
  }

  private swdRunning(): boolean {
    return !(this.swdConf & (SWD_AUTO_FEED_EN | SWD_DISABLE));
  }

  nextEvent(): number {
    return Math.min(this.wdt.nextEvent(), this.swdRunning() ? this.swdStart + SWD_TIMEOUT_CYCLES : Infinity);
  }

  advance(now: number): void {
    if (this.swdRunning() && this.swdStart + SWD_TIMEOUT_CYCLES <= now) {
      this.hooks.resetChip("system", ResetReason.SUPER_WDT);
      return;
    }
    this.wdt.advance(now);
  }

  /** After any reset: watchdogs back to their reset state (the STORE registers stay). */
  reset(): void {
    const now = this.hooks.now();
    this.wdt.reset(now);
    this.wdt.holds[0] = WDT_STG0_HOLD_RESET;
    this.wdtConfig0 = 0;
    this.applyWdtConfig();
    this.swdConf = 0;
    this.swdKey = 0;
    this.swdStart = now;
    this.hooks.setInterrupt(false);
  }

  powerOn(): void {
    this.store.clear();
    this.resetReason = ResetReason.POWERON;
    this.reset();
  }

  /** The ROM's download mode keeps the super watchdog fed while it waits for the host
   * (an assumption: a chip left in download mode does not reset every second). */
  feedSuperWatchdogAutomatically(): void {
    this.swdConf |= SWD_AUTO_FEED_EN;
  }

  startFlashBootProtection(): void {
    this.wdtConfig0 = WDT_FLASHBOOT_MOD_EN;
    this.applyWdtConfig();
    this.wdt.feed(this.hooks.now());
  }
}
