/* hal_init: boot.c has already set the clock and mapped the flash; here the peripherals. */
#include "internal.h"

static bool initialised;

hal_status hal_init(void)
{
    if (initialised) {
        return HAL_OK;
    }
    esp32c3_time_init();
    esp32c3_link_init();
    esp32c3_i2c_init();
    esp32c3_periph_init();
    __asm volatile("csrsi mstatus, 8" ::: "memory"); /* MIE: UART0's interrupt from now on */
    /* A flash chip that does not answer leaves erase/program failing; the rest still works. */
    (void)esp32c3_flash_init();
    initialised = true;
    return HAL_OK;
}
