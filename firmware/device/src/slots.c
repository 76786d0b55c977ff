#include "slots.h"

#include <string.h>

#include "board_config.h"
#include "bytes.h"
#include "hal.h"
#include "link.h"

static const slot_region app_regions[2] = {
    { "app_a", WASMCU_REGION_APP_A_OFFSET, WASMCU_REGION_APP_A_SIZE },
    { "app_b", WASMCU_REGION_APP_B_OFFSET, WASMCU_REGION_APP_B_SIZE },
};
/* The model area is split in two halves used like the app slots, so a model being
 * written never replaces the one in use until it is verified. */
#define MODEL_HALF (WASMCU_REGION_MODEL_SIZE / 2u / WASMCU_FLASH_ERASE_SIZE * WASMCU_FLASH_ERASE_SIZE)
static const slot_region model_regions[2] = {
    { "model_a", WASMCU_REGION_MODEL_OFFSET, MODEL_HALF },
    { "model_b", WASMCU_REGION_MODEL_OFFSET + MODEL_HALF, MODEL_HALF },
};

/* Counts the writes made through this file, so a caller that keeps a checked slot knows when
 * to check again (slot_writes()). */
static uint32_t writes;

uint32_t slot_writes(void)
{
    return writes;
}

const char *slot_status_str(slot_status s)
{
    switch (s) {
    case SLOT_OK: return "ok";
    case SLOT_ERR_EMPTY: return "slot is empty";
    case SLOT_ERR_HEADER: return "slot header is damaged";
    case SLOT_ERR_TOO_BIG: return "image does not fit the slot";
    case SLOT_ERR_CRC: return "slot contents do not match their CRC";
    case SLOT_ERR_FLASH: return "flash erase or program failed";
    }
    return "unknown slot status";
}

const slot_region *slot_app(unsigned index)
{
    return index < 2 ? &app_regions[index] : NULL;
}

const slot_region *slot_model_half(unsigned index)
{
    return index < 2 ? &model_regions[index] : NULL;
}

slot_status slot_check(const slot_region *r, slot_kind kind, slot_header *hdr, const uint8_t **payload)
{
    const uint8_t *p = hal_flash_map(r->offset, r->size);
    if (!p || r->size < SLOT_HEADER_BYTES) return SLOT_ERR_FLASH;
    slot_header h;
    h.magic = le32_get(p);
    h.version = (uint16_t)(p[4] | p[5] << 8);
    h.kind = p[6];
    h.flags = p[7];
    h.length = le32_get(p + 8);
    h.crc32 = le32_get(p + 12);
    h.generation = le32_get(p + 16);
    memcpy(h.reserved, p + 20, sizeof h.reserved);
    if (h.magic == 0xFFFFFFFFu) return SLOT_ERR_EMPTY;
    if (h.magic != SLOT_MAGIC || h.version != 1 || h.kind != (uint8_t)kind) return SLOT_ERR_HEADER;
    if (h.length > r->size - SLOT_HEADER_BYTES) return SLOT_ERR_TOO_BIG;
    if (link_crc32(0, p + SLOT_HEADER_BYTES, h.length) != h.crc32) return SLOT_ERR_CRC;
    if (hdr) *hdr = h;
    if (payload) *payload = p + SLOT_HEADER_BYTES;
    return SLOT_OK;
}

static int newest(const slot_region regions[2], slot_kind kind, slot_header *hdr, const uint8_t **payload)
{
    int best = -1;
    slot_header h, besth = { 0 };
    const uint8_t *pl, *bestp = NULL;
    for (unsigned i = 0; i < 2; i++) {
        if (slot_check(&regions[i], kind, &h, &pl) != SLOT_OK) continue;
        if (best < 0 || h.generation > besth.generation) {
            best = (int)i;
            besth = h;
            bestp = pl;
        }
    }
    if (best >= 0) {
        if (hdr) *hdr = besth;
        if (payload) *payload = bestp;
    }
    return best;
}

