/*
 * Vector tables and the reset handler. boot2 points VTOR at the flash table
 * (0x10000100) and jumps to its reset entry; the reset handler initialises RAM
 * and switches to a copy of the table in RAM, whose interrupt handlers also
 * live in RAM so they keep running while the flash driver has XIP turned off.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __time_critical_load[], __time_critical_start[], __time_critical_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint8_t __heap_start[], __heap_end[];

int main(void);
void rp2040_reset_handler(void);
void rp2040_hardfault_handler(void);
void rp2040_unexpected_handler(void);
void rp2040_systick_isr(void);
void rp2040_timer0_isr(void);
void rp2040_uart0_isr(void);
#if RP2040_USB_LINK
void rp2040_usbctrl_isr(void);
#define USB_ISR rp2040_usbctrl_isr
#else
#define USB_ISR U
#endif

typedef void (*rp2040_handler)(void);

typedef struct {
    uint32_t *initial_sp;
    rp2040_handler handlers[47]; /* exceptions 1..15, then IRQ 0..31 */
} rp2040_vector_table;

#define U rp2040_unexpected_handler

/* The table boot2 reads: only what is needed before RAM is set up. */
__attribute__((section(".vectors"), used)) const rp2040_vector_table rp2040_flash_vectors = {
    .initial_sp = __stack_top,
    .handlers = {
        rp2040_reset_handler, U, rp2040_hardfault_handler, /* 1 reset, 2 NMI, 3 HardFault */
        0, 0, 0, 0, 0, 0, 0,                               /* 4..10 reserved on ARMv6-M */
        U, 0, 0, U, U,                                     /* 11 SVCall, 14 PendSV, 15 SysTick */
        U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,    /* IRQ 0..15 */
        U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,    /* IRQ 16..31 */
    },
};

/* VTOR needs 256-byte alignment on the M0+ (48 entries rounded up to a power of two). */
__attribute__((section(".ram_vectors"), aligned(256), used)) rp2040_vector_table rp2040_ram_vectors = {
    .initial_sp = __stack_top,
    .handlers = {
        rp2040_reset_handler, U, rp2040_hardfault_handler,
        0, 0, 0, 0, 0, 0, 0,
        U, 0, 0, U, rp2040_systick_isr,
        rp2040_timer0_isr, U, U, U, U, USB_ISR, U, U, U, U, U, U, U, U, U, U, /* IRQ 0 = TIMER_IRQ_0, 5 = USBCTRL_IRQ */
        U, U, U, U, rp2040_uart0_isr, U, U, U, U, U, U, U, U, U, U, U,  /* IRQ 20 = UART0_IRQ */
    },
};
_Static_assert(IRQ_TIMER0 == 0 && IRQ_USBCTRL == 5 && IRQ_UART0 == 20, "RAM vector table slots follow the IRQ numbers");

static void copy_words(uint32_t *dst, uint32_t *end, const uint32_t *src)
{
    while (dst < end) {
        *dst++ = *src++;
    }
}

void rp2040_reset_handler(void)
{
    copy_words(__data_start, __data_end, __data_load);
    /* Hot code run from SRAM (memmap.ld.in .time_critical): no XIP cache misses. */
    copy_words(__time_critical_start, __time_critical_end, __time_critical_load);
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }
    RP_REG(SCB_VTOR, 0) = (uint32_t)(uintptr_t)&rp2040_ram_vectors;
    __asm volatile("dsb" ::: "memory");
    rp2040_boot_init();
    (void)main();
    /* main has nothing left to do: start over rather than run off the end. */
    hal_reset();
}

/* newlib's allocator grows into the RAM between .bss and the stack, never past it. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    static uint8_t *brk = __heap_start;
    if (incr < 0 || (size_t)(__heap_end - brk) < (size_t)incr) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uint8_t *prev = brk;
    brk += incr;
    return prev;
}
