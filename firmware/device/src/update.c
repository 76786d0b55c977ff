/* Signed updates over the link: LINK_CMD_OTA_BEGIN, DATA, FINISH, STATUS and CONFIRM, each
 * answering with a link status; firmware/ota checks the images, ota_port.c holds the pairs. */
#include "update.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "device_config.h"
#include "hal.h"
#include "ota.h"
#include "ota_port.h"
#include "slots.h"
#include "reply.h"

__attribute__((format(printf, 4, 5))) static int append(char *buf, size_t size, int n, const char *fmt, ...)
{
    if (n < 0 || (size_t)n >= size) return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    va_end(ap);
    return k < 0 ? -1 : n + k;
}

static int pair_json(const dev_pair *p, char *buf, size_t size, int n)
{
    n = append(buf, size, n, "\"%s\":{\"signed\":%s,\"floor\":%lu", p->name, p->is_signed ? "true" : "false",
               (unsigned long)p->ctx.st.min_counter);
    if (p->is_signed) {
        const ota_image_header *h = &p->boot.hdr;
        n = append(buf, size, n,
                   ",\"slot\":\"%s\",\"state\":\"%s\",\"kind\":\"%s\",\"version\":\"%u.%u.%u\",\"counter\":%lu,"
                   "\"key_id\":\"%08lx\",\"trial_boots\":%u",
                   p->slot[p->ctx.running]->name, dev_pair_on_trial(p) ? "trial" : "confirmed",
                   dev_ota_kind_name(h->kind), h->ver_major, h->ver_minor, h->ver_patch,
                   (unsigned long)h->security_counter, (unsigned long)h->key_id, (unsigned)p->ctx.st.trial_boots);
    }
    if (p->ctx.st.pending != OTA_NO_SLOT)
        n = append(buf, size, n, ",\"pending\":\"%s\"", p->slot[p->ctx.st.pending]->name);
    n = append(buf, size, n, ",\"rolled_back\":%s", p->rolled_back ? "true" : "false");
    if (p->boot.rejected != OTA_OK) n = append(buf, size, n, ",\"rejected\":\"%s\"", ota_status_str(p->boot.rejected));
    return append(buf, size, n, "}");
}

/* The answer to OTA_STATUS (too much to add to the handshake, which must fit one frame). */
static int status_json(char *buf, size_t size)
{
    const ota_keyring *keys = dev_ota_keys();
    int n = append(buf, size, 0, "{\"keys\":[");
    for (size_t i = 0; i < keys->count; i++) {
        n = append(buf, size, n, "%s\"%08lx\"", i ? "," : "", (unsigned long)keys->keys[i].id);
    }
    n = append(buf, size, n, "],");
    n = pair_json(dev_ota_pair(DEV_PAIR_APP), buf, size, n);
    n = append(buf, size, n, ",");
    n = pair_json(dev_ota_pair(DEV_PAIR_MODEL), buf, size, n);
    if (dev_ota_pair(DEV_PAIR_FIRMWARE)->name) { /* a board with firmware banks */
        n = append(buf, size, n, ",");
        n = pair_json(dev_ota_pair(DEV_PAIR_FIRMWARE), buf, size, n);
    }
    return append(buf, size, n, "}");
}

/* One update at a time; the patcher (about 4.3 KB) and the writer share their RAM. */
static struct {
    bool open;
    uint8_t mode; /* LINK_OTA_IMAGE or LINK_OTA_PATCH */
    dev_pair *p;
    uint8_t dst;       /* slot being written */
    bool provisioning; /* first signed image of a development pair: adopted at next boot */
    uint32_t total, received;
    union {
        ota_writer w;
        ota_patcher pt;
    } u;
} up;

/* The answer to the last FINISH, sent again if the host repeats it. */
static struct {
    bool valid;
    uint16_t seq;
    uint8_t status;
    char detail[64];
    char json[256];
    size_t json_len;
} finished;

