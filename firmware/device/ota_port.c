/* firmware/ota wired to the board's flash and the link: boot decision, update commands,
 * confirmation by the app. The rules are in ota_port.h and firmware/ota/README.md. */
#include "ota_port.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board_config.h"
#include "bytes.h"
#include "device_config.h"
#include "device_internal.h"
#include "hal.h"
#include "link.h"
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

typedef struct {
    const char *name;
    const slot_region *slot[2];
    uint32_t state_offset;
    uint8_t kinds;            /* bit mask of the ota_kind values this pair runs */
    ota_flash fl;
    ota_ctx ctx;
    ota_boot_result boot;
    ota_status status;        /* of ota_open + ota_boot; OTA_ERR_NO_IMAGE: development images */
    bool is_signed;           /* a verified signed image runs from this pair */
    bool rolled_back;
} pair;

static pair pairs[2];

#define KIND_BIT(k) (1u << (unsigned)(k))

/* ---- flash port ---------------------------------------------------------------------- */

static bool area(const pair *p, ota_area a, uint32_t off, uint32_t len, uint32_t *abs)
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
    return area(user, a, off, len, &abs) && hal_flash_erase(abs, len) == HAL_OK ? 0 : -1;
}

static int fl_program(void *user, ota_area a, uint32_t off, const void *buf, uint32_t len)
{
    uint32_t abs;
    return area(user, a, off, len, &abs) && hal_flash_program(abs, buf, len) == HAL_OK ? 0 : -1;
}

static void pair_init(pair *p, const char *name, const slot_region *s0, const slot_region *s1, uint32_t state_offset,
                      uint8_t kinds)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->slot[0] = s0;
    p->slot[1] = s1;
    p->state_offset = state_offset;
    p->kinds = kinds;
    p->fl = (ota_flash){
        .user = p, .read = fl_read, .erase = fl_erase, .program = fl_program,
        .slot_size = s0->size, .state_size = DEV_OTA_STATE_BYTES,
        .erase_size = WASMCU_FLASH_ERASE_SIZE, .prog_size = DEV_OTA_PROG_BYTES,
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

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case OTA_KIND_APP: return "app";
    case OTA_KIND_MODEL: return "model";
    case OTA_KIND_BUNDLE: return "bundle";
    }
    return "?";
}

static void log_text(uint8_t level, const char *text)
{
    dev_log(level, (const uint8_t *)text, strlen(text));
}

static void pair_boot(pair *p, ota_reset_reason why)
{
    static char msg[160];
    p->status = ota_open(&p->ctx, &p->fl, &wasmcu_ota_keys_ring, DEV_OTA_MAX_TRIAL_BOOTS);
    if (p->status == OTA_OK) p->status = ota_boot(&p->ctx, why, &p->boot);
    p->is_signed = p->status == OTA_OK;
    p->rolled_back = p->boot.rolled_back;
    if (p->is_signed && !(p->kinds & KIND_BIT(p->boot.hdr.kind))) {
        /* Verified and signed, but not something this pair can run (never written so by push). */
        snprintf(msg, sizeof msg, "ota: %s holds a signed %s image; this pair runs no such kind",
                 p->slot[p->boot.slot]->name, kind_name(p->boot.hdr.kind));
        log_text(0, msg);
    }
    if (p->boot.rolled_back || p->boot.rejected != OTA_OK) {
        snprintf(msg, sizeof msg, "ota: %s update %s (%s)", p->name, p->boot.rolled_back ? "rolled back" : "refused",
                 p->boot.rejected != OTA_OK ? ota_status_str(p->boot.rejected) : "watchdog reset or too many boots");
        log_text(1, msg);
    }
}

void dev_ota_boot(void)
{
    pair_init(&pairs[DEV_PAIR_APP], "app", slot_app(0), slot_app(1), WASMCU_REGION_SETTINGS_OFFSET,
              KIND_BIT(OTA_KIND_APP) | KIND_BIT(OTA_KIND_BUNDLE));
    pair_init(&pairs[DEV_PAIR_MODEL], "model", slot_model_half(0), slot_model_half(1),
              WASMCU_REGION_SETTINGS_OFFSET + DEV_OTA_STATE_BYTES, KIND_BIT(OTA_KIND_MODEL));
    ota_reset_reason why = reset_reason();
    pair_boot(&pairs[DEV_PAIR_APP], why);
    pair_boot(&pairs[DEV_PAIR_MODEL], why);
}

/* ---- what runs ----------------------------------------------------------------------- */

static bool runnable(const pair *p, uint8_t kind)
{
    return p->is_signed && p->boot.hdr.kind == kind;
}

