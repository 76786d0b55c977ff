/* The firmware banks as the running firmware sees them (boards/rp2040/boot/README.md): which
 * bank this code runs from, and whether an image written to a bank was linked for it. */
#include <string.h>

#include "board_config.h"
#include "hal.h"

#ifdef WASMCU_BOOT_BANKS
static const uint32_t bank_offset[2] = { WASMCU_BOOT_FW_A_OFFSET, WASMCU_BOOT_FW_B_OFFSET };

/* The bank whose flash window holds this code: a firmware flashed at the start of flash
 * (no bootloader) runs from neither. */
int hal_boot_bank(void)
{
    uintptr_t here = (uintptr_t)&hal_boot_bank;
    for (int i = 0; i < 2; i++) {
        const uint8_t *bank = hal_flash_map(bank_offset[i], WASMCU_BOOT_FW_A_SIZE);
        if (bank && here >= (uintptr_t)bank && here < (uintptr_t)bank + WASMCU_BOOT_FW_A_SIZE) return i;
    }
    return -1;
}

/* A firmware image runs in place: its reset vector (in the vector table 256 bytes into the
 * bank, after the header and a pad) must point into the bank it was written to. */
bool hal_boot_image_runs(uint8_t bank, uint32_t image_len)
{
    if (bank > 1 || image_len < 3u * 128u || image_len > WASMCU_BOOT_FW_A_SIZE) return false;
    const uint8_t *b = hal_flash_map(bank_offset[bank], WASMCU_BOOT_FW_A_SIZE);
    if (!b) return false;
    uint32_t reset;
    memcpy(&reset, b + 256u + 4u, sizeof reset); /* little-endian, as the chip */
    uintptr_t r = reset & ~(uintptr_t)1u;
    return r >= (uintptr_t)b + 256u && r < (uintptr_t)b + image_len;
}
#endif
