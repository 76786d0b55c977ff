/*
 * Simulated INA219 (see ina219_sim.h and INA219-MODEL.md). Conversions are
 * computed lazily: each bus transfer first runs the conversions that are due
 * by the current time, so nothing needs a timer thread.
 */
#include "ina219_sim.h"

#include <math.h>
#include <string.h>

enum {
    REG_CONFIG = 0,
    REG_SHUNT = 1,
    REG_BUS = 2,
    REG_POWER = 3,
    REG_CURRENT = 4,
    REG_CAL = 5,
    REG_COUNT = 6,
};

#define CONFIG_POR  0x399Fu
#define CONFIG_RST  0x8000u
#define CONFIG_MASK 0x3FFFu /* bit 14 is unused and reads 0 */
#define BUS_CNVR    0x0002u
#define BUS_OVF     0x0001u
#define SHUNT_LSB_V 10e-6 /* 10 uV */
#define BUS_LSB_V   4e-3  /* 4 mV */

struct ina219_sim {
    bool used;
    ina219_sim_model model;
    uint64_t (*now_us)(void *ctx);
    void *ctx;
    uint64_t manual_now;

    uint16_t config;
    uint16_t cal;
    int16_t shunt; /* 10 uV counts */
    uint16_t bus;  /* 4 mV counts (register bits 15..3) */
    int16_t current;
    uint16_t power;
    bool cnvr;
    bool ovf;
    uint8_t ptr;

    bool converting;      /* a conversion cycle is running */
    uint64_t cycle_start; /* when it started, us */

    bool use_model;
    double in_shunt_v;
    double in_bus_v;
    ina219_sim_load load;
    ina219_sim_load_fn load_fn; /* the load per conversion window, when set */
    void *load_ctx;
    uint32_t rng;
};

static ina219_sim pool[INA219_SIM_MAX];

const char *ina219_sim_status_str(ina219_sim_status s)
{
    switch (s) {
    case INA219_SIM_OK: return "ok";
    case INA219_SIM_ERR_PARAM: return "bad argument";
    case INA219_SIM_ERR_NO_ROOM: return "no free simulated INA219 (all in use)";
    }
    return "unknown ina219_sim status";
}

void ina219_sim_model_defaults(ina219_sim_model *m)
{
    if (!m) return;
    m->alpha = 4.4e-11; /* ~60 mW at 125 MHz, 3.3 V while active */
    m->beta = 3e-3;     /* 3 mW per enabled peripheral */
    m->gamma = 1.5e-3;  /* 1.5 mA static current */
    m->noise_a = 50e-6; /* 50 uA rms per sample */
    m->seed = 1;
    m->shunt_ohms = 0.1;
}

uint32_t ina219_sim_adc_time_us(uint8_t adc)
{
    /* Datasheet table 5 (BADC/SADC): 9..12-bit single samples, then 12-bit averages of 2..128. */
    static const uint32_t single[4] = { 84u, 148u, 276u, 532u };
    static const uint32_t averaged[8] = { 532u, 1060u, 2130u, 4260u, 8510u, 17020u, 34050u, 68100u };
    adc &= 0x0Fu;
    return (adc & 0x08u) ? averaged[adc & 0x07u] : single[adc & 0x03u];
}

static uint64_t now_of(const ina219_sim *s)
{
    return s->now_us ? s->now_us(s->ctx) : s->manual_now;
}

static uint8_t mode_of(const ina219_sim *s)
{
    return (uint8_t)(s->config & 0x7u);
}
static bool shunt_enabled(uint8_t mode)
{
    return mode != 0u && mode != 4u && (mode & 1u);
}
static bool bus_enabled(uint8_t mode)
{
    return mode != 0u && mode != 4u && (mode & 2u);
}
static uint8_t sadc_of(const ina219_sim *s)
{
    return (uint8_t)((s->config >> 3) & 0xFu);
}
static uint8_t badc_of(const ina219_sim *s)
{
    return (uint8_t)((s->config >> 7) & 0xFu);
}

static uint64_t cycle_us(const ina219_sim *s)
{
    uint8_t mode = mode_of(s);
    uint64_t t = 0;
    if (shunt_enabled(mode)) t += ina219_sim_adc_time_us(sadc_of(s));
    if (bus_enabled(mode)) t += ina219_sim_adc_time_us(badc_of(s));
    return t;
}

/* Samples averaged by one ADC setting (1 for the 9..12-bit single conversions). */
static uint32_t samples_of(uint8_t adc)
{
    return (adc & 0x08u) ? (1u << (adc & 0x07u)) : 1u;
}

/* Counts between adjacent codes: the 9/10/11-bit settings drop low bits of the 12-bit code. */
static int32_t step_of(uint8_t adc)
{
    return (adc & 0x08u) ? 1 : (1 << (3 - (adc & 0x03u)));
}

static double round_away(double x)
{
    return x < 0 ? -floor(-x + 0.5) : floor(x + 0.5);
}

static double uniform01(ina219_sim *s)
{
    /* xorshift32 (Marsaglia 2003); 24 bits mapped to (0, 1]. */
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->rng = x;
    return ((double)(x >> 8) + 1.0) / 16777216.0;
}

