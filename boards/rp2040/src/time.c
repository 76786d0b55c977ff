/*
 * Time: the 64-bit 1 MHz TIMER (ticked by the watchdog tick generator from
 * the 12 MHz crystal), a CPU cycle counter made from SysTick (24 bits at
 * clk_sys) extended in its wrap interrupt, and sleeping on TIMER alarm 0.
 */
#include "internal.h"

static volatile uint32_t systick_wraps;

/* Interrupt handlers run from RAM: they must keep working while XIP is off. */
RP_RAMFUNC void rp2040_systick_isr(void)
{
    systick_wraps = systick_wraps + 1u;
}

RP_RAMFUNC void rp2040_timer0_isr(void)
{
    /* Alarm 0 only wakes hal_idle_until; acknowledge it. */
    RP_REG(TIMER_BASE, TIMER_INTR) = 1u;
}

void rp2040_time_init(void)
{
    /* 1 us tick: clk_ref is the 12 MHz crystal after rp2040_clocks_init. */
    RP_REG(WATCHDOG_BASE, WD_TICK) = WD_TICK_ENABLE | (RP2040_XOSC_HZ / 1000000u);
    rp2040_resets_cycle(RESET_TIMER);

    RP_REG(SYST_CSR, 0) = 0;
    RP_REG(SYST_RVR, 0) = 0x00ffffffu;
    RP_REG(SYST_CVR, 0) = 0; /* any write reloads the counter */
    systick_wraps = 0;
    RP_REG(SYST_CSR, 0) = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;

    RP_REG(TIMER_BASE, TIMER_INTE) = 1u; /* alarm 0 */
    RP_REG(NVIC_ICPR, 0) = 1u << IRQ_TIMER0;
    RP_REG(NVIC_ISER, 0) = 1u << IRQ_TIMER0;
}

uint64_t hal_time_us(void)
{
    /* Raw registers do not latch: reread the high word until it is stable. */
    uint32_t hi, lo, hi2;
    do {
        hi = RP_REG(TIMER_BASE, TIMER_TIMERAWH);
        lo = RP_REG(TIMER_BASE, TIMER_TIMERAWL);
        hi2 = RP_REG(TIMER_BASE, TIMER_TIMERAWH);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

void hal_delay_us(uint32_t us)
{
    uint64_t until = hal_time_us() + us;
    while (hal_time_us() < until) {
    }
}

uint64_t hal_cycles(void)
{
    uint32_t primask = rp_irq_save();
    uint32_t wraps = systick_wraps;
    uint32_t cvr = RP_REG(SYST_CVR, 0);
    /* Wrapped since interrupts were masked but not yet counted: count it here. */
    if (RP_REG(SCB_ICSR, 0) & ICSR_PENDSTSET) {
        cvr = RP_REG(SYST_CVR, 0);
        wraps++;
    }
    rp_irq_restore(primask);
    return ((uint64_t)wraps << 24) + (0x00ffffffu - (cvr & 0x00ffffffu));
}

void hal_idle_until(uint64_t until_us)
{
    rp2040_stack_check_periodic();
    uint32_t primask = rp_irq_save();
    uint64_t now = hal_time_us();
    if (now < until_us) {
        /* Alarms compare the low 32 bits only: cap far deadlines, the caller loops. */
        uint64_t target = until_us - now > 0x7fffffffu ? now + 0x7fffffffu : until_us;
        RP_REG(TIMER_BASE, TIMER_INTR) = 1u;
        RP_REG(TIMER_BASE, TIMER_ALARM0) = (uint32_t)target;
        /* A deadline that passed while arming would otherwise wait a full 2^32 us. */
        if (hal_time_us() < target) {
            /* With PRIMASK set, WFI still wakes on a pending interrupt; the handler
             * runs once PRIMASK is restored, so no wake-up is lost in between. */
            __asm volatile("dsb\n wfi" ::: "memory");
        }
        RP_REG(TIMER_BASE, TIMER_ARMED) = 1u; /* disarm (write 1 to clear) */
    }
    rp_irq_restore(primask);
}
