/*
 * Flash erase/program through the SSI in direct mode with standard SPI NOR
 * commands (06h write enable, 05h read status, 20h 4 KiB / D8h 64 KiB erase,
 * 02h page program, 9Fh JEDEC id). While a command runs, XIP is off: the
 * routines that talk to the chip run from RAM and touch only RAM and
 * registers, and chip select is driven by hand through the QSPI SS override
 * so the SSI's FIFO level cannot end a command early. Afterwards the XIP
 * setup of boot2 is restored and the XIP cache flushed.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "rp2040_board.h"
#include "xip_config.h"

#define CMD_WRITE_ENABLE 0x06u
#define CMD_READ_STATUS  0x05u
#define CMD_SECTOR_ERASE 0x20u
#define CMD_BLOCK_ERASE  0xd8u
#define CMD_PAGE_PROGRAM 0x02u
#define CMD_JEDEC_ID     0x9fu
#define STATUS_BUSY      0x01u
#define STATUS_WEL       0x02u

#define PAGE_SIZE         256u
/* Worst cases of common 2..16 MB parts are 400 ms (4K), 2 s (64K), 3 ms (page). */
#define SECTOR_TIMEOUT_US 1000000u
#define BLOCK_TIMEOUT_US  4000000u
#define PAGE_TIMEOUT_US   20000u

enum flash_result { FLASH_DONE = 0, FLASH_NOT_ENABLED, FLASH_STILL_BUSY };

static uint8_t page_buf[PAGE_SIZE]; /* source bytes must be in RAM while XIP is off */
static uint32_t jedec_id;

RP_RAMFUNC static void cs_drive(uint32_t level)
{
    uint32_t v = RP_REG(IO_QSPI_BASE, IO_QSPI_SS_CTRL) & ~IO_QSPI_OUTOVER_MASK;
    RP_REG(IO_QSPI_BASE, IO_QSPI_SS_CTRL) = v | (level << IO_QSPI_OUTOVER_LSB);
}

RP_RAMFUNC static uint32_t xfer(uint32_t byte)
{
    while (!(RP_REG(XIP_SSI_BASE, SSI_SR) & SSI_SR_TFNF)) {
    }
    RP_REG(XIP_SSI_BASE, SSI_DR0) = byte;
    while (!(RP_REG(XIP_SSI_BASE, SSI_SR) & SSI_SR_RFNE)) {
    }
    return RP_REG(XIP_SSI_BASE, SSI_DR0) & 0xffu;
}

RP_RAMFUNC static void enter_direct(void)
{
    cs_drive(IO_QSPI_OUTOVER_HIGH);
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 0;
    /* Standard SPI, 8-bit frames, transmit and receive. */
    RP_REG(XIP_SSI_BASE, SSI_CTRLR0) = (0u << SSI_CTRLR0_SPI_FRF_LSB) | (7u << SSI_CTRLR0_DFS32_LSB) |
                                       ((uint32_t)SSI_TMOD_TX_RX << SSI_CTRLR0_TMOD_LSB);
    RP_REG(XIP_SSI_BASE, SSI_BAUDR) = XIP_BAUDR;
    RP_REG(XIP_SSI_BASE, SSI_SER) = 1u;
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 1u;
#if XIP_QUAD
    /* Continuous read mode reset (W25Q16JV 8.2.8): FFh where the chip expects the address
     * and mode bits, with SD1..SD3 driven high so all four lanes read ones. */
    for (uint32_t pad = IO_QSPI_SD1_CTRL; pad <= IO_QSPI_SD1_CTRL + 16u; pad += 8u) {
        RP_REG(IO_QSPI_BASE, pad) =
            (IO_QSPI_OEOVER_ENABLE << IO_QSPI_OEOVER_LSB) | ((uint32_t)IO_QSPI_OUTOVER_HIGH << IO_QSPI_OUTOVER_LSB);
    }
    cs_drive(IO_QSPI_OUTOVER_LOW);
    for (uint32_t i = 0; i < 4u; i++) {
        (void)xfer(0xffu);
    }
    cs_drive(IO_QSPI_OUTOVER_HIGH);
    for (uint32_t pad = IO_QSPI_SD1_CTRL; pad <= IO_QSPI_SD1_CTRL + 16u; pad += 8u) {
        RP_REG(IO_QSPI_BASE, pad) = 0;
    }
#endif
}

