/* The host board's HAL: a Linux process standing in for a microcontroller. */
#define _GNU_SOURCE
#include "hal_host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board_config.h"
#include "fw_banks.h"

#define GPIO_COUNT    32u
#define I2C_ADDRESSES 128u

static struct {
    int link_in, link_out; /* the same pty master fd, or stdin/stdout */
    int pty_slave;         /* kept open so writes succeed with no client attached */
    uint8_t *flash;        /* the flash file, mapped shared */
    FILE *gpio_log;
    uint64_t boot_ns;
    uint8_t gpio_level[GPIO_COUNT];
    uint8_t gpio_mode[GPIO_COUNT];
    hal_host_i2c_device i2c[I2C_ADDRESSES];
    bool i2c_present[I2C_ADDRESSES];
    uint64_t watchdog_deadline_us; /* 0: not running */
    uint32_t watchdog_timeout_ms;
    hal_reset_reason last_reset;
    uint32_t baud;
    uint64_t tx_free_ns;   /* when the emulated UART finishes sending what it has */
    uint64_t rx_credit_ns; /* bytes may be taken in as fast as they would arrive */
    int argc;
    char **argv;
    bool power_cut;
    unsigned long power_cut_at;
    unsigned long flash_ops; /* operations so far, carried across resets */
    FILE *flash_ops_log;
} host;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static hal_status open_flash(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        fprintf(stderr, "wasmcu-host: cannot open flash file %s: %s\n", path, strerror(errno));
        return HAL_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return HAL_ERR_IO;
    }
    if (st.st_size != (off_t)WASMCU_FLASH_SIZE) {
        if (st.st_size != 0) {
            fprintf(stderr, "wasmcu-host: %s is %lld bytes, but this board's flash is %u bytes\n", path,
                    (long long)st.st_size, WASMCU_FLASH_SIZE);
            close(fd);
            return HAL_ERR_PARAM;
        }
        /* A new flash chip reads as erased (0xFF). */
        static uint8_t erased[4096];
        memset(erased, 0xFF, sizeof erased);
        for (uint32_t off = 0; off < WASMCU_FLASH_SIZE; off += sizeof erased) {
            if (write(fd, erased, sizeof erased) != (ssize_t)sizeof erased) {
                close(fd);
                return HAL_ERR_IO;
            }
        }
    }
    host.flash = mmap(NULL, WASMCU_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return host.flash == MAP_FAILED ? HAL_ERR_IO : HAL_OK;
}

static hal_status open_pty(void)
{
    /* After a simulated reset (re-exec) the pty is inherited so the host keeps its port. */
    const char *inherited = getenv("WASMCU_HOST_PTY_FD");
    int master = inherited ? atoi(inherited) : posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || (!inherited && (grantpt(master) != 0 || unlockpt(master) != 0))) {
        fprintf(stderr, "wasmcu-host: cannot create a pseudo-terminal: %s\n", strerror(errno));
        return HAL_ERR_IO;
    }
    const char *name = ptsname(master);
    if (!name) return HAL_ERR_IO;
    host.pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (host.pty_slave < 0) return HAL_ERR_IO;
    struct termios t;
    if (tcgetattr(host.pty_slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(host.pty_slave, TCSANOW, &t);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    host.link_in = host.link_out = master;
    if (!inherited) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", master);
        setenv("WASMCU_HOST_PTY_FD", buf, 1);
    }
    printf("uart: %s\n", name);
    fflush(stdout);
    return HAL_OK;
}

