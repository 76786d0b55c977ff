// A timer group (TRM "Timer Group (TIMG)"; TIMG0 at 0x6001F000, TIMG1 at 0x60020000):
// the 54-bit general-purpose timer T0 (APB clock through its 16-bit divider, latch on
// T0UPDATE, load on T0LOAD, alarm) and the main system watchdog MWDT (four stages,
// write-protected by WDT_KEY, fed by any write to WDTFEED). Interrupt bits: 0 T0 alarm,
// 1 WDT. At a flash boot the ROM leaves TIMG0's MWDT running in flash-boot mode
// (FLASHBOOT_MOD_EN): stage 0 resets the system unless the firmware turns it off.
import { CYCLES_PER_APB } from "./clock.js";
import type { Peripheral } from "./peripheral.js";
import { StagedWatchdog, WdtAction } from "./watchdog.js";

export const TIMG0_BASE = 0x6001f000;
export const TIMG1_BASE = 0x60020000;

const T0CONFIG = 0x00, T0LO = 0x04, T0HI = 0x08, T0UPDATE = 0x0c, T0ALARMLO = 0x10, T0ALARMHI = 0x14;
const T0LOADLO = 0x18, T0LOADHI = 0x1c, T0LOAD = 0x20;
const WDTCONFIG0 = 0x48, WDTCONFIG1 = 0x4c, WDTCONFIG2 = 0x50, WDTCONFIG5 = 0x5c, WDTFEED = 0x60, WDTWPROTECT = 0x64;
const INT_ENA = 0x70, INT_RAW = 0x74, INT_ST = 0x78, INT_CLR = 0x7c;

const WDT_EN = 1 << 31;
const WDT_FLASHBOOT_MOD_EN = 1 << 14;
/** WDTCONFIG0 at reset: flash-boot mode on (TRM register description). */
const WDTCONFIG0_RESET = 0x0004c000;
/** Stage 0 hold at reset: 26,000,000 ticks. */
const WDT_STG0_HOLD_RESET = 26_000_000;

const INT_T0 = 1 << 0;
const INT_WDT = 1 << 1;

export interface TimerGroupHooks {
  now(): number;
  /** The group's interrupt output (sources TGn_T0 / TGn_WDT are both driven from here). */
  setInterrupts(t0: boolean, wdt: boolean): void;
  resetChip(kind: "cpu" | "system"): void;
}

export class TimerGroup implements Peripheral {
  readonly wdt: StagedWatchdog;
  private wdtConfig0 = WDTCONFIG0_RESET;
  private wdtConfig1 = 1 << 16;
  private t0Config = 0x60002000;
  private t0Base = 0; // counter value at t0Start
  private t0Start = 0;
  private t0Latched = 0;
  private t0Alarm = 0;
  private t0Load = 0;
  private intEna = 0;
  private intRaw = 0;

  constructor(readonly name: string, private readonly hooks: TimerGroupHooks) {
    this.wdt = new StagedWatchdog((a) => this.wdtAction(a));
    this.reset();
  }

  private wdtAction(a: WdtAction): void {
    if (a === WdtAction.Interrupt) this.raise(INT_WDT);
    else if (a === WdtAction.ResetCpu) this.hooks.resetChip("cpu");
    else this.hooks.resetChip("system");
  }

  /** Applies WDTCONFIG0/1 to the staged watchdog. */
  private applyWdtConfig(): void {
    const c = this.wdtConfig0;
    const en = (c & WDT_EN) !== 0;
    const flashBoot = (c & WDT_FLASHBOOT_MOD_EN) !== 0;
    for (let s = 0; s < 4; s++) this.wdt.actions[s] = (c >>> (29 - 2 * s)) & 3;
    if (!en && flashBoot) {
      this.wdt.actions.fill(WdtAction.None);
      this.wdt.actions[0] = WdtAction.ResetSystem;
    }
    const wasEnabled = this.wdt.enabled;
    this.wdt.enabled = en || flashBoot;
    this.wdt.cyclesPerTick = Math.max(1, this.wdtConfig1 >>> 16) * CYCLES_PER_APB;
    if (!wasEnabled && this.wdt.enabled) this.wdt.feed(this.hooks.now());
  }

  private t0Divider(): number {
    const d = (this.t0Config >>> 13) & 0xffff;
    return d === 0 ? 65536 : d === 1 ? 2 : d;
  }

  private t0Value(now: number): number {
    if (!(this.t0Config & (1 << 31))) return this.t0Base;
    const ticks = Math.floor((now - this.t0Start) / (CYCLES_PER_APB * this.t0Divider()));
    return this.t0Config & (1 << 30) ? this.t0Base + ticks : this.t0Base - ticks;
  }

  private restartT0(value: number): void {
    this.t0Base = value;
    this.t0Start = this.hooks.now();
  }

