/* The watchdog as a hang detector. REASON tells its resets apart (see fault.c). */
#include "internal.h"

/* RP2040-E1: the counter decrements twice per 1 us tick, so load twice the time. */
#define WD_MAX_MS (0x00ffffffu / 2000u)

static uint32_t wd_load;

hal_status hal_watchdog_start(uint32_t timeout_ms)
{
    if (timeout_ms == 0 || timeout_ms > WD_MAX_MS) {
        return HAL_ERR_PARAM;
    }
    wd_load = timeout_ms * 2000u;
    rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    /* On expiry reset everything but the oscillators; the bootrom then starts over. */
    RP_REG(PSM_BASE, PSM_WDSEL) = PSM_ALL & ~(PSM_ROSC | PSM_XOSC);
    RP_REG(WATCHDOG_BASE, WD_LOAD) = wd_load;
    RP_REG(WATCHDOG_BASE, WD_CTRL) = WD_CTRL_ENABLE | WD_CTRL_PAUSE_ALL;
    return HAL_OK;
}

void rp2040_watchdog_adopt(void)
{
    wd_load = WD_MAX_MS * 2000u;
    RP_REG(WATCHDOG_BASE, WD_LOAD) = wd_load;
}

void hal_watchdog_feed(void)
{
    rp2040_stack_check_periodic();
    if (wd_load != 0) {
        RP_REG(WATCHDOG_BASE, WD_LOAD) = wd_load;
    }
}
