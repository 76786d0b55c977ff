/*
 * I2C0 as a master on GPIO4 (SDA) / GPIO5 (SCL), 400 kHz, open drain with the pads'
 * pull-ups. The C3's controller runs a list of up to 8 commands (RSTART, WRITE n, READ n,
 * STOP, END) over a 32-byte FIFO: a longer transfer is split with END, which holds the bus
 * (SCL low) until the next list continues it.
 */
#include <stddef.h>

#include "internal.h"

#define I2C_SCLK_HZ     40000000u /* SCLK_SEL 0: XTAL_CLK */
#define I2C_HALF_PERIOD (I2C_SCLK_HZ / C3_I2C_HZ / 2u)
#define I2C_TIMEOUT_US  20000u
#define I2C_TO_2POW20   (20u | (1u << 5)) /* TIME_OUT_VALUE 2^20 SCLK cycles, TIME_OUT_EN */
#define I2C_ERRORS      (I2C_INT_NACK | I2C_INT_TIME_OUT | I2C_INT_ARB_LOST)

static void pin_open_drain(uint32_t pin, uint32_t signal)
{
    C3_REG(IO_MUX_BASE, IO_MUX_GPIO(pin)) = IO_MUX_MCU_SEL_GPIO | IO_MUX_FUN_IE | IO_MUX_FUN_WPU | IO_MUX_DRV_20MA;
    C3_REG(GPIO_BASE, GPIO_PIN(pin)) = GPIO_PAD_OPEN_DRAIN;
    C3_REG(GPIO_BASE, GPIO_FUNC_OUT_SEL(pin)) = signal;
    C3_REG(GPIO_BASE, GPIO_FUNC_IN_SEL(signal)) = GPIO_IN_SEL_MATRIX | pin;
    C3_REG(GPIO_BASE, GPIO_OUT_W1TS) = 1u << pin;
    C3_REG(GPIO_BASE, GPIO_ENABLE_W1TS) = 1u << pin;
}

void esp32c3_i2c_init(void)
{
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) |= PERIP_I2C0;
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) &= ~PERIP_I2C0;
    C3_REG(I2C0_BASE, I2C_CLK_CONF) = I2C_CLK_SCLK_ACTIVE; /* XTAL, no divider */
    C3_REG(I2C0_BASE, I2C_CTR) = I2C_CTR_MS_MODE | I2C_CTR_CLK_EN | I2C_CTR_SDA_FORCE_OUT | I2C_CTR_SCL_FORCE_OUT;
    C3_REG(I2C0_BASE, I2C_SCL_LOW_PERIOD) = I2C_HALF_PERIOD - 1u;
    C3_REG(I2C0_BASE, I2C_SCL_HIGH_PERIOD) = I2C_HALF_PERIOD;
    C3_REG(I2C0_BASE, I2C_SDA_HOLD) = I2C_HALF_PERIOD / 4u;
    C3_REG(I2C0_BASE, I2C_SDA_SAMPLE) = I2C_HALF_PERIOD / 2u;
    C3_REG(I2C0_BASE, I2C_SCL_START_HOLD) = I2C_HALF_PERIOD;
    C3_REG(I2C0_BASE, I2C_SCL_RSTART_SETUP) = I2C_HALF_PERIOD;
    C3_REG(I2C0_BASE, I2C_SCL_STOP_HOLD) = I2C_HALF_PERIOD;
    C3_REG(I2C0_BASE, I2C_SCL_STOP_SETUP) = I2C_HALF_PERIOD;
    C3_REG(I2C0_BASE, I2C_TO) = I2C_TO_2POW20;
    C3_REG(I2C0_BASE, I2C_CTR) |= I2C_CTR_CONF_UPGATE; /* timing registers into the I2C clock domain */
    pin_open_drain(C3_I2C_SDA_PIN, SIG_I2CEXT0_SDA);
    pin_open_drain(C3_I2C_SCL_PIN, SIG_I2CEXT0_SCL);
}

static void fifo_reset(void)
{
    C3_REG(I2C0_BASE, I2C_FIFO_CONF) |= I2C_FIFO_RX_RST | I2C_FIFO_TX_RST;
    C3_REG(I2C0_BASE, I2C_FIFO_CONF) &= ~(I2C_FIFO_RX_RST | I2C_FIFO_TX_RST);
}