static link_status reject(ota_status s, const char **detail)
{
    up.open = false;
    *detail = ota_status_str(s);
    return LINK_E_REJECTED;
}

/* Development pairs: the slot that `wasmcu deploy` would write next (never the running one). */
static uint8_t dev_inactive(const dev_pair *p)
{
    const slot_region *r = p == dev_ota_pair(DEV_PAIR_APP) ? slot_next_app(NULL) : slot_next_model(NULL);
    return r == p->slot[0] ? 0u : 1u;
}

static bool base_is(const dev_pair *p, uint32_t len, const uint8_t want[32])
{
    /* The length alone rules out most pairs without hashing them. */
    if (!p->is_signed || p->ctx.running > 1 || len > p->fl.slot_size ||
        len != OTA_HEADER_SIZE + p->boot.hdr.payload_len) {
        return false;
    }
    const uint8_t *b = hal_flash_map(p->slot[p->ctx.running]->offset, len);
    if (!b) return false;
    ota_sha256 c;
    uint8_t got[32];
    ota_sha256_init(&c);
    ota_sha256_update(&c, b, len);
    ota_sha256_final(&c, got);
    return memcmp(got, want, sizeof got) == 0;
}

static link_status begin_image(const uint8_t *h, size_t hn, uint32_t total, const char **detail)
{
    ota_image_header ih;
    if (hn != OTA_HEADER_SIZE) return LINK_E_ARGS;
    ota_status s = ota_image_parse(h, &ih);
    if (s != OTA_OK) return reject(s, detail);
    if ((uint64_t)OTA_HEADER_SIZE + ih.payload_len != total) {
        *detail = "the length announced does not match the image header";
        return LINK_E_ARGS;
    }
    dev_pair *p = dev_ota_pair(ih.kind == OTA_KIND_MODEL      ? DEV_PAIR_MODEL
                               : ih.kind == OTA_KIND_FIRMWARE ? DEV_PAIR_FIRMWARE
                                                              : DEV_PAIR_APP);
    if (ih.kind == OTA_KIND_FIRMWARE && !p->is_signed) {
        *detail = "no wasmcu bootloader started this firmware: no firmware updates";
        return LINK_E_REJECTED;
    }
    if (total > p->fl.slot_size) return reject(OTA_ERR_TOO_BIG, detail);
    /* What the header alone can refuse, before any byte is written (checked again at the end). */
    const ota_keyring *keys = dev_ota_keys();
    bool known = false;
    for (size_t i = 0; i < keys->count; i++) known |= keys->keys[i].id == ih.key_id;
    if (!known) return reject(OTA_ERR_KEY, detail);
    if (ih.security_counter < p->ctx.st.min_counter) return reject(OTA_ERR_DOWNGRADE, detail);
    if (p->is_signed) {
        if (dev_pair_on_trial(p)) {
            *detail = "an update is on trial: it must confirm itself (or be rolled back) before the next one";
            return LINK_E_STATE;
        }
        if ((s = ota_update_begin(&p->ctx)) != OTA_OK) return reject(s, detail);
        up.dst = ota_inactive_slot(&p->ctx);
        up.provisioning = false;
    } else {
        up.dst = dev_inactive(p);
        up.provisioning = true;
    }
    up.p = p;
    ota_writer_init(&up.u.w, &p->fl, (ota_area)up.dst);
    return LINK_OK;
}

