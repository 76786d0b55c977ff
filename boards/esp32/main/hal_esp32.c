/*
 * wasmcu HAL for ESP32 over ESP-IDF v5.x drivers (firmware/hal/include/hal.h).
 *
 * Flash regions come from board.json (board_config.h); each data region is an
 * ESP-IDF partition of the same name, offset and size (partitions.csv), mapped
 * once at start-up with esp_partition_mmap so models and apps are read in place.
 * Writes go through esp_partition_erase_range/esp_partition_write, which keep
 * the cache coherent with the mapping.
 *
 * NOT BUILT IN CI: ESP-IDF is not installed where the tests run. See README.md.
 */
#include <stdint.h>
#include <string.h>

#include "driver/gpio.h"
#include "driver/i2c_master.h"
#include "driver/uart.h"
#include "esp_cpu.h"
#include "esp_partition.h"
#include "esp_rom_sys.h"
#include "esp_system.h"
#include "esp_task_wdt.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#include "board_config.h"
#include "hal.h"

/* The link: UART0 (the USB bridge on dev boards), at board.json's serial.baud. */
#ifndef HAL_ESP32_LINK_UART
#define HAL_ESP32_LINK_UART UART_NUM_0
#endif
#ifndef HAL_ESP32_LINK_BAUD
#define HAL_ESP32_LINK_BAUD 115200
#endif
#define LINK_RX_BUF 4096
#define LINK_TX_BUF 4096
#define LINK_EVENTS 16

/* I2C pins of the common ESP32 DevKit wiring; a board variant overrides them with -D. */
#ifndef HAL_ESP32_I2C_SDA
#define HAL_ESP32_I2C_SDA 21
#endif
#ifndef HAL_ESP32_I2C_SCL
#define HAL_ESP32_I2C_SCL 22
#endif
#ifndef HAL_ESP32_I2C_HZ
#define HAL_ESP32_I2C_HZ 400000
#endif
#define I2C_TIMEOUT_MS  50
/* The master driver wants one handle per target address: a small table, filled on first use. */
#define I2C_MAX_DEVICES 8
/* A write with stop=false is held here until the read that follows it (repeated start). */
#define I2C_PENDING_MAX 32

/* ------------------------------------------------------------------ state */

typedef struct {
    const char *name;
    uint32_t offset;
    uint32_t size;
    const esp_partition_t *part;
    const uint8_t *map;
    esp_partition_mmap_handle_t handle;
} flash_region;

static const struct {
    const char *name;
    uint32_t offset, size;
} board_regions[] = { WASMCU_REGION_TABLE };
#define REGION_COUNT (sizeof board_regions / sizeof board_regions[0])

static flash_region regions[REGION_COUNT];
static QueueHandle_t link_events;
static i2c_master_bus_handle_t i2c_bus;
static struct {
    uint8_t addr;
    i2c_master_dev_handle_t dev;
} i2c_devs[I2C_MAX_DEVICES];
static size_t i2c_dev_count;
static uint8_t i2c_pending[I2C_PENDING_MAX];
static size_t i2c_pending_len;
static int i2c_pending_addr = -1;
static bool watchdog_on;

/* ------------------------------------------------------------------ board */

static hal_status from_esp(esp_err_t e)
{
    switch (e) {
    case ESP_OK: return HAL_OK;
    case ESP_ERR_INVALID_ARG:
    case ESP_ERR_INVALID_SIZE: return HAL_ERR_PARAM;
    case ESP_ERR_TIMEOUT: return HAL_ERR_TIMEOUT;
    case ESP_ERR_NOT_SUPPORTED: return HAL_ERR_UNSUPPORTED;
    default: return HAL_ERR_IO;
    }
}

