/* Watchdogs: the first boot arms TIMG0's MWDT (stage 0: reset the system after 2 ms) and
 * spins without feeding it; the second boot reads the reset reason and the RTC STORE0
 * marker, which survives the reset, and says so. A third kind: the RTC WDT when asked. */
#include "c3.h"

int main(void)
{
    uint32_t reason = REG(RTC_CNTL + 0x38) & 0x3f;
    uint32_t marker = REG(RTC_CNTL + 0x50);
    puts_("boot reason ");
    dec_(reason);
    puts_(" marker ");
    hex_(marker);
    putc_('\n');
    if (marker == 0) {
        REG(RTC_CNTL + 0x50) = 0xC3C3C3C3;
        REG(TIMG0 + 0x64) = 0x50D83AA1;
        REG(TIMG0 + 0x4C) = 40000u << 16;                         /* prescaler: 40000 APB cycles = 0.5 ms per tick */
        REG(TIMG0 + 0x50) = 4;                                    /* stage 0 hold: 4 ticks = 2 ms */
        REG(TIMG0 + 0x48) = (1u << 31) | (3u << 29) | (1u << 22); /* on, stage 0 resets the system */
        REG(TIMG0 + 0x64) = 0;
        puts_("waiting for the watchdog\n");
        for (;;) {
        }
    }
    if (marker == 0xC3C3C3C3) {
        REG(RTC_CNTL + 0x50) = 0xD4D4D4D4;
        REG(RTC_CNTL + 0xA8) = 0x50D83AA1;
        REG(RTC_CNTL + 0x94) = 272;                     /* stage 0: 272 slow ticks = 2 ms */
        REG(RTC_CNTL + 0x90) = (1u << 31) | (3u << 28); /* on, stage 0 resets the system */
        REG(RTC_CNTL + 0xA8) = 0;
        puts_("waiting for the RTC watchdog\n");
        for (;;) {
        }
    }
    puts_("watchdogs done\n");
    return 0;
}
