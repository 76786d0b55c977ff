/* The HAL's watchdog is timer group 0's (MWDT0): clocked from APB through a prescaler, so
 * its timeout is as exact as the 80 MHz clock; stage 0 resets the whole system. The RTC
 * and TIMG1 watchdogs stay off and the super watchdog feeds itself (boot.c). */
#include "internal.h"

#define WDT_PRESCALE     8000u /* 80 MHz / 8000 = 10 kHz: 0.1 ms ticks */
#define WDT_TICKS_PER_MS (C3_APB_HZ / WDT_PRESCALE / 1000u)
#define WDT_MAX_MS       (0xffffffffu / WDT_TICKS_PER_MS)
#define WDT_RESET_LEN    ((7u << 18) | (7u << 15)) /* CPU and system reset pulse: 3.2 us */

static bool armed;

hal_status hal_watchdog_start(uint32_t timeout_ms)
{
    if (timeout_ms == 0 || timeout_ms > WDT_MAX_MS) {
        return HAL_ERR_PARAM;
    }
    C3_REG(TIMG0_BASE, TIMG_WDTWPROTECT) = TIMG_WDT_KEY;
    C3_REG(TIMG0_BASE, TIMG_WDTCONFIG0) = TIMG_WDT_UPDATE; /* off while it is set up */
    C3_REG(TIMG0_BASE, TIMG_WDTCONFIG1) = WDT_PRESCALE << 16;
    C3_REG(TIMG0_BASE, TIMG_WDTCONFIG2) = timeout_ms * WDT_TICKS_PER_MS;
    C3_REG(TIMG0_BASE, TIMG_WDTCONFIG0) = TIMG_WDT_EN | TIMG_WDT_STG0_SYS | WDT_RESET_LEN | TIMG_WDT_UPDATE;
    C3_REG(TIMG0_BASE, TIMG_WDTFEED) = 1u;
    C3_REG(TIMG0_BASE, TIMG_WDTWPROTECT) = 0;
    armed = true;
    return HAL_OK;
}

void hal_watchdog_feed(void)
{
    if (armed) {
        C3_REG(TIMG0_BASE, TIMG_WDTWPROTECT) = TIMG_WDT_KEY;
        C3_REG(TIMG0_BASE, TIMG_WDTFEED) = 1u;
        C3_REG(TIMG0_BASE, TIMG_WDTWPROTECT) = 0;
    }
}
