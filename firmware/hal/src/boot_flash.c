/* The firmware banks and their state records as firmware/ota's flash port (hal.h, "for board
 * implementations"): the same in every boot step, the board's WASMCU_BOOT_* layout over its
 * hal_flash_*. Built into the boot step only (CMake target wasmcu_hal_boot); a port the boot
 * step does not use is dropped at link time (--gc-sections). */
#include "board_config.h"
#include "hal.h"
#include "ota.h"

#ifndef WASMCU_BOOT_BANKS
#error "src/boot_flash.c is for boards whose firmware runs from two banks (WASMCU_BOOT_BANKS)"
#endif

static int flash_erase(uint32_t offset, uint32_t len)
{
    return hal_flash_erase(offset, len) == HAL_OK ? 0 : -1;
}

static int flash_program(uint32_t offset, const void *buf, uint32_t len)
{
    return hal_flash_program(offset, buf, len) == HAL_OK ? 0 : -1;
}

#define BOOT_FLASH_MAP(records_only)                                                                                   \
    {                                                                                                                  \
        .offset = { [OTA_AREA_SLOT0] = WASMCU_BOOT_FW_A_OFFSET,                                                        \
                    [OTA_AREA_SLOT1] = WASMCU_BOOT_FW_B_OFFSET,                                                        \
                    [OTA_AREA_STATE] = WASMCU_BOOT_STATE_OFFSET },                                                     \
        .size = { [OTA_AREA_SLOT0] = WASMCU_BOOT_FW_A_SIZE,                                                            \
                  [OTA_AREA_SLOT1] = WASMCU_BOOT_FW_B_SIZE,                                                            \
                  [OTA_AREA_STATE] = WASMCU_BOOT_STATE_SIZE },                                                         \
        .state_only = records_only, .map = hal_flash_map, .erase = flash_erase, .program = flash_program,              \
    }

/* The maps stay in flash: ota_map_* only read them (ota.h). */
#define BOOT_FLASH_PORT(map)                                                                                           \
    {                                                                                                                  \
        .user = (void *)&(map), .read = ota_map_read, .erase = ota_map_erase, .program = ota_map_program,              \
        .slot_size = WASMCU_BOOT_FW_A_SIZE, .state_size = WASMCU_BOOT_STATE_SIZE,                                      \
        .erase_size = WASMCU_FLASH_ERASE_SIZE, .prog_size = 256u, /* as firmware/device writes the records */          \
    }

static const ota_flash_map records_map = BOOT_FLASH_MAP(true);
const ota_flash hal_boot_records_flash = BOOT_FLASH_PORT(records_map);

static const ota_flash_map banks_map = BOOT_FLASH_MAP(false);
const ota_flash hal_boot_banks_flash = BOOT_FLASH_PORT(banks_map);
