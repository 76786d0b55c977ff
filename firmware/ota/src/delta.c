/*
 * Streaming delta patcher. The patch (format in README.md) is fed in chunks;
 * the old image is read from the active slot through a 64-byte read-ahead,
 * the new one is written to the inactive slot a program page at a time,
 * erasing each erase unit just before its first page. The patcher never
 * holds a write path to the source slot, so no patch can damage it.
 */
#include "ota.h"

#include <string.h>

enum { ST_HDR, ST_TAG, ST_VARINT, ST_DIFF, ST_LITERAL, ST_END };
enum { OP_END = 0, OP_COPY = 1, OP_ADD = 2, OP_INSERT = 3 };
enum { W_LEN, W_DELTA, W_SKIP, W_RUN };

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void ota_patch_init(ota_patcher *p, const ota_flash *fl, ota_area src, ota_area dst)
{
    memset(p, 0, sizeof *p);
    p->fl = fl;
    p->src = src;
    p->dst = dst;
    p->state = ST_HDR;
    ota_sha256_init(&p->out_hash);
    if (fl == NULL || fl->read == NULL || fl->erase == NULL || fl->program == NULL || src == dst ||
        (src != OTA_AREA_SLOT0 && src != OTA_AREA_SLOT1) || (dst != OTA_AREA_SLOT0 && dst != OTA_AREA_SLOT1) ||
        fl->prog_size == 0 || fl->prog_size > OTA_PROG_MAX || fl->erase_size == 0 ||
        fl->erase_size % fl->prog_size != 0 || fl->slot_size % fl->erase_size != 0) {
        p->error = OTA_ERR_ARG;
    }
}

static ota_status fail(ota_patcher *p, ota_status s)
{
    if (p->error == OTA_OK) p->error = s;
    return p->error;
}

void ota_patch_known_base(ota_patcher *p, uint32_t len, const uint8_t sha[32])
{
    if (sha == NULL || p->hdr_fill != 0) {
        (void)fail(p, OTA_ERR_ARG);
        return;
    }
    p->base_known = 1;
    p->base_len = len;
    memcpy(p->base_sha, sha, 32);
}

/* Header: sizes fit, CRC good, and the source slot holds exactly the old image. */
static ota_status check_header(ota_patcher *p)
{
    const uint8_t *h = p->hdr;
    if (le32(h) != OTA_PATCH_MAGIC) return OTA_ERR_MAGIC;
    if ((h[4] | (h[5] << 8)) != 1) return OTA_ERR_VERSION;
    if ((h[6] | (h[7] << 8)) != OTA_PATCH_HEADER_SIZE) return OTA_ERR_HEADER;
    if (ota_crc32(0, h, OTA_PATCH_HEADER_SIZE - 4) != le32(h + OTA_PATCH_HEADER_SIZE - 4)) return OTA_ERR_HEADER;
    if (h[80] > 1) return OTA_ERR_HEADER; /* body encoding: 0 raw, 1 range-coded */
    p->coded = h[80];
    p->body_len = le32(h + 84);
    for (unsigned i = 81; i < 92; i++) {
        if (h[i] != 0 && (i < 84 || i >= 88)) return OTA_ERR_HEADER;
    }
    if (p->body_len == 0) return OTA_ERR_HEADER;
    p->old_len = le32(h + 8);
    p->new_len = le32(h + 12);
    memcpy(p->new_sha, h + 48, 32);
    if (p->old_len == 0 || p->new_len == 0) return OTA_ERR_HEADER;
    if (p->new_len > p->fl->slot_size || p->old_len > p->fl->slot_size) return OTA_ERR_TOO_BIG;
    if (p->base_known) {
        return p->old_len == p->base_len && memcmp(p->base_sha, h + 16, 32) == 0 ? OTA_OK : OTA_ERR_WRONG_BASE;
    }
    ota_sha256 sh;
    ota_sha256_init(&sh);
    uint8_t buf[64];
    for (uint32_t off = 0; off < p->old_len;) {
        uint32_t n = p->old_len - off;
        if (n > sizeof buf) n = sizeof buf;
        if (p->fl->read(p->fl->user, p->src, off, buf, n) != 0) return OTA_ERR_FLASH;
        ota_sha256_update(&sh, buf, n);
        off += n;
    }
    uint8_t digest[32];
    ota_sha256_final(&sh, digest);
    if (memcmp(digest, h + 16, 32) != 0) return OTA_ERR_WRONG_BASE;
    return OTA_OK;
}

