/* firmware/ota wired to the board's flash: the A/B pairs, the boot decision, what runs, and
 * trial images confirmed or failed. The rules are in ota_port.h and firmware/ota/README.md;
 * updates over the link are update.c. */
#include "ota_port.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board_config.h"
#include "bytes.h"
#include "device_config.h"
#include "events.h"
#include "hal.h"
#include "ota.h"
#include "slots.h"

/* The public keys this firmware trusts: `wasmcu keys export --c-header` output, chosen
 * with -DWASMCU_OTA_KEYS=FILE; the default is the development key in keys/dev/. */
#ifndef WASMCU_OTA_KEYS_HEADER
#define WASMCU_OTA_KEYS_HEADER "ota_keys_dev.h"
#endif
#include WASMCU_OTA_KEYS_HEADER

/* Product builds (-DWASMCU_OTA_REQUIRE_SIGNED=ON) run signed images only: no development
 * deploys over the link, and a development image already in flash is never started. */
#ifndef WASMCU_OTA_REQUIRE_SIGNED
#define WASMCU_OTA_REQUIRE_SIGNED 0
#endif

_Static_assert(WASMCU_REGION_APP_A_SIZE == WASMCU_REGION_APP_B_SIZE, "OTA needs app slots of equal size");
_Static_assert(2u * DEV_OTA_STATE_BYTES <= WASMCU_REGION_SETTINGS_SIZE, "settings region too small for the OTA state");
_Static_assert(DEV_OTA_STATE_BYTES % (2u * WASMCU_FLASH_ERASE_SIZE) == 0, "OTA state: two halves of whole erase units");

static dev_pair pairs[DEV_PAIR_COUNT];

/* Erases and programs made through the OTA port (with slot_writes(), every write the device
 * makes to its app and model areas). */
static uint32_t ota_writes;

/* ---- flash port ---------------------------------------------------------------------- */

static bool area(const dev_pair *p, ota_area a, uint32_t off, uint32_t len, uint32_t *abs)
{
    uint32_t base, size;
    if (a == OTA_AREA_STATE) {
        base = p->state_offset;
        size = DEV_OTA_STATE_BYTES;
    } else if (a == OTA_AREA_SLOT0 || a == OTA_AREA_SLOT1) {
        base = p->slot[a]->offset;
        size = p->slot[a]->size;
    } else {
        return false;
    }
    if (off > size || len > size - off) return false;
    *abs = base + off;
    return true;
}

static int fl_read(void *user, ota_area a, uint32_t off, void *buf, uint32_t len)
{
    uint32_t abs;
    if (!area(user, a, off, len, &abs)) return -1;
    const uint8_t *src = hal_flash_map(abs, len);
    if (!src) return -1;
    memcpy(buf, src, len);
    return 0;
}

static int fl_erase(void *user, ota_area a, uint32_t off, uint32_t len)
{
    uint32_t abs;
    ota_writes++;
    return area(user, a, off, len, &abs) && hal_flash_erase(abs, len) == HAL_OK ? 0 : -1;
}

static int fl_program(void *user, ota_area a, uint32_t off, const void *buf, uint32_t len)
{
    uint32_t abs;
    ota_writes++;
    return area(user, a, off, len, &abs) && hal_flash_program(abs, buf, len) == HAL_OK ? 0 : -1;
}

static void pair_init(dev_pair *p, const char *name, const slot_region *s0, const slot_region *s1,
                      uint32_t state_offset, uint8_t kinds)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->slot[0] = s0;
    p->slot[1] = s1;
    p->state_offset = state_offset;
    p->kinds = kinds;
    p->fl = (ota_flash){
        .user = p,
        .read = fl_read,
        .erase = fl_erase,
        .program = fl_program,
        .slot_size = s0->size,
        .state_size = DEV_OTA_STATE_BYTES,
        .erase_size = WASMCU_FLASH_ERASE_SIZE,
        .prog_size = DEV_OTA_PROG_BYTES,
    };
    p->status = OTA_ERR_NO_IMAGE;
}

