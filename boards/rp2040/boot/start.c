/*
 * The bootloader's start-up: boot2 points VTOR at this table (0x10000100) and jumps to its
 * reset entry. No interrupts are used, so there is no RAM vector table; RAM holds only the
 * flash driver (which runs with XIP off), .data and .bss. Everything here is given back to
 * the firmware, whose own reset handler sets RAM up again.
 */
#include <stdint.h>

#include "../src/internal.h" /* the board's registers and fault codes */

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];

void rp2040_reset_handler(void);
void boot_fault_handler(void);
__attribute__((noreturn)) void boot_main(void);

typedef void (*boot_handler)(void);

/* Exceptions 1..15 only: the bootloader enables no interrupt. */
__attribute__((section(".vectors"), used)) const struct {
    uint32_t *initial_sp;
    boot_handler handlers[15];
} rp2040_flash_vectors = {
    .initial_sp = __stack_top,
    .handlers = { rp2040_reset_handler, boot_fault_handler, boot_fault_handler },
};

void rp2040_reset_handler(void)
{
    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }
    boot_main();
}

/* A fault in the bootloader itself: the watchdog (armed for at most 8 s by boot_main) or a
 * power cycle starts it over; there is nothing better to run. */
void boot_fault_handler(void)
{
    for (;;) {
    }
}

/* The flash driver checks the firmware's stack canary; the bootloader has no guard. */
void rp2040_stack_check(void)
{
}