static link_status begin_patch(const uint8_t *h, size_t hn, uint32_t total, const char **detail)
{
    if (hn != OTA_PATCH_HEADER_SIZE) return LINK_E_ARGS;
    if (le32_get(h) != OTA_PATCH_MAGIC) return reject(OTA_ERR_MAGIC, detail);
    if ((uint64_t)OTA_PATCH_HEADER_SIZE + le32_get(h + 84) != total) {
        *detail = "the length announced does not match the patch header";
        return LINK_E_ARGS;
    }
    uint32_t old_len = le32_get(h + 8);
    dev_pair *p = NULL;
    for (unsigned i = 0; i < DEV_PAIR_COUNT && !p; i++) {
        if (base_is(dev_ota_pair((dev_pair_id)i), old_len, h + 16)) p = dev_ota_pair((dev_pair_id)i);
    }
    if (!p) {
        up.open = false;
        bool any_signed = false;
        for (unsigned i = 0; i < DEV_PAIR_COUNT; i++) any_signed |= dev_ota_pair((dev_pair_id)i)->is_signed;
        *detail = any_signed ? "wrong base: the patch was made for another image than the one running"
                             : "wrong base: no signed image runs here to patch; push a full signed image first";
        return LINK_E_REJECTED;
    }
    if (dev_pair_on_trial(p)) {
        *detail = "an update is on trial: it must confirm itself (or be rolled back) before the next one";
        return LINK_E_STATE;
    }
    ota_status s = ota_update_begin(&p->ctx);
    if (s != OTA_OK) return reject(s, detail);
    up.p = p;
    up.dst = ota_inactive_slot(&p->ctx);
    up.provisioning = false;
    ota_patch_init(&up.u.pt, &p->fl, (ota_area)p->ctx.running, (ota_area)up.dst);
    /* base_is() has just hashed these bytes: the patcher need not read them again. */
    ota_patch_known_base(&up.u.pt, old_len, h + 16);
    return LINK_OK;
}

link_status update_begin(const uint8_t *p, size_t n, const char **detail)
{
    up.open = false;
    finished.valid = false;
    if (n < 5) return LINK_E_ARGS;
    uint32_t total = le32_get(p + 1);
    link_status st = p[0] == LINK_OTA_IMAGE   ? begin_image(p + 5, n - 5, total, detail)
                     : p[0] == LINK_OTA_PATCH ? begin_patch(p + 5, n - 5, total, detail)
                                              : LINK_E_ARGS;
    if (st != LINK_OK) return st;
    up.mode = p[0];
    up.total = total;
    up.received = 0;
    up.open = true;
    *detail = up.p->slot[up.dst]->name;
    return LINK_OK;
}

link_status update_data(const uint8_t *p, size_t n, const char **detail)
{
    if (!up.open) return LINK_E_STATE;
    if (n < 4) return LINK_E_ARGS;
    uint32_t off = le32_get(p), len = (uint32_t)(n - 4);
    if (off > up.received) {
        *detail = "update pieces must arrive in order";
        return LINK_E_ARGS;
    }
    /* Bytes already taken (a repeat whose answer was lost, or a smaller piece the host sent
     * again after it) are acknowledged and never fed twice. */
    uint32_t skip = up.received - off;
    if (skip >= len) return LINK_OK;
    len -= skip;
    if (len > up.total - up.received) {
        *detail = "more bytes than the header announced";
        return LINK_E_ARGS;
    }
    const uint8_t *fresh = p + 4 + skip;
    ota_status s =
        up.mode == LINK_OTA_PATCH ? ota_patch_feed(&up.u.pt, fresh, len) : ota_writer_feed(&up.u.w, fresh, len);
    if (s != OTA_OK) return reject(s, detail);
    up.received += len;
    return LINK_OK;
}

