/*
 * The SPI flash through SPI1, the CPU's own port to the chip the cache reads through SPI0.
 * While SPI1 talks to the chip the cache is off (it would read half-written pages or
 * collide on the bus), so the command code runs from IRAM and touches only IRAM, DRAM and
 * registers; interrupts stay enabled (their vectors and the UART handler are in IRAM).
 * After every command the cache is invalidated: reads through the DROM mapping then see the
 * new contents.
 *
 * Commands: WREN and RDSR are SPI1's built-in ones (CMD register); sector erase 20h, block
 * erase D8h, page program 02h and JEDEC id 9Fh are user commands (USR with an 8-bit
 * command, a 24-bit address and up to 64 bytes from W0..W15).
 */
#include <stddef.h>

#include "internal.h"

#define PAGE_SIZE        256u
#define CMD_SECTOR_ERASE 0x20u
#define CMD_BLOCK_ERASE  0xd8u
#define CMD_PAGE_PROGRAM 0x02u
#define CMD_JEDEC_ID     0x9fu
#define STATUS_WIP       1u
/* Datasheet maxima of common 4 MiB parts (GD25Q32, W25Q32) with margin, in SYSTIMER ticks. */
#define SECTOR_TIMEOUT   (500000ull * (SYSTIMER_HZ / 1000000u))
#define BLOCK_TIMEOUT    (3000000ull * (SYSTIMER_HZ / 1000000u))
#define PAGE_TIMEOUT     (10000ull * (SYSTIMER_HZ / 1000000u))

_Static_assert(WASMCU_REGION_FIRMWARE_OFFSET == 0, "the ROM boots the image at flash offset 0");

static uint32_t jedec_id;

/* SYSTIMER read without calling flash code (time.c's is in flash). */
static inline __attribute__((always_inline)) uint64_t ticks_now(void)
{
    C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) = SYSTIMER_UNIT0_UPDATE;
    for (uint32_t i = 0; i < C3_SPIN_LIMIT && (C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_OP) & SYSTIMER_UNIT0_VALID) == 0;
         i++) {
    }
    return ((uint64_t)(C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_VALUE_HI) & 0xfffffu) << 32) |
           C3_REG(SYSTIMER_BASE, SYSTIMER_UNIT0_VALUE_LO);
}

/* Starts a command (one bit of 31:17) and waits for the hardware to clear it; the low
 * bits of the register are read-only state. */
C3_IRAM static void spi1_run(uint32_t cmd_bits)
{
    C3_REG(SPI1_BASE, SPI_MEM_CMD) = cmd_bits;
    for (uint32_t i = 0; i < C3_SPIN_LIMIT && (C3_REG(SPI1_BASE, SPI_MEM_CMD) & SPI_MEM_CMD_BITS) != 0; i++) {
    }
}

/* A user command: 8-bit opcode, optional 24-bit address, `mosi` bytes out of W0.. or
 * `miso` bytes into W0.. (single-line SPI: the FWRITE_* mode bits are cleared). */
C3_IRAM static void spi1_user(uint32_t op, bool addr, uint32_t address, uint32_t mosi, uint32_t miso)
{
    uint32_t user = C3_REG(SPI1_BASE, SPI_MEM_USER) & ~(0x1fu << 27) & ~(0xfu << 12);
    user |= SPI_MEM_USR_COMMAND | (addr ? SPI_MEM_USR_ADDR : 0u) | (mosi ? SPI_MEM_USR_MOSI : 0u) |
            (miso ? SPI_MEM_USR_MISO : 0u);
    C3_REG(SPI1_BASE, SPI_MEM_USER) = user;
    C3_REG(SPI1_BASE, SPI_MEM_USER1) = (C3_REG(SPI1_BASE, SPI_MEM_USER1) & 0x03ffffffu) | (23u << 26);
    C3_REG(SPI1_BASE, SPI_MEM_USER2) = (7u << 28) | op;
    C3_REG(SPI1_BASE, SPI_MEM_ADDR) = address; /* bits 23:0 (TRM: SPI_MEM_USR_ADDR_VALUE) */
    C3_REG(SPI1_BASE, SPI_MEM_MOSI_DLEN) = mosi ? mosi * 8u - 1u : 0u;
    C3_REG(SPI1_BASE, SPI_MEM_MISO_DLEN) = miso ? miso * 8u - 1u : 0u;
    spi1_run(SPI_MEM_CMD_USR);
}