hal_status hal_host_setup(const hal_host_options *opt, int argc, char **argv)
{
    /* Die with the process that started us (a test runner or `wasmcu run` killed mid-way): a
     * board nobody can talk to any more must not keep running. Checked again in case the
     * parent was already gone before the request took effect. */
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && getppid() != parent) exit(0);
    host.argc = argc;
    host.argv = argv;
    host.boot_ns = now_ns();
    host.baud = opt->baud;
    const char *reason = getenv("WASMCU_HOST_RESET_REASON");
    host.last_reset = reason ? (hal_reset_reason)atoi(reason) : HAL_RESET_POWER_ON;
    unsetenv("WASMCU_HOST_RESET_REASON");
    hal_status s = open_flash(opt->flash_path);
    if (s != HAL_OK) return s;
    host.power_cut = opt->power_cut;
    host.power_cut_at = opt->power_cut_at;
    const char *ops = getenv("WASMCU_HOST_FLASH_OPS");
    host.flash_ops = ops ? strtoul(ops, NULL, 10) : 0;
    if (opt->flash_ops_log) {
        host.flash_ops_log = fopen(opt->flash_ops_log, "ae");
        if (!host.flash_ops_log) {
            fprintf(stderr, "wasmcu-host: cannot open %s: %s\n", opt->flash_ops_log, strerror(errno));
            return HAL_ERR_IO;
        }
        setvbuf(host.flash_ops_log, NULL, _IOLBF, 0); /* complete lines even if the board is killed */
    }
    if (opt->gpio_log) {
        host.gpio_log = fopen(opt->gpio_log, "ae");
        if (!host.gpio_log) {
            fprintf(stderr, "wasmcu-host: cannot open %s: %s\n", opt->gpio_log, strerror(errno));
            return HAL_ERR_IO;
        }
    }
    if (opt->uart_stdio) {
        host.link_in = STDIN_FILENO;
        host.link_out = STDOUT_FILENO;
        host.pty_slave = -1;
        fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
        return HAL_OK;
    }
    return open_pty();
}

void hal_host_wait_for_link(void)
{
    struct pollfd p = { .fd = host.link_in, .events = POLLIN };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
}

hal_status hal_init(void)
{
    return host.flash ? HAL_OK : HAL_ERR_IO;
}

hal_reset_reason hal_last_reset(void)
{
    return host.last_reset;
}

static void reset_with(hal_reset_reason why)
{
    char buf[8];
    snprintf(buf, sizeof buf, "%d", (int)why);
    setenv("WASMCU_HOST_RESET_REASON", buf, 1);
    snprintf(buf, sizeof buf, "%lu", host.flash_ops);
    setenv("WASMCU_HOST_FLASH_OPS", buf, 1);
    if (host.flash_ops_log) fflush(host.flash_ops_log);
    fflush(NULL);
    if (host.gpio_log) fflush(host.gpio_log);
    msync(host.flash, WASMCU_FLASH_SIZE, MS_SYNC);
    /* Started by the boot step from a firmware file: it takes the reset (boot.c). */
    if (hal_boot_bank() >= 0) _exit(HAL_HOST_RESET_EXIT + (int)why);
    /* A reset restarts the program image from scratch, like the chip would. */
    execv("/proc/self/exe", host.argv);
    fprintf(stderr, "wasmcu-host: reset failed: %s\n", strerror(errno));
    _exit(1);
}

void hal_reset(void)
{
    reset_with(HAL_RESET_SOFTWARE);
}

/* No serial recovery here: a host board whose firmware files hold nothing bootable is started
 * with another firmware image (boot.c). */
hal_status hal_reset_to_recovery(void)
{
    return HAL_ERR_UNSUPPORTED;
}

uint64_t hal_time_us(void)
{
    return (now_ns() - host.boot_ns) / 1000u;
}

static void check_watchdog(void)
{
    if (host.watchdog_deadline_us && hal_time_us() > host.watchdog_deadline_us) reset_with(HAL_RESET_WATCHDOG);
}

void hal_delay_us(uint32_t us)
{
    struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    check_watchdog();
}

uint64_t hal_cycles(void)
{
    return 0; /* no cycle counter on the host board: benchmarks use instruction counts instead */
}

/* Recent sleeps (hal_idle_until, the host board's WFI), for the simulated INA219's power
 * model: a ring of [start, end) intervals in microseconds. hal_delay_us busy-waits on a
 * real chip, so it does not count. */
#define SLEEP_RECORDS 256u
static struct {
    uint64_t start[SLEEP_RECORDS], end[SLEEP_RECORDS];
    uint32_t next;
} sleeps;

uint64_t hal_host_asleep_us(uint64_t t0_us, uint64_t t1_us)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < SLEEP_RECORDS; i++) {
        uint64_t a = sleeps.start[i] > t0_us ? sleeps.start[i] : t0_us;
        uint64_t b = sleeps.end[i] < t1_us ? sleeps.end[i] : t1_us;
        if (b > a) total += b - a;
    }
    return total;
}

void hal_idle_until(uint64_t until_us)
{
    uint64_t now = hal_time_us();
    if (until_us <= now) return;
    uint64_t wait_ms = (until_us - now + 999u) / 1000u;
    struct pollfd p = { .fd = host.link_in, .events = POLLIN };
    poll(&p, 1, wait_ms > 1000 ? 1000 : (int)wait_ms);
    uint32_t slot = sleeps.next++ % SLEEP_RECORDS;
    sleeps.start[slot] = now;
    sleeps.end[slot] = hal_time_us();
    check_watchdog();
}

