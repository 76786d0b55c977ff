/*
 * The wasmcu bootloader for the RP2040 (README.md beside this file): picks the firmware bank
 * to run with firmware/ota's boot decision (trial, rollback, security floor), which verifies
 * the image (SHA-256 + Ed25519 against the compiled-in keyring) before it is chosen, then
 * enters the image through its vector table. Both banks hold signed firmware images linked
 * for their own address, so nothing is copied.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "board_config.h"
#include "hal.h"
#include "../src/internal.h" /* the board's registers and fault codes */
#include "boot.h"
#include "ota.h"

/* The keyring the firmware trusts too (firmware/device's WASMCU_OTA_KEYS, the same header). */
#include WASMCU_OTA_KEYS_HEADER

#ifndef WASMCU_BOOT_BANKS
#error "boards/rp2040/boot needs flash.boot in board.json (the bootloader and the two firmware banks)"
#endif
_Static_assert(WASMCU_BOOT_FW_A_SIZE == WASMCU_BOOT_FW_B_SIZE, "the firmware banks must be the same size");
_Static_assert(WASMCU_BOOT_STATE_SIZE % (2u * WASMCU_FLASH_ERASE_SIZE) == 0, "boot state: two halves of erase units");

/* A trial boot runs under this watchdog, which the firmware's main loop feeds: a firmware that
 * hangs or faults before it confirms itself is reset and rolled back. */
#define BOOT_TRIAL_WATCHDOG_MS 4000u

static const uint32_t bank_offset[2] = { WASMCU_BOOT_FW_A_OFFSET, WASMCU_BOOT_FW_B_OFFSET };
const boot_banks boot_board_banks = {
    .bank_addr = { XIP_BASE + WASMCU_BOOT_FW_A_OFFSET, XIP_BASE + WASMCU_BOOT_FW_B_OFFSET },
    .ram_addr = 0x20000000u,
    .ram_size = WASMCU_RAM_SIZE,
};

uint32_t boot_bank_offset(uint8_t slot)
{
    return bank_offset[slot != 0];
}

/* As the firmware reads it (src/fault.c): a watchdog timeout or one of our fault codes is a
 * failed boot; any other forced reset is a software reset. Scratch stays for the firmware. */
static ota_reset_reason reset_reason(void)
{
    uint32_t reason = RP_REG(WATCHDOG_BASE, WD_REASON);
    uint32_t code = RP_REG(WATCHDOG_BASE, WD_SCRATCH(0));
    bool ours = (code & RP2040_SCRATCH_MAGIC_MASK) == RP2040_SCRATCH_MAGIC;
    code &= ~RP2040_SCRATCH_MAGIC_MASK;
    if (reason & WD_REASON_TIMER) return OTA_RESET_WATCHDOG;
    if (reason & WD_REASON_FORCE) {
        return ours && code >= RP2040_CODE_FAULT && code <= RP2040_CODE_EXCEPTION ? OTA_RESET_WATCHDOG
                                                                                  : OTA_RESET_SOFTWARE;
    }
    return OTA_RESET_POWER_ON;
}

/* The firmware asked for serial recovery (hal_reset_to_recovery: a forced reset with our code).
 * The code is cleared, so the reset that ends recovery boots normally. */
static bool recovery_requested(void)
{
    if (!(RP_REG(WATCHDOG_BASE, WD_REASON) & WD_REASON_FORCE) ||
        RP_REG(WATCHDOG_BASE, WD_SCRATCH(0)) != (RP2040_SCRATCH_MAGIC | RP2040_CODE_RECOVERY)) {
        return false;
    }
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(0)) = 0;
    return true;
}

static void watchdog_arm(uint32_t ms)
{
    rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    RP_REG(PSM_BASE, PSM_WDSEL) = PSM_ALL & ~(PSM_ROSC | PSM_XOSC);
    RP_REG(WATCHDOG_BASE, WD_LOAD) = ms * 2000u; /* RP2040-E1: two decrements per tick */
    RP_REG(WATCHDOG_BASE, WD_CTRL) = WD_CTRL_ENABLE | WD_CTRL_PAUSE_ALL;
}

__attribute__((noreturn)) static void enter(uint8_t slot)
{
    const uint32_t *vt = (const uint32_t *)(uintptr_t)(XIP_BASE + bank_offset[slot] + BOOT_VECTORS_OFFSET);
    RP_REG(SCB_VTOR, 0) = (uint32_t)(uintptr_t)vt;
    __asm volatile("dsb\n"
                   "msr msp, %0\n"
                   "bx %1\n" ::"r"(vt[0]),
                   "r"(vt[1])
                   : "memory");
    __builtin_unreachable();
}

static ota_ctx ctx;
static ota_boot_result boot;

__attribute__((noreturn)) void boot_main(void)
{
    ota_reset_reason why = reset_reason();
    bool asked = recovery_requested();
    (void)rp2040_clocks_init();
    /* 1 us watchdog ticks from the crystal; then the bootloader's own hang guard, fed by
     * nothing: the boot decision takes well under a second at 125 MHz. */
    RP_REG(WATCHDOG_BASE, WD_TICK) = WD_TICK_ENABLE | (RP2040_XOSC_HZ / 1000000u);
    watchdog_arm(8000u);
    rp2040_resets_cycle(RESET_TIMER); /* the flash driver's busy timeouts read it */
    /* Through firmware/ota the bootloader writes only state records (the banks are written by
     * the running firmware, or by serial recovery, recovery.c). */
    const ota_flash *fl = &hal_boot_records_flash;
    /* On request the state records are read (the floor, the confirmed bank), nothing decided. */
    if (asked && ota_open(&ctx, fl, &wasmcu_ota_keys_ring, BOOT_MAX_TRIAL_BOOTS) == OTA_OK) {
        boot_recovery(&ctx, "requested over the link");
    }
    ota_status s = boot_decide(&ctx, fl, &wasmcu_ota_keys_ring, &boot_board_banks, why, &boot);
    if (s != OTA_OK) boot_recovery(&ctx, ota_status_str(s));
    if (boot.trial) {
        watchdog_arm(BOOT_TRIAL_WATCHDOG_MS);
    } else {
        rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    }
    enter(boot.slot);
}
