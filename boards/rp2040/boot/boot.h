/* What the bootloader's files share (boards/rp2040/boot). */
#ifndef WASMCU_RP2040_BOOT_H
#define WASMCU_RP2040_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "ota.h"

/* Flash offset of firmware bank 0 (fw_a) or 1 (fw_b). */
uint32_t boot_bank_offset(uint8_t slot);
/* The image in bank `slot` is firmware linked for that bank (stack in RAM, reset vector inside). */
bool boot_linked_for(uint8_t slot, const ota_image_header *h);
/* No bootable firmware (`why`): take one over UART0 (recovery.c); never returns. */
__attribute__((noreturn)) void boot_recovery(ota_ctx *ctx, ota_status why);

#endif
