/* Shared between the RP2040 HAL's source files; not part of any public API. */
#ifndef RP2040_INTERNAL_H
#define RP2040_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "board_config.h"
#include "hal.h"
#include "regs.h"

/* Code that must keep running while XIP is off (flash erase/program) lives in RAM. */
#define RP_RAMFUNC __attribute__((section(".ramfunc"), noinline))

#define RP2040_XOSC_HZ 12000000u
#ifndef RP2040_LINK_BAUD
#define RP2040_LINK_BAUD 115200u /* board.json "serial"; not in board_config.h yet; -D to change */
#endif
#define RP2040_LINK_TX_PIN 0u
#define RP2040_LINK_RX_PIN 1u
#define RP2040_I2C_SDA_PIN 4u
#define RP2040_I2C_SCL_PIN 5u
#define RP2040_I2C_HZ      400000u
#define RP2040_GPIO_COUNT  30u

/* Watchdog scratch 0..3 carry why we reset across the reboot (4..7 belong to the bootrom). */
#define RP2040_SCRATCH_MAGIC      0x57a5c000u
#define RP2040_SCRATCH_MAGIC_MASK 0xfffff000u
enum rp2040_reset_code {
    RP2040_CODE_SOFTWARE = 1,
    RP2040_CODE_FAULT = 2,
    RP2040_CODE_STACK = 3,
    RP2040_CODE_EXCEPTION = 4,
    RP2040_CODE_RECOVERY = 5, /* the firmware asks the bootloader (boot/) for its serial recovery */
};

static inline uint32_t rp_irq_save(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void rp_irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* Set/clear bits of an APB register through its atomic aliases. */
static inline void rp_set(uintptr_t base, uint32_t off, uint32_t bits)
{
    RP_REG(base + RP_ALIAS_SET, off) = bits;
}
static inline void rp_clr(uintptr_t base, uint32_t off, uint32_t bits)
{
    RP_REG(base + RP_ALIAS_CLR, off) = bits;
}

/* What this image is, from the linker script (memmap.ld.in): at the start of flash after
 * boot2, or a firmware bank image started by the wasmcu bootloader (boot/README.md). */
enum { RP2040_IMAGE_PLAIN = 1, RP2040_IMAGE_FW_A = 2, RP2040_IMAGE_FW_B = 3, RP2040_IMAGE_BOOTLOADER = 4 };
extern const char __rp2040_image_kind[];
static inline uint32_t rp2040_image_kind(void)
{
    return (uint32_t)(uintptr_t)__rp2040_image_kind;
}

void rp2040_resets_cycle(uint32_t bits);
hal_status rp2040_clocks_init(void);
void rp2040_time_init(void);
void rp2040_link_init(void);
void rp2040_i2c_init(void);
void rp2040_periph_init(void);
void rp2040_pin_function(uint32_t pin, uint32_t func, uint32_t pad);
void rp2040_stack_check(void);
/* rp2040_stack_check at most once a millisecond (the main loop's calls). */
void rp2040_stack_check_periodic(void);
/* Keeps a watchdog the bootloader armed for a trial boot, fed by hal_watchdog_feed from now on. */
void rp2040_watchdog_adopt(void);
void rp2040_boot_init(void);
hal_status rp2040_flash_init(void);
/* Writes to UART0 without interrupts or buffers; usable from fault handlers. */
void rp2040_link_write_polled(const char *s);
bool rp2040_link_ready(void);
/* Resets the chip through the watchdog after leaving `code` (and fault words) in scratch. */
__attribute__((noreturn)) void rp2040_reset_with(uint32_t code, uint32_t pc, uint32_t lr, uint32_t xpsr);

#endif
