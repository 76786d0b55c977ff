/*
 * wasmcu HAL: the hardware every board supplies (boards/<name>/ implements it).
 *
 * The portable libraries (runtime, nn, ota) never include this header; only
 * firmware/device/ does, and wires them to a board through it. All calls are
 * synchronous and non-allocating. Sizes are bytes, times microseconds unless
 * a name says otherwise.
 */
#ifndef WASMCU_HAL_H
#define WASMCU_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HAL_OK = 0,
    HAL_ERR_PARAM,       /* argument out of range (pin, address, length, alignment) */
    HAL_ERR_IO,          /* the peripheral reported an error */
    HAL_ERR_TIMEOUT,     /* the peripheral did not answer in time */
    HAL_ERR_NACK,        /* I2C: no device acknowledged the address or a byte */
    HAL_ERR_UNSUPPORTED, /* this board has no such peripheral or mode */
} hal_status;

const char *hal_status_str(hal_status s);

/* ------------------------------------------------------------------ board */

typedef enum {
    HAL_RESET_POWER_ON = 0,
    HAL_RESET_SOFTWARE,
    HAL_RESET_WATCHDOG,
    HAL_RESET_FAULT, /* a hard fault handler reset the chip */
    HAL_RESET_UNKNOWN,
} hal_reset_reason;

/* Brings up clocks, the link UART, the timer and flash. Called once by device. */
hal_status hal_init(void);
hal_reset_reason hal_last_reset(void);
/* Does not return. */
void hal_reset(void);
/* Resets into the board's bootloader's serial recovery (boards/rp2040/boot) and does not
 * return; HAL_ERR_UNSUPPORTED on a board without one. */
hal_status hal_reset_to_recovery(void);
/* Boards whose firmware runs from two banks (WASMCU_BOOT_BANKS: boards/rp2040/boot, or the
 * host board's firmware files): the bank (0 fw_a, 1 fw_b) the boot step started this firmware
 * from, or -1 when none did. */
int hal_boot_bank(void);
/* Whether the firmware image of `image_len` bytes written to bank `bank` can run from it
 * (rp2040: linked for that bank; host: an executable for this machine). */
bool hal_boot_image_runs(uint8_t bank, uint32_t image_len);

/* ------------------------------------------------------------------ time */

uint64_t hal_time_us(void);     /* monotonic since boot */
void hal_delay_us(uint32_t us); /* busy or sleeping wait, board's choice */
/* A free-running CPU cycle counter where the board has one (0 elsewhere). */
uint64_t hal_cycles(void);
/* Lets the CPU sleep until the next interrupt or `until_us`, whichever first. */
void hal_idle_until(uint64_t until_us);

/* ------------------------------------------------------------------ gpio */

typedef enum {
    HAL_GPIO_INPUT = 0,
    HAL_GPIO_OUTPUT,
    HAL_GPIO_INPUT_PULLUP,
    HAL_GPIO_INPUT_PULLDOWN,
} hal_gpio_mode;

hal_status hal_gpio_mode_set(uint32_t pin, hal_gpio_mode mode);
hal_status hal_gpio_write(uint32_t pin, bool level);
/* Returns 0 or 1, or a negative hal_status for a bad pin. */
int32_t hal_gpio_read(uint32_t pin);
uint32_t hal_gpio_count(void);

/* ------------------------------------------------------------------ link uart */

/* The byte stream the host talks to (UART, USB CDC or a pseudo-terminal). */
size_t hal_link_write(const uint8_t *data, size_t len);
/* Reads what is available now, at most `cap` bytes; never blocks. */
size_t hal_link_read(uint8_t *buf, size_t cap);
/* Blocks until all written bytes have left the device. */
void hal_link_flush(void);

/* ------------------------------------------------------------------ i2c */

/* 7-bit address. `stop` false leaves the bus held for a repeated start. */
hal_status hal_i2c_write(uint8_t addr, const uint8_t *data, size_t len, bool stop);
hal_status hal_i2c_read(uint8_t addr, uint8_t *buf, size_t len);

/* ------------------------------------------------------------------ flash */

/* Offsets are from the start of the board's flash (see board_config.h). */
/* Pointer to `len` bytes at `offset`, readable in place (XIP or a mapping),
 * or NULL if the range is outside flash. */
const uint8_t *hal_flash_map(uint32_t offset, uint32_t len);
/* `offset` and `len` must be multiples of WASMCU_FLASH_ERASE_SIZE. */
hal_status hal_flash_erase(uint32_t offset, uint32_t len);
/* Programs bytes into erased flash. Alignment is the board's write_size. */
hal_status hal_flash_program(uint32_t offset, const uint8_t *data, uint32_t len);