  read(offset: number): number {
    switch (offset) {
      case T0CONFIG: return this.t0Config >>> 0;
      case T0LO: return this.t0Latched % 0x100000000;
      case T0HI: return Math.floor(this.t0Latched / 0x100000000) & 0x3fffff;
      case T0ALARMLO: return this.t0Alarm % 0x100000000;
      case T0ALARMHI: return Math.floor(this.t0Alarm / 0x100000000);
      case T0LOADLO: return this.t0Load % 0x100000000;
      case T0LOADHI: return Math.floor(this.t0Load / 0x100000000);
      case WDTCONFIG0: return this.wdtConfig0 >>> 0;
      case WDTCONFIG1: return this.wdtConfig1 >>> 0;
      case WDTWPROTECT: return this.wdt.protectValue;
      case INT_ENA: return this.intEna;
      case INT_RAW: return this.intRaw;
      case INT_ST: return this.intRaw & this.intEna;
      default:
        if (offset >= WDTCONFIG2 && offset <= WDTCONFIG5) return this.wdt.holds[(offset - WDTCONFIG2) >>> 2]!;
        return 0;
    }
  }

  write(offset: number, value: number): void {
    if (offset >= WDTCONFIG0 && offset <= WDTFEED) return this.writeWdt(offset, value);
    const now = this.hooks.now();
    switch (offset) {
      case T0CONFIG: {
        const v = this.t0Value(now);
        this.t0Config = value;
        this.restartT0(v);
        break;
      }
      case T0UPDATE: this.t0Latched = this.t0Value(now); break;
      case T0ALARMLO: this.t0Alarm = Math.floor(this.t0Alarm / 0x100000000) * 0x100000000 + (value >>> 0); break;
      case T0ALARMHI: this.t0Alarm = (value & 0x3fffff) * 0x100000000 + (this.t0Alarm % 0x100000000); break;
      case T0LOADLO: this.t0Load = Math.floor(this.t0Load / 0x100000000) * 0x100000000 + (value >>> 0); break;
      case T0LOADHI: this.t0Load = (value & 0x3fffff) * 0x100000000 + (this.t0Load % 0x100000000); break;
      case T0LOAD: this.restartT0(this.t0Load); break;
      case WDTWPROTECT: this.wdt.writeProtect(value); break;
      case INT_ENA: this.intEna = value & 3; this.update(); break;
      case INT_CLR: this.intRaw &= ~value; this.update(); break;
      default: break;
    }
  }

  private writeWdt(offset: number, value: number): void {
    if (!this.wdt.unlocked) return; // write-protected: the hardware ignores it
    const now = this.hooks.now();
    if (offset === WDTFEED) return this.wdt.feed(now);
    if (offset === WDTCONFIG0) this.wdtConfig0 = value;
    else if (offset === WDTCONFIG1) this.wdtConfig1 = value;
    else this.wdt.holds[(offset - WDTCONFIG2) >>> 2] = value >>> 0;
    this.applyWdtConfig();
  }

  private raise(bit: number): void {
    this.intRaw |= bit;
    this.update();
  }

  private update(): void {
    const st = this.intRaw & this.intEna;
    this.hooks.setInterrupts((st & INT_T0) !== 0, (st & INT_WDT) !== 0);
  }

  /** Cycle at which T0 reaches its alarm (counting up, alarm enabled), or Infinity. */
  private t0AlarmCycle(): number {
    const c = this.t0Config;
    if (!(c & (1 << 31)) || !(c & (1 << 10)) || !(c & (1 << 30))) return Infinity;
    if (this.t0Alarm <= this.t0Base) return this.t0Start;
    return this.t0Start + (this.t0Alarm - this.t0Base) * CYCLES_PER_APB * this.t0Divider();
  }

  nextEvent(): number {
    return Math.min(this.wdt.nextEvent(), this.t0AlarmCycle());
  }

  advance(now: number): void {
    if (this.t0AlarmCycle() <= now) {
      this.t0Config &= ~(1 << 10); // the alarm enable clears itself when the alarm fires
      if (this.t0Config & (1 << 29)) this.restartT0(this.t0Load);
      this.raise(INT_T0);
    }
    this.wdt.advance(now);
  }

  reset(): void {
    this.wdt.reset(this.hooks.now());
    this.wdt.holds[0] = WDT_STG0_HOLD_RESET;
    this.wdtConfig0 = 0;
    this.wdtConfig1 = 1 << 16;
    this.applyWdtConfig();
    this.t0Config = 0x60002000;
    this.restartT0(0);
    this.intEna = 0;
    this.intRaw = 0;
    this.update();
  }

  /** The ROM's flash boot leaves this group's MWDT in flash-boot mode. */
  startFlashBootProtection(): void {
    this.wdtConfig0 = WDTCONFIG0_RESET;
    this.applyWdtConfig();
    this.wdt.feed(this.hooks.now());
  }
}
