/* What the bootloader's files share (boards/rp2040/boot). */
#ifndef WASMCU_RP2040_BOOT_H
#define WASMCU_RP2040_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "ota.h"

/* Unconfirmed boots a firmware image gets (firmware/device confirms it after its self-check). */
#define BOOT_MAX_TRIAL_BOOTS 3u
/* The vector table sits this far into a bank: the 128-byte image header, 128 bytes of pad. */
#define BOOT_VECTORS_OFFSET  256u

/* Where the banks execute and where RAM is (a vector table's stack must point into RAM). */
typedef struct {
    uint32_t bank_addr[2]; /* address of fw_a, fw_b in the XIP window */
    uint32_t ram_addr, ram_size;
} boot_banks;

/* The image in bank `slot` is firmware linked for that bank (stack in RAM, reset vector inside). */
bool boot_linked_for(const ota_flash *fl, const boot_banks *b, uint8_t slot, const ota_image_header *h);
/* ota_open + ota_boot (trial, rollback, verification) + the bank check: the bank to run in
 * out->slot, or an error when no bank holds a bootable firmware (decide.c). */
ota_status boot_decide(ota_ctx *ctx, const ota_flash *fl, const ota_keyring *keys, const boot_banks *b,
                       ota_reset_reason why, ota_boot_result *out);

/* The chip's side (main.c, recovery.c; not built on the host).
 * Flash offset of firmware bank 0 (fw_a) or 1 (fw_b). */
uint32_t boot_bank_offset(uint8_t slot);
/* This board's banks (main.c). */
extern const boot_banks boot_board_banks;
/* No bootable firmware, or asked for by the firmware (`why`): take one over UART0 (recovery.c);
 * never returns. */
__attribute__((noreturn)) void boot_recovery(ota_ctx *ctx, const char *why);

#endif
