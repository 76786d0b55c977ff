/*
 * The host board's firmware banks (README.md, "Firmware files"): two files beside the flash
 * file, FLASH.fw_a and FLASH.fw_b, each holding a signed firmware image (kind firmware, its
 * payload a wasmcu-host executable). The firmware sees them as flash windows past the chip
 * (WASMCU_BOOT_FW_A/B_OFFSET), through the same hal_flash_* calls as the chip's flash.
 */
#ifndef WASMCU_HOST_FW_BANKS_H
#define WASMCU_HOST_FW_BANKS_H

#include <stdbool.h>
#include <stdint.h>

#include "hal.h"

/* Maps FLASH.fw_a and FLASH.fw_b; `create`: make missing ones (erased), else a missing file
 * is HAL_ERR_UNSUPPORTED (the board has no firmware files). */
hal_status host_fw_open(const char *flash_path, bool create);
/* The bank window holding [offset, offset + len), or NULL when it is not in a bank. */
uint8_t *host_fw_window(uint32_t offset, uint32_t len);
/* Bank `bank` (0, 1): the boot step started this process from it. */
void host_fw_started_from(int bank);
/* An executable for this machine: the ELF class, byte order and machine of the running one. */
bool host_fw_payload_runs(const uint8_t *payload, uint32_t len);

#endif