static link_status finish_update(char *json, size_t size, size_t *json_len, const char **detail)
{
    if (!up.open) return LINK_E_STATE;
    if (up.received != up.total) return reject(OTA_ERR_TRUNCATED, detail);
    ota_status s = up.mode == LINK_OTA_PATCH ? ota_patch_finish(&up.u.pt) : ota_writer_finish(&up.u.w);
    if (s != OTA_OK) return reject(s, detail);
    dev_pair *p = up.p;
    uint8_t raw[OTA_HEADER_SIZE];
    ota_image_header h;
    if (p->fl.read(p->fl.user, (ota_area)up.dst, 0, raw, sizeof raw) != 0) return reject(OTA_ERR_FLASH, detail);
    if ((s = ota_image_parse(raw, &h)) != OTA_OK) return reject(s, detail);
    if (!(p->kinds & DEV_KIND_BIT(h.kind))) {
        up.open = false;
        *detail = "the new image is of a kind this slot pair does not run";
        return LINK_E_REJECTED;
    }
#ifdef WASMCU_BOOT_BANKS
    /* rp2040: an image linked for the other bank; host: not an executable for this machine. */
    if (h.kind == OTA_KIND_FIRMWARE && !hal_boot_image_runs(up.dst, OTA_HEADER_SIZE + h.payload_len)) {
        up.open = false;
        *detail = "the firmware image cannot run from the bank it was written to";
        return LINK_E_REJECTED;
    }
#endif
    s = up.provisioning ? ota_image_verify_slot(&p->fl, dev_ota_keys(), (ota_area)up.dst, p->ctx.st.min_counter, &h)
                        : ota_install(&p->ctx, &h);
    if (s != OTA_OK) return reject(s, detail);
    up.open = false;
    int k = snprintf(json, size,
                     "{\"pair\":\"%s\",\"slot\":\"%s\",\"decision\":\"%s\",\"kind\":\"%s\",\"version\":\"%u.%u.%u\","
                     "\"counter\":%lu,\"key_id\":\"%08lx\"}",
                     p->name, p->slot[up.dst]->name, up.provisioning ? "adopt" : "pending", dev_ota_kind_name(h.kind),
                     h.ver_major, h.ver_minor, h.ver_patch, (unsigned long)h.security_counter, (unsigned long)h.key_id);
    *json_len = k > 0 && (size_t)k < size ? (size_t)k : 0;
    return LINK_OK;
}

/* The decision goes as DATA before the dispatcher's ACK; a repeated FINISH gets the same answer. */
link_status update_finish(uint16_t seq, const char **detail)
{
    if (!finished.valid || finished.seq != seq) {
        const char *why = "";
        finished.json_len = 0;
        link_status st = finish_update(finished.json, sizeof finished.json, &finished.json_len, &why);
        finished.valid = true;
        finished.seq = seq;
        finished.status = (uint8_t)st;
        snprintf(finished.detail, sizeof finished.detail, "%s", why ? why : "");
    }
    if (finished.json_len) link_send(LINK_DATA, seq, (const uint8_t *)finished.json, finished.json_len, NULL, 0);
    *detail = finished.detail;
    return (link_status)finished.status;
}

link_status update_status(uint16_t seq, const uint8_t *p, size_t n)
{
    static char buf[LINK_MAX_PAYLOAD];
    int k = status_json(buf, sizeof buf);
    if (k <= 0 || (size_t)k >= sizeof buf) return LINK_E_STATE;
    return reply_json(seq, buf, (size_t)k, p, n);
}

link_status update_confirm(const char **detail)
{
    int32_t r = dev_ota_confirm();
    if (r < 0) return reject((ota_status)-r, detail);
    if (r > 0) *detail = "development image: nothing to confirm";
    return LINK_OK;
}

link_status update_recovery_allowed(const char **detail)
{
    const dev_pair *fw = dev_ota_pair(DEV_PAIR_FIRMWARE);
    if (!fw->name || !fw->is_signed) {
        *detail = "no wasmcu bootloader started this firmware: no serial recovery to enter";
        return LINK_E_STATE;
    }
#ifdef WASMCU_BOOT_NO_RECOVERY
    *detail = "this board's boot step has no serial recovery: start it with another firmware image";
    return LINK_E_STATE;
#endif
    /* Recovery writes fw_a: an unconfirmed firmware first confirms itself or is rolled back. */
    if (dev_pair_on_trial(fw)) {
        *detail = "the firmware is on trial: it confirms itself (or is rolled back) before recovery";
        return LINK_E_STATE;
    }
    return LINK_OK;
}
