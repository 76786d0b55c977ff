/* Shared between the ESP32-C3 HAL's source files; not part of any public API. */
#ifndef ESP32C3_INTERNAL_H
#define ESP32C3_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "board_config.h"
#include "hal.h"
#include "regs.h"

/* Code that runs while the cache is off (flash erase/program) or from interrupts: the ROM
 * loads it into IRAM with the image; everything else executes from flash through the cache. */
#define C3_IRAM __attribute__((section(".iram.text"), noinline))

#define C3_APB_HZ 80000000u /* 160 MHz CPU from the 480 MHz PLL: APB is 80 MHz */
#ifndef C3_LINK_BAUD
#define C3_LINK_BAUD 115200u
#endif
#define C3_LINK_TX_PIN 21u /* U0TXD, IO_MUX function 0 */
#define C3_LINK_RX_PIN 20u /* U0RXD, IO_MUX function 0 */
#define C3_I2C_SDA_PIN 4u
#define C3_I2C_SCL_PIN 5u
#define C3_I2C_HZ      400000u

/* RTC_CNTL_STORE0 carries why we reset across the system reset (RTC registers keep it). */
#define C3_STORE_MAGIC      0x57a5c000u
#define C3_STORE_MAGIC_MASK 0xfffff000u
enum esp32c3_reset_code {
    C3_CODE_SOFTWARE = 1,
    C3_CODE_FAULT = 2,
};

static inline uint32_t c3_irq_save(void)
{
    uint32_t mstatus;
    __asm volatile("csrrci %0, mstatus, 8" : "=r"(mstatus)::"memory");
    return mstatus & 8u;
}

static inline void c3_irq_restore(uint32_t mie)
{
    if (mie != 0) {
        __asm volatile("csrsi mstatus, 8" ::: "memory");
    }
}

/* Bound of a wait on a hardware status bit (~6 ms at 160 MHz): never an endless loop. */
#define C3_SPIN_LIMIT 1000000u

void esp32c3_boot_init(void);
void esp32c3_cache_invalidate(void);
void esp32c3_watchdogs_off(void);
void esp32c3_clocks_init(void);
void esp32c3_flash_map_init(void);
void esp32c3_time_init(void);
void esp32c3_link_init(void);
void esp32c3_i2c_init(void);
void esp32c3_periph_init(void);
hal_status esp32c3_flash_init(void);
void esp32c3_uart0_isr(void);
void esp32c3_link_write_polled(const char *s);
bool esp32c3_link_available(void);
__attribute__((noreturn)) void esp32c3_reset_with(uint32_t code);

#endif
