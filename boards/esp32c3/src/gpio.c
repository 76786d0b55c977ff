/* GPIO through the GPIO matrix (simple output: FUNCn_OUT_SEL = 128). Pins the board uses
 * itself are refused: the SPI flash (12..17), USB D-/D+ (18, 19: the USB serial/JTAG),
 * the link (20, 21) and I2C (4, 5). */
#include "internal.h"

#define RESERVED_PINS                                                                                                  \
    ((0x3fu << 12) | (1u << 18) | (1u << 19) | (1u << C3_LINK_RX_PIN) | (1u << C3_LINK_TX_PIN) |                       \
     (1u << C3_I2C_SDA_PIN) | (1u << C3_I2C_SCL_PIN))

static bool usable(uint32_t pin)
{
    return pin < C3_GPIO_COUNT && (RESERVED_PINS & (1u << pin)) == 0;
}

uint32_t hal_gpio_count(void)
{
    return C3_GPIO_COUNT;
}

hal_status hal_gpio_mode_set(uint32_t pin, hal_gpio_mode mode)
{
    if (!usable(pin)) {
        return HAL_ERR_PARAM;
    }
    uint32_t mux = IO_MUX_MCU_SEL_GPIO | IO_MUX_FUN_IE | IO_MUX_DRV_20MA;
    switch (mode) {
    case HAL_GPIO_OUTPUT:
    case HAL_GPIO_INPUT: break;
    case HAL_GPIO_INPUT_PULLUP: mux |= IO_MUX_FUN_WPU; break;
    case HAL_GPIO_INPUT_PULLDOWN: mux |= IO_MUX_FUN_WPD; break;
    default: return HAL_ERR_PARAM;
    }
    C3_REG(IO_MUX_BASE, IO_MUX_GPIO(pin)) = mux;
    C3_REG(GPIO_BASE, GPIO_PIN(pin)) = 0; /* push-pull */
    C3_REG(GPIO_BASE, GPIO_FUNC_OUT_SEL(pin)) = GPIO_OUT_SIMPLE;
    C3_REG(GPIO_BASE, mode == HAL_GPIO_OUTPUT ? GPIO_ENABLE_W1TS : GPIO_ENABLE_W1TC) = 1u << pin;
    return HAL_OK;
}

hal_status hal_gpio_write(uint32_t pin, bool level)
{
    if (!usable(pin)) {
        return HAL_ERR_PARAM;
    }
    C3_REG(GPIO_BASE, level ? GPIO_OUT_W1TS : GPIO_OUT_W1TC) = 1u << pin;
    return HAL_OK;
}

int32_t hal_gpio_read(uint32_t pin)
{
    if (!usable(pin)) {
        return -(int32_t)HAL_ERR_PARAM;
    }
    return (int32_t)((C3_REG(GPIO_BASE, GPIO_IN) >> pin) & 1u);
}
