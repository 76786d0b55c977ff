/*
 * Serial recovery: with no bootable firmware in either bank, the bootloader takes a signed
 * firmware image for fw_a over UART0 (GP0 TX / GP1 RX, 115200 8N1), polled, stop-and-wait.
 * The protocol (ours; host side host-tools/src/flash/rp2040-recovery.ts):
 *
 *   board → "wasmcu-boot recovery: <why>\n" at entry, and again for any byte it cannot use
 *   host  → "RCV1" | image length u32le          board → 'K' (length fits the bank) or 'E'
 *   host  → block: n u16le (1..4096) | n bytes | CRC-32 of the n bytes u32le
 *                                                board → 'K' (programmed), 'E' (send it again)
 *   after the last block                         board → "OK\n" and resets, or "NO <why>\n"
 *
 * Blocks fill fw_a in order, one flash sector at the most and never across one (each sector
 * is erased before its first block is programmed); the host sends whole 4 KiB sectors. The image is trusted only after ota_image_verify_slot (hash, signature, counter at
 * least the floor) and the bank check; the boot after the reset verifies it again.
 */
#include <stdbool.h>
#include <stdint.h>

#include "../src/internal.h" /* the board's registers */
#include "boot.h"
#include "board_config.h"
#include "hal.h"

#define BAUD      115200u
#define BLOCK_MAX WASMCU_FLASH_ERASE_SIZE

static void uart_init(void)
{
    rp2040_resets_cycle(RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0);
    uint32_t div = (8u * WASMCU_CLOCK_HZ) / BAUD; /* clk_peri / (16 * baud), 16.6 fixed point */
    RP_REG(UART0_BASE, UART_IBRD) = div >> 7;
    RP_REG(UART0_BASE, UART_FBRD) = ((div & 0x7fu) + 1u) / 2u;
    RP_REG(UART0_BASE, UART_LCR_H) = UART_LCR_WLEN8 | UART_LCR_FEN; /* latches the divisor */
    RP_REG(UART0_BASE, UART_CR) = UART_CR_EN | UART_CR_TXE | UART_CR_RXE;
    rp2040_pin_function(RP2040_LINK_TX_PIN, GPIO_FUNC_UART, PAD_DRIVE_4MA);
    rp2040_pin_function(RP2040_LINK_TX_PIN + 1u, GPIO_FUNC_UART, PAD_IE | PAD_PUE | PAD_SCHMITT);
}

static void put(const char *s)
{
    for (; *s; s++) {
        while (RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFF) {
        }
        RP_REG(UART0_BASE, UART_DR) = (uint8_t)*s;
    }
}

static uint8_t get(void)
{
    while (RP_REG(UART0_BASE, UART_FR) & UART_FR_RXFE) {
    }
    return (uint8_t)RP_REG(UART0_BASE, UART_DR);
}

static uint32_t get32(void)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++) v |= (uint32_t)get() << (8u * i);
    return v;
}

/* Waits for "RCV1", answering anything else with the banner. */
static void wait_start(const char *why)
{
    static const char magic[4] = { 'R', 'C', 'V', '1' };
    unsigned matched = 0;
    while (matched < sizeof magic) {
        uint8_t c = get();
        if (c == (uint8_t)magic[matched]) {
            matched++;
        } else {
            matched = c == (uint8_t)magic[0];
            if (!matched) {
                put("wasmcu-boot recovery: ");
                put(why);
                put("\n");
            }
        }
    }
}

/* Receives the image into fw_a; true when every byte arrived and was programmed. */
static bool receive(uint32_t total)
{
    static uint8_t block[BLOCK_MAX];
    for (uint32_t at = 0; at < total;) {
        uint32_t n = get();
        n |= (uint32_t)get() << 8;
        uint32_t off = boot_bank_offset(0) + at;
        if (n == 0 || n > total - at || (off % WASMCU_FLASH_ERASE_SIZE) + n > WASMCU_FLASH_ERASE_SIZE) return false;
        for (uint32_t i = 0; i < n; i++) block[i] = get();
        uint32_t crc = get32();
        bool ok = ota_crc32(0, block, n) == crc &&
                  (off % WASMCU_FLASH_ERASE_SIZE != 0 || hal_flash_erase(off, WASMCU_FLASH_ERASE_SIZE) == HAL_OK) &&
                  hal_flash_program(off, block, n) == HAL_OK;
        put(ok ? "K" : "E");
        if (ok) at += n;
    }
    return true;
}

__attribute__((noreturn)) void boot_recovery(ota_ctx *ctx, const char *why)
{
    rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    uart_init();
    put("wasmcu-boot recovery: ");
    put(why);
    put("\n");
    for (;;) {
        wait_start(why);
        uint32_t total = get32();
        /* Block writes are 256-byte pages: the bank must hold them whole. */
        if (total <= OTA_HEADER_SIZE || total > WASMCU_BOOT_FW_A_SIZE) {
            put("E");
            continue;
        }
        put("K");
        if (!receive(total)) {
            put("NO bad block\n");
            continue;
        }
        ota_image_header h;
        ota_status s = ota_image_verify_slot(ctx->fl, &ctx->keys, OTA_AREA_SLOT0, ctx->st.min_counter, &h);
        if (s == OTA_OK && !boot_linked_for(ctx->fl, &boot_board_banks, 0, &h)) s = OTA_ERR_HEADER;
        if (s != OTA_OK) {
            put("NO ");
            put(ota_status_str(s));
            put("\n");
            continue;
        }
        /* Records that name fw_b confirmed would keep running fw_b: fw_a's image goes pending
         * and runs on trial. Confirmed fw_a (or no record) boots the new image as it is. */
        if (ctx->st.confirmed == 1u && ctx->st.trial == OTA_NO_SLOT) (void)ota_install(ctx, &h);
        put("OK\n");
        while (!(RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFE) || (RP_REG(UART0_BASE, UART_FR) & UART_FR_BUSY)) {
        }
        /* A software reset: the next boot adopts the image (or takes it as confirmed, first boot). */
        RP_REG(WATCHDOG_BASE, WD_CTRL) = WD_CTRL_TRIGGER;
        for (;;) {
        }
    }
}
