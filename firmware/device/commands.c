/* The link's command layer: deploy into the inactive slot, verify, activate, read back.
 * Writing never touches the active slot; activation happens only after verification. */
#include <stdio.h>
#include <string.h>

#include "device_internal.h"
#include "hal.h"
#include "bytes.h"
#include "link.h"
#include "model.h"
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

/* Recently answered non-idempotent commands: a retransmitted one is answered again, not redone. */
#define RECENT 8u
typedef struct {
    uint16_t seq;
    uint8_t type, status;
    bool used;
} answered;
static answered recent[RECENT];
static unsigned recent_next;

static void ack(uint16_t seq, link_status st, const char *detail)
{
    uint8_t s = (uint8_t)st;
    link_send(LINK_ACK, seq, &s, 1, (const uint8_t *)detail, detail ? strlen(detail) : 0);
}

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

static link_status cmd_begin(const uint8_t *p, size_t n, const char **detail)
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

static link_status cmd_data(const uint8_t *p, size_t n)
{
    if (!incoming.open) return LINK_E_STATE;
    if (n < 4) return LINK_E_ARGS;
    slot_status s = slot_write_payload(incoming.region, le32_get(p), p + 4, (uint32_t)(n - 4), incoming.length);
    return s == SLOT_ERR_TOO_BIG ? LINK_E_ARGS : slot_to_link(s);
}

static link_status cmd_verify(uint16_t seq)
{
    if (!incoming.open) return LINK_E_STATE;
    uint32_t crc = slot_payload_crc(incoming.region, incoming.length);
    uint8_t out[4] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
    link_send(LINK_DATA, seq, out, sizeof out, NULL, 0);
    incoming.verified = crc == incoming.crc;
    return incoming.verified ? LINK_OK : LINK_E_VERIFY;
}

static link_status cmd_activate(void)
{
    if (!incoming.open || !incoming.verified) return LINK_E_STATE;
    slot_kind kind = incoming.target == LINK_TARGET_APP ? SLOT_KIND_APP : SLOT_KIND_MODEL;
    slot_status s = slot_commit(incoming.region, kind, incoming.length, incoming.crc, incoming.generation);
    if (s != SLOT_OK) return slot_to_link(s);
    incoming.open = false;
    dev_app_request(DEV_APP_RESTART);
    return LINK_OK;
}

static link_status cmd_read(uint16_t seq, const uint8_t *p, size_t n)
{
    if (n != 8) return LINK_E_ARGS;
    uint32_t off = le32_get(p), len = le32_get(p + 4);
    if (len > LINK_MAX_PAYLOAD) return LINK_E_ARGS;
    const uint8_t *src = hal_flash_map(off, len);
    if (!src) return LINK_E_ARGS;
    link_send(LINK_DATA, seq, src, len, NULL, 0);
    return LINK_OK;
}

static link_status model_json(uint16_t seq, const char **detail)
{
    static char buf[LINK_MAX_PAYLOAD];
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    int n = snprintf(buf, sizeof buf, "{\"arena_bytes\":%lu,\"tensors\":[", (unsigned long)nn_arena_used(it));
    for (int out = 0; out < 2; out++) {
        size_t count = out ? nn_output_count(it) : nn_input_count(it);
        for (size_t i = 0; i < count && n > 0 && (size_t)n < sizeof buf; i++) {
            nn_tensor_info t;
            if ((out ? nn_output(it, i, &t) : nn_input(it, i, &t)) != NN_OK) return LINK_E_STATE;
            /* The scale goes as its IEEE-754 bits: small printf implementations lack %g. */
            uint32_t scale_bits;
            memcpy(&scale_bits, &t.scale, sizeof scale_bits);
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                          "%s{\"io\":\"%s\",\"index\":%u,\"type\":\"%s\",\"bytes\":%lu,\"zero_point\":%ld,\"scale_bits\":%lu,\"shape\":[",
                          (out || i) ? "," : "", out ? "output" : "input", (unsigned)i, nn_type_name(t.type),
                          (unsigned long)t.bytes, (long)t.zero_point, (unsigned long)scale_bits);
            for (int d = 0; d < t.rank && n > 0 && (size_t)n < sizeof buf; d++) {
                n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%ld", d ? "," : "", (long)t.dims[d]);
            }
            if (n > 0 && (size_t)n < sizeof buf) n += snprintf(buf + n, sizeof buf - (size_t)n, "]}");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) n += snprintf(buf + n, sizeof buf - (size_t)n, "]}");
    if (n <= 0 || (size_t)n >= sizeof buf) return LINK_E_STATE;
    link_send(LINK_DATA, seq, (const uint8_t *)buf, (size_t)n, NULL, 0);
    return LINK_OK;
}

/* Input or output tensor `p[0]` of the active model, with the byte range [offset, offset+len) checked. */
static link_status model_range(bool output, const uint8_t *p, uint32_t len, uint8_t **data, const char **detail)
{
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    nn_tensor_info t;
    if ((output ? nn_output(it, p[0], &t) : nn_input(it, p[0], &t)) != NN_OK || !t.data) return LINK_E_ARGS;
    uint32_t off = le32_get(p + 1);
    if (off > t.bytes || len > t.bytes - off) return LINK_E_ARGS;
    *data = (uint8_t *)t.data + off;
    return LINK_OK;
}