static hal_status link_init(void)
{
    const uart_config_t cfg = {
        .baud_rate = HAL_ESP32_LINK_BAUD,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    /* The driver's buffers and event queue are allocated here, once, at start-up. */
    esp_err_t e = uart_driver_install(HAL_ESP32_LINK_UART, LINK_RX_BUF, LINK_TX_BUF, LINK_EVENTS, &link_events, 0);
    if (e == ESP_OK) e = uart_param_config(HAL_ESP32_LINK_UART, &cfg);
    return from_esp(e);
}

static hal_status i2c_init(void)
{
    const i2c_master_bus_config_t cfg = {
        .i2c_port = -1, /* any free controller */
        .sda_io_num = HAL_ESP32_I2C_SDA,
        .scl_io_num = HAL_ESP32_I2C_SCL,
        .clk_source = I2C_CLK_SRC_DEFAULT,
        .glitch_ignore_cnt = 7,
        .flags.enable_internal_pullup = true,
    };
    return from_esp(i2c_new_master_bus(&cfg, &i2c_bus));
}

/* Finds and maps the partition behind every data region; a partition table that
 * disagrees with board.json stops start-up rather than writing to the wrong place. */
static hal_status flash_init(void)
{
    for (size_t i = 0; i < REGION_COUNT; i++) {
        flash_region *r = &regions[i];
        r->name = board_regions[i].name;
        r->offset = board_regions[i].offset;
        r->size = board_regions[i].size;
        if (strcmp(r->name, "firmware") == 0) continue; /* the running app: never mapped or written */
        r->part = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, r->name);
        if (r->part == NULL || r->part->address != r->offset || r->part->size != r->size) {
            esp_rom_printf("wasmcu: partition '%s' missing or not at 0x%x+0x%x as board.json says\n", r->name,
                           (unsigned)r->offset, (unsigned)r->size);
            return HAL_ERR_PARAM;
        }
        const void *p = NULL;
        esp_err_t e = esp_partition_mmap(r->part, 0, r->size, ESP_PARTITION_MMAP_DATA, &p, &r->handle);
        if (e != ESP_OK) return from_esp(e);
        r->map = (const uint8_t *)p;
    }
    return HAL_OK;
}

hal_status hal_init(void)
{
    hal_status s = link_init();
    if (s == HAL_OK) s = flash_init();
    if (s == HAL_OK) s = i2c_init();
    return s;
}

hal_reset_reason hal_last_reset(void)
{
    switch (esp_reset_reason()) {
    case ESP_RST_POWERON: return HAL_RESET_POWER_ON;
    case ESP_RST_SW: return HAL_RESET_SOFTWARE;
    case ESP_RST_INT_WDT:
    case ESP_RST_TASK_WDT:
    case ESP_RST_WDT: return HAL_RESET_WATCHDOG;
    case ESP_RST_PANIC: return HAL_RESET_FAULT;
    default: return HAL_RESET_UNKNOWN;
    }
}

void hal_reset(void)
{
    hal_link_flush();
    esp_restart();
}

/* The ROM's serial loader is entered by strapping pins, not by the firmware. */
hal_status hal_reset_to_recovery(void)
{
    return HAL_ERR_UNSUPPORTED;
}

/* ------------------------------------------------------------------ time */

uint64_t hal_time_us(void)
{
    return (uint64_t)esp_timer_get_time();
}

void hal_delay_us(uint32_t us)
{
    /* Long waits let other tasks (and the idle task, which feeds its watchdog) run. */
    const uint32_t tick_us = 1000000u / configTICK_RATE_HZ;
    if (us >= 2u * tick_us) {
        vTaskDelay((TickType_t)(us / tick_us));
        us %= tick_us;
    }
    if (us > 0) esp_rom_delay_us(us);
}

uint64_t hal_cycles(void)
{
    /* The CCOUNT register is 32 bits; extend it, assuming calls closer than one wrap (~17 s). */
    static uint32_t last;
    static uint64_t high;
    uint32_t now = (uint32_t)esp_cpu_get_cycle_count();
    if (now < last) high += 1ull << 32;
    last = now;
    return high | now;
}

void hal_idle_until(uint64_t until_us)
{
    uint64_t now = hal_time_us();
    if (until_us <= now) return;
    const uint64_t tick_us = 1000000u / configTICK_RATE_HZ;
    TickType_t ticks = (TickType_t)((until_us - now) / tick_us);
    if (ticks == 0) {
        esp_rom_delay_us((uint32_t)(until_us - now));
        return;
    }
    /* Sleep in the scheduler until the UART driver reports data, or the time is up. */
    uart_event_t ev;
    if (xQueueReceive(link_events, &ev, ticks) == pdTRUE) xQueueReset(link_events);
}

/* ------------------------------------------------------------------ gpio */

static bool pin_ok(uint32_t pin)
{
    return pin < GPIO_NUM_MAX && GPIO_IS_VALID_GPIO((gpio_num_t)pin);
}

