/* Time from SYSTIMER unit 0 (16 MHz, 64 bits: never wraps); cycles from the CPU's mcycle. */
#include "internal.h"

void esp32c3_time_init(void)
{
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) |= PERIP_SYSTIMER;
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) &= ~PERIP_SYSTIMER;
    C3_REG(SYSTIMER_BASE, SYSTIMER_CONF) |= SYSTIMER_CLK_EN | SYSTIMER_UNIT0_WORK_EN;
}

/* UPDATE latches the counter into VALUE_HI/LO; VALID says the latch is done. */
static uint64_t systimer_ticks(void)
{
    C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) = SYSTIMER_UNIT0_UPDATE;
    while ((C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) & SYSTIMER_UNIT0_VALID) == 0) {
    }
    uint64_t hi = C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_VALUE_HI) & 0xfffffu; /* 52-bit counter */
    return (hi << 32) | C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_VALUE_LO);
}

uint64_t hal_time_us(void)
{
    return systimer_ticks() / (SYSTIMER_HZ / 1000000u);
}

void hal_delay_us(uint32_t us)
{
    uint64_t until = hal_time_us() + us;
    while (hal_time_us() < until) {
    }
}

/* The C3's core counts cycles in its performance counter, CSR mpccr (0x7e2), once
 * mpcer (0x7e0) selects cycles and mpcmr (0x7e1) enables counting. 32 bits: extended here. */
uint64_t hal_cycles(void)
{
    static uint32_t last;
    static uint64_t high;
    static bool started;
    if (!started) {
        __asm volatile("csrw 0x7e0, %0" ::"r"(1u));
        __asm volatile("csrw 0x7e1, %0" ::"r"(1u));
        started = true;
    }
    uint32_t now;
    __asm volatile("csrr %0, 0x7e2" : "=r"(now));
    if (now < last) {
        high += 1ull << 32;
    }
    last = now;
    return high | now;
}

/* Busy until the deadline or received bytes: the link's ring is what wakes the device.
 * (A SYSTIMER alarm with WFI would save power; not done yet.) */
void hal_idle_until(uint64_t until_us)
{
    while (hal_time_us() < until_us) {
        if (esp32c3_link_available()) {
            return;
        }
        __asm volatile("nop");
    }
}
