/* wasmcu-host: the firmware as a Linux process (the `host` board). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "device.h"
#include "hal_host.h"
#include "i2c_regfile.h"
#include "ina219_sim.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: wasmcu-host [--flash FILE] [--app APP.wasm] [--model M.tflite] [--stdio] [--baud N] "
               "[--trace-gpio] [--gpio-log FILE] [--ina219 ADDR] [--i2c-regs ADDR] [--wait-for-host]\n"
               "       [--power-cut-at N] [--flash-ops-log FILE] [--firmware-image FW.wimg]\n"
               "  The wasmcu firmware running as a process. Its UART is a pseudo-terminal, printed\n"
               "  on stdout as `uart: PATH` (or stdin/stdout with --stdio); its flash is FILE\n"
               "  (default wasmcu-flash.bin, created erased).\n"
               "  --app APP.wasm   program an app into the inactive slot before boot (as a programmer would)\n"
               "  --model M.tflite the same for a model, into the inactive half of the model area\n"
               "  --trace-gpio     report every GPIO write over the link\n"
               "  --gpio-log FILE  append `time_us pin level` for every GPIO write\n"
               "  --baud N         pace the link like a UART at N baud (default: unpaced)\n"
               "  --ina219 ADDR    a simulated INA219 current monitor on I2C at ADDR (e.g. 0x40)\n"
               "  --i2c-regs ADDR  a 256-byte register file on I2C at ADDR (pointer byte, then data;\n"
               "                   auto-increment), up to 4 of them\n"
               "  --wait-for-host  hold the chip in reset until the host sends its first byte,\n"
               "                   so nothing the app logs at boot is missed\n"
               "  --power-cut-at N power-loss tests: flash operation N (each erased sector and each\n"
               "                   program call, counted from 0 across resets) does half its work,\n"
               "                   then the process exits with status 75\n"
               "  --flash-ops-log FILE  append `N erase|program OFFSET LEN` per flash operation\n"
               "  --firmware-image FW.wimg  first install: a signed firmware image (its payload a\n"
               "                   wasmcu-host) into the firmware file FILE.fw_a when FILE.fw_a and\n"
               "                   FILE.fw_b hold none. With firmware files this process is the boot\n"
               "                   step: it verifies the image the OTA records choose and runs it, and\n"
               "                   takes its resets and crashes (boards/host/README.md)\n");
}

/* The simulated INA219 sees this board's sleep share in each conversion window, and the
 * peripherals switched on when it converts. */
static void ina219_load(void *ctx, uint64_t t0_us, uint64_t t1_us, ina219_sim_load *load)
{
    (void)ctx;
    load->n_periph = hal_periph_on_count();
    load->idle = t1_us > t0_us ? (double)hal_host_asleep_us(t0_us, t1_us) / (double)(t1_us - t0_us) : 0.0;
}

static uint64_t ina219_clock(void *ctx)
{
    (void)ctx;
    return hal_time_us();
}

/* Programs an app or a model into its next slot, as a programmer would, unless the
 * active one already holds these bytes. */
