// Clocks of the emulated C3, all derived from the CPU's emulated cycles: the CPU
// at 160 MHz (the clock the firmware sets up; the emulator does not model the PLL
// switch), APB at 80 MHz, SYSTIMER at 16 MHz (TRM "System Timer": fixed 16 MHz
// counting clock), the RTC slow clock from the 136 kHz RC oscillator (TRM "Reset and
// Clock": RC_SLOW_CLK, default source of RTC_SLOW_CLK).

export const CPU_HZ = 160_000_000;
export const APB_HZ = 80_000_000;
export const SYSTIMER_HZ = 16_000_000;
export const RTC_SLOW_HZ = 136_000;

export const CYCLES_PER_APB = CPU_HZ / APB_HZ;
export const CYCLES_PER_SYSTIMER_TICK = CPU_HZ / SYSTIMER_HZ;
export const CYCLES_PER_RTC_SLOW_TICK = CPU_HZ / RTC_SLOW_HZ;

/** Reset reasons the ROM reports (RTC_CNTL_RESET_STATE_REG, TRM "Reset and Clock", reset sources table). */
export const ResetReason = {
  POWERON: 1,
  RTC_SW_SYS: 3,
  TG0WDT_SYS: 7,
  TG1WDT_SYS: 8,
  RTCWDT_SYS: 9,
  TG0WDT_CPU: 11,
  RTC_SW_CPU: 12,
  RTCWDT_CPU: 13,
  RTCWDT_RTC: 16,
  TG1WDT_CPU: 17,
  SUPER_WDT: 18,
} as const;

export const RESET_REASON_NAMES: Record<number, string> = {
  1: "POWERON", 3: "RTC_SW_SYS_RST", 7: "TG0WDT_SYS_RST", 8: "TG1WDT_SYS_RST", 9: "RTCWDT_SYS_RST",
  11: "TG0WDT_CPU_RST", 12: "RTC_SW_CPU_RST", 13: "RTCWDT_CPU_RST", 16: "RTCWDT_RTC_RST",
  17: "TG1WDT_CPU_RST", 18: "SUPER_WDT_RST",
};
