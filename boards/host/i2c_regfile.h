/*
 * A 256-byte register file on the host board's I2C bus (`wasmcu-host --i2c-regs ADDR`),
 * like many sensors' register maps and rp2040-sim's `--i2c-regs`: a write transfer's first
 * byte sets the register pointer, further bytes are written from there; reads return
 * registers from the pointer on; the pointer auto-increments and wraps at 256.
 */
#ifndef WASMCU_I2C_REGFILE_H
#define WASMCU_I2C_REGFILE_H

#include "hal_host.h"

#define I2C_REGFILE_MAX 4

/* Attaches a zeroed register file at `addr`; HAL_ERR_PARAM past I2C_REGFILE_MAX of them. */
hal_status i2c_regfile_attach(uint8_t addr);

#endif