static int install(const char *path, wasmcu_device_image kind)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "wasmcu-host: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    static uint8_t buf[1024 * 1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "wasmcu-host: %s is larger than 1 MiB\n", path);
        return 1;
    }
    const char *why = wasmcu_device_install(kind, buf, (uint32_t)n);
    if (why) {
        fprintf(stderr, "wasmcu-host: cannot install %s: %s\n", path, why);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    hal_host_options opt = { .flash_path = "wasmcu-flash.bin" };
    const char *app = NULL;
    const char *model = NULL;
    const char *fw_image = NULL;
    bool trace = false;
    bool wait_for_host = false;
    long ina219_addr = -1;
    uint8_t regfile_addr[I2C_REGFILE_MAX];
    int regfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--flash") && i + 1 < argc)
            opt.flash_path = argv[++i];
        else if (!strcmp(a, "--app") && i + 1 < argc)
            app = argv[++i];
        else if (!strcmp(a, "--firmware-image") && i + 1 < argc)
            fw_image = argv[++i];
        else if (!strcmp(a, "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(a, "--gpio-log") && i + 1 < argc)
            opt.gpio_log = argv[++i];
        else if (!strcmp(a, "--baud") && i + 1 < argc)
            opt.baud = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--stdio"))
            opt.uart_stdio = true;
        else if (!strcmp(a, "--wait-for-host"))
            wait_for_host = true;
        else if (!strcmp(a, "--ina219") && i + 1 < argc)
            ina219_addr = strtol(argv[++i], NULL, 0);
        else if (!strcmp(a, "--i2c-regs") && i + 1 < argc) {
            char *end;
            long addr = strtol(argv[++i], &end, 0);
            if (*end != '\0' || addr < 0 || addr > 0x7f || regfiles == I2C_REGFILE_MAX) {
                fprintf(stderr, "wasmcu-host: --i2c-regs needs a 7-bit address (e.g. 0x50), at most %d times\n",
                        I2C_REGFILE_MAX);
                return 2;
            }
            regfile_addr[regfiles++] = (uint8_t)addr;
        } else if (!strcmp(a, "--trace-gpio"))
            trace = true;
        else if (!strcmp(a, "--power-cut-at") && i + 1 < argc) {
            opt.power_cut = true;
            opt.power_cut_at = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--flash-ops-log") && i + 1 < argc)
            opt.flash_ops_log = argv[++i];
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "wasmcu-host: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    /* Before the UART comes up, so a bad image stops the board before anyone talks to it. */
    const char *why = fw_image && !getenv("WASMCU_HOST_APP_DONE") ? host_boot_install(opt.flash_path, fw_image) : NULL;
    if (why) {
        fprintf(stderr, "wasmcu-host: --firmware-image: %s\n", why);
        return 1;
    }
    if (hal_host_setup(&opt, argc, argv) != HAL_OK) return 1;
    for (int i = 0; i < regfiles; i++) {
        if (i2c_regfile_attach(regfile_addr[i]) != HAL_OK) return 1;
    }
    if (ina219_addr >= 0) {
        /* A simulated INA219 (boards/host/INA219-MODEL.md) measuring a 125 MHz, 3.3 V chip,
         * busy except while this board sleeps. */
        ina219_sim *mon;
        hal_host_i2c_device dev;
        ina219_sim_load load = { .f_hz = 125e6, .v_supply = 3.3, .n_periph = 0, .idle = 0.0 };
        if (ina219_addr > 0x7f || ina219_sim_create(NULL, ina219_clock, NULL, &mon) != INA219_SIM_OK) {
            fprintf(stderr, "wasmcu-host: --ina219 needs a 7-bit address (e.g. 0x40)\n");
            return 2;
        }
        (void)ina219_sim_set_load(mon, &load);
        (void)ina219_sim_set_load_fn(mon, ina219_load, NULL);
        ina219_sim_i2c_device(mon, &dev);
        if (hal_host_i2c_attach((uint8_t)ina219_addr, &dev) != HAL_OK) return 1;
    }
    /* --app is applied once: a reset re-executes us without it being re-applied needlessly. */
    if (!getenv("WASMCU_HOST_APP_DONE")) {
        if (model && install(model, WASMCU_DEVICE_MODEL) != 0) return 1;
        if (app && install(app, WASMCU_DEVICE_APP) != 0) return 1;
        setenv("WASMCU_HOST_APP_DONE", "1", 1);
    }
    int board_exit = host_boot(opt.flash_path, argv);
    if (board_exit >= 0) return board_exit;
    wasmcu_device_trace_gpio(trace);
    if (wait_for_host && !getenv("WASMCU_HOST_BOOTED")) {
        hal_host_wait_for_link();
        setenv("WASMCU_HOST_BOOTED", "1", 1); /* a later reset boots at once, as a chip would */
    }
    return wasmcu_device_main();
}
