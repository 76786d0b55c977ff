/*
 * Streaming writer for a full (non-delta) image into the inactive slot: the
 * header is parsed before anything is erased, the image must fit the slot,
 * and each erase unit is erased just before its first page is programmed.
 * The signature is checked afterwards by ota_install().
 */
#include "ota.h"

#include <string.h>

void ota_writer_init(ota_writer *w, const ota_flash *fl, ota_area dst)
{
    memset(w, 0, sizeof *w);
    w->fl = fl;
    w->dst = dst;
    if (fl == NULL || fl->erase == NULL || fl->program == NULL || (dst != OTA_AREA_SLOT0 && dst != OTA_AREA_SLOT1) ||
        fl->prog_size == 0 || fl->prog_size > OTA_PROG_MAX || fl->erase_size == 0 ||
        fl->erase_size % fl->prog_size != 0 || fl->slot_size % fl->erase_size != 0 || fl->slot_size < OTA_HEADER_SIZE) {
        w->error = OTA_ERR_ARG;
    }
}

static ota_status flush(ota_writer *w)
{
    const ota_flash *fl = w->fl;
    uint32_t start = w->out - w->page_fill;
    while (w->erased_to < start + fl->prog_size) {
        if (w->erased_to >= fl->slot_size) return OTA_ERR_TOO_BIG;
        if (fl->erase(fl->user, w->dst, w->erased_to, fl->erase_size) != 0) return OTA_ERR_FLASH;
        w->erased_to += fl->erase_size;
    }
    memset(w->page + w->page_fill, 0xff, fl->prog_size - w->page_fill);
    if (fl->program(fl->user, w->dst, start, w->page, fl->prog_size) != 0) return OTA_ERR_FLASH;
    w->page_fill = 0;
    return OTA_OK;
}

static ota_status put(ota_writer *w, uint8_t b)
{
    w->page[w->page_fill++] = b;
    w->out++;
    return w->page_fill == w->fl->prog_size ? flush(w) : OTA_OK;
}

ota_status ota_writer_feed(ota_writer *w, const uint8_t *data, size_t len)
{
    if (w == NULL) return OTA_ERR_ARG;
    if (w->error != OTA_OK) return w->error;
    if (data == NULL && len != 0) return w->error = OTA_ERR_ARG;
    for (size_t i = 0; i < len; i++) {
        if (w->pos < OTA_HEADER_SIZE) {
            /* the header is held back and checked before the first erase */
            w->hdr[w->pos++] = data[i];
            if (w->pos < OTA_HEADER_SIZE) continue;
            ota_image_header h;
            ota_status s = ota_image_parse(w->hdr, &h);
            if (s != OTA_OK) return w->error = s;
            if (h.payload_len > w->fl->slot_size - OTA_HEADER_SIZE) return w->error = OTA_ERR_TOO_BIG;
            w->total = OTA_HEADER_SIZE + h.payload_len;
            for (uint32_t k = 0; k < OTA_HEADER_SIZE; k++) {
                if ((s = put(w, w->hdr[k])) != OTA_OK) return w->error = s;
            }
            continue;
        }
        if (w->pos >= w->total) return w->error = OTA_ERR_TRAILING;
        w->pos++;
        ota_status s = put(w, data[i]);
        if (s != OTA_OK) return w->error = s;
    }
    return OTA_OK;
}

ota_status ota_writer_finish(ota_writer *w)
{
    if (w == NULL) return OTA_ERR_ARG;
    if (w->error != OTA_OK) return w->error;
    if (w->total == 0 || w->pos != w->total) return w->error = OTA_ERR_TRUNCATED;
    if (w->page_fill > 0) {
        ota_status s = flush(w);
        if (s != OTA_OK) return w->error = s;
    }
    return OTA_OK;
}
