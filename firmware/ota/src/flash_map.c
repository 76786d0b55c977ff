/*
 * The ota_flash callbacks over one flash addressed by offset (ota_flash_map, ota.h): every
 * boot step and firmware that keeps its three areas in one flash checks the same bounds.
 */
#include "ota.h"

#include <string.h>

/* The flash offset of [off, off + len) in `area`, if the range lies inside it. */
static bool locate(const ota_flash_map *m, ota_area area, uint32_t off, uint32_t len, uint32_t *at)
{
    if (area != OTA_AREA_SLOT0 && area != OTA_AREA_SLOT1 && area != OTA_AREA_STATE) return false;
    if (off > m->size[area] || len > m->size[area] - off) return false;
    *at = m->offset[area] + off;
    return true;
}

static bool writable(const ota_flash_map *m, ota_area area)
{
    return !m->state_only || area == OTA_AREA_STATE;
}

int ota_map_read(void *map, ota_area area, uint32_t off, void *buf, uint32_t len)
{
    const ota_flash_map *m = map;
    uint32_t at;
    const uint8_t *src = locate(m, area, off, len, &at) ? m->map(at, len) : NULL;
    if (src == NULL) return -1;
    memcpy(buf, src, len);
    return 0;
}

int ota_map_erase(void *map, ota_area area, uint32_t off, uint32_t len)
{
    const ota_flash_map *m = map;
    uint32_t at;
    return writable(m, area) && locate(m, area, off, len, &at) ? m->erase(at, len) : -1;
}

int ota_map_program(void *map, ota_area area, uint32_t off, const void *buf, uint32_t len)
{
    const ota_flash_map *m = map;
    uint32_t at;
    return writable(m, area) && locate(m, area, off, len, &at) ? m->program(at, buf, len) : -1;
}