/* ---- boot -------------------------------------------------------------------------- */

static ota_reset_reason reset_reason(void)
{
    switch (hal_last_reset()) {
    case HAL_RESET_WATCHDOG:
    case HAL_RESET_FAULT: return OTA_RESET_WATCHDOG; /* a crash counts as a failed boot */
    case HAL_RESET_SOFTWARE: return OTA_RESET_SOFTWARE;
    default: return OTA_RESET_POWER_ON;
    }
}

const char *dev_ota_kind_name(uint8_t kind)
{
    switch (kind) {
    case OTA_KIND_APP: return "app";
    case OTA_KIND_MODEL: return "model";
    case OTA_KIND_BUNDLE: return "bundle";
    case OTA_KIND_FIRMWARE: return "firmware";
    }
    return "?";
}

static void pair_boot(dev_pair *p, ota_reset_reason why)
{
    static char msg[160];
    p->status = ota_open(&p->ctx, &p->fl, &wasmcu_ota_keys_ring, DEV_OTA_MAX_TRIAL_BOOTS);
    if (p->status == OTA_OK) p->status = ota_boot(&p->ctx, why, &p->boot);
    p->is_signed = p->status == OTA_OK;
    p->rolled_back = p->boot.rolled_back;
    if (p->is_signed && !(p->kinds & DEV_KIND_BIT(p->boot.hdr.kind))) {
        /* Verified and signed, but not something this pair can run (never written so by push). */
        snprintf(msg, sizeof msg, "ota: %s holds a signed %s image; this pair runs no such kind",
                 p->slot[p->boot.slot]->name, dev_ota_kind_name(p->boot.hdr.kind));
        events_log_str(LINK_LOG_ERROR, msg);
    }
    if (p->boot.rolled_back || p->boot.rejected != OTA_OK) {
        snprintf(msg, sizeof msg, "ota: %s update %s (%s)", p->name, p->boot.rolled_back ? "rolled back" : "refused",
                 p->boot.rejected != OTA_OK ? ota_status_str(p->boot.rejected) : "watchdog reset or too many boots");
        events_log_str(LINK_LOG_WARN, msg);
    }
}

#ifdef WASMCU_BOOT_BANKS
_Static_assert(WASMCU_BOOT_STATE_SIZE == DEV_OTA_STATE_BYTES, "the firmware banks' state area is one OTA state area");
_Static_assert(WASMCU_BOOT_FW_A_SIZE == WASMCU_BOOT_FW_B_SIZE, "firmware banks of one size");
static const slot_region fw_banks[2] = {
    { "fw_a", WASMCU_BOOT_FW_A_OFFSET, WASMCU_BOOT_FW_A_SIZE },
    { "fw_b", WASMCU_BOOT_FW_B_OFFSET, WASMCU_BOOT_FW_B_SIZE },
};

/* The bootloader verified the image it started and took the boot decision: read what it
 * decided, and which bank it started this firmware from (hal_boot_bank). A firmware no
 * bootloader started (flashed at the start of flash, or a host board run without firmware
 * files) leaves the pair unsigned: firmware updates are then refused. */
static void firmware_attach(dev_pair *p)
{
    pair_init(p, "firmware", &fw_banks[0], &fw_banks[1], WASMCU_BOOT_STATE_OFFSET, DEV_KIND_BIT(OTA_KIND_FIRMWARE));
    /* The records are read either way: `ota status` shows the floor and what is pending. */
    p->status = ota_open(&p->ctx, &p->fl, &wasmcu_ota_keys_ring, DEV_OTA_MAX_TRIAL_BOOTS);
    int bank = hal_boot_bank();
    if (bank < 0) return;
    uint8_t i = (uint8_t)bank;
    const uint8_t *image = hal_flash_map(fw_banks[i].offset, OTA_HEADER_SIZE);
    if (p->status != OTA_OK || !image || ota_image_parse(image, &p->boot.hdr) != OTA_OK ||
        p->boot.hdr.kind != OTA_KIND_FIRMWARE) {
        return;
    }
    p->ctx.running = p->boot.slot = i;
    p->boot.trial = p->ctx.st.trial == i;
    p->is_signed = true;
}
#endif

