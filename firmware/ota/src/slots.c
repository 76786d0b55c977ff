/*
 * A/B slot states kept as append-only records in the state area.
 *
 * The state area is split in two halves. Each record is a full snapshot
 * (confirmed / pending / trial slot, trial boot count, security floor) with
 * a sequence number and a CRC, padded to a program unit. The newest valid
 * record wins; a record torn by a power cut fails its CRC and the previous
 * one stays in force. When a half is full the other half is erased and the
 * next record starts it; the full half keeps the newest record until then,
 * so a cut during that erase loses nothing.
 */
#include "ota.h"

#include <string.h>

#define STATE_MAGIC 0x54534F57u /* "WOST" */
#define REC_BYTES   32u

uint32_t ota_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* One record occupies a whole number of program units. */
static uint32_t rec_stride(const ota_flash *fl)
{
    return ((REC_BYTES + fl->prog_size - 1) / fl->prog_size) * fl->prog_size;
}
static uint32_t half_size(const ota_flash *fl)
{
    return fl->state_size / 2;
}

static void encode_rec(uint8_t out[REC_BYTES], const ota_state *s)
{
    memset(out, 0, REC_BYTES);
    put32(out, STATE_MAGIC);
    put32(out + 4, s->seq);
    out[8] = s->confirmed;
    out[9] = s->pending;
    out[10] = s->trial;
    out[11] = s->trial_boots;
    put32(out + 12, s->min_counter);
    put32(out + 28, ota_crc32(0, out, 28));
}

static bool valid_slot_byte(uint8_t v)
{
    return v == 0 || v == 1 || v == OTA_NO_SLOT;
}

static bool decode_rec(const uint8_t in[REC_BYTES], ota_state *s)
{
    if (get32(in) != STATE_MAGIC || get32(in + 28) != ota_crc32(0, in, 28)) return false;
    s->seq = get32(in + 4);
    s->confirmed = in[8];
    s->pending = in[9];
    s->trial = in[10];
    s->trial_boots = in[11];
    s->min_counter = get32(in + 12);
    return valid_slot_byte(s->confirmed) && valid_slot_byte(s->pending) && valid_slot_byte(s->trial);
}