static bool signed_part(const pair *p, uint32_t skip, uint32_t len, dev_image *out)
{
    const slot_region *r = p->slot[p->boot.slot];
    const uint8_t *b = hal_flash_map(r->offset + OTA_HEADER_SIZE + skip, len);
    if (!b) return false;
    *out = (dev_image){ .bytes = b, .len = len, .slot = r->name, .signed_image = true, .generation = 0 };
    return true;
}

bool dev_running_app(dev_image *out)
{
    const pair *p = &pairs[DEV_PAIR_APP];
    if (p->is_signed) {
        if (runnable(p, OTA_KIND_APP)) return signed_part(p, 0, p->boot.hdr.payload_len, out);
        if (runnable(p, OTA_KIND_BUNDLE)) return signed_part(p, 0, p->boot.hdr.app_len, out);
        return false;
    }
    if (WASMCU_OTA_REQUIRE_SIGNED) return false;
    slot_header h;
    const uint8_t *b;
    int i = slot_active_app(&h, &b);
    if (i < 0) return false;
    *out = (dev_image){ .bytes = b, .len = h.length, .slot = slot_app((unsigned)i)->name, .signed_image = false,
                        .generation = h.generation };
    return true;
}

bool dev_running_model(dev_image *out)
{
    const pair *a = &pairs[DEV_PAIR_APP], *m = &pairs[DEV_PAIR_MODEL];
    if (runnable(a, OTA_KIND_BUNDLE)) {
        uint32_t at = ota_bundle_model_offset(&a->boot.hdr);
        return signed_part(a, at, a->boot.hdr.payload_len - at, out);
    }
    if (m->is_signed) return runnable(m, OTA_KIND_MODEL) && signed_part(m, 0, m->boot.hdr.payload_len, out);
    if (WASMCU_OTA_REQUIRE_SIGNED) return false;
    slot_header h;
    const uint8_t *b;
    int i = slot_active_model(&h, &b);
    if (i < 0) return false;
    *out = (dev_image){ .bytes = b, .len = h.length, .slot = slot_model_half((unsigned)i)->name, .signed_image = false,
                        .generation = h.generation };
    return true;
}

bool dev_ota_signed(dev_pair_id id)
{
    if (WASMCU_OTA_REQUIRE_SIGNED) return true;
    if (id == DEV_PAIR_MODEL && runnable(&pairs[DEV_PAIR_APP], OTA_KIND_BUNDLE)) return true;
    return pairs[id].is_signed;
}

/* ---- trial and confirmation -------------------------------------------------------- */

static bool pair_on_trial(const pair *p)
{
    return p->is_signed && p->ctx.st.trial != OTA_NO_SLOT && p->ctx.running == p->ctx.st.trial;
}

bool dev_ota_on_trial(void)
{
    return pair_on_trial(&pairs[0]) || pair_on_trial(&pairs[1]);
}

int32_t dev_ota_confirm(void)
{
    static char msg[128];
    bool any_signed = false;
    for (unsigned i = 0; i < 2; i++) {
        pair *p = &pairs[i];
        if (!p->is_signed) continue;
        any_signed = true;
        if (!pair_on_trial(p)) continue;
        ota_status s = ota_confirm(&p->ctx);
        if (s != OTA_OK) return -(int32_t)s;
        p->boot.trial = false;
        const ota_image_header *h = &p->boot.hdr;
        snprintf(msg, sizeof msg, "ota: %s %u.%u.%u in %s confirmed (security floor %lu)", kind_name(h->kind),
                 h->ver_major, h->ver_minor, h->ver_patch, p->slot[p->ctx.running]->name,
                 (unsigned long)p->ctx.st.min_counter);
        log_text(2, msg);
    }
    return any_signed ? 0 : 1;
}

void dev_ota_trial_failed(const char *why)
{
    static char msg[200];
    if (!dev_ota_on_trial()) return;
    snprintf(msg, sizeof msg, "ota: the trial image failed (%s): watchdog reset, the next boot rolls back", why);
    log_text(0, msg);
    hal_link_flush();
    /* A real watchdog reset, as a hang would cause: the boot after it abandons the trial. */
    hal_watchdog_start(1);
    for (;;) hal_delay_us(1000);
}