uint32_t hal_gpio_count(void)
{
    return GPIO_COUNT;
}

hal_status hal_gpio_mode_set(uint32_t pin, hal_gpio_mode mode)
{
    if (pin >= GPIO_COUNT || mode > HAL_GPIO_INPUT_PULLDOWN) return HAL_ERR_PARAM;
    host.gpio_mode[pin] = (uint8_t)mode;
    if (mode == HAL_GPIO_INPUT_PULLUP) host.gpio_level[pin] = 1;
    if (mode == HAL_GPIO_INPUT_PULLDOWN) host.gpio_level[pin] = 0;
    return HAL_OK;
}

hal_status hal_gpio_write(uint32_t pin, bool level)
{
    if (pin >= GPIO_COUNT) return HAL_ERR_PARAM;
    host.gpio_level[pin] = level ? 1 : 0;
    if (host.gpio_log) {
        fprintf(host.gpio_log, "%llu %u %u\n", (unsigned long long)hal_time_us(), (unsigned)pin, level ? 1u : 0u);
        fflush(host.gpio_log);
    }
    return HAL_OK;
}

int32_t hal_gpio_read(uint32_t pin)
{
    if (pin >= GPIO_COUNT) return -(int32_t)HAL_ERR_PARAM;
    return host.gpio_level[pin];
}

/* Nanoseconds one byte takes on a UART at the configured baud (start + 8 data + stop bits). */
static uint64_t byte_ns(void)
{
    return host.baud ? 10u * 1000000000ull / host.baud : 0;
}

static void pace_tx(size_t len)
{
    if (!host.baud) return;
    uint64_t now = now_ns();
    if (host.tx_free_ns < now) host.tx_free_ns = now;
    host.tx_free_ns += byte_ns() * len;
    /* Like a UART with a small FIFO: the caller waits for the line, not for the whole frame. */
    uint64_t ahead = host.tx_free_ns - now;
    if (ahead > 32u * byte_ns()) {
        uint64_t wait = ahead - 32u * byte_ns();
        struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000u), .tv_nsec = (long)(wait % 1000000000u) };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}

size_t hal_link_write(const uint8_t *data, size_t len)
{
    size_t done = 0;
    pace_tx(len);
    while (done < len) {
        ssize_t n = write(host.link_out, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            /* The pty buffer is full: wait for the host to drain it, like a UART TX FIFO. */
            struct pollfd p = { .fd = host.link_out, .events = POLLOUT };
            poll(&p, 1, 100);
        } else {
            break;
        }
    }
    return done;
}

size_t hal_link_read(uint8_t *buf, size_t cap)
{
    if (host.baud) {
        /* Take in only what could have arrived on the wire by now. */
        uint64_t now = now_ns();
        if (host.rx_credit_ns + 64u * byte_ns() < now) host.rx_credit_ns = now - 64u * byte_ns();
        uint64_t allowed = (now - host.rx_credit_ns) / byte_ns();
        if (allowed == 0) return 0;
        if (cap > allowed) cap = (size_t)allowed;
    }
    ssize_t n = read(host.link_in, buf, cap);
    if (n > 0 && host.baud) host.rx_credit_ns += (uint64_t)n * byte_ns();
    return n > 0 ? (size_t)n : 0;
}

void hal_link_flush(void)
{
    if (host.pty_slave >= 0) tcdrain(host.link_out);
}

hal_status hal_host_i2c_attach(uint8_t addr, const hal_host_i2c_device *dev)
{
    if (addr >= I2C_ADDRESSES || !dev) return HAL_ERR_PARAM;
    host.i2c[addr] = *dev;
    host.i2c_present[addr] = true;
    return HAL_OK;
}

hal_status hal_i2c_write(uint8_t addr, const uint8_t *data, size_t len, bool stop)
{
    if (addr >= I2C_ADDRESSES) return HAL_ERR_PARAM;
    if (!host.i2c_present[addr]) return HAL_ERR_NACK;
    return host.i2c[addr].write ? host.i2c[addr].write(host.i2c[addr].ctx, data, len, stop) : HAL_ERR_NACK;
}