ota_status ota_open(ota_ctx *c, const ota_flash *fl, const ota_keyring *keys, uint8_t max_trial_boots)
{
    if (c == NULL || fl == NULL || keys == NULL || fl->read == NULL || fl->erase == NULL || fl->program == NULL ||
        fl->prog_size == 0 || fl->prog_size > OTA_PROG_MAX || fl->erase_size == 0 ||
        fl->state_size % (2 * fl->erase_size) != 0 || fl->state_size == 0 || max_trial_boots == 0) {
        return OTA_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    c->fl = fl;
    c->keys = *keys;
    c->max_trial_boots = max_trial_boots;
    c->running = OTA_NO_SLOT;
    c->st.confirmed = c->st.pending = c->st.trial = OTA_NO_SLOT;

    uint32_t stride = rec_stride(fl), half = half_size(fl);
    bool found = false;
    uint32_t newest_half = 0;
    uint32_t last_used[2] = { 0, 0 }; /* offset after the last non-erased record slot, per half */
    for (uint32_t h = 0; h < 2; h++) {
        for (uint32_t off = 0; off + stride <= half; off += stride) {
            uint8_t raw[REC_BYTES];
            if (fl->read(fl->user, OTA_AREA_STATE, h * half + off, raw, REC_BYTES) != 0) return OTA_ERR_FLASH;
            bool erased = true;
            for (unsigned i = 0; i < REC_BYTES; i++) erased &= raw[i] == 0xff;
            if (erased) continue;
            last_used[h] = off + stride;
            ota_state s;
            if (decode_rec(raw, &s) && (!found || s.seq > c->st.seq)) {
                c->st = s;
                found = true;
                newest_half = h;
            }
        }
    }
    c->next_off = newest_half * half + last_used[newest_half];
    return OTA_OK;
}

/* Appends a record; erases the other half first when this one is full. */
static ota_status write_state(ota_ctx *c, const ota_state *want)
{
    const ota_flash *fl = c->fl;
    uint32_t stride = rec_stride(fl), half = half_size(fl);
    ota_state s = *want;
    s.seq = c->st.seq + 1;
    /* next_off is just past the newest record, so the record before it tells the half */
    uint32_t cur_half = c->next_off == 0 ? 0 : (c->next_off - 1) / half;
    uint32_t off = c->next_off;
    if (off + stride > (cur_half + 1) * half) {
        uint32_t other = 1 - cur_half;
        for (uint32_t e = 0; e < half; e += fl->erase_size) {
            if (fl->erase(fl->user, OTA_AREA_STATE, other * half + e, fl->erase_size) != 0) return OTA_ERR_FLASH;
        }
        off = other * half;
    }
    uint8_t buf[OTA_PROG_MAX > REC_BYTES ? OTA_PROG_MAX : REC_BYTES];
    memset(buf, 0xff, sizeof buf);
    encode_rec(buf, &s);
    for (uint32_t done = 0; done < stride; done += fl->prog_size) {
        /* only the first unit carries data; the rest of a multi-unit record stays erased */
        if (done == 0 && fl->program(fl->user, OTA_AREA_STATE, off, buf, fl->prog_size) != 0) return OTA_ERR_FLASH;
    }
    c->st = s;
    c->next_off = off + stride;
    return OTA_OK;
}

static ota_status verify(ota_ctx *c, uint8_t slot, ota_image_header *h)
{
    if (slot != 0 && slot != 1) return OTA_ERR_NO_IMAGE;
    return ota_image_verify_slot(c->fl, &c->keys, (ota_area)slot, c->st.min_counter, h);
}

ota_status ota_boot(ota_ctx *c, ota_reset_reason why, ota_boot_result *out)
{
    if (c == NULL || c->fl == NULL || out == NULL) return OTA_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->slot = OTA_NO_SLOT;
    ota_state s = c->st;
    ota_status st;

    if (s.trial != OTA_NO_SLOT) {
        bool give_up = why == OTA_RESET_WATCHDOG || s.trial_boots >= c->max_trial_boots;
        ota_status v = give_up ? OTA_OK : verify(c, s.trial, &out->hdr);
        if (!give_up && v == OTA_OK) {
            s.trial_boots++;
            if ((st = write_state(c, &s)) != OTA_OK) return st;
            out->slot = c->running = s.trial;
            out->trial = true;
            return OTA_OK;
        }
        /* rollback: forget the trial image, run the confirmed one */
        out->rejected = v;
        out->rolled_back = true;
        s.trial = OTA_NO_SLOT;
        s.trial_boots = 0;
        if ((st = write_state(c, &s)) != OTA_OK) return st;
    } else if (s.pending != OTA_NO_SLOT) {
        ota_status v = verify(c, s.pending, &out->hdr);
        if (v == OTA_OK && s.pending != s.confirmed) {
            s.trial = s.pending;
            s.pending = OTA_NO_SLOT;
            s.trial_boots = 1;
            if ((st = write_state(c, &s)) != OTA_OK) return st;
            out->slot = c->running = s.trial;
            out->trial = true;
            return OTA_OK;
        }
        out->rejected = v == OTA_OK ? OTA_ERR_STATE : v;
        s.pending = OTA_NO_SLOT;
        if ((st = write_state(c, &s)) != OTA_OK) return st;
    }

    if (s.confirmed != OTA_NO_SLOT && verify(c, s.confirmed, &out->hdr) == OTA_OK) {
        out->slot = c->running = s.confirmed;
        return OTA_OK;
    }
    /* No confirmed image on record (first boot) or it no longer verifies:
     * adopt the valid slot with the higher security counter. */
    ota_image_header h0, h1;
    bool ok0 = verify(c, 0, &h0) == OTA_OK, ok1 = verify(c, 1, &h1) == OTA_OK;
    if (!ok0 && !ok1) return OTA_ERR_NO_IMAGE;
    uint8_t pick = (ok0 && (!ok1 || h0.security_counter >= h1.security_counter)) ? 0 : 1;
    out->hdr = pick == 0 ? h0 : h1;
    s.confirmed = pick;
    s.pending = s.trial = OTA_NO_SLOT;
    s.trial_boots = 0;
    if (out->hdr.security_counter > s.min_counter) s.min_counter = out->hdr.security_counter;
    if ((st = write_state(c, &s)) != OTA_OK) return st;
    out->slot = c->running = pick;
    return OTA_OK;
}

uint8_t ota_inactive_slot(const ota_ctx *c)
{
    if (c == NULL || c->st.confirmed == OTA_NO_SLOT) return OTA_NO_SLOT;
    return (uint8_t)(c->st.confirmed ^ 1u);
}

ota_status ota_update_begin(ota_ctx *c)
{
    if (c == NULL || c->fl == NULL) return OTA_ERR_ARG;
    if (c->st.confirmed == OTA_NO_SLOT || c->st.trial != OTA_NO_SLOT) return OTA_ERR_STATE;
    if (c->st.pending == OTA_NO_SLOT) return OTA_OK;
    ota_state s = c->st;
    s.pending = OTA_NO_SLOT;
    return write_state(c, &s);
}

ota_status ota_install(ota_ctx *c, ota_image_header *out)
{
    if (c == NULL || c->fl == NULL) return OTA_ERR_ARG;
    if (c->st.confirmed == OTA_NO_SLOT || c->st.trial != OTA_NO_SLOT) return OTA_ERR_STATE;
    uint8_t slot = ota_inactive_slot(c);
    ota_status v = verify(c, slot, out);
    if (v != OTA_OK) return v;
    ota_state s = c->st;
    s.pending = slot;
    return write_state(c, &s);
}

ota_status ota_confirm(ota_ctx *c)
{
    if (c == NULL || c->fl == NULL) return OTA_ERR_ARG;
    if (c->st.trial == OTA_NO_SLOT) {
        return c->running == c->st.confirmed && c->running != OTA_NO_SLOT ? OTA_OK : OTA_ERR_STATE;
    }
    if (c->running != c->st.trial) return OTA_ERR_STATE;
    uint8_t raw[OTA_HEADER_SIZE];
    ota_image_header h;
    if (c->fl->read(c->fl->user, (ota_area)c->st.trial, 0, raw, OTA_HEADER_SIZE) != 0) return OTA_ERR_FLASH;
    ota_status v = ota_image_parse(raw, &h);
    if (v != OTA_OK) return v;
    ota_state s = c->st;
    s.confirmed = s.trial;
    s.trial = OTA_NO_SLOT;
    s.trial_boots = 0;
    if (h.security_counter > s.min_counter) s.min_counter = h.security_counter;
    return write_state(c, &s);
}

ota_slot_state ota_slot_state_of(const ota_ctx *c, uint8_t slot)
{
    if (c == NULL) return OTA_SLOT_EMPTY;
    if (c->st.confirmed == slot) return OTA_SLOT_CONFIRMED;
    if (c->st.trial == slot) return OTA_SLOT_TRIAL;
    if (c->st.pending == slot) return OTA_SLOT_PENDING;
    return OTA_SLOT_EMPTY;
}