int slot_active_app(slot_header *hdr, const uint8_t **payload)
{
    return newest(app_regions, SLOT_KIND_APP, hdr, payload);
}

int slot_active_model(slot_header *hdr, const uint8_t **payload)
{
    return newest(model_regions, SLOT_KIND_MODEL, hdr, payload);
}

slot_status slot_erase_for(const slot_region *r, uint32_t len)
{
    if (len > r->size - SLOT_HEADER_BYTES) return SLOT_ERR_TOO_BIG;
    writes++;
    uint32_t erase =
        (SLOT_HEADER_BYTES + len + WASMCU_FLASH_ERASE_SIZE - 1u) / WASMCU_FLASH_ERASE_SIZE * WASMCU_FLASH_ERASE_SIZE;
    return hal_flash_erase(r->offset, erase) == HAL_OK ? SLOT_OK : SLOT_ERR_FLASH;
}

slot_status slot_write_payload(const slot_region *r, uint32_t offset, const uint8_t *data, uint32_t len, uint32_t total)
{
    if (total > r->size - SLOT_HEADER_BYTES || offset > total || len > total - offset) return SLOT_ERR_TOO_BIG;
    if (len == 0) return SLOT_OK;
    writes++;
    return hal_flash_program(r->offset + SLOT_HEADER_BYTES + offset, data, len) == HAL_OK ? SLOT_OK : SLOT_ERR_FLASH;
}

uint32_t slot_payload_crc(const slot_region *r, uint32_t len)
{
    const uint8_t *p = hal_flash_map(r->offset + SLOT_HEADER_BYTES, len);
    return p ? link_crc32(0, p, len) : 0;
}

slot_status slot_commit(const slot_region *r, slot_kind kind, uint32_t len, uint32_t crc, uint32_t generation)
{
    if (len > r->size - SLOT_HEADER_BYTES) return SLOT_ERR_TOO_BIG;
    if (slot_payload_crc(r, len) != crc) return SLOT_ERR_CRC;
    uint8_t h[SLOT_HEADER_BYTES];
    memset(h, 0xFF, sizeof h);
    le32_put(h, SLOT_MAGIC);
    h[4] = 1;
    h[5] = 0;
    h[6] = (uint8_t)kind;
    h[7] = 0;
    le32_put(h + 8, len);
    le32_put(h + 12, crc);
    le32_put(h + 16, generation);
    writes++;
    if (hal_flash_program(r->offset, h, sizeof h) != HAL_OK) return SLOT_ERR_FLASH;
    return slot_check(r, kind, NULL, NULL);
}

slot_status slot_install(const slot_region *r, slot_kind kind, const uint8_t *data, uint32_t len, uint32_t generation)
{
    slot_status s = slot_erase_for(r, len);
    if (s == SLOT_OK) s = slot_write_payload(r, 0, data, len, len);
    if (s == SLOT_OK) s = slot_commit(r, kind, len, link_crc32(0, data, len), generation);
    return s;
}

static const slot_region *next_of(const slot_region regions[2], slot_kind kind, uint32_t *generation)
{
    slot_header active;
    int idx = newest(regions, kind, &active, NULL);
    if (generation) *generation = idx >= 0 ? active.generation + 1u : 1u;
    return &regions[idx == 0 ? 1 : 0];
}

const slot_region *slot_next_app(uint32_t *generation)
{
    return next_of(app_regions, SLOT_KIND_APP, generation);
}

const slot_region *slot_next_model(uint32_t *generation)
{
    return next_of(model_regions, SLOT_KIND_MODEL, generation);
}

slot_status slot_install_app(const uint8_t *data, uint32_t len)
{
    uint32_t gen;
    const slot_region *r = slot_next_app(&gen);
    return slot_install(r, SLOT_KIND_APP, data, len, gen);
}
