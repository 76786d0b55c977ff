/* Time from SYSTIMER unit 0 (16 MHz, 64 bits: never wraps); cycles from the CPU's mcycle. */
#include "internal.h"

/* Shorter sleeps busy-wait: arming the alarm costs about as much. */
#define IDLE_MIN_US 20u

void esp32c3_time_init(void)
{
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) |= PERIP_SYSTIMER;
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) &= ~PERIP_SYSTIMER;
    C3_REG(SYSTIMER_BASE, SYSTIMER_CONF) |= SYSTIMER_CLK_EN | SYSTIMER_UNIT0_WORK_EN | SYSTIMER_TARGET0_WORK_EN;
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_ENA) &= ~SYSTIMER_INT_TARGET0;
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_CLR) = SYSTIMER_INT_TARGET0;
    /* Comparator 0 -> CPU line 2, level, enabled: a pending alarm ends a wfi. hal_idle_until
     * clears it before interrupts are on again, so the line is never taken. */
    C3_REG(INTMTX_BASE, INTMTX_SYSTIMER0_MAP) = C3_CPU_INT_SYSTIMER;
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_TYPE) &= ~(1u << C3_CPU_INT_SYSTIMER);
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_PRI(C3_CPU_INT_SYSTIMER)) = 2u;
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_ENABLE) |= 1u << C3_CPU_INT_SYSTIMER;
}

/* UPDATE latches the counter into VALUE_HI/LO; VALID says the latch is done. */
static uint64_t systimer_ticks(void)
{
    C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) = SYSTIMER_UNIT0_UPDATE;
    for (uint32_t i = 0; i < C3_SPIN_LIMIT && (C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) & SYSTIMER_UNIT0_VALID) == 0;
         i++) {
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

/*
 * Sleeps in wfi until the deadline (a one-shot alarm on SYSTIMER comparator 0) or the next
 * interrupt (UART0's receive), whichever first. wfi runs with mstatus.MIE clear: a pending
 * line ends it all the same (RISC-V's rule), and the alarm is cleared before interrupts are
 * on again, so only UART0's handler ever runs. An alarm armed for a time already past might
 * never fire: the deadline is checked once more after arming.
 */
void hal_idle_until(uint64_t until_us)
{
    uint64_t now = hal_time_us();
    if (until_us <= now || esp32c3_link_available()) {
        return;
    }
    if (until_us - now < IDLE_MIN_US) {
        while (hal_time_us() < until_us) {
        }
        return;
    }
    uint64_t target = until_us * (SYSTIMER_HZ / 1000000u);
    uint32_t mie = c3_irq_save();
    C3_REG(SYSTIMER_BASE, SYSTIMER_TARGET0_CONF) = 0;
    C3_REG(SYSTIMER_BASE, SYSTIMER_TARGET0_HI) = (uint32_t)(target >> 32) & 0xfffffu;
    C3_REG(SYSTIMER_BASE, SYSTIMER_TARGET0_LO) = (uint32_t)target;
    C3_REG(SYSTIMER_BASE, SYSTIMER_COMP0_LOAD) = 1u;
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_CLR) = SYSTIMER_INT_TARGET0;
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_ENA) |= SYSTIMER_INT_TARGET0;
    if (!esp32c3_link_available() && hal_time_us() < until_us) {
        __asm volatile("wfi" ::: "memory");
    }
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_ENA) &= ~SYSTIMER_INT_TARGET0;
    C3_REG(SYSTIMER_BASE, SYSTIMER_INT_CLR) = SYSTIMER_INT_TARGET0;
    c3_irq_restore(mie);
}
