/*
 * Drives boards/host/ina219_sim.c from a script on stdin (the language of
 * test/boards/host/ina219-vectors.ts), one output line per printing command.
 * Extra commands for statistical tests:
 *   model ALPHA BETA GAMMA NOISE_A SEED SHUNT_OHMS   recreate with this power model
 *   avgcur N US CAL                                  N conversions US apart: mean and sd of the current register
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ina219_sim.h"

static ina219_sim *dev;

static int fail(const char *what)
{
    fprintf(stderr, "ina219_sim_driver: %s\n", what);
    return 1;
}

int main(void)
{
    if (ina219_sim_create(NULL, NULL, NULL, &dev) != INA219_SIM_OK) return fail("create failed");
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        char *tok[16];
        int n = 0;
        for (char *t = strtok(line, " \t\r\n"); t && n < 16; t = strtok(NULL, " \t\r\n")) tok[n++] = t;
        if (n == 0) continue;
        const char *cmd = tok[0];
        if (!strcmp(cmd, "input") && n == 3) {
            if (ina219_sim_set_input(dev, strtod(tok[1], NULL), strtod(tok[2], NULL)) != INA219_SIM_OK)
                return fail("bad input");
        } else if (!strcmp(cmd, "load") && n == 5) {
            ina219_sim_load l = { strtod(tok[1], NULL), strtod(tok[2], NULL), (uint32_t)strtoul(tok[3], NULL, 0),
                                  strtod(tok[4], NULL) };
            if (ina219_sim_set_load(dev, &l) != INA219_SIM_OK) return fail("bad load");
        } else if (!strcmp(cmd, "adv") && n == 2) {
            ina219_sim_advance_us(dev, strtoull(tok[1], NULL, 0));
        } else if (!strcmp(cmd, "w") && n == 3) {
            unsigned long v = strtoul(tok[2], NULL, 0);
            uint8_t b[3] = { (uint8_t)strtoul(tok[1], NULL, 0), (uint8_t)(v >> 8), (uint8_t)v };
            (void)ina219_sim_i2c_write(dev, b, 3, true);
        } else if (!strcmp(cmd, "r") && n == 2) {
            uint8_t p = (uint8_t)strtoul(tok[1], NULL, 0), b[2];
            if (ina219_sim_i2c_write(dev, &p, 1, true) != HAL_OK) {
                printf("nack\n");
            } else {
                (void)ina219_sim_i2c_read(dev, b, 2);
                printf("0x%04x\n", (unsigned)((b[0] << 8) | b[1]));
            }
        } else if (!strcmp(cmd, "rb") && n == 2) {
            uint8_t b[64];
            size_t len = strtoul(tok[1], NULL, 0);
            if (len > sizeof b) return fail("rb: at most 64 bytes");
            (void)ina219_sim_i2c_read(dev, b, len);
            for (size_t i = 0; i < len; i++) printf(i ? " %02x" : "%02x", b[i]);
            printf("\n");
        } else if (!strcmp(cmd, "raw") && n >= 2) {
            uint8_t b[16];
            for (int i = 1; i < n; i++) b[i - 1] = (uint8_t)strtoul(tok[i], NULL, 0);
            printf("%s\n", ina219_sim_i2c_write(dev, b, (size_t)(n - 1), true) == HAL_OK ? "ok" : "nack");
        } else if (!strcmp(cmd, "model") && n == 7) {
            ina219_sim_model m = { strtod(tok[1], NULL),
                                   strtod(tok[2], NULL),
                                   strtod(tok[3], NULL),
                                   strtod(tok[4], NULL),
                                   (uint32_t)strtoul(tok[5], NULL, 0),
                                   strtod(tok[6], NULL) };
            ina219_sim_destroy(dev);
            if (ina219_sim_create(&m, NULL, NULL, &dev) != INA219_SIM_OK) return fail("bad model");
        } else if (!strcmp(cmd, "avgcur") && n == 4) {
            unsigned long count = strtoul(tok[1], NULL, 0);
            uint64_t step = strtoull(tok[2], NULL, 0);
            unsigned long cal = strtoul(tok[3], NULL, 0);
            uint8_t w[3] = { 5, (uint8_t)(cal >> 8), (uint8_t)cal };
            (void)ina219_sim_i2c_write(dev, w, 3, true);
            double sum = 0, sq = 0;
            for (unsigned long i = 0; i < count; i++) {
                ina219_sim_advance_us(dev, step);
                double c = (double)(int16_t)ina219_sim_peek(dev, 4);
                sum += c;
                sq += c * c;
            }
            double mean = sum / (double)count;
            printf("%.6f %.6f\n", mean, count > 1 ? sqrt(sq / (double)count - mean * mean) : 0.0);
        } else {
            return fail("bad command");
        }
        fflush(stdout);
    }
    ina219_sim_destroy(dev);
    return 0;
}
