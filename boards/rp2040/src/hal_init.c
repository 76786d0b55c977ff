/* hal_init: clocks first (everything else is timed from them), then the peripherals. */
#include "internal.h"
#include "usb_cdc.h"

static bool initialised;

hal_status hal_init(void)
{
    if (initialised) {
        return HAL_OK;
    }
    /* Hold what we configure in reset until its clock is right. */
    rp_set(RESETS_BASE, RESETS_RESET, RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0 | RESET_I2C0 | RESET_TIMER);
    hal_status st = rp2040_clocks_init();
    if (st != HAL_OK) {
        return st;
    }
    rp2040_resets_cycle(RESET_IO_BANK0 | RESET_PADS_BANK0);
    rp2040_time_init();
    rp2040_link_init();
#if RP2040_USB_LINK
    rp2040_usb_init();
#endif
    rp2040_i2c_init();
    rp2040_periph_init();
    __asm volatile("cpsie i" ::: "memory");
    /* A flash chip that does not answer leaves erase/program failing with HAL_ERR_IO;
     * the rest of the board still works, so this is not fatal here. */
    (void)rp2040_flash_init();
    initialised = true;
    return HAL_OK;
}