static double gaussian(ina219_sim *s)
{
    double u1 = uniform01(s);
    double u2 = uniform01(s);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

double ina219_sim_model_power(const ina219_sim_model *m, const ina219_sim_load *l)
{
    if (!m || !l) return 0.0;
    double idle = l->idle < 0 ? 0 : (l->idle > 1 ? 1 : l->idle);
    return m->alpha * l->f_hz * l->v_supply * l->v_supply * (1.0 - idle) + m->beta * (double)l->n_periph +
           m->gamma * l->v_supply;
}

static bool load_ok(const ina219_sim_load *load)
{
    return isfinite(load->f_hz) && load->f_hz >= 0 && isfinite(load->v_supply) && load->v_supply >= 0 &&
           isfinite(load->idle) && load->idle >= 0 && load->idle <= 1;
}

/* One finished conversion cycle over [t0, t1): sample the inputs, fill the result registers. */
static void convert(ina219_sim *s, uint64_t t0, uint64_t t1)
{
    uint8_t mode = mode_of(s);
    if (s->use_model && s->load_fn) {
        ina219_sim_load l = s->load;
        s->load_fn(s->load_ctx, t0, t1, &l);
        if (load_ok(&l)) s->load = l;
    }
    double shunt_v = s->in_shunt_v;
    double bus_v = s->in_bus_v;
    if (s->use_model) {
        double v = s->load.v_supply;
        double amps = v > 0 ? ina219_sim_model_power(&s->model, &s->load) / v : 0.0;
        if (s->model.noise_a > 0) amps += gaussian(s) * s->model.noise_a / sqrt((double)samples_of(sadc_of(s)));
        shunt_v = amps * s->model.shunt_ohms;
        bus_v = v - shunt_v;
    }
    bool ovf = false;
    if (shunt_enabled(mode)) {
        int32_t range = 4000 << ((s->config >> 11) & 0x3u); /* PGA /1../8: 40..320 mV */
        double counts = round_away(shunt_v / SHUNT_LSB_V);
        int32_t step = step_of(sadc_of(s));
        if (counts > range) {
            counts = range;
            ovf = true;
        }
        if (counts < -range) {
            counts = -range;
            ovf = true;
        }
        int32_t c = (int32_t)counts;
        c = (int32_t)round_away((double)c / step) * step;
        s->shunt = (int16_t)c;
    }
    if (bus_enabled(mode)) {
        int32_t range = (s->config & 0x2000u) ? 8000 : 4000; /* BRNG: 32 V or 16 V */
        double counts = round_away(bus_v / BUS_LSB_V);
        int32_t step = step_of(badc_of(s));
        if (counts < 0) counts = 0;
        if (counts > range) counts = range;
        int32_t c = (int32_t)round_away(counts / step) * step;
        if (c > range) c = range;
        s->bus = (uint16_t)c;
    }
    if (s->cal == 0) {
        s->current = 0;
        s->power = 0;
    } else {
        /* Datasheet: Current = Shunt * Cal / 4096; Power = Current * Bus / 5000 (truncated). */
        int64_t cur = ((int64_t)s->shunt * (int64_t)s->cal) / 4096;
        if (cur > INT16_MAX) {
            cur = INT16_MAX;
            ovf = true;
        }
        if (cur < INT16_MIN) {
            cur = INT16_MIN;
            ovf = true;
        }
        s->current = (int16_t)cur;
        int64_t pw = ((cur < 0 ? -cur : cur) * (int64_t)s->bus) / 5000;
        if (pw > UINT16_MAX) {
            pw = UINT16_MAX;
            ovf = true;
        }
        s->power = (uint16_t)pw;
    }
    s->ovf = ovf;
    s->cnvr = true;
}

/* Runs the conversions due by now: a triggered one once, continuous ones as many as fit. */
static void update(ina219_sim *s)
{
    if (!s->converting) return;
    uint64_t now = now_of(s);
    uint64_t cycle = cycle_us(s);
    if (cycle == 0 || now < s->cycle_start + cycle) return;
    uint64_t end;
    if (mode_of(s) >= 5u) {
        uint64_t done = (now - s->cycle_start) / cycle;
        s->cycle_start += done * cycle;
        end = s->cycle_start;
    } else {
        s->converting = false;
        end = s->cycle_start + cycle;
    }
    convert(s, end - cycle, end);
}

static void power_on(ina219_sim *s)
{
    s->config = CONFIG_POR;
    s->cal = 0;
    s->shunt = 0;
    s->bus = 0;
    s->current = 0;
    s->power = 0;
    s->cnvr = false;
    s->ovf = false;
    s->ptr = 0;
    s->converting = true;
    s->cycle_start = now_of(s);
}

ina219_sim_status ina219_sim_create(const ina219_sim_model *model, uint64_t (*now_us)(void *ctx), void *ctx,
                                    ina219_sim **out)
{
    if (!out) return INA219_SIM_ERR_PARAM;
    ina219_sim_model m;
    if (model)
        m = *model;
    else
        ina219_sim_model_defaults(&m);
    if (!isfinite(m.alpha) || !isfinite(m.beta) || !isfinite(m.gamma) || !isfinite(m.noise_a) || m.noise_a < 0 ||
        !isfinite(m.shunt_ohms) || m.shunt_ohms <= 0)
        return INA219_SIM_ERR_PARAM;
    for (size_t i = 0; i < INA219_SIM_MAX; i++) {
        ina219_sim *s = &pool[i];
        if (s->used) continue;
        memset(s, 0, sizeof *s);
        s->used = true;
        s->model = m;
        s->now_us = now_us;
        s->ctx = ctx;
        s->rng = m.seed ? m.seed : 1u;
        power_on(s);
        *out = s;
        return INA219_SIM_OK;
    }
    return INA219_SIM_ERR_NO_ROOM;
}

void ina219_sim_destroy(ina219_sim *s)
{
    if (s) s->used = false;
}

ina219_sim_status ina219_sim_set_input(ina219_sim *s, double shunt_v, double bus_v)
{
    if (!s || !isfinite(shunt_v) || !isfinite(bus_v)) return INA219_SIM_ERR_PARAM;
    update(s); /* conversions already finished saw the old input */
    s->use_model = false;
    s->in_shunt_v = shunt_v;
    s->in_bus_v = bus_v;
    return INA219_SIM_OK;
}

ina219_sim_status ina219_sim_set_load_fn(ina219_sim *s, ina219_sim_load_fn fn, void *ctx)
{
    if (!s) return INA219_SIM_ERR_PARAM;
    update(s);
    s->load_fn = fn;
    s->load_ctx = ctx;
    return INA219_SIM_OK;
}

ina219_sim_status ina219_sim_set_load(ina219_sim *s, const ina219_sim_load *load)
{
    if (!s || !load || !load_ok(load)) return INA219_SIM_ERR_PARAM;
    update(s);
    s->use_model = true;
    s->load = *load;
    return INA219_SIM_OK;
}

void ina219_sim_advance_us(ina219_sim *s, uint64_t us)
{
    if (s) s->manual_now += us;
}

static uint16_t reg_value(const ina219_sim *s, uint8_t reg)
{
    switch (reg) {
    case REG_CONFIG: return s->config;
    case REG_SHUNT: return (uint16_t)s->shunt;
    case REG_BUS: return (uint16_t)((s->bus << 3) | (s->cnvr ? BUS_CNVR : 0u) | (s->ovf ? BUS_OVF : 0u));
    case REG_POWER: return s->power;
    case REG_CURRENT: return (uint16_t)s->current;
    case REG_CAL: return s->cal;
    default: return 0;
    }
}

uint16_t ina219_sim_peek(ina219_sim *s, uint8_t reg)
{
    if (!s) return 0;
    update(s);
    return reg_value(s, reg);
}

static void write_register(ina219_sim *s, uint8_t reg, uint16_t v)
{
    if (reg == REG_CONFIG) {
        if (v & CONFIG_RST) {
            power_on(s);
            return;
        }
        s->config = (uint16_t)(v & CONFIG_MASK);
        uint8_t mode = mode_of(s);
        /* A new mode clears CNVR, except power-down and ADC-off; either way conversions restart now. */
        if (mode != 0u && mode != 4u) s->cnvr = false;
        s->converting = shunt_enabled(mode) || bus_enabled(mode);
        s->cycle_start = now_of(s);
    } else if (reg == REG_CAL) {
        s->cal = (uint16_t)(v & 0xFFFEu); /* bit 0 is not implemented */
    }
    /* The measurement registers are read-only: writes to them are ignored. */
}

hal_status ina219_sim_i2c_write(void *ctx, const uint8_t *data, size_t len, bool stop)
{
    ina219_sim *s = ctx;
    (void)stop;
    if (!s || (!data && len)) return HAL_ERR_PARAM;
    if (len == 0) return HAL_OK; /* address-only probe */
    if (data[0] >= REG_COUNT) return HAL_ERR_NACK;
    update(s);
    s->ptr = data[0];
    /* A register write is pointer + MSB + LSB; a lone second byte is dropped. */
    if (len >= 3) write_register(s, s->ptr, (uint16_t)((data[1] << 8) | data[2]));
    return HAL_OK;
}

hal_status ina219_sim_i2c_read(void *ctx, uint8_t *buf, size_t len)
{
    ina219_sim *s = ctx;
    if (!s || (!buf && len)) return HAL_ERR_PARAM;
    update(s);
    uint16_t v = reg_value(s, s->ptr);
    /* Reads past the two bytes repeat the register. */
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)((i & 1u) ? (v & 0xFFu) : (v >> 8));
    if (s->ptr == REG_POWER && len > 0) s->cnvr = false; /* reading power clears CNVR */
    return HAL_OK;
}

void ina219_sim_i2c_device(ina219_sim *s, hal_host_i2c_device *dev)
{
    if (!dev) return;
    dev->ctx = s;
    dev->write = ina219_sim_i2c_write;
    dev->read = ina219_sim_i2c_read;
}
