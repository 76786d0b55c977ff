/* Helpers the bare-metal boards share (hal.h, "for board implementations"). */
#include "board_config.h"
#include "hal.h"

#define FLASH_BLOCK_SIZE 65536u
#define FIRMWARE_END     (WASMCU_REGION_FIRMWARE_OFFSET + WASMCU_REGION_FIRMWARE_SIZE)

_Static_assert((HAL_RX_RING_SIZE & (HAL_RX_RING_SIZE - 1u)) == 0, "the RX ring size must be a power of two");

size_t hal_rx_ring_take(hal_rx_ring *r, uint8_t *buf, size_t cap)
{
    uint32_t tail = r->tail;
    uint32_t avail = r->head - tail;
    size_t n = avail < cap ? avail : cap;
    for (size_t i = 0; i < n; i++) {
        buf[i] = r->bytes[(tail + i) & (HAL_RX_RING_SIZE - 1u)];
    }
    r->tail = tail + (uint32_t)n;
    return n;
}

const uint8_t *hal_flash_map_at(uintptr_t base, uint32_t offset, uint32_t len)
{
    if (offset > WASMCU_FLASH_SIZE || len > WASMCU_FLASH_SIZE - offset) {
        return NULL;
    }
    return (const uint8_t *)(base + offset);
}

bool hal_flash_past_firmware(uint32_t offset, uint32_t len)
{
    return offset >= FIRMWARE_END && offset <= WASMCU_FLASH_SIZE && len <= WASMCU_FLASH_SIZE - offset;
}

hal_status hal_flash_erase_with(uint32_t offset, uint32_t len, bool writable, uintptr_t base, hal_flash_erase_fn erase)
{
    if ((offset % WASMCU_FLASH_ERASE_SIZE) != 0 || (len % WASMCU_FLASH_ERASE_SIZE) != 0 || !writable) {
        return HAL_ERR_PARAM;
    }
    uint32_t end = offset + len;
    while (offset < end) {
        bool block = (offset % FLASH_BLOCK_SIZE) == 0 && end - offset >= FLASH_BLOCK_SIZE;
        uint32_t step = block ? FLASH_BLOCK_SIZE : WASMCU_FLASH_ERASE_SIZE;
        hal_status st = erase(offset, block);
        if (st != HAL_OK) {
            return st;
        }
        const uint32_t *p = (const uint32_t *)(base + offset);
        for (uint32_t i = 0; i < step / 4u; i++) {
            if (p[i] != 0xffffffffu) {
                return HAL_ERR_IO;
            }
        }
        offset += step;
    }
    return HAL_OK;
}
