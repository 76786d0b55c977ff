/* Development deploys over the link: erase the inactive slot, write, verify, activate; read
 * flash back. Writing never touches the active slot; activation happens only after
 * verification. Also the programmer's install of wasmcu_device_install(). */
#include "deploy.h"

#include <string.h>

#include "bytes.h"
#include "device.h"
#include "hal.h"
#include "ota_port.h"
#include "slots.h"

/* An image arriving over the link. */
static struct {
    bool open;
    bool verified;
    link_target target;
    const slot_region *region;
    uint32_t length, crc, generation;
} incoming;

static link_status slot_to_link(slot_status s)
{
    switch (s) {
    case SLOT_OK: return LINK_OK;
    case SLOT_ERR_TOO_BIG: return LINK_E_TOO_BIG;
    case SLOT_ERR_CRC: return LINK_E_VERIFY;
    case SLOT_ERR_FLASH: return LINK_E_FLASH;
    default: return LINK_E_STATE;
    }
}

link_status deploy_begin(const uint8_t *p, size_t n, const char **detail)
{
    if (n != 9 || p[0] > LINK_TARGET_MODEL) return LINK_E_ARGS;
    incoming.open = false;
    incoming.verified = false;
    incoming.target = (link_target)p[0];
    if (dev_ota_signed(incoming.target == LINK_TARGET_APP ? DEV_PAIR_APP : DEV_PAIR_MODEL)) {
        /* A development deploy must never replace a signed, confirmed image. */
        *detail = "this device runs a signed image there: unsigned deploys are refused (use `wasmcu ota push`)";
        return LINK_E_STATE;
    }
    incoming.length = le32_get(p + 1);
    incoming.crc = le32_get(p + 5);
    incoming.region = incoming.target == LINK_TARGET_APP ? slot_next_app(&incoming.generation)
                                                         : slot_next_model(&incoming.generation);
    *detail = incoming.region->name;
    if (incoming.length > incoming.region->size - SLOT_HEADER_BYTES) return LINK_E_TOO_BIG;
    slot_status s = slot_erase_for(incoming.region, incoming.length);
    if (s != SLOT_OK) return slot_to_link(s);
    incoming.open = true;
    return LINK_OK;
}

link_status deploy_data(const uint8_t *p, size_t n)
{
    if (!incoming.open) return LINK_E_STATE;
    if (n < 4) return LINK_E_ARGS;
    slot_status s = slot_write_payload(incoming.region, le32_get(p), p + 4, (uint32_t)(n - 4), incoming.length);
    return s == SLOT_ERR_TOO_BIG ? LINK_E_ARGS : slot_to_link(s);
}

link_status deploy_verify(uint16_t seq)
{
    if (!incoming.open) return LINK_E_STATE;
    uint32_t crc = slot_payload_crc(incoming.region, incoming.length);
    uint8_t out[4] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
    link_send(LINK_DATA, seq, out, sizeof out, NULL, 0);
    incoming.verified = crc == incoming.crc;
    return incoming.verified ? LINK_OK : LINK_E_VERIFY;
}

link_status deploy_activate(void)
{
    if (!incoming.open || !incoming.verified) return LINK_E_STATE;
    slot_kind kind = incoming.target == LINK_TARGET_APP ? SLOT_KIND_APP : SLOT_KIND_MODEL;
    slot_status s = slot_commit(incoming.region, kind, incoming.length, incoming.crc, incoming.generation);
    if (s != SLOT_OK) return slot_to_link(s);
    incoming.open = false;
    return LINK_OK;
}

link_status deploy_read(uint16_t seq, const uint8_t *p, size_t n)
{
    if (n != 8) return LINK_E_ARGS;
    uint32_t off = le32_get(p), len = le32_get(p + 4);
    if (len > LINK_MAX_PAYLOAD) return LINK_E_ARGS;
    const uint8_t *src = hal_flash_map(off, len);
    if (!src) return LINK_E_ARGS;
    link_send(LINK_DATA, seq, src, len, NULL, 0);
    return LINK_OK;
}

/* A programmer's install into the next slot, unless the running one holds these bytes already. */
const char *wasmcu_device_install(wasmcu_device_image kind, const uint8_t *data, uint32_t len)
{
    bool is_model = kind == WASMCU_DEVICE_MODEL;
    const uint8_t *cur;
    slot_header h;
    int active = is_model ? slot_active_model(&h, &cur) : slot_active_app(&h, &cur);
    if (active >= 0 && h.length == len && memcmp(cur, data, len) == 0) return NULL;
    uint32_t gen;
    const slot_region *r = is_model ? slot_next_model(&gen) : slot_next_app(&gen);
    slot_status s = slot_install(r, is_model ? SLOT_KIND_MODEL : SLOT_KIND_APP, data, len, gen);
    return s == SLOT_OK ? NULL : slot_status_str(s);
}