static link_status cmd_model(uint8_t type, uint16_t seq, const uint8_t *p, size_t n, const char **detail)
{
    uint8_t *data;
    link_status st;
    switch (type) {
    case LINK_CMD_MODEL_INFO: return model_json(seq, detail);
    case LINK_CMD_MODEL_INPUT:
        if (n < 5) return LINK_E_ARGS;
        st = model_range(false, p, (uint32_t)(n - 5), &data, detail);
        if (st == LINK_OK) memcpy(data, p + 5, n - 5);
        return st;
    case LINK_CMD_MODEL_OUTPUT:
        if (n != 9 || le32_get(p + 5) > LINK_MAX_PAYLOAD) return LINK_E_ARGS;
        st = model_range(true, p, le32_get(p + 5), &data, detail);
        if (st == LINK_OK) link_send(LINK_DATA, seq, data, le32_get(p + 5), NULL, 0);
        return st;
    case LINK_CMD_MODEL_INVOKE: {
        nn_interp *it = dev_model(detail);
        if (!it) return LINK_E_STATE;
        dev_invoke_result r = dev_model_invoke(it);
        uint8_t out[20];
        uint32_t s = (uint32_t)r.status;
        le32_put(out, s);
        le64_put(out + 4, r.micros);
        le64_put(out + 12, r.cycles);
        link_send(LINK_DATA, seq, out, sizeof out, NULL, 0);
        if (r.status != NN_OK) *detail = nn_last_error(it);
        return r.status == NN_OK ? LINK_OK : LINK_E_INVALID;
    }
    case LINK_CMD_MODEL_RESET: {
        nn_interp *it = dev_model(detail);
        if (!it) return LINK_E_STATE;
        nn_reset(it);
        return LINK_OK;
    }
    default: return LINK_E_UNKNOWN;
    }
}

static bool replay(uint8_t type, uint16_t seq)
{
    for (unsigned i = 0; i < RECENT; i++) {
        if (recent[i].used && recent[i].seq == seq && recent[i].type == type) {
            ack(seq, (link_status)recent[i].status, NULL);
            return true;
        }
    }
    return false;
}

static void remember(uint8_t type, uint16_t seq, link_status st)
{
    recent[recent_next] = (answered){ .seq = seq, .type = type, .status = (uint8_t)st, .used = true };
    recent_next = (recent_next + 1u) % RECENT;
}

void dev_on_frame(uint8_t type, uint16_t seq, const uint8_t *p, size_t n)
{
    const char *detail = NULL;
    link_status st;
    bool once = type == LINK_CMD_WRITE_BEGIN || type == LINK_CMD_VERIFY || type == LINK_CMD_ACTIVATE ||
                type == LINK_CMD_APP || type == LINK_CMD_RESET || type == LINK_CMD_MODEL_INVOKE ||
                type == LINK_CMD_MODEL_RESET || type == LINK_CMD_OTA_BEGIN || type == LINK_CMD_OTA_CONFIRM;
    if (once && replay(type, seq)) return;
    switch (type) {
    case LINK_CMD_INFO:
        dev_send_hello(LINK_DATA, seq);
        st = LINK_OK;
        break;
    case LINK_CMD_WRITE_BEGIN: st = cmd_begin(p, n, &detail); break;
    case LINK_CMD_WRITE_DATA: st = cmd_data(p, n); break;
    case LINK_CMD_VERIFY: st = cmd_verify(seq); break;
    case LINK_CMD_ACTIVATE: st = cmd_activate(); break;
    case LINK_CMD_APP:
        if (n != 1 || p[0] > 1) {
            st = LINK_E_ARGS;
        } else {
            dev_app_request(p[0] ? DEV_APP_RESTART : DEV_APP_STOP);
            st = LINK_OK;
        }
        break;
    case LINK_CMD_RESET:
        ack(seq, LINK_OK, NULL);
        hal_link_flush();
        hal_reset();
        return;
    case LINK_CMD_READ: st = cmd_read(seq, p, n); break;
    case LINK_CMD_CALL:
        if (dev_call_pending(seq)) return; /* a repeat: the answer comes when the call is done */
        if (n == 0 || n > 31) {
            st = LINK_E_ARGS;
            break;
        }
        dev_request_call(seq, p, n);
        return; /* answered by the main loop */
    case LINK_CMD_MODEL_INFO:
    case LINK_CMD_MODEL_INPUT:
    case LINK_CMD_MODEL_INVOKE:
    case LINK_CMD_MODEL_OUTPUT:
    case LINK_CMD_MODEL_RESET: st = cmd_model(type, seq, p, n, &detail); break;
    case LINK_CMD_OTA_BEGIN:
    case LINK_CMD_OTA_DATA:
    case LINK_CMD_OTA_FINISH:
    case LINK_CMD_OTA_CONFIRM:
    case LINK_CMD_OTA_STATUS: {
        int r = dev_ota_command(type, seq, p, n, &detail);
        if (r < 0) return; /* answered already (with its DATA) */
        st = (link_status)r;
        break;
    }
    default:
        if (type < 0x40) return; /* a device → host frame echoed back: not for us */
        st = LINK_E_UNKNOWN;
        break;
    }
    if (once) remember(type, seq, st);
    ack(seq, st, detail);
}