/* ---- handshake ------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int append(char *buf, size_t size, int n, const char *fmt, ...)
{
    if (n < 0 || (size_t)n >= size) return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    va_end(ap);
    return k < 0 ? -1 : n + k;
}

static int pair_json(const pair *p, char *buf, size_t size, int n)
{
    n = append(buf, size, n, "\"%s\":{\"signed\":%s,\"floor\":%lu", p->name, p->is_signed ? "true" : "false",
               (unsigned long)p->ctx.st.min_counter);
    if (p->is_signed) {
        const ota_image_header *h = &p->boot.hdr;
        n = append(buf, size, n,
                   ",\"slot\":\"%s\",\"state\":\"%s\",\"kind\":\"%s\",\"version\":\"%u.%u.%u\",\"counter\":%lu,"
                   "\"key_id\":\"%08lx\",\"trial_boots\":%u",
                   p->slot[p->ctx.running]->name, pair_on_trial(p) ? "trial" : "confirmed", kind_name(h->kind),
                   h->ver_major, h->ver_minor, h->ver_patch, (unsigned long)h->security_counter,
                   (unsigned long)h->key_id, (unsigned)p->ctx.st.trial_boots);
    }
    if (p->ctx.st.pending != OTA_NO_SLOT) n = append(buf, size, n, ",\"pending\":\"%s\"", p->slot[p->ctx.st.pending]->name);
    n = append(buf, size, n, ",\"rolled_back\":%s", p->rolled_back ? "true" : "false");
    if (p->boot.rejected != OTA_OK) n = append(buf, size, n, ",\"rejected\":\"%s\"", ota_status_str(p->boot.rejected));
    return append(buf, size, n, "}");
}

/* The answer to OTA_STATUS (too much to add to the handshake, which must fit one frame). */
static int status_json(char *buf, size_t size)
{
    int n = append(buf, size, 0, "{\"keys\":[");
    for (size_t i = 0; i < wasmcu_ota_keys_ring.count; i++) {
        n = append(buf, size, n, "%s\"%08lx\"", i ? "," : "", (unsigned long)wasmcu_ota_keys_ring.keys[i].id);
    }
    n = append(buf, size, n, "],");
    n = pair_json(&pairs[DEV_PAIR_APP], buf, size, n);
    n = append(buf, size, n, ",");
    n = pair_json(&pairs[DEV_PAIR_MODEL], buf, size, n);
    return append(buf, size, n, "}");
}

/* ---- the update commands ----------------------------------------------------------- */

