/*
 * RP2040 board self-test, built on hal.h alone (plus rp2040_board.h for
 * diagnostics). It runs on real boards and on rp2040-sim, and talks over the
 * link UART in lines:
 *   help | info | time | blink N [MS] | flash | crc OFFSET LEN | i2c |
 *   i2c-rw ADDR REG N | echo TEXT | fault | align | stack | wdt MS | reset |
 *   xip OFFSET BYTES STRIDE PASSES (rp2040_xip_probe: the last pass's cycles and XIP counters)
 * Every reply line starts with the command's name, so a host can wait for it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board_config.h"
#include "console.h"
#include "hal.h"
#include "rp2040_board.h"

#define LED_PIN          25u
#define LINE_MAX         96u
#define FLASH_TEST_BYTES 1024u

static void put_hex(uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    char buf[11];
    size_t n = 0;
    buf[n++] = '0';
    buf[n++] = 'x';
    for (unsigned d = digits; d > 0; d--) {
        buf[n++] = hex[(v >> (4u * (d - 1u))) & 0xfu];
    }
    buf[n] = '\0';
    con_put(buf);
}

static void put_status(const char *what, hal_status st)
{
    con_put(what);
    con_put(st == HAL_OK ? " ok" : " error ");
    if (st != HAL_OK) {
        con_put(hal_status_str(st));
    }
    con_put("\r\n");
}

static void banner(void)
{
    con_put("\r\nwasmcu rp2040 selftest\r\n");
    con_put("reset: ");
    con_put(rp2040_reset_reason_str(hal_last_reset()));
    con_put("\r\n");
    rp2040_fault_info f;
    if (rp2040_last_fault(&f)) {
        con_put("last-fault: ");
        con_put(rp2040_fault_kind_str(f.kind));
        con_put(f.kind == RP2040_FAULT_STACK ? " addr=" : " pc=");
        put_hex(f.pc, 8);
        con_put(" lr=");
        put_hex(f.lr, 8);
        con_put(" xpsr=");
        put_hex(f.xpsr, 8);
        con_put("\r\n");
    }
}

static void cmd_info(void)
{
    rp2040_link_stats ls;
    rp2040_link_get_stats(&ls);
    con_put("info: board=" WASMCU_BOARD_NAME " clock=");
    con_put_u64(WASMCU_CLOCK_HZ);
    con_put(" flash-id=");
    put_hex(rp2040_flash_jedec_id(), 6);
    con_put(" stack-guard=");
    con_put(rp2040_stack_guard_kind());
    con_put(" stack-used=");
    con_put_u64(rp2040_stack_used());
    con_put("/");
    con_put_u64(rp2040_stack_size());
    con_put(" rx-overruns=");
    con_put_u64(ls.rx_overruns);
    con_put(" rx-errors=");
    con_put_u64(ls.rx_errors);
    con_put("\r\n");
}

static void cmd_time(void)
{
    uint64_t us = hal_time_us();
    uint64_t cycles = hal_cycles();
    con_put("time: us=");
    con_put_u64(us);
    con_put(" cycles=");
    con_put_u64(cycles);
    con_put("\r\n");
}

/* Toggles the LED `n` times, `ms` apart, sleeping in between. */
static void cmd_blink(const char *args)
{
    uint32_t n = 0, ms = 1;
    if (!con_parse_u32(&args, &n) || n == 0 || n > 10000u) {
        con_put("blink: error usage: blink N [MS] (1 <= N <= 10000)\r\n");
        return;
    }
    if (*args != '\0' && (!con_parse_u32(&args, &ms) || ms == 0 || ms > 10000u)) {
        con_put("blink: error MS must be 1..10000\r\n");
        return;
    }
    bool level = false;
    uint64_t start_cycles = hal_cycles();
    uint64_t next = hal_time_us();
    /* Every edge follows the same wake-up path, so edges are one period apart to a few cycles. */
    for (uint32_t i = 0; i < n; i++) {
        next += (uint64_t)ms * 1000u;
        while (hal_time_us() < next) {
            hal_idle_until(next);
        }
        level = !level;
        (void)hal_gpio_write(LED_PIN, level);
        hal_watchdog_feed();
    }
    con_put("blink: done n=");
    con_put_u64(n);
    con_put(" cycles=");
    con_put_u64(hal_cycles() - start_cycles);
    con_put("\r\n");
}

static uint8_t pattern_byte(uint32_t i)
{
    return (uint8_t)((i * 7u + 3u) ^ (i >> 8));
}