static ota_status flush_page(ota_patcher *p)
{
    const ota_flash *fl = p->fl;
    uint32_t start = p->out_pos - p->page_fill;
    while (p->erased_to < start + fl->prog_size) {
        if (p->erased_to >= fl->slot_size) return OTA_ERR_TOO_BIG;
        if (fl->erase(fl->user, p->dst, p->erased_to, fl->erase_size) != 0) return OTA_ERR_FLASH;
        p->erased_to += fl->erase_size;
    }
    ota_sha256_update(&p->out_hash, p->page, p->page_fill);
    memset(p->page + p->page_fill, 0xff, fl->prog_size - p->page_fill);
    if (fl->program(fl->user, p->dst, start, p->page, fl->prog_size) != 0) return OTA_ERR_FLASH;
    p->page_fill = 0;
    return OTA_OK;
}

/* Callers have range-checked the op, so out_pos < new_len here. */
static ota_status emit(ota_patcher *p, uint8_t b)
{
    p->page[p->page_fill++] = b;
    p->out_pos++;
    if (p->page_fill == p->fl->prog_size) return flush_page(p);
    return OTA_OK;
}

static ota_status old_byte(ota_patcher *p, uint8_t *out)
{
    uint32_t pos = (uint32_t)p->old_pos;
    if (pos < p->old_buf_pos || pos >= p->old_buf_pos + p->old_buf_len) {
        uint32_t n = p->old_len - pos;
        if (n > sizeof p->old_buf) n = sizeof p->old_buf;
        if (p->fl->read(p->fl->user, p->src, pos, p->old_buf, n) != 0) return OTA_ERR_FLASH;
        p->old_buf_pos = pos;
        p->old_buf_len = n;
    }
    *out = p->old_buf[pos - p->old_buf_pos];
    p->old_pos++;
    return OTA_OK;
}

static ota_status copy_old(ota_patcher *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        ota_status s = old_byte(p, &b);
        if (s == OTA_OK) s = emit(p, b);
        if (s != OTA_OK) return s;
    }
    p->op_left -= n;
    return OTA_OK;
}

static void want_varint(ota_patcher *p, uint8_t which)
{
    p->state = ST_VARINT;
    p->want = which;
    p->varint = 0;
    p->varint_bytes = 0;
}

/* A varint argument is complete: act on it. */
static ota_status got_varint(ota_patcher *p)
{
    uint64_t v = p->varint;
    switch (p->want) {
    case W_LEN:
        if (v == 0 || v > p->new_len - p->out_pos) return OTA_ERR_PATCH_RANGE;
        p->op_len = p->op_left = (uint32_t)v;
        if (p->op == OP_INSERT) {
            p->run_left = p->op_len;
            p->state = ST_LITERAL;
        } else {
            want_varint(p, W_DELTA);
        }
        return OTA_OK;
    case W_DELTA: {
        /* zigzag: 0, -1, 1, -2, ... */
        int64_t d = (v & 1) ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
        int64_t pos = p->old_pos + d;
        if (pos < 0 || pos > (int64_t)p->old_len || (int64_t)p->op_len > (int64_t)p->old_len - pos) {
            return OTA_ERR_PATCH_RANGE;
        }
        p->old_pos = pos;
        if (p->op == OP_COPY) {
            ota_status s = copy_old(p, p->op_len);
            if (s != OTA_OK) return s;
            p->state = ST_TAG;
        } else {
            want_varint(p, W_SKIP);
        }
        return OTA_OK;
    }
    case W_SKIP: {
        if (v > p->op_left) return OTA_ERR_PATCH_RANGE;
        p->run_len = (uint32_t)v; /* remembered to reject pairs that make no progress */
        ota_status s = copy_old(p, (uint32_t)v);
        if (s != OTA_OK) return s;
        want_varint(p, W_RUN);
        return OTA_OK;
    }
    case W_RUN:
        if (v > p->op_left) return OTA_ERR_PATCH_RANGE;
        if (v == 0 && p->run_len == 0) return OTA_ERR_PATCH;
        p->run_left = (uint32_t)v;
        if (v > 0) {
            p->state = ST_DIFF;
        } else if (p->op_left == 0) {
            p->state = ST_TAG;
        } else {
            want_varint(p, W_SKIP);
        }
        return OTA_OK;
    }
    return OTA_ERR_PATCH;
}