/* One update at a time; the patcher (about 4.3 KB) and the writer share their RAM. */
static struct {
    bool open;
    uint8_t mode;             /* LINK_OTA_IMAGE or LINK_OTA_PATCH */
    pair *p;
    uint8_t dst;              /* slot being written */
    bool provisioning;        /* first signed image of a development pair: adopted at next boot */
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

static int reject(ota_status s, const char **detail)
{
    up.open = false;
    *detail = ota_status_str(s);
    return LINK_E_REJECTED;
}

/* Development pairs: the slot that `wasmcu deploy` would write next (never the running one). */
static uint8_t dev_inactive(const pair *p)
{
    const slot_region *r = p == &pairs[DEV_PAIR_APP] ? slot_next_app(NULL) : slot_next_model(NULL);
    return r == p->slot[0] ? 0u : 1u;
}

static bool base_is(const pair *p, uint32_t len, const uint8_t want[32])
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

static int begin_image(const uint8_t *h, size_t hn, uint32_t total, const char **detail)
{
    ota_image_header ih;
    if (hn != OTA_HEADER_SIZE) return LINK_E_ARGS;
    ota_status s = ota_image_parse(h, &ih);
    if (s != OTA_OK) return reject(s, detail);
    if ((uint64_t)OTA_HEADER_SIZE + ih.payload_len != total) {
        *detail = "the length announced does not match the image header";
        return LINK_E_ARGS;
    }
    pair *p = &pairs[ih.kind == OTA_KIND_MODEL ? DEV_PAIR_MODEL : DEV_PAIR_APP];
    if (total > p->fl.slot_size) return reject(OTA_ERR_TOO_BIG, detail);
    /* What the header alone can refuse, before any byte is written (checked again at the end). */
    bool known = false;
    for (size_t i = 0; i < wasmcu_ota_keys_ring.count; i++) known |= wasmcu_ota_keys_ring.keys[i].id == ih.key_id;
    if (!known) return reject(OTA_ERR_KEY, detail);
    if (ih.security_counter < p->ctx.st.min_counter) return reject(OTA_ERR_DOWNGRADE, detail);
    if (p->is_signed) {
        if (pair_on_trial(p)) {
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

static int begin_patch(const uint8_t *h, size_t hn, uint32_t total, const char **detail)
{
    if (hn != OTA_PATCH_HEADER_SIZE) return LINK_E_ARGS;
    if (le32_get(h) != OTA_PATCH_MAGIC) return reject(OTA_ERR_MAGIC, detail);
    if ((uint64_t)OTA_PATCH_HEADER_SIZE + le32_get(h + 84) != total) {
        *detail = "the length announced does not match the patch header";
        return LINK_E_ARGS;
    }
    uint32_t old_len = le32_get(h + 8);
    pair *p = NULL;
    for (unsigned i = 0; i < 2 && !p; i++) {
        if (base_is(&pairs[i], old_len, h + 16)) p = &pairs[i];
    }
    if (!p) {
        up.open = false;
        *detail = pairs[0].is_signed || pairs[1].is_signed
                      ? "wrong base: the patch was made for another image than the one running"
                      : "wrong base: no signed image runs here to patch; push a full signed image first";
        return LINK_E_REJECTED;
    }
    if (pair_on_trial(p)) {
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

static int cmd_begin(const uint8_t *p, size_t n, const char **detail)
{
    up.open = false;
    finished.valid = false;
    if (n < 5) return LINK_E_ARGS;
    uint32_t total = le32_get(p + 1);
    int st = p[0] == LINK_OTA_IMAGE   ? begin_image(p + 5, n - 5, total, detail)
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

static int cmd_data(const uint8_t *p, size_t n, const char **detail)
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
    ota_status s = up.mode == LINK_OTA_PATCH ? ota_patch_feed(&up.u.pt, fresh, len) : ota_writer_feed(&up.u.w, fresh, len);
    if (s != OTA_OK) return reject(s, detail);
    up.received += len;
    return LINK_OK;
}

static int finish_update(char *json, size_t size, size_t *json_len, const char **detail)
{
    if (!up.open) return LINK_E_STATE;
    if (up.received != up.total) return reject(OTA_ERR_TRUNCATED, detail);
    ota_status s = up.mode == LINK_OTA_PATCH ? ota_patch_finish(&up.u.pt) : ota_writer_finish(&up.u.w);
    if (s != OTA_OK) return reject(s, detail);
    pair *p = up.p;
    uint8_t raw[OTA_HEADER_SIZE];
    ota_image_header h;
    if (fl_read(p, (ota_area)up.dst, 0, raw, sizeof raw) != 0) return reject(OTA_ERR_FLASH, detail);
    if ((s = ota_image_parse(raw, &h)) != OTA_OK) return reject(s, detail);
    if (!(p->kinds & KIND_BIT(h.kind))) {
        up.open = false;
        *detail = "the new image is of a kind this slot pair does not run";
        return LINK_E_REJECTED;
    }
    s = up.provisioning ? ota_image_verify_slot(&p->fl, &wasmcu_ota_keys_ring, (ota_area)up.dst, p->ctx.st.min_counter, &h)
                        : ota_install(&p->ctx, &h);
    if (s != OTA_OK) return reject(s, detail);
    up.open = false;
    int k = snprintf(json, size,
                     "{\"pair\":\"%s\",\"slot\":\"%s\",\"decision\":\"%s\",\"kind\":\"%s\",\"version\":\"%u.%u.%u\","
                     "\"counter\":%lu,\"key_id\":\"%08lx\"}",
                     p->name, p->slot[up.dst]->name, up.provisioning ? "adopt" : "pending", kind_name(h.kind),
                     h.ver_major, h.ver_minor, h.ver_patch, (unsigned long)h.security_counter, (unsigned long)h.key_id);
    *json_len = k > 0 && (size_t)k < size ? (size_t)k : 0;
    return LINK_OK;
}

static void send_finished(uint16_t seq)
{
    if (finished.json_len) link_send(LINK_DATA, seq, (const uint8_t *)finished.json, finished.json_len, NULL, 0);
    link_send(LINK_ACK, seq, &finished.status, 1, (const uint8_t *)finished.detail, strlen(finished.detail));
}

int dev_ota_command(uint8_t type, uint16_t seq, const uint8_t *p, size_t n, const char **detail)
{
    switch (type) {
    case LINK_CMD_OTA_BEGIN: return cmd_begin(p, n, detail);
    case LINK_CMD_OTA_DATA: return cmd_data(p, n, detail);
    case LINK_CMD_OTA_FINISH: {
        if (finished.valid && finished.seq == seq) {
            send_finished(seq);
            return -1; /* answered */
        }
        const char *why = "";
        finished.json_len = 0;
        int st = finish_update(finished.json, sizeof finished.json, &finished.json_len, &why);
        finished.valid = true;
        finished.seq = seq;
        finished.status = (uint8_t)st;
        snprintf(finished.detail, sizeof finished.detail, "%s", why ? why : "");
        send_finished(seq);
        return -1;
    }
    case LINK_CMD_OTA_STATUS: {
        static char buf[LINK_MAX_PAYLOAD];
        int k = status_json(buf, sizeof buf);
        if (k <= 0 || (size_t)k >= sizeof buf) return LINK_E_STATE;
        link_send(LINK_DATA, seq, (const uint8_t *)buf, (size_t)k, NULL, 0);
        return LINK_OK;
    }
    case LINK_CMD_OTA_CONFIRM: {
        int32_t r = dev_ota_confirm();
        if (r < 0) return reject((ota_status)-r, detail);
        if (r > 0) *detail = "development image: nothing to confirm";
        return LINK_OK;
    }
    default: return LINK_E_UNKNOWN;
    }
}