/* ------------------------------------------------------------------ peripheral power */

/* On-chip blocks an app may switch on (clocked, out of reset) or off (held in
 * reset: no dynamic power) to trade features for current. The blocks the HAL
 * itself uses (link UART or USB, I2C, timer) stay on and are not in this list. */
typedef enum {
    HAL_PERIPH_SPI0 = 0,
    HAL_PERIPH_SPI1,
    HAL_PERIPH_PWM,
    HAL_PERIPH_PIO0, /* programmable I/O (RP2040) */
    HAL_PERIPH_PIO1,
    HAL_PERIPH_I2C1,  /* the second I2C controller (the HAL's bus is the first) */
    HAL_PERIPH_UART1, /* the second UART (the link is the first) */
    HAL_PERIPH_COUNT
} hal_periph;

/* Off at start-up. HAL_ERR_PARAM for an unknown block, HAL_ERR_UNSUPPORTED where the
 * board has no such block or cannot switch it. */
hal_status hal_periph_power(hal_periph p, bool on);
/* Clocked I/O blocks on now, the HAL's own included: the count a power model takes. */
uint32_t hal_periph_on_count(void);

/* ------------------------------------------------------------------ watchdog */

hal_status hal_watchdog_start(uint32_t timeout_ms);
void hal_watchdog_feed(void);

/* ------------------------------------------------------------------ for board implementations */

/* Code every bare-metal board's drivers would otherwise repeat (src/board_util.c); the
 * device never calls these. */

/* The receive ring between a link interrupt (the only writer of `head`) and hal_link_read
 * (the only writer of `tail`). A power of two: indices wrap with a mask, no division in an
 * interrupt. The host keeps at most 3 KiB of frames in flight (rxBudget,
 * host-tools/src/link/session.ts), less than the ring. */
#define HAL_RX_RING_SIZE 4096u
typedef struct {
    uint8_t bytes[HAL_RX_RING_SIZE];
    volatile uint32_t head;
    volatile uint32_t tail;
    volatile uint32_t overruns; /* bytes dropped because the ring was full */
} hal_rx_ring;

/* Called from interrupt handlers that run from RAM while flash is busy: always inlined, so
 * no call reaches code in flash. A byte that finds the ring full is dropped and counted. */
#if defined(__GNUC__)
#define HAL_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define HAL_ALWAYS_INLINE static inline
#endif
HAL_ALWAYS_INLINE void hal_rx_ring_put(hal_rx_ring *r, uint8_t b)
{
    uint32_t head = r->head;
    if (head - r->tail >= HAL_RX_RING_SIZE) {
        r->overruns = r->overruns + 1u;
        return;
    }
    r->bytes[head & (HAL_RX_RING_SIZE - 1u)] = b;
    r->head = head + 1u;
}

/* Takes up to `cap` bytes out of the ring (hal_link_read's copy): the count taken. */
size_t hal_rx_ring_take(hal_rx_ring *r, uint8_t *buf, size_t cap);

/* `base` + `offset` when [offset, offset + len) lies inside the board's flash, else NULL
 * (hal_flash_map over a memory-mapped flash at `base`). */
const uint8_t *hal_flash_map_at(uintptr_t base, uint32_t offset, uint32_t len);
/* True when [offset, offset + len) lies inside flash past the firmware region: flash the
 * running code is not in. */
bool hal_flash_past_firmware(uint32_t offset, uint32_t len);

/* One erase command at `offset`: a 64 KiB block when `block`, else one erase sector. */
typedef hal_status (*hal_flash_erase_fn)(uint32_t offset, bool block);
/* hal_flash_erase over `erase`: HAL_ERR_PARAM unless `offset` and `len` are multiples of the
 * erase size and `writable`; then 64 KiB blocks where aligned, sectors elsewhere, each read
 * back through the mapping at `base` (HAL_ERR_IO unless all 0xff). */
hal_status hal_flash_erase_with(uint32_t offset, uint32_t len, bool writable, uintptr_t base, hal_flash_erase_fn erase);

/* A board's boot step (WASMCU_BOOT_BANKS: boards/rp2040/boot, boards/host/boot.c): the firmware
 * banks and their state records as firmware/ota's flash port over hal_flash_* (src/boot_flash.c,
 * compiled into the boot step by linking the CMake target wasmcu_hal_boot; it needs ota.h).
 * hal_boot_records_flash writes the state records only (a bootloader, which never writes a
 * bank); hal_boot_banks_flash writes the banks too. */
struct ota_flash;
extern const struct ota_flash hal_boot_records_flash;
extern const struct ota_flash hal_boot_banks_flash;

#ifdef __cplusplus
}
#endif
#endif /* WASMCU_HAL_H */
