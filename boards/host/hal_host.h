/*
 * Host-board extras beyond hal.h: set-up from the command line, and the
 * pluggable I2C device models (the simulated INA219 plugs in here).
 */
#ifndef WASMCU_HAL_HOST_H
#define WASMCU_HAL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

typedef struct {
    const char *flash_path; /* file holding the board's flash; created (erased) if missing */
    bool uart_stdio;        /* link on stdin/stdout instead of a pseudo-terminal */
    const char *gpio_log;   /* append "time_us pin level" per GPIO write, or NULL */
    uint32_t baud;          /* pace the link like a UART at this rate (10 bits a byte); 0: as fast as the pty goes */
    /* Power-loss testing: flash operations (each erased sector, each program call) are
     * numbered from 0 across resets; with power_cut set, operation number power_cut_at does
     * half its work and the process exits at once with status HAL_HOST_POWER_CUT_EXIT. */
    bool power_cut;
    unsigned long power_cut_at;
    const char *flash_ops_log; /* append "N erase|program OFFSET LEN" per operation, or NULL */
} hal_host_options;

#define HAL_HOST_POWER_CUT_EXIT 75
/* A firmware the boot step started (boot.c) resets by exiting with this plus its
 * hal_reset_reason; the boot step then decides again, as the chip's bootloader would. */
#define HAL_HOST_RESET_EXIT     80

/* Opens the flash file and the link; prints "uart: /dev/pts/N" when on a pty. */
hal_status hal_host_setup(const hal_host_options *opt, int argc, char **argv);

/* Microseconds of [t0_us, t1_us) the board spent asleep in hal_idle_until (its WFI), from
 * a record of its last 256 sleeps: what the simulated INA219's power model calls idle. */
uint64_t hal_host_asleep_us(uint64_t t0_us, uint64_t t1_us);

/* Blocks until the host has sent something on the link (without consuming it). */
void hal_host_wait_for_link(void);

/* An I2C device model at a 7-bit address: called for each transfer. */
typedef struct {
    void *ctx;
    hal_status (*write)(void *ctx, const uint8_t *data, size_t len, bool stop);
    hal_status (*read)(void *ctx, uint8_t *buf, size_t len);
} hal_host_i2c_device;

hal_status hal_host_i2c_attach(uint8_t addr, const hal_host_i2c_device *dev);

#endif