hal_status hal_gpio_mode_set(uint32_t pin, hal_gpio_mode mode)
{
    if (!pin_ok(pin)) return HAL_ERR_PARAM;
    gpio_config_t cfg = {
        .pin_bit_mask = 1ull << pin,
        .mode = GPIO_MODE_INPUT,
        .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_DISABLE,
        .intr_type = GPIO_INTR_DISABLE,
    };
    switch (mode) {
    case HAL_GPIO_INPUT: break;
    case HAL_GPIO_OUTPUT:
        if (!GPIO_IS_VALID_OUTPUT_GPIO((gpio_num_t)pin)) return HAL_ERR_PARAM; /* GPIO34-39 are input only */
        /* Input and output, so hal_gpio_read of an output returns the driven level. */
        cfg.mode = GPIO_MODE_INPUT_OUTPUT;
        break;
    case HAL_GPIO_INPUT_PULLUP: cfg.pull_up_en = GPIO_PULLUP_ENABLE; break;
    case HAL_GPIO_INPUT_PULLDOWN: cfg.pull_down_en = GPIO_PULLDOWN_ENABLE; break;
    default: return HAL_ERR_PARAM;
    }
    return from_esp(gpio_config(&cfg));
}

hal_status hal_gpio_write(uint32_t pin, bool level)
{
    if (!pin_ok(pin) || !GPIO_IS_VALID_OUTPUT_GPIO((gpio_num_t)pin)) return HAL_ERR_PARAM;
    return from_esp(gpio_set_level((gpio_num_t)pin, level ? 1u : 0u));
}

int32_t hal_gpio_read(uint32_t pin)
{
    if (!pin_ok(pin)) return -(int32_t)HAL_ERR_PARAM;
    return gpio_get_level((gpio_num_t)pin) ? 1 : 0;
}

uint32_t hal_gpio_count(void)
{
    return (uint32_t)GPIO_NUM_MAX;
}

/* ------------------------------------------------------------------ link uart */

size_t hal_link_write(const uint8_t *data, size_t len)
{
    if (data == NULL || len == 0) return 0;
    int n = uart_write_bytes(HAL_ESP32_LINK_UART, data, len);
    return n < 0 ? 0 : (size_t)n;
}

size_t hal_link_read(uint8_t *buf, size_t cap)
{
    if (buf == NULL || cap == 0) return 0;
    size_t avail = 0;
    if (uart_get_buffered_data_len(HAL_ESP32_LINK_UART, &avail) != ESP_OK || avail == 0) return 0;
    if (avail > cap) avail = cap;
    int n = uart_read_bytes(HAL_ESP32_LINK_UART, buf, (uint32_t)avail, 0);
    return n < 0 ? 0 : (size_t)n;
}

void hal_link_flush(void)
{
    (void)uart_wait_tx_done(HAL_ESP32_LINK_UART, portMAX_DELAY);
}

/* ------------------------------------------------------------------ i2c */

static hal_status i2c_device(uint8_t addr, i2c_master_dev_handle_t *out)
{
    for (size_t i = 0; i < i2c_dev_count; i++) {
        if (i2c_devs[i].addr == addr) {
            *out = i2c_devs[i].dev;
            return HAL_OK;
        }
    }
    if (i2c_dev_count == I2C_MAX_DEVICES) return HAL_ERR_UNSUPPORTED;
    const i2c_device_config_t cfg = {
        .dev_addr_length = I2C_ADDR_BIT_LEN_7,
        .device_address = addr,
        .scl_speed_hz = HAL_ESP32_I2C_HZ,
    };
    esp_err_t e = i2c_master_bus_add_device(i2c_bus, &cfg, out);
    if (e != ESP_OK) return from_esp(e);
    i2c_devs[i2c_dev_count].addr = addr;
    i2c_devs[i2c_dev_count].dev = *out;
    i2c_dev_count++;
    return HAL_OK;
}

static hal_status from_i2c(esp_err_t e)
{
    /* The master driver reports a missing ACK as ESP_ERR_INVALID_STATE (v5.2) or _RESPONSE. */
    if (e == ESP_ERR_INVALID_RESPONSE || e == ESP_ERR_INVALID_STATE) return HAL_ERR_NACK;
    return from_esp(e);
}

