/* GPIO through SIO. Pins the board uses for the link UART and I2C0 are refused. */
#include "internal.h"

void rp2040_pin_function(uint32_t pin, uint32_t func, uint32_t pad)
{
    RP_REG(PADS_BANK0_BASE, PADS_GPIO(pin)) = pad;
    RP_REG(IO_BANK0_BASE, IO_GPIO_CTRL(pin)) = func;
}

static bool pin_usable(uint32_t pin)
{
    return pin < RP2040_GPIO_COUNT && pin != RP2040_LINK_TX_PIN && pin != RP2040_LINK_RX_PIN &&
           pin != RP2040_I2C_SDA_PIN && pin != RP2040_I2C_SCL_PIN;
}

uint32_t hal_gpio_count(void)
{
    return RP2040_GPIO_COUNT;
}

hal_status hal_gpio_mode_set(uint32_t pin, hal_gpio_mode mode)
{
    if (!pin_usable(pin)) {
        return HAL_ERR_PARAM;
    }
    uint32_t pad = PAD_IE | PAD_SCHMITT | PAD_DRIVE_4MA;
    switch (mode) {
    case HAL_GPIO_INPUT: break;
    case HAL_GPIO_OUTPUT: break;
    case HAL_GPIO_INPUT_PULLUP: pad |= PAD_PUE; break;
    case HAL_GPIO_INPUT_PULLDOWN: pad |= PAD_PDE; break;
    default: return HAL_ERR_PARAM;
    }
    uint32_t bit = 1u << pin;
    if (mode == HAL_GPIO_OUTPUT) {
        RP_REG(SIO_BASE, SIO_GPIO_OUT_CLR) = bit;
        RP_REG(SIO_BASE, SIO_GPIO_OE_SET) = bit;
    } else {
        RP_REG(SIO_BASE, SIO_GPIO_OE_CLR) = bit;
    }
    rp2040_pin_function(pin, GPIO_FUNC_SIO, pad);
    return HAL_OK;
}

hal_status hal_gpio_write(uint32_t pin, bool level)
{
    if (!pin_usable(pin)) {
        return HAL_ERR_PARAM;
    }
    RP_REG(SIO_BASE, level ? SIO_GPIO_OUT_SET : SIO_GPIO_OUT_CLR) = 1u << pin;
    return HAL_OK;
}

int32_t hal_gpio_read(uint32_t pin)
{
    if (!pin_usable(pin)) {
        return -(int32_t)HAL_ERR_PARAM;
    }
    return (int32_t)((RP_REG(SIO_BASE, SIO_GPIO_IN) >> pin) & 1u);
}