void dev_ota_firmware_selfcheck_passed(void)
{
    static char msg[128];
    dev_pair *p = &pairs[DEV_PAIR_FIRMWARE];
    if (!dev_pair_on_trial(p)) return;
    ota_status s = ota_confirm(&p->ctx);
    p->boot.trial = s != OTA_OK;
    const ota_image_header *h = &p->boot.hdr;
    snprintf(msg, sizeof msg, "ota: firmware %u.%u.%u in %s %s", h->ver_major, h->ver_minor, h->ver_patch,
             p->slot[p->ctx.running]->name, s == OTA_OK ? "passed its self-check: confirmed" : ota_status_str(s));
    events_log_str(s == OTA_OK ? LINK_LOG_INFO : LINK_LOG_ERROR, msg);
}

void dev_ota_boot(void)
{
    pair_init(&pairs[DEV_PAIR_APP], "app", slot_app(0), slot_app(1), WASMCU_REGION_SETTINGS_OFFSET,
              DEV_KIND_BIT(OTA_KIND_APP) | DEV_KIND_BIT(OTA_KIND_BUNDLE));
    pair_init(&pairs[DEV_PAIR_MODEL], "model", slot_model_half(0), slot_model_half(1),
              WASMCU_REGION_SETTINGS_OFFSET + DEV_OTA_STATE_BYTES, DEV_KIND_BIT(OTA_KIND_MODEL));
    ota_reset_reason why = reset_reason();
    pair_boot(&pairs[DEV_PAIR_APP], why);
    pair_boot(&pairs[DEV_PAIR_MODEL], why);
#ifdef WASMCU_BOOT_BANKS
    firmware_attach(&pairs[DEV_PAIR_FIRMWARE]);
#endif
}

/* ---- what runs ----------------------------------------------------------------------- */

static bool runnable(const dev_pair *p, uint8_t kind)
{
    return p->is_signed && p->boot.hdr.kind == kind;
}

static bool signed_part(const dev_pair *p, uint32_t skip, uint32_t len, dev_image *out)
{
    const slot_region *r = p->slot[p->boot.slot];
    const uint8_t *b = hal_flash_map(r->offset + OTA_HEADER_SIZE + skip, len);
    if (!b) return false;
    *out = (dev_image){ .bytes = b, .len = len, .slot = r->name, .signed_image = true, .generation = 0 };
    return true;
}

/* The active development image of a pair, checked (header and the CRC over its whole payload)
 * once and kept until a write through slots.c or the OTA port could have changed it: a deploy's
 * ACTIVATE, an OTA install, a programmer's install. A power cut loses the RAM this is kept in,
 * so each boot checks again, and a slot a cut left half-written is never chosen. */
typedef struct {
    bool checked, found;
    uint32_t slot_writes, ota_writes;
    dev_image img;
} dev_slot_check;

static dev_slot_check dev_slots[2];

static bool dev_slot(dev_slot_check *c, dev_image *out)
{
    if (!c->checked || c->slot_writes != slot_writes() || c->ota_writes != ota_writes) {
        bool app = c == &dev_slots[DEV_PAIR_APP];
        slot_header h;
        const uint8_t *b;
        int i = app ? slot_active_app(&h, &b) : slot_active_model(&h, &b);
        c->found = i >= 0;
        if (c->found) {
            const slot_region *r = app ? slot_app((unsigned)i) : slot_model_half((unsigned)i);
            c->img = (dev_image){
                .bytes = b, .len = h.length, .slot = r->name, .signed_image = false, .generation = h.generation
            };
        }
        c->slot_writes = slot_writes();
        c->ota_writes = ota_writes;
        c->checked = true;
    }
    if (c->found) *out = c->img;
    return c->found;
}