static ota_status step(ota_patcher *p, uint8_t b)
{
    switch (p->state) {
    case ST_TAG:
        p->op = b;
        if (b == OP_END) {
            if (p->out_pos != p->new_len) return OTA_ERR_PATCH;
            p->state = ST_END;
            return OTA_OK;
        }
        if (b != OP_COPY && b != OP_ADD && b != OP_INSERT) return OTA_ERR_PATCH;
        want_varint(p, W_LEN);
        return OTA_OK;
    case ST_VARINT:
        /* at most 5 bytes: 35 bits hold a u32 length or a zigzagged 33-bit offset delta */
        if (p->varint_bytes == 5) return OTA_ERR_PATCH;
        p->varint |= (uint64_t)(b & 0x7f) << (7 * p->varint_bytes);
        p->varint_bytes++;
        if (b & 0x80) return OTA_OK;
        if (p->want == W_LEN && p->varint > UINT32_MAX) return OTA_ERR_PATCH;
        return got_varint(p);
    case ST_LITERAL: {
        ota_status s = emit(p, b);
        if (s != OTA_OK) return s;
        p->op_left--;
        if (--p->run_left == 0) p->state = ST_TAG;
        return OTA_OK;
    }
    case ST_DIFF: {
        uint8_t o;
        ota_status s = old_byte(p, &o);
        if (s == OTA_OK) s = emit(p, (uint8_t)(o + b));
        if (s != OTA_OK) return s;
        p->op_left--;
        if (--p->run_left == 0) {
            if (p->op_left == 0)
                p->state = ST_TAG;
            else
                want_varint(p, W_SKIP);
        }
        return OTA_OK;
    }
    case ST_END: return OTA_ERR_PATCH; /* bytes after END */
    }
    return OTA_ERR_PATCH;
}

/* ---- range-coded bodies ----------------------------------------------------
 * An LZMA-style binary range coder: 11-bit probabilities adapting by 1/32,
 * each byte coded MSB first down a 255-node bit tree. The model is chosen by
 * what the parser expects next (tag, a varint of a given role, a literal or
 * a diff byte), so the encoder and decoder agree without side information. */

#define RC_TOP  (1u << 24)
#define RC_BITS 11
#define RC_ONE  (1u << RC_BITS)

static unsigned next_context(const ota_patcher *p)
{
    switch (p->state) {
    case ST_VARINT: return 1u + p->want; /* W_LEN..W_RUN -> 1..4 */
    case ST_LITERAL: return 5;
    case ST_DIFF: return 6;
    default: return 0;
    }
}

/* Next coded byte; past the end of the real input (only at finish) reads zeros and counts them. */
static uint8_t ring_pop(ota_patcher *p, uint32_t *virt)
{
    if (p->ring_count == 0) {
        (*virt)++;
        return 0;
    }
    uint8_t b = p->ring[p->ring_head];
    p->ring_head = (p->ring_head + 1) % sizeof p->ring;
    p->ring_count--;
    return b;
}

static uint8_t rc_decode_byte(ota_patcher *p, uint32_t *virt)
{
    uint16_t *probs = p->probs[next_context(p)];
    unsigned m = 1;
    while (m < 256) {
        uint32_t bound = (p->rc_range >> RC_BITS) * probs[m];
        if (p->rc_code < bound) {
            p->rc_range = bound;
            probs[m] = (uint16_t)(probs[m] + ((RC_ONE - probs[m]) >> 5));
            m <<= 1;
        } else {
            p->rc_code -= bound;
            p->rc_range -= bound;
            probs[m] = (uint16_t)(probs[m] - (probs[m] >> 5));
            m = (m << 1) | 1;
        }
        if (p->rc_range < RC_TOP) {
            p->rc_range <<= 8;
            p->rc_code = (p->rc_code << 8) | ring_pop(p, virt);
        }
    }
    return (uint8_t)m;
}

