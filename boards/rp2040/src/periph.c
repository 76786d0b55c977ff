/* Peripheral power: an app-switchable block is on when released from reset, off when
 * held in it (RP2040 datasheet 2.14: a block in reset has its clock gated off). */
#include "internal.h"

static const uint32_t reset_bit[HAL_PERIPH_COUNT] = {
    [HAL_PERIPH_SPI0] = RESET_SPI0,   [HAL_PERIPH_SPI1] = RESET_SPI1, [HAL_PERIPH_PWM] = RESET_PWM,
    [HAL_PERIPH_PIO0] = RESET_PIO0,   [HAL_PERIPH_PIO1] = RESET_PIO1, [HAL_PERIPH_I2C1] = RESET_I2C1,
    [HAL_PERIPH_UART1] = RESET_UART1,
};

/* The blocks hal_init brings up for itself. */
#if RP2040_USB_LINK
#define HAL_OWN_BLOCKS (RESET_UART0 | RESET_I2C0 | RESET_USBCTRL)
#else
#define HAL_OWN_BLOCKS (RESET_UART0 | RESET_I2C0)
#endif

static uint32_t app_on; /* reset bits of the app-switchable blocks released by hal_periph_power */

/* Loop bound for a block whose reset never completes (bad silicon or emulator). */
#define RESET_DONE_SPINS 100000u

static uint32_t all_switchable(void)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < HAL_PERIPH_COUNT; i++) m |= reset_bit[i];
    return m;
}

/* A soft reset leaves RESETS as it was: start every run with the switchable blocks off. */
void rp2040_periph_init(void)
{
    rp_set(RESETS_BASE, RESETS_RESET, all_switchable());
    app_on = 0;
}

hal_status hal_periph_power(hal_periph p, bool on)
{
    if ((unsigned)p >= HAL_PERIPH_COUNT) return HAL_ERR_PARAM;
    uint32_t bit = reset_bit[p];
    if (!on) {
        rp_set(RESETS_BASE, RESETS_RESET, bit);
        app_on &= ~bit;
        return HAL_OK;
    }
    rp_clr(RESETS_BASE, RESETS_RESET, bit);
    for (uint32_t i = 0; (RP_REG(RESETS_BASE, RESETS_DONE) & bit) == 0; i++) {
        if (i == RESET_DONE_SPINS) return HAL_ERR_TIMEOUT;
    }
    app_on |= bit;
    return HAL_OK;
}

uint32_t hal_periph_on_count(void)
{
    uint32_t m = (HAL_OWN_BLOCKS | app_on) & ~RP_REG(RESETS_BASE, RESETS_RESET);
    uint32_t n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}