bool dev_running_app(dev_image *out)
{
    const dev_pair *p = &pairs[DEV_PAIR_APP];
    if (p->is_signed) {
        if (runnable(p, OTA_KIND_APP)) return signed_part(p, 0, p->boot.hdr.payload_len, out);
        if (runnable(p, OTA_KIND_BUNDLE)) return signed_part(p, 0, p->boot.hdr.app_len, out);
        return false;
    }
    if (WASMCU_OTA_REQUIRE_SIGNED) return false;
    return dev_slot(&dev_slots[DEV_PAIR_APP], out);
}

bool dev_running_model(dev_image *out)
{
    const dev_pair *a = &pairs[DEV_PAIR_APP], *m = &pairs[DEV_PAIR_MODEL];
    if (runnable(a, OTA_KIND_BUNDLE)) {
        uint32_t at = ota_bundle_model_offset(&a->boot.hdr);
        return signed_part(a, at, a->boot.hdr.payload_len - at, out);
    }
    if (m->is_signed) return runnable(m, OTA_KIND_MODEL) && signed_part(m, 0, m->boot.hdr.payload_len, out);
    if (WASMCU_OTA_REQUIRE_SIGNED) return false;
    return dev_slot(&dev_slots[DEV_PAIR_MODEL], out);
}

bool dev_ota_signed(dev_pair_id id)
{
    if (WASMCU_OTA_REQUIRE_SIGNED) return true;
    if (id == DEV_PAIR_MODEL && runnable(&pairs[DEV_PAIR_APP], OTA_KIND_BUNDLE)) return true;
    return pairs[id].is_signed;
}

/* ---- trial and confirmation -------------------------------------------------------- */

bool dev_pair_on_trial(const dev_pair *p)
{
    return p->is_signed && p->ctx.st.trial != OTA_NO_SLOT && p->ctx.running == p->ctx.st.trial;
}

bool dev_ota_on_trial(void)
{
    return dev_pair_on_trial(&pairs[0]) || dev_pair_on_trial(&pairs[1]);
}

int32_t dev_ota_confirm(void)
{
    static char msg[128];
    bool any_signed = false;
    for (unsigned i = 0; i < 2; i++) {
        dev_pair *p = &pairs[i];
        if (!p->is_signed) continue;
        any_signed = true;
        if (!dev_pair_on_trial(p)) continue;
        ota_status s = ota_confirm(&p->ctx);
        if (s != OTA_OK) return -(int32_t)s;
        p->boot.trial = false;
        const ota_image_header *h = &p->boot.hdr;
        snprintf(msg, sizeof msg, "ota: %s %u.%u.%u in %s confirmed (security floor %lu)", dev_ota_kind_name(h->kind),
                 h->ver_major, h->ver_minor, h->ver_patch, p->slot[p->ctx.running]->name,
                 (unsigned long)p->ctx.st.min_counter);
        events_log_str(LINK_LOG_INFO, msg);
    }
    return any_signed ? 0 : 1;
}

void dev_ota_trial_failed(const char *why)
{
    static char msg[200];
    if (!dev_ota_on_trial()) return;
    snprintf(msg, sizeof msg, "ota: the trial image failed (%s): watchdog reset, the next boot rolls back", why);
    events_log_str(LINK_LOG_ERROR, msg);
    hal_link_flush();
    /* A real watchdog reset, as a hang would cause: the boot after it abandons the trial. */
    hal_watchdog_start(1);
    for (;;) hal_delay_us(1000);
}

const ota_keyring *dev_ota_keys(void)
{
    return &wasmcu_ota_keys_ring;
}

void dev_ota_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    ota_sha256 c;
    ota_sha256_init(&c);
    ota_sha256_update(&c, data, len);
    ota_sha256_final(&c, out);
}

dev_pair *dev_ota_pair(dev_pair_id id)
{
    return &pairs[id];
}
