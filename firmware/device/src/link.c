#include "link.h"

#include <stdbool.h>

#include "hal.h"

uint32_t link_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    /* A nibble at a time from a 64-byte table: a 1 KiB byte table costs flash, while bit by bit
     * made the receiver's search for a frame inside a damaged block (rx_decode_tail) slow. */
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ nibble[crc & 15u];
        crc = (crc >> 4) ^ nibble[crc & 15u];
    }
    return ~crc;
}

size_t link_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t o = 1, code_at = 0;
    uint8_t code = 1;
    if (cap == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            if (o >= cap) return 0;
            out[o++] = in[i];
            if (++code == 0xFF) {
                out[code_at] = code;
                code_at = o++;
                code = 1;
            }
        }
        if (o > cap) return 0;
    }
    if (code_at >= cap) return 0;
    out[code_at] = code;
    return o;
}

size_t link_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < len) {
        uint8_t code = in[i++];
        if (code == 0) return SIZE_MAX;
        for (uint8_t k = 1; k < code; k++) {
            if (i >= len || in[i] == 0 || o >= cap) return SIZE_MAX;
            out[o++] = in[i++];
        }
        if (code != 0xFF && i < len) {
            if (o >= cap) return SIZE_MAX;
            out[o++] = 0;
        }
    }
    return o;
}

int link_send(uint8_t type, uint16_t seq, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    static uint8_t body[LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES];
    static uint8_t wire[LINK_MAX_WIRE];
    if (alen + blen > LINK_MAX_PAYLOAD) return -1;
    size_t n = 0;
    body[n++] = type;
    body[n++] = 0;
    body[n++] = (uint8_t)(seq & 0xFF);
    body[n++] = (uint8_t)(seq >> 8);
    for (size_t i = 0; i < alen; i++) body[n++] = a[i];
    for (size_t i = 0; i < blen; i++) body[n++] = b[i];
    uint32_t crc = link_crc32(0, body, n);
    for (int i = 0; i < 4; i++) body[n++] = (uint8_t)(crc >> (8 * i));
    size_t w = link_cobs_encode(body, n, wire, sizeof wire - 1);
    if (w == 0) return -1;
    wire[w++] = 0;
    return hal_link_write(wire, w) == w ? 0 : -1;
}

static struct {
    uint8_t wire[LINK_MAX_WIRE];
    uint8_t body[LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES];
    size_t n;
    bool overflow;
    bool text;   /* everything since the last delimiter is printable ASCII (after leading line ends) */
    size_t lead; /* leading '\r', '\n', '%' since the last delimiter: kept, as a frame may start with one */
    uint32_t dropped;
} rx;

/* The shortest frame on the wire: an empty payload's body and one COBS code byte. */
#define RX_MIN_WIRE (LINK_HEADER_BYTES + LINK_CRC_BYTES + 1u)

/* Bit i: the COBS code chain from wire[i] ends exactly at the block's end (the suffix search). */
static uint8_t rx_lands[LINK_MAX_WIRE / 8u + 1u];

/* The frame body COBS-decoded from wire[0..n), or SIZE_MAX if it is not a frame with a good CRC. */
static size_t rx_decode(const uint8_t *wire, size_t n)
{
    size_t m = link_cobs_decode(wire, n, rx.body, sizeof rx.body);
    if (m == SIZE_MAX || m < LINK_HEADER_BYTES + LINK_CRC_BYTES) return SIZE_MAX;
    uint32_t want = (uint32_t)rx.body[m - 4] | (uint32_t)rx.body[m - 3] << 8 | (uint32_t)rx.body[m - 2] << 16 |
                    (uint32_t)rx.body[m - 1] << 24;
    return link_crc32(0, rx.body, m - LINK_CRC_BYTES) == want ? m : SIZE_MAX;
}

static bool lands_at(size_t i)
{
    return (rx_lands[i / 8u] >> (i % 8u)) & 1u;
}

/* A good frame ending the block wire[0..n) that, whole, is none: a noise burst destroyed the
 * delimiter of the frame before it, or line ends or text came first. Only a start whose code
 * chain lands exactly on n can begin it: those are marked in one pass from the end, and only
 * they get a CRC, the earliest first (as the host's frameAtEnd). A wrong frame needs a chance
 * 32-bit CRC match. Returns the body length (in rx.body) and *start, or SIZE_MAX. */
static size_t rx_decode_tail(const uint8_t *wire, size_t n, size_t *start)
{
    if (n < RX_MIN_WIRE + 1u) return SIZE_MAX;
    rx_lands[n / 8u] = (uint8_t)(1u << (n % 8u));
    for (size_t i = n; i-- > 1u;) {
        size_t next = i + wire[i];
        uint8_t bit = (uint8_t)(1u << (i % 8u));
        if (i % 8u == 7u) rx_lands[i / 8u] = 0; /* the byte's top bit comes first, going down */
        if (next <= n && lands_at(next)) rx_lands[i / 8u] |= bit;
    }
    for (size_t k = 1; k + RX_MIN_WIRE <= n; k++) {
        if (!lands_at(k)) continue;
        size_t m = rx_decode(wire + k, n - k);
        if (m != SIZE_MAX) {
            *start = k;
            return m;
        }
    }
    return SIZE_MAX;
}

uint32_t link_rx_dropped(void)
{
    return rx.dropped;
}

void link_rx_bytes(const uint8_t *data, size_t len, link_frame_fn on_frame, link_text_fn on_text)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (b != 0) {
            if (rx.n == 0) {
                rx.text = true;
                rx.lead = 0;
            }
            /* Text commands end in '%'; line ends (and a '%' with no text: no command) before one
             * are not part of it. They are kept, not skipped: a frame's first COBS code byte may be
             * 0x0a, 0x0d or 0x25. */
            if ((b == '\r' || b == '\n' || b == '%') && rx.lead == rx.n && rx.n < sizeof rx.wire) {
                rx.lead++;
            } else {
                rx.text = rx.text && b >= 0x20 && b < 0x7F;
                if (b == '%' && rx.text && on_text) {
                    on_text((const char *)rx.wire + rx.lead, rx.n - rx.lead);
                    rx.n = 0;
                    rx.overflow = false;
                    continue;
                }
            }
            if (rx.n < sizeof rx.wire)
                rx.wire[rx.n++] = b;
            else
                rx.overflow = true;
            continue;
        }
        if (rx.n == 0) continue;
        const bool only_line_ends = rx.lead == rx.n && !rx.overflow;
        size_t start = 0;
        size_t m = rx.overflow ? SIZE_MAX : rx_decode(rx.wire, rx.n);
        /* Line ends after a text command, or a damaged frame, then a frame: that frame. */
        if (m == SIZE_MAX && !rx.overflow) m = rx_decode_tail(rx.wire, rx.n, &start);
        rx.n = 0;
        rx.overflow = false;
        if (m == SIZE_MAX) {
            if (!only_line_ends) rx.dropped++;
            continue;
        }
        if (start > rx.lead) rx.dropped++; /* the damaged part before it */
        on_frame(rx.body[0], (uint16_t)(rx.body[2] | rx.body[3] << 8), rx.body + LINK_HEADER_BYTES,
                 m - LINK_HEADER_BYTES - LINK_CRC_BYTES);
    }
}
