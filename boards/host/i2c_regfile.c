#include "i2c_regfile.h"

typedef struct {
    uint8_t regs[256];
    uint8_t pointer;
} regfile;

static regfile pool[I2C_REGFILE_MAX];
static unsigned used;

static hal_status rf_write(void *ctx, const uint8_t *data, size_t len, bool stop)
{
    (void)stop;
    regfile *r = ctx;
    if (len == 0) return HAL_OK;
    r->pointer = data[0];
    for (size_t i = 1; i < len; i++) r->regs[r->pointer++] = data[i];
    return HAL_OK;
}

static hal_status rf_read(void *ctx, uint8_t *buf, size_t len)
{
    regfile *r = ctx;
    for (size_t i = 0; i < len; i++) buf[i] = r->regs[r->pointer++];
    return HAL_OK;
}

hal_status i2c_regfile_attach(uint8_t addr)
{
    if (used == I2C_REGFILE_MAX) return HAL_ERR_PARAM;
    regfile *r = &pool[used++];
    hal_host_i2c_device dev = { r, rf_write, rf_read };
    return hal_host_i2c_attach(addr, &dev);
}