/* Erase, program, read back and two refusals, in the settings region's first sector. */
static void cmd_flash(void)
{
    static uint8_t buf[FLASH_TEST_BYTES];
    const uint32_t off = WASMCU_REGION_SETTINGS_OFFSET;
    uint64_t t0 = hal_time_us();
    hal_status st = hal_flash_erase(off, WASMCU_FLASH_ERASE_SIZE);
    put_status("flash: erase", st);
    if (st != HAL_OK) {
        return;
    }
    const uint8_t *m = hal_flash_map(off, WASMCU_FLASH_ERASE_SIZE);
    for (uint32_t i = 0; i < WASMCU_FLASH_ERASE_SIZE; i++) {
        if (m == NULL || m[i] != 0xffu) {
            con_put("flash: error not erased at ");
            put_hex(off + i, 8);
            con_put("\r\n");
            return;
        }
    }
    for (uint32_t i = 0; i < FLASH_TEST_BYTES; i++) {
        buf[i] = pattern_byte(i);
    }
    /* An odd offset and length: the driver must split at page boundaries itself. */
    st = hal_flash_program(off + 3u, buf, FLASH_TEST_BYTES - 3u);
    put_status("flash: program", st);
    if (st != HAL_OK) {
        return;
    }
    if (memcmp(m + 3, buf, FLASH_TEST_BYTES - 3u) != 0 || m[0] != 0xffu || m[FLASH_TEST_BYTES] != 0xffu) {
        con_put("flash: error read-back differs\r\n");
        return;
    }
    con_put("flash: verify ok\r\n");
    /* Programming cannot set bits back to 1: the driver must notice. */
    static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };
    st = hal_flash_program(off + 8u, ones, sizeof ones);
    con_put(st == HAL_ERR_IO ? "flash: reprogram refused ok\r\n" : "flash: error reprogram not detected\r\n");
    st = hal_flash_erase(WASMCU_REGION_FIRMWARE_OFFSET, WASMCU_FLASH_ERASE_SIZE);
    con_put(st == HAL_ERR_PARAM ? "flash: firmware protected ok\r\n" : "flash: error firmware region erasable\r\n");
    con_put("flash: done offset=");
    put_hex(off, 8);
    con_put(" bytes=");
    con_put_u64(FLASH_TEST_BYTES - 3u);
    con_put(" us=");
    con_put_u64(hal_time_us() - t0);
    con_put("\r\n");
}

/* CRC-32 (IEEE, reflected, bit by bit) of flash bytes: a CPU-bound job with a checkable result. */
static void cmd_crc(const char *args)
{
    uint32_t off = 0, len = 0;
    if (!con_parse_u32(&args, &off) || !con_parse_u32(&args, &len)) {
        con_put("crc: error usage: crc OFFSET LEN\r\n");
        return;
    }
    const uint8_t *p = hal_flash_map(off, len);
    if (p == NULL) {
        con_put("crc: error range outside flash\r\n");
        return;
    }
    uint64_t c0 = hal_cycles();
    uint64_t t0 = hal_time_us();
    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
        if ((i & 0xfffu) == 0xfffu) {
            hal_watchdog_feed();
        }
    }
    crc = ~crc;
    uint64_t cycles = hal_cycles() - c0;
    uint64_t us = hal_time_us() - t0;
    con_put("crc: value=");
    put_hex(crc, 8);
    con_put(" bytes=");
    con_put_u64(len);
    con_put(" cycles=");
    con_put_u64(cycles);
    con_put(" us=");
    con_put_u64(us);
    con_put("\r\n");
}

static void cmd_xip(const char *args)
{
    uint32_t off = 0, bytes = 0, stride = 0, passes = 0;
    rp2040_xip_probe_result r;
    if (!con_parse_u32(&args, &off) || !con_parse_u32(&args, &bytes) || !con_parse_u32(&args, &stride) ||
        !con_parse_u32(&args, &passes)) {
        con_put("xip: error usage: xip OFFSET BYTES STRIDE PASSES\r\n");
        return;
    }
    if (!rp2040_xip_probe(off, bytes, stride, passes, &r)) {
        con_put("xip: error bad range\r\n");
        return;
    }
    con_put("xip: cycles=");
    con_put_u64(r.cycles);
    con_put(" accesses=");
    con_put_u64(r.accesses);
    con_put(" hits=");
    con_put_u64(r.hits);
    con_put(" sum=");
    con_put_u64(r.sum);
    con_put("\r\n");
}

