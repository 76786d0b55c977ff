/*
 * I2C0 controller (DW_apb_i2c) on GP4 (SDA) / GP5 (SCL), 400 kHz, polled.
 * A write without stop leaves the bus held (the controller stretches SCL
 * while its FIFO is empty) so the next transfer to the same address starts
 * with a repeated start.
 */
#include <stddef.h>

#include "internal.h"

#define I2C_STEP_TIMEOUT_US 10000u /* one byte takes 25 us at 400 kHz; allow clock stretching */

static bool i2c_ready;
static int32_t held_addr = -1; /* address the bus is held for after a write without stop */

void rp2040_i2c_init(void)
{
    rp2040_resets_cycle(RESET_I2C0);
    RP_REG(I2C0_BASE, IC_ENABLE) = 0;
    RP_REG(I2C0_BASE, IC_CON) =
        IC_CON_MASTER | IC_CON_SPEED_FAST | IC_CON_RESTART_EN | IC_CON_SLAVE_DIS | IC_CON_TX_EMPTY_CTRL;
    RP_REG(I2C0_BASE, IC_TX_TL) = 0;
    RP_REG(I2C0_BASE, IC_RX_TL) = 0;
    RP_REG(I2C0_BASE, IC_INTR_MASK) = 0;

    /* SCL: 40% high / 60% low of the period (fast mode needs >= 1.3 us low). */
    uint32_t period = (WASMCU_CLOCK_HZ + RP2040_I2C_HZ / 2u) / RP2040_I2C_HZ;
    uint32_t lcnt = period * 3u / 5u;
    uint32_t hcnt = period - lcnt;
    RP_REG(I2C0_BASE, IC_FS_SCL_HCNT) = hcnt;
    RP_REG(I2C0_BASE, IC_FS_SCL_LCNT) = lcnt;
    RP_REG(I2C0_BASE, IC_FS_SPKLEN) = lcnt < 16u ? 1u : lcnt / 16u;
    /* 300 ns SDA hold after SCL falls, in clk_sys cycles. */
    RP_REG(I2C0_BASE, IC_SDA_HOLD) = (WASMCU_CLOCK_HZ * 3u) / 10000000u + 1u;

    /* Open drain with internal pull-ups; boards should add stronger external ones. */
    uint32_t pad = PAD_IE | PAD_PUE | PAD_SCHMITT | PAD_DRIVE_4MA;
    rp2040_pin_function(RP2040_I2C_SDA_PIN, GPIO_FUNC_I2C, pad);
    rp2040_pin_function(RP2040_I2C_SCL_PIN, GPIO_FUNC_I2C, pad);
    held_addr = -1;
    i2c_ready = true;
}

/* Waits for any of `bits` in IC_RAW_INTR_STAT; returns what was seen (0 on timeout). */
static uint32_t wait_raw(uint32_t bits)
{
    uint64_t deadline = hal_time_us() + I2C_STEP_TIMEOUT_US;
    for (;;) {
        uint32_t raw = RP_REG(I2C0_BASE, IC_RAW_INTR_STAT) & bits;
        if (raw != 0) {
            return raw;
        }
        if (hal_time_us() > deadline) {
            return 0;
        }
    }
}

/* Ends a transfer that went wrong: release the bus and report why. */
static hal_status finish_abort(void)
{
    uint32_t source = RP_REG(I2C0_BASE, IC_TX_ABRT_SOURCE);
    (void)RP_REG(I2C0_BASE, IC_CLR_TX_ABRT);
    (void)wait_raw(IC_INTR_STOP_DET);
    (void)RP_REG(I2C0_BASE, IC_CLR_STOP_DET);
    held_addr = -1;
    return (source & (IC_ABRT_7B_ADDR_NOACK | IC_ABRT_TXDATA_NOACK)) ? HAL_ERR_NACK : HAL_ERR_IO;
}

static hal_status timeout_abort(void)
{
    RP_REG(I2C0_BASE, IC_ENABLE) = IC_ENABLE_EN | IC_ENABLE_ABORT;
    (void)wait_raw(IC_INTR_TX_ABRT | IC_INTR_STOP_DET);
    (void)RP_REG(I2C0_BASE, IC_CLR_INTR);
    RP_REG(I2C0_BASE, IC_ENABLE) = 0;
    held_addr = -1;
    return HAL_ERR_TIMEOUT;
}