#if XIP_QUAD
/* As boot2 does: one EBh read with mode bits A0h puts the chip in continuous read mode. */
RP_RAMFUNC static void enter_continuous(void)
{
    RP_REG(XIP_SSI_BASE, SSI_SPI_CTRLR0) = XIP_SPI_CTRLR0_ENTER;
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 1u;
    cs_drive(IO_QSPI_OUTOVER_NORMAL);
    RP_REG(XIP_SSI_BASE, SSI_DR0) = XIP_CMD_QUAD_READ;
    RP_REG(XIP_SSI_BASE, SSI_DR0) = XIP_MODE_CONTINUOUS;
    while (!(RP_REG(XIP_SSI_BASE, SSI_SR) & SSI_SR_RFNE)) {
    }
    (void)RP_REG(XIP_SSI_BASE, SSI_DR0);
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 0;
}
#endif

RP_RAMFUNC static void leave_direct(void)
{
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 0;
    RP_REG(XIP_SSI_BASE, SSI_BAUDR) = XIP_BAUDR;
    RP_REG(XIP_SSI_BASE, SSI_CTRLR0) = XIP_CTRLR0_VALUE;
    RP_REG(XIP_SSI_BASE, SSI_CTRLR1) = 0;
#if XIP_QUAD
    enter_continuous();
#endif
    RP_REG(XIP_SSI_BASE, SSI_SPI_CTRLR0) = XIP_SPI_CTRLR0_VALUE;
    RP_REG(XIP_SSI_BASE, SSI_SSIENR) = 1u;
    cs_drive(IO_QSPI_OUTOVER_NORMAL);
    /* The cache may hold the old contents; a read of FLUSH waits for the flush. */
    RP_REG(XIP_CTRL_BASE, XIP_CTRL_FLUSH) = 1u;
    (void)RP_REG(XIP_CTRL_BASE, XIP_CTRL_FLUSH);
}

RP_RAMFUNC static uint32_t read_status(void)
{
    cs_drive(IO_QSPI_OUTOVER_LOW);
    (void)xfer(CMD_READ_STATUS);
    uint32_t s = xfer(0);
    cs_drive(IO_QSPI_OUTOVER_HIGH);
    return s;
}

/* One write-enable + command + address (+ data) + wait-until-idle, all with XIP off. */
RP_RAMFUNC static enum flash_result flash_command(uint32_t cmd, uint32_t addr, const uint8_t *data, uint32_t len,
                                                  uint32_t timeout_us)
{
    enum flash_result result = FLASH_DONE;
    enter_direct();
    cs_drive(IO_QSPI_OUTOVER_LOW);
    (void)xfer(CMD_WRITE_ENABLE);
    cs_drive(IO_QSPI_OUTOVER_HIGH);
    if (!(read_status() & STATUS_WEL)) {
        result = FLASH_NOT_ENABLED; /* write-protected or no chip answering */
    } else {
        cs_drive(IO_QSPI_OUTOVER_LOW);
        (void)xfer(cmd);
        (void)xfer((addr >> 16) & 0xffu);
        (void)xfer((addr >> 8) & 0xffu);
        (void)xfer(addr & 0xffu);
        for (uint32_t i = 0; i < len; i++) {
            (void)xfer(data[i]);
        }
        cs_drive(IO_QSPI_OUTOVER_HIGH);
        uint32_t start = RP_REG(TIMER_BASE, TIMER_TIMERAWL);
        /* Never return to XIP while the chip is busy: it would not answer reads.
         * Past the timeout, keep waiting a while longer before giving up. */
        while (read_status() & STATUS_BUSY) {
            if (RP_REG(TIMER_BASE, TIMER_TIMERAWL) - start > timeout_us) {
                result = FLASH_STILL_BUSY;
                if (RP_REG(TIMER_BASE, TIMER_TIMERAWL) - start > 4u * timeout_us) {
                    break;
                }
            }
        }
    }
    leave_direct();
    return result;
}

