/* SYSTIMER: comparator 0 one-shot 1 ms ahead, then comparator 1 periodic every 0.5 ms;
 * each alarm interrupt prints the counter (unit 0, 16 MHz) it saw. */
#include "c3.h"

static uint32_t now_lo(void)
{
    REG(SYSTIMER + 0x04) = 1u << 30; /* UNIT0_OP: update */
    while (!(REG(SYSTIMER + 0x04) & (1u << 29))) {
    }                            /* value valid */
    return REG(SYSTIMER + 0x44); /* UNIT0_VALUE_LO */
}

volatile int oneshot, periodic;
uint32_t t0;

void irq_handler(uint32_t line)
{
    uint32_t st = REG(SYSTIMER + 0x70);
    if (line == 2 && (st & 1)) {
        REG(SYSTIMER + 0x6C) = 1;
        oneshot++;
        puts_("oneshot +");
        dec_(now_lo() - t0);
        putc_('\n');
    }
    if (line == 3 && (st & 2)) {
        REG(SYSTIMER + 0x6C) = 2;
        periodic++;
        puts_("periodic ");
        dec_((uint32_t)periodic);
        putc_('\n');
        if (periodic == 3) REG(SYSTIMER + 0x00) &= ~(1u << 23); /* comparator 1 off */
    }
}

int main(void)
{
    route_irq(37, 2);
    route_irq(38, 3);
    REG(SYSTIMER + 0x64) = 3; /* INT_ENA: comparators 0, 1 */
    t0 = now_lo();
    uint32_t target = t0 + 16000;             /* 1 ms */
    REG(SYSTIMER + 0x1C) = 0;                 /* TARGET0_HI */
    REG(SYSTIMER + 0x20) = target;            /* TARGET0_LO */
    REG(SYSTIMER + 0x34) = 0;                 /* TARGET0_CONF: one-shot, unit 0 */
    REG(SYSTIMER + 0x50) = 1;                 /* COMP0_LOAD */
    REG(SYSTIMER + 0x38) = (1u << 30) | 8000; /* TARGET1_CONF: period 0.5 ms */
    REG(SYSTIMER + 0x54) = 1;                 /* COMP1_LOAD */
    REG(SYSTIMER + 0x00) |= (1u << 24) | (1u << 23);
    irq_on();
    while (oneshot < 1 || periodic < 3) __asm__ volatile("wfi");
    puts_("done\n");
    return 0;
}