/* Prepares a transfer to `addr`; returns whether the first byte needs a repeated start. */
static bool begin(uint8_t addr)
{
    if (held_addr == (int32_t)addr) {
        return true;
    }
    if (held_addr >= 0) {
        /* Held for another device: the target can only change while disabled. */
        RP_REG(I2C0_BASE, IC_ENABLE) = IC_ENABLE_EN | IC_ENABLE_ABORT;
        (void)wait_raw(IC_INTR_TX_ABRT | IC_INTR_STOP_DET);
        (void)RP_REG(I2C0_BASE, IC_CLR_INTR);
        held_addr = -1;
    }
    RP_REG(I2C0_BASE, IC_ENABLE) = 0;
    /* IC_TAR is writable only once the block reports itself disabled. */
    for (uint32_t i = 0; i < 100000u && (RP_REG(I2C0_BASE, IC_ENABLE_STATUS) & 1u); i++) {
    }
    RP_REG(I2C0_BASE, IC_TAR) = addr;
    (void)RP_REG(I2C0_BASE, IC_CLR_INTR);
    RP_REG(I2C0_BASE, IC_ENABLE) = IC_ENABLE_EN;
    return false;
}

static hal_status end_with_stop(void)
{
    if (!wait_raw(IC_INTR_STOP_DET)) {
        return timeout_abort();
    }
    (void)RP_REG(I2C0_BASE, IC_CLR_STOP_DET);
    held_addr = -1;
    return HAL_OK;
}

hal_status hal_i2c_write(uint8_t addr, const uint8_t *data, size_t len, bool stop)
{
    if (!i2c_ready) {
        return HAL_ERR_UNSUPPORTED;
    }
    /* The controller cannot send an address without at least one data byte. */
    if (addr > 0x7fu || data == NULL || len == 0) {
        return HAL_ERR_PARAM;
    }
    bool restart = begin(addr);
    for (size_t i = 0; i < len; i++) {
        uint32_t cmd = data[i];
        if (i == 0 && restart) {
            cmd |= IC_CMD_RESTART;
        }
        if (i + 1 == len && stop) {
            cmd |= IC_CMD_STOP;
        }
        RP_REG(I2C0_BASE, IC_DATA_CMD) = cmd;
        /* One byte in flight at a time: an abort then points at this byte. */
        uint32_t seen = wait_raw(IC_INTR_TX_EMPTY | IC_INTR_TX_ABRT);
        if (seen & IC_INTR_TX_ABRT) {
            return finish_abort();
        }
        if (!seen) {
            return timeout_abort();
        }
    }
    if (!stop) {
        held_addr = addr;
        return HAL_OK;
    }
    return end_with_stop();
}

hal_status hal_i2c_read(uint8_t addr, uint8_t *buf, size_t len)
{
    if (!i2c_ready) {
        return HAL_ERR_UNSUPPORTED;
    }
    if (addr > 0x7fu || buf == NULL || len == 0) {
        return HAL_ERR_PARAM;
    }
    bool restart = begin(addr);
    for (size_t i = 0; i < len; i++) {
        uint32_t cmd = IC_CMD_READ;
        if (i == 0 && restart) {
            cmd |= IC_CMD_RESTART;
        }
        if (i + 1 == len) {
            cmd |= IC_CMD_STOP;
        }
        RP_REG(I2C0_BASE, IC_DATA_CMD) = cmd;
        uint64_t deadline = hal_time_us() + I2C_STEP_TIMEOUT_US;
        while (RP_REG(I2C0_BASE, IC_RXFLR) == 0) {
            if (RP_REG(I2C0_BASE, IC_RAW_INTR_STAT) & IC_INTR_TX_ABRT) {
                return finish_abort();
            }
            if (hal_time_us() > deadline) {
                return timeout_abort();
            }
        }
        buf[i] = (uint8_t)RP_REG(I2C0_BASE, IC_DATA_CMD);
    }
    return end_with_stop();
}