RP_RAMFUNC static uint32_t read_jedec(void)
{
    enter_direct();
    cs_drive(IO_QSPI_OUTOVER_LOW);
    (void)xfer(CMD_JEDEC_ID);
    uint32_t id = xfer(0) << 16;
    id |= xfer(0) << 8;
    id |= xfer(0);
    cs_drive(IO_QSPI_OUTOVER_HIGH);
    leave_direct();
    return id;
}

hal_status rp2040_flash_init(void)
{
    jedec_id = read_jedec();
    return (jedec_id == 0 || jedec_id == 0xffffffu) ? HAL_ERR_IO : HAL_OK;
}

uint32_t rp2040_flash_jedec_id(void)
{
    return jedec_id;
}

static hal_status result_status(enum flash_result r)
{
    switch (r) {
    case FLASH_DONE: return HAL_OK;
    case FLASH_NOT_ENABLED: return HAL_ERR_IO;
    case FLASH_STILL_BUSY: return HAL_ERR_TIMEOUT;
    }
    return HAL_ERR_IO;
}

#ifdef WASMCU_BOOT_BANKS
static bool in_bank(uint32_t bank, uint32_t offset, uint32_t len)
{
    _Static_assert(WASMCU_BOOT_FW_A_SIZE == WASMCU_BOOT_FW_B_SIZE, "firmware banks of one size");
    return offset >= bank && len <= WASMCU_BOOT_FW_A_SIZE && offset - bank <= WASMCU_BOOT_FW_A_SIZE - len;
}
#endif

/* A firmware bank image may also write the other bank (a firmware update), never its own; the
 * bootloader (serial recovery) either bank; nothing writes the bootloader. */
static bool other_bank(uint32_t offset, uint32_t len)
{
#ifdef WASMCU_BOOT_BANKS
    uint32_t kind = rp2040_image_kind();
    bool a = in_bank(WASMCU_BOOT_FW_A_OFFSET, offset, len), b = in_bank(WASMCU_BOOT_FW_B_OFFSET, offset, len);
    return kind == RP2040_IMAGE_BOOTLOADER ? a || b : kind == RP2040_IMAGE_FW_A ? b : kind == RP2040_IMAGE_FW_B && a;
#else
    (void)offset;
    (void)len;
    return false;
#endif
}

/* In-range, and outside the firmware region the CPU is executing from. */
static bool writable_range(uint32_t offset, uint32_t len)
{
    return hal_flash_past_firmware(offset, len) || other_bank(offset, len);
}

const uint8_t *hal_flash_map(uint32_t offset, uint32_t len)
{
    return hal_flash_map_at(XIP_BASE, offset, len);
}

static hal_status erase_step(uint32_t offset, bool block)
{
    hal_status st = result_status(flash_command(block ? CMD_BLOCK_ERASE : CMD_SECTOR_ERASE, offset, NULL, 0,
                                                block ? BLOCK_TIMEOUT_US : SECTOR_TIMEOUT_US));
    rp2040_stack_check();
    return st;
}

hal_status hal_flash_erase(uint32_t offset, uint32_t len)
{
    return hal_flash_erase_with(offset, len, writable_range(offset, len), XIP_BASE, erase_step);
}

hal_status hal_flash_program(uint32_t offset, const uint8_t *data, uint32_t len)
{
    if ((data == NULL && len != 0) || !writable_range(offset, len)) {
        return HAL_ERR_PARAM;
    }
    while (len > 0) {
        /* A page program wraps inside its 256-byte page: never cross one. */
        uint32_t room = PAGE_SIZE - (offset % PAGE_SIZE);
        uint32_t n = len < room ? len : room;
        memcpy(page_buf, data, n);
        hal_status st = result_status(flash_command(CMD_PAGE_PROGRAM, offset, page_buf, n, PAGE_TIMEOUT_US));
        if (st != HAL_OK) {
            return st;
        }
        /* NOR programming only clears bits: a mismatch means the area was not erased. */
        if (memcmp((const void *)(uintptr_t)(XIP_BASE + offset), page_buf, n) != 0) {
            return HAL_ERR_IO;
        }
        offset += n;
        data += n;
        len -= n;
    }
    return HAL_OK;
}
