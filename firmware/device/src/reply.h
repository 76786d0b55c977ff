/* A JSON reply (INFO, MODEL_INFO) whole or in parts: a noisy line rarely carries a long
 * frame intact, so the host may ask for a part of the text instead of all of it. */
#ifndef WASMCU_DEVICE_REPLY_H
#define WASMCU_DEVICE_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* Sends `json` (n bytes) as the DATA answer to command `seq`. With no argument (plen 0) the
 * whole text; with `offset u16le | length u16le` (plen 4): DATA = total length u16le | the
 * text's bytes from offset, at most length of them (none past the end). Anything else is
 * a bad argument. */
static inline link_status reply_json(uint16_t seq, const char *json, size_t n, const uint8_t *p, size_t plen)
{
    if (plen == 0) {
        link_send(LINK_DATA, seq, (const uint8_t *)json, n, NULL, 0);
        return LINK_OK;
    }
    if (plen != 4 || n > 0xffffu) return LINK_E_ARGS;
    size_t off = (size_t)p[0] | (size_t)p[1] << 8;
    size_t len = (size_t)p[2] | (size_t)p[3] << 8;
    if (off > n) off = n;
    if (len > n - off) len = n - off;
    if (len > LINK_MAX_PAYLOAD - 2u) len = LINK_MAX_PAYLOAD - 2u;
    const uint8_t total[2] = { (uint8_t)(n & 0xffu), (uint8_t)(n >> 8) };
    link_send(LINK_DATA, seq, total, sizeof total, (const uint8_t *)json + off, len);
    return LINK_OK;
}

#endif