static void cmd_i2c_scan(void)
{
    con_put("i2c:");
    unsigned found = 0;
    for (uint8_t a = 0x08; a < 0x78; a++) {
        uint8_t b;
        if (hal_i2c_read(a, &b, 1) == HAL_OK) {
            con_put(" ");
            put_hex(a, 2);
            found++;
        }
    }
    con_put(found ? "\r\n" : " none\r\n");
}

/* Register read the way sensors expect it: write the register, repeated start, read. */
static void cmd_i2c_rw(const char *args)
{
    uint32_t addr, reg, n;
    if (!con_parse_u32(&args, &addr) || !con_parse_u32(&args, &reg) || !con_parse_u32(&args, &n) || addr > 0x7fu ||
        reg > 0xffu || n == 0 || n > 16u) {
        con_put("i2c-rw: error usage: i2c-rw ADDR REG N (N <= 16)\r\n");
        return;
    }
    uint8_t r = (uint8_t)reg, data[16];
    hal_status st = hal_i2c_write((uint8_t)addr, &r, 1, false);
    if (st == HAL_OK) {
        st = hal_i2c_read((uint8_t)addr, data, n);
    }
    if (st != HAL_OK) {
        put_status("i2c-rw:", st);
        return;
    }
    con_put("i2c-rw:");
    for (uint32_t i = 0; i < n; i++) {
        con_put(" ");
        put_hex(data[i], 2);
    }
    con_put("\r\n");
}

/* A word load from an odd address: the Cortex-M0+ has no unaligned access, so this faults.
 * Written in assembly: the compiler would split a visibly misaligned load into bytes. */
static void __attribute__((noinline)) cmd_align(void)
{
    static uint32_t words[2];
    uint32_t v;
    con_put("align: now\r\n");
    hal_link_flush();
    __asm volatile("ldr %0, [%1]" : "=r"(v) : "r"((uintptr_t)words + 1u) : "memory");
    (void)v;
    con_put("align: error no fault\r\n");
}

static bool starving; /* the wdt command stops feeding the watchdog */

static void cmd_wdt(const char *args)
{
    uint32_t ms = 0;
    if (!con_parse_u32(&args, &ms)) {
        con_put("wdt: error usage: wdt MS\r\n");
        return;
    }
    hal_status st = hal_watchdog_start(ms);
    put_status("wdt: start", st);
    if (st == HAL_OK) {
        starving = true;
    }
}

static void run(const char *line)
{
    const char *args = strchr(line, ' ');
    size_t len = args != NULL ? (size_t)(args - line) : strlen(line);
    args = args != NULL ? args + 1 : "";
#define IS(name) (len == sizeof(name) - 1u && memcmp(line, name, len) == 0)
    if (len == 0) {
        return;
    } else if (IS("help")) {
        con_put("help: info time blink flash crc i2c i2c-rw echo fault align stack wdt reset xip\r\n");
    } else if (IS("info")) {
        cmd_info();
    } else if (IS("time")) {
        cmd_time();
    } else if (IS("blink")) {
        cmd_blink(args);
    } else if (IS("flash")) {
        cmd_flash();
    } else if (IS("crc")) {
        cmd_crc(args);
    } else if (IS("i2c")) {
        cmd_i2c_scan();
    } else if (IS("i2c-rw")) {
        cmd_i2c_rw(args);
    } else if (IS("echo")) {
        con_put("echo: ");
        con_put(args);
        con_put("\r\n");
    } else if (IS("fault")) {
        con_put("fault: now\r\n");
        hal_link_flush();
        rp2040_fault_trigger();
    } else if (IS("align")) {
        cmd_align();
    } else if (IS("stack")) {
        con_put("stack: overflowing\r\n");
        hal_link_flush();
        rp2040_stack_overflow_trigger();
    } else if (IS("wdt")) {
        cmd_wdt(args);
    } else if (IS("xip")) {
        cmd_xip(args);
    } else if (IS("reset")) {
        con_put("reset: now\r\n");
        hal_reset();
    } else {
        con_put("error: unknown command (try help)\r\n");
    }
#undef IS
}

int main(void)
{
    hal_status st = hal_init();
    banner();
    if (st != HAL_OK) {
        put_status("init:", st);
    }
    (void)hal_gpio_mode_set(LED_PIN, HAL_GPIO_OUTPUT);
    con_put("ready\r\n");

    char buf[LINE_MAX];
    con_line line = { .buf = buf, .size = sizeof buf };
    for (;;) {
        size_t n = con_poll(&line, run);
        if (!starving) {
            hal_watchdog_feed();
        }
        if (n == 0) {
            hal_idle_until(hal_time_us() + 100000u);
        }
    }
}