/* Decodes while at least 8 coded bytes wait (the most one output byte can take).
 * At finish the rest is decoded; reading a few zero bytes past the end is
 * tolerated as coder padding (the new image's SHA-256 still has to match),
 * more means the patch was cut short. */
static ota_status rc_pump(ota_patcher *p, bool final)
{
    uint32_t virt = 0;
    while (p->state != ST_END && (p->ring_count >= 8 || final)) {
        uint8_t b = rc_decode_byte(p, &virt);
        if (virt > 4) return OTA_ERR_TRUNCATED;
        ota_status s = step(p, b);
        if (s != OTA_OK) return s;
    }
    /* The encoder's flush ends where END does: a coded byte left over is a byte after END. */
    if (p->state == ST_END && p->ring_count > 0) return OTA_ERR_PATCH;
    return OTA_OK;
}

static ota_status coded_input(ota_patcher *p, uint8_t b)
{
    if (p->rc_init < 5) {
        /* preamble: a zero byte, then the first 32 bits of the code value */
        if (p->rc_init == 0 && b != 0) return OTA_ERR_PATCH;
        p->rc_code = (p->rc_code << 8) | b;
        p->rc_init++;
        return OTA_OK;
    }
    if (p->state == ST_END) return OTA_ERR_PATCH; /* bytes after END, as in a raw body */
    p->ring[(p->ring_head + p->ring_count) % sizeof p->ring] = b;
    p->ring_count++;
    return rc_pump(p, false);
}

ota_status ota_patch_feed(ota_patcher *p, const uint8_t *data, size_t len)
{
    if (p == NULL) return OTA_ERR_ARG;
    if (p->error != OTA_OK) return p->error;
    if (data == NULL && len != 0) return fail(p, OTA_ERR_ARG);
    size_t i = 0;
    if (p->state == ST_HDR) {
        size_t n = OTA_PATCH_HEADER_SIZE - p->hdr_fill;
        if (n > len) n = len;
        memcpy(p->hdr + p->hdr_fill, data, n);
        p->hdr_fill += (uint32_t)n;
        i = n;
        if (p->hdr_fill < OTA_PATCH_HEADER_SIZE) return OTA_OK;
        ota_status s = check_header(p);
        if (s != OTA_OK) return fail(p, s);
        p->state = ST_TAG;
        p->rc_range = 0xFFFFFFFFu;
        for (unsigned c = 0; c < OTA_PATCH_CONTEXTS; c++) {
            for (unsigned k = 0; k < 256; k++) p->probs[c][k] = RC_ONE / 2;
        }
    }
    if (len - i > p->body_len - p->body_seen) return fail(p, OTA_ERR_TRAILING);
    p->body_seen += (uint32_t)(len - i);
    for (; i < len; i++) {
        ota_status s = p->coded ? coded_input(p, data[i]) : step(p, data[i]);
        if (s != OTA_OK) return fail(p, s);
    }
    return OTA_OK;
}

ota_status ota_patch_finish(ota_patcher *p)
{
    if (p == NULL) return OTA_ERR_ARG;
    if (p->error != OTA_OK) return p->error;
    if (p->state == ST_HDR || p->body_seen != p->body_len) return fail(p, OTA_ERR_TRUNCATED);
    if (p->coded && p->state != ST_END) {
        if (p->rc_init < 5) return fail(p, OTA_ERR_TRUNCATED);
        ota_status s = rc_pump(p, true);
        if (s != OTA_OK) return fail(p, s);
    }
    if (p->state != ST_END || p->out_pos != p->new_len) return fail(p, OTA_ERR_TRUNCATED);
    if (p->page_fill > 0) {
        ota_status s = flush_page(p);
        if (s != OTA_OK) return fail(p, s);
    }
    uint8_t digest[32];
    ota_sha256_final(&p->out_hash, digest);
    if (memcmp(digest, p->new_sha, 32) != 0) return fail(p, OTA_ERR_HASH);
    return OTA_OK;
}