hal_status hal_i2c_read(uint8_t addr, uint8_t *buf, size_t len)
{
    if (addr >= I2C_ADDRESSES) return HAL_ERR_PARAM;
    if (!host.i2c_present[addr]) return HAL_ERR_NACK;
    return host.i2c[addr].read ? host.i2c[addr].read(host.i2c[addr].ctx, buf, len) : HAL_ERR_NACK;
}

/* The flash file, or a firmware bank file's window past it (fw_banks.h). */
static uint8_t *flash_at(uint32_t offset, uint32_t len)
{
    if (offset > WASMCU_FLASH_SIZE || len > WASMCU_FLASH_SIZE - offset) return host_fw_window(offset, len);
    return host.flash + offset;
}

const uint8_t *hal_flash_map(uint32_t offset, uint32_t len)
{
    return flash_at(offset, len);
}

/* Numbers one flash operation; true if the power goes at this one (after half its work). */
static bool power_cut_now(const char *what, uint32_t offset, uint32_t len)
{
    unsigned long n = host.flash_ops++;
    if (host.flash_ops_log)
        fprintf(host.flash_ops_log, "%lu %s %lu %lu\n", n, what, (unsigned long)offset, (unsigned long)len);
    return host.power_cut && n == host.power_cut_at;
}

static _Noreturn void power_cut(const char *what, uint32_t offset, uint32_t len)
{
    msync(host.flash, WASMCU_FLASH_SIZE, MS_SYNC);
    if (host.flash_ops_log) fflush(host.flash_ops_log);
    fprintf(stderr, "wasmcu-host: power cut during flash %s at 0x%lx (%lu bytes), operation %lu\n", what,
            (unsigned long)offset, (unsigned long)len, host.power_cut_at);
    _exit(HAL_HOST_POWER_CUT_EXIT);
}

hal_status hal_flash_erase(uint32_t offset, uint32_t len)
{
    if (offset % WASMCU_FLASH_ERASE_SIZE || len % WASMCU_FLASH_ERASE_SIZE) return HAL_ERR_PARAM;
    uint8_t *mem = flash_at(offset, len);
    if (!mem) return HAL_ERR_PARAM;
    for (uint32_t at = 0; at < len; at += WASMCU_FLASH_ERASE_SIZE) {
        if (power_cut_now("erase", offset + at, WASMCU_FLASH_ERASE_SIZE)) {
            memset(mem + at, 0xFF, WASMCU_FLASH_ERASE_SIZE / 2u); /* an erase cut short */
            power_cut("erase", offset + at, WASMCU_FLASH_ERASE_SIZE);
        }
        memset(mem + at, 0xFF, WASMCU_FLASH_ERASE_SIZE);
    }
    return HAL_OK;
}

hal_status hal_flash_program(uint32_t offset, const uint8_t *data, uint32_t len)
{
    uint8_t *mem = flash_at(offset, len);
    if (!mem) return HAL_ERR_PARAM;
    bool cut = power_cut_now("program", offset, len);
    /* NOR flash can only clear bits: programming over unerased bytes ANDs them. */
    for (uint32_t i = 0; i < (cut ? len / 2u : len); i++) mem[i] &= data[i];
    if (cut) power_cut("program", offset, len);
    return HAL_OK;
}

/* ------------------------------------------------------------------ peripheral power */

/* The host board's imaginary chip has no blocks of its own to count; the ones the app
 * switched on are what its simulated INA219 sees (boards/host/INA219-MODEL.md). A reset
 * re-executes the process, so they start off again. */
static uint32_t periph_on;

hal_status hal_periph_power(hal_periph p, bool on)
{
    if ((unsigned)p >= HAL_PERIPH_COUNT) return HAL_ERR_PARAM;
    if (on)
        periph_on |= 1u << p;
    else
        periph_on &= ~(1u << p);
    return HAL_OK;
}

uint32_t hal_periph_on_count(void)
{
    uint32_t n = 0;
    for (uint32_t m = periph_on; m; m &= m - 1) n++;
    return n;
}

hal_status hal_watchdog_start(uint32_t timeout_ms)
{
    if (timeout_ms == 0) return HAL_ERR_PARAM;
    host.watchdog_timeout_ms = timeout_ms;
    host.watchdog_deadline_us = hal_time_us() + (uint64_t)timeout_ms * 1000u;
    return HAL_OK;
}

void hal_watchdog_feed(void)
{
    if (host.watchdog_timeout_ms)
        host.watchdog_deadline_us = hal_time_us() + (uint64_t)host.watchdog_timeout_ms * 1000u;
}
