/* Peripheral power: a block is on when its SYSTEM_PERIP_CLK_EN0 bit is set and its
 * SYSTEM_PERIP_RST_EN0 bit clear, off when held in reset with its clock gated. The C3 has
 * one general-purpose SPI (GP-SPI2: the HAL's SPI0), LEDC for PWM, UART1; no PIO, no
 * second I2C, and SPI0/SPI1 proper belong to the flash. */
#include "internal.h"

static const uint32_t clk_bit[HAL_PERIPH_COUNT] = {
    [HAL_PERIPH_SPI0] = PERIP_SPI2, [HAL_PERIPH_SPI1] = 0, [HAL_PERIPH_PWM] = PERIP_LEDC,    [HAL_PERIPH_PIO0] = 0,
    [HAL_PERIPH_PIO1] = 0,          [HAL_PERIPH_I2C1] = 0, [HAL_PERIPH_UART1] = PERIP_UART1,
};

#define HAL_OWN_BLOCKS (PERIP_UART0 | PERIP_I2C0 | PERIP_SYSTIMER)

static uint32_t switchable(void)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < HAL_PERIPH_COUNT; i++) m |= clk_bit[i];
    return m;
}

/* A software reset leaves SYSTEM as it was: start every run with the switchable blocks off. */
void esp32c3_periph_init(void)
{
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) |= switchable();
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) &= ~switchable();
}

hal_status hal_periph_power(hal_periph p, bool on)
{
    if ((unsigned)p >= HAL_PERIPH_COUNT) return HAL_ERR_PARAM;
    uint32_t bit = clk_bit[p];
    if (bit == 0) return HAL_ERR_UNSUPPORTED;
    if (on) {
        C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) |= bit;
        C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) &= ~bit;
    } else {
        C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) |= bit;
        C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) &= ~bit;
    }
    return HAL_OK;
}

uint32_t hal_periph_on_count(void)
{
    uint32_t m = (HAL_OWN_BLOCKS | switchable()) & C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) &
                 ~C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0);
    uint32_t n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}