/* Runs the command list; `done` is END_DETECT (list ended with END) or TRANS_COMPLETE (STOP). */
static hal_status run(uint32_t done)
{
    C3_REG(I2C0_BASE, I2C_INT_CLR) = 0xffffffffu;
    C3_REG(I2C0_BASE, I2C_CTR) |= I2C_CTR_CONF_UPGATE;
    C3_REG(I2C0_BASE, I2C_CTR) |= I2C_CTR_TRANS_START;
    uint64_t deadline = hal_time_us() + I2C_TIMEOUT_US;
    for (;;) {
        uint32_t raw = C3_REG(I2C0_BASE, I2C_INT_RAW);
        if (raw & I2C_ERRORS) {
            /* Leave the bus free for the next transfer: reset the state machine. */
            C3_REG(I2C0_BASE, I2C_CTR) |= I2C_CTR_FSM_RST;
            C3_REG(I2C0_BASE, I2C_INT_CLR) = 0xffffffffu;
            return (raw & I2C_INT_NACK) ? HAL_ERR_NACK : (raw & I2C_INT_TIME_OUT) ? HAL_ERR_TIMEOUT : HAL_ERR_IO;
        }
        if (raw & done) {
            return HAL_OK;
        }
        if (hal_time_us() > deadline) {
            C3_REG(I2C0_BASE, I2C_CTR) |= I2C_CTR_FSM_RST;
            return HAL_ERR_TIMEOUT;
        }
    }
}

static uint32_t end_cmd(bool last, bool stop, uint32_t *done)
{
    if (last && stop) {
        *done = I2C_INT_TRANS_COMPLETE;
        return I2C_CMD_STOP;
    }
    *done = I2C_INT_END_DETECT;
    return I2C_CMD_END;
}

hal_status hal_i2c_write(uint8_t addr, const uint8_t *data, size_t len, bool stop)
{
    if (addr > 0x7fu || (data == NULL && len > 0)) {
        return HAL_ERR_PARAM;
    }
    size_t sent = 0;
    bool first = true;
    do {
        fifo_reset();
        uint32_t c = 0, fifo = 0;
        if (first) {
            C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_RSTART;
            C3_REG(I2C0_BASE, I2C_DATA) = (uint32_t)addr << 1;
            fifo = 1;
        }
        size_t n = len - sent;
        if (n > I2C_FIFO_DEPTH - fifo) {
            n = I2C_FIFO_DEPTH - fifo;
        }
        for (size_t i = 0; i < n; i++) {
            C3_REG(I2C0_BASE, I2C_DATA) = data[sent + i];
        }
        C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_WRITE | I2C_CMD_ACK_CHECK | (fifo + (uint32_t)n);
        uint32_t done;
        C3_REG(I2C0_BASE, I2C_COMD(c)) = end_cmd(sent + n == len, stop, &done);
        hal_status st = run(done);
        if (st != HAL_OK) {
            return st;
        }
        sent += n;
        first = false;
    } while (sent < len);
    return HAL_OK;
}

hal_status hal_i2c_read(uint8_t addr, uint8_t *buf, size_t len)
{
    if (addr > 0x7fu || buf == NULL || len == 0) {
        return HAL_ERR_PARAM;
    }
    size_t got = 0;
    bool first = true;
    while (got < len) {
        fifo_reset();
        uint32_t c = 0;
        if (first) {
            C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_RSTART;
            C3_REG(I2C0_BASE, I2C_DATA) = ((uint32_t)addr << 1) | 1u;
            C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_WRITE | I2C_CMD_ACK_CHECK | 1u;
        }
        size_t n = len - got > I2C_FIFO_DEPTH ? I2C_FIFO_DEPTH : len - got;
        bool last = got + n == len;
        /* The last byte of the transfer is answered with NACK: the slave then lets go of SDA. */
        if (last) {
            if (n > 1) {
                C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_READ | (uint32_t)(n - 1);
            }
            C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_READ | I2C_CMD_ACK_VALUE_NACK | 1u;
        } else {
            C3_REG(I2C0_BASE, I2C_COMD(c++)) = I2C_CMD_READ | (uint32_t)n;
        }
        uint32_t done;
        C3_REG(I2C0_BASE, I2C_COMD(c)) = end_cmd(last, true, &done);
        hal_status st = run(done);
        if (st != HAL_OK) {
            return st;
        }
        for (size_t i = 0; i < n; i++) {
            buf[got + i] = (uint8_t)C3_REG(I2C0_BASE, I2C_DATA);
        }
        got += n;
        first = false;
    }
    return HAL_OK;
}