hal_status hal_i2c_write(uint8_t addr, const uint8_t *data, size_t len, bool stop)
{
    if (addr > 0x7f || (data == NULL && len > 0)) return HAL_ERR_PARAM;
    i2c_master_dev_handle_t dev;
    hal_status s = i2c_device(addr, &dev);
    if (s != HAL_OK) return s;
    if (!stop) {
        /* Held until the read: the driver does write + repeated start + read in one call. */
        if (len > I2C_PENDING_MAX) return HAL_ERR_UNSUPPORTED;
        memcpy(i2c_pending, data, len);
        i2c_pending_len = len;
        i2c_pending_addr = addr;
        return HAL_OK;
    }
    i2c_pending_addr = -1;
    return from_i2c(i2c_master_transmit(dev, data, len, I2C_TIMEOUT_MS));
}

hal_status hal_i2c_read(uint8_t addr, uint8_t *buf, size_t len)
{
    if (addr > 0x7f || buf == NULL || len == 0) return HAL_ERR_PARAM;
    i2c_master_dev_handle_t dev;
    hal_status s = i2c_device(addr, &dev);
    if (s != HAL_OK) return s;
    esp_err_t e;
    if (i2c_pending_addr == (int)addr && i2c_pending_len > 0) {
        e = i2c_master_transmit_receive(dev, i2c_pending, i2c_pending_len, buf, len, I2C_TIMEOUT_MS);
    } else {
        e = i2c_master_receive(dev, buf, len, I2C_TIMEOUT_MS);
    }
    i2c_pending_addr = -1;
    i2c_pending_len = 0;
    return from_i2c(e);
}

/* ------------------------------------------------------------------ flash */

/* The data region holding [offset, offset+len), or NULL (outside, or across regions). */
static const flash_region *region_of(uint32_t offset, uint32_t len)
{
    for (size_t i = 0; i < REGION_COUNT; i++) {
        const flash_region *r = &regions[i];
        if (r->part == NULL) continue;
        if (offset >= r->offset && len <= r->size && offset - r->offset <= r->size - len) return r;
    }
    return NULL;
}

const uint8_t *hal_flash_map(uint32_t offset, uint32_t len)
{
    const flash_region *r = region_of(offset, len);
    return (r && r->map) ? r->map + (offset - r->offset) : NULL;
}

hal_status hal_flash_erase(uint32_t offset, uint32_t len)
{
    if (offset % WASMCU_FLASH_ERASE_SIZE != 0 || len % WASMCU_FLASH_ERASE_SIZE != 0) return HAL_ERR_PARAM;
    const flash_region *r = region_of(offset, len);
    if (r == NULL) return HAL_ERR_PARAM;
    if (len == 0) return HAL_OK;
    return from_esp(esp_partition_erase_range(r->part, offset - r->offset, len));
}

hal_status hal_flash_program(uint32_t offset, const uint8_t *data, uint32_t len)
{
    if ((data == NULL && len > 0) || offset % 4u != 0 || len % 4u != 0)
        return HAL_ERR_PARAM; /* board.json write_size */
    const flash_region *r = region_of(offset, len);
    if (r == NULL) return HAL_ERR_PARAM;
    if (len == 0) return HAL_OK;
    return from_esp(esp_partition_write(r->part, offset - r->offset, data, len));
}

/* ------------------------------------------------------------------ watchdog */

/* ------------------------------------------------------------------ peripheral power */

/* ESP-IDF's drivers switch their module's clock on when installed and off when deleted
 * (periph_module_enable/disable inside the driver), and the public API offers no switch
 * of its own: app-level switching is left for the first real ESP32 build. */
hal_status hal_periph_power(hal_periph p, bool on)
{
    (void)on;
    return (unsigned)p >= HAL_PERIPH_COUNT ? HAL_ERR_PARAM : HAL_ERR_UNSUPPORTED;
}

/* The link UART and the I2C master this HAL installs. */
uint32_t hal_periph_on_count(void)
{
    return 2;
}

hal_status hal_watchdog_start(uint32_t timeout_ms)
{
    if (timeout_ms == 0) return HAL_ERR_PARAM;
    const esp_task_wdt_config_t cfg = { .timeout_ms = timeout_ms, .idle_core_mask = 0, .trigger_panic = true };
    /* The task watchdog is usually started by ESP-IDF already; retune it in that case. */
    esp_err_t e = esp_task_wdt_reconfigure(&cfg);
    if (e == ESP_ERR_INVALID_STATE) e = esp_task_wdt_init(&cfg);
    if (e == ESP_OK && !watchdog_on) e = esp_task_wdt_add(NULL);
    if (e != ESP_OK) return from_esp(e);
    watchdog_on = true;
    return HAL_OK;
}

void hal_watchdog_feed(void)
{
    if (watchdog_on) (void)esp_task_wdt_reset();
}
