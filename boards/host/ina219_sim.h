/*
 * A simulated TI INA219 current/power monitor for the host board, modelled at
 * register level from the datasheet (SBOS448): configuration, shunt voltage,
 * bus voltage (CNVR and OVF flags), power, current and calibration registers,
 * the register-pointer protocol, conversion timing per ADC setting, and the
 * datasheet's current/power arithmetic with saturation.
 *
 * Its input is either fixed voltages (ina219_sim_set_input, for register-level
 * tests) or the power model of a simulated chip (ina219_sim_set_load), written
 * down in boards/host/INA219-MODEL.md. host-tools/src/sim/ina219.ts is the same
 * model for the rp2040js emulator; both pass the same test vectors.
 * Everything read from it is simulated, never a measurement of silicon.
 */
#ifndef WASMCU_INA219_SIM_H
#define WASMCU_INA219_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_host.h"

#define INA219_SIM_MAX 4u /* devices the static pool holds */

typedef struct ina219_sim ina219_sim;

typedef enum {
    INA219_SIM_OK = 0,
    INA219_SIM_ERR_PARAM,   /* NULL, out-of-range or non-finite argument */
    INA219_SIM_ERR_NO_ROOM, /* all INA219_SIM_MAX devices are in use */
} ina219_sim_status;

const char *ina219_sim_status_str(ina219_sim_status s);

/* The simulated chip's power model: P = alpha*f*V^2*(1-idle) + beta*n_periph + gamma*V. */
typedef struct {
    double alpha;      /* effective switched capacitance, farads (W / (Hz*V^2)) */
    double beta;       /* watts per enabled peripheral */
    double gamma;      /* static (idle) current, amperes */
    double noise_a;    /* standard deviation of the current noise, amperes, per ADC sample */
    uint32_t seed;     /* noise generator seed (0 is replaced by 1) */
    double shunt_ohms; /* the board's shunt resistor */
} ina219_sim_model;

/* What the simulated chip is doing: ina219_sim_set_load's argument. */
typedef struct {
    double f_hz;       /* core clock */
    double v_supply;   /* supply voltage upstream of the shunt */
    uint32_t n_periph; /* enabled peripherals */
    double idle;       /* fraction of time asleep, 0..1 */
} ina219_sim_load;

/* Defaults: an RP2040-like part (see INA219-MODEL.md). */
void ina219_sim_model_defaults(ina219_sim_model *m);

/*
 * Takes a device from the static pool, in its power-on state. `now_us` gives
 * the time conversions run on (hal_time_us on the host board); NULL uses an
 * internal clock that only ina219_sim_advance_us moves (tests).
 */
ina219_sim_status ina219_sim_create(const ina219_sim_model *model, uint64_t (*now_us)(void *ctx), void *ctx,
                                    ina219_sim **out);
void ina219_sim_destroy(ina219_sim *s);

/* Fixed inputs: shunt voltage (signed) and bus voltage (IN- to GND), volts. */
ina219_sim_status ina219_sim_set_input(ina219_sim *s, double shunt_v, double bus_v);
/* Inputs from the power model for this load, from now on. */
ina219_sim_status ina219_sim_set_load(ina219_sim *s, const ina219_sim_load *load);
/* The load over each conversion window [t0_us, t1_us) on the sim's clock, asked for at
 * every conversion (starting from the last load set); NULL goes back to the fixed load. */
typedef void (*ina219_sim_load_fn)(void *ctx, uint64_t t0_us, uint64_t t1_us, ina219_sim_load *load);
ina219_sim_status ina219_sim_set_load_fn(ina219_sim *s, ina219_sim_load_fn fn, void *ctx);

/* The model's noiseless power (watts) for a load: what the sim converts. */
double ina219_sim_model_power(const ina219_sim_model *m, const ina219_sim_load *load);

/* Moves the internal clock (only when created with now_us == NULL). */
void ina219_sim_advance_us(ina219_sim *s, uint64_t us);

/* Bus transfers, as hal_host's I2C device model calls them. */
hal_status ina219_sim_i2c_write(void *ctx, const uint8_t *data, size_t len, bool stop);
hal_status ina219_sim_i2c_read(void *ctx, uint8_t *buf, size_t len);
/* Fills a device for hal_host_i2c_attach(addr, &dev). */
void ina219_sim_i2c_device(ina219_sim *s, hal_host_i2c_device *dev);

/* A register's current value (after running due conversions), without bus side effects. */
uint16_t ina219_sim_peek(ina219_sim *s, uint8_t reg);
/* Conversion time of one ADC setting (the 4-bit BADC/SADC field), microseconds. */
uint32_t ina219_sim_adc_time_us(uint8_t adc);

#endif