C3_IRAM static void cache_off(void)
{
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_CTRL) = 0;
}

C3_IRAM static void cache_on(void)
{
    esp32c3_cache_invalidate();
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_CTRL) = EXTMEM_ICACHE_ENABLE;
}

/* WREN, the command, then RDSR until the chip is idle: true when it finished in time. */
C3_IRAM static bool flash_write_op(uint32_t op, uint32_t address, const uint32_t *words, uint32_t n, uint64_t timeout)
{
    cache_off();
    spi1_run(SPI_MEM_CMD_WREN);
    for (uint32_t i = 0; i < (n + 3u) / 4u; i++) {
        C3_REG(SPI1_BASE, SPI_MEM_W(i)) = words[i];
    }
    spi1_user(op, true, address, n, 0);
    uint64_t start = ticks_now();
    bool idle = false;
    while (!idle && ticks_now() - start < timeout) {
        spi1_run(SPI_MEM_CMD_RDSR);
        idle = (C3_REG(SPI1_BASE, SPI_MEM_RD_STATUS) & STATUS_WIP) == 0;
    }
    cache_on();
    return idle;
}

C3_IRAM static uint32_t read_jedec_id(void)
{
    cache_off();
    spi1_user(CMD_JEDEC_ID, false, 0, 0, 3);
    uint32_t id = C3_REG(SPI1_BASE, SPI_MEM_W(0)) & 0xffffffu;
    cache_on();
    return id;
}

hal_status esp32c3_flash_init(void)
{
    jedec_id = read_jedec_id();
    return jedec_id == 0 || jedec_id == 0xffffffu ? HAL_ERR_IO : HAL_OK;
}

const uint8_t *hal_flash_map(uint32_t offset, uint32_t len)
{
    return hal_flash_map_at(C3_DROM_BASE, offset, len);
}

/* Each step may take a second or two on a real chip: the watchdog is fed after each. */
static hal_status erase_step(uint32_t offset, bool block)
{
    bool done = flash_write_op(block ? CMD_BLOCK_ERASE : CMD_SECTOR_ERASE, offset, NULL, 0,
                               block ? BLOCK_TIMEOUT : SECTOR_TIMEOUT);
    hal_watchdog_feed();
    return done ? HAL_OK : HAL_ERR_TIMEOUT;
}

/* Writable: outside the firmware region (the image the ROM boots and the code we run). */
hal_status hal_flash_erase(uint32_t offset, uint32_t len)
{
    return hal_flash_erase_with(offset, len, hal_flash_past_firmware(offset, len), C3_DROM_BASE, erase_step);
}

hal_status hal_flash_program(uint32_t offset, const uint8_t *data, uint32_t len)
{
    if ((data == NULL && len != 0) || !hal_flash_past_firmware(offset, len)) {
        return HAL_ERR_PARAM;
    }
    uint32_t words[SPI_MEM_BUF_BYTES / 4u];
    while (len > 0) {
        /* At most the 64-byte buffer, and never across a 256-byte page (a program wraps in it). */
        uint32_t room = PAGE_SIZE - (offset % PAGE_SIZE);
        uint32_t n = len < room ? len : room;
        n = n < SPI_MEM_BUF_BYTES ? n : SPI_MEM_BUF_BYTES;
        /* Copied to RAM while the cache is on: `data` may itself be mapped flash. */
        uint8_t *bytes = (uint8_t *)words;
        for (uint32_t i = 0; i < SPI_MEM_BUF_BYTES; i++) {
            bytes[i] = i < n ? data[i] : 0xffu;
        }
        if (!flash_write_op(CMD_PAGE_PROGRAM, offset, words, n, PAGE_TIMEOUT)) {
            return HAL_ERR_TIMEOUT;
        }
        /* NOR programming only clears bits: a mismatch means the area was not erased. */
        const uint8_t *p = (const uint8_t *)(uintptr_t)(C3_DROM_BASE + offset);
        for (uint32_t i = 0; i < n; i++) {
            if (p[i] != data[i]) {
                return HAL_ERR_IO;
            }
        }
        offset += n;
        data += n;
        len -= n;
    }
    return HAL_OK;
}
