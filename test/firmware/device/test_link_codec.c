/* test_link_codec encode TYPE SEQ HEXPAYLOAD  -> the frame's wire bytes, hex
 * test_link_codec decode HEXWIRE              -> "TYPE SEQ HEXPAYLOAD" or "error: ..."
 * test_link_codec receive HEXSTREAM [CHUNK]   -> what the device's receiver (link_rx_bytes) makes of
 *                                                a byte stream fed CHUNK bytes at a time: one line per
 *                                                "frame TYPE SEQ HEXPAYLOAD" or "text TEXT", then
 *                                                "dropped N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "link.h"

static uint8_t captured[LINK_MAX_WIRE];
static size_t captured_len;

/* The link's only HAL dependency, captured instead of sent. */
size_t hal_link_write(const uint8_t *data, size_t len)
{
    if (len > sizeof captured - captured_len) return 0;
    memcpy(captured + captured_len, data, len);
    captured_len += len;
    return len;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s) / 2;
    if (n > cap) return SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return SIZE_MAX;
        out[i] = (uint8_t)v;
    }
    return n;
}

static void hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static void on_frame(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len)
{
    printf("frame %u %u ", type, (unsigned)seq);
    hex(payload, len);
    putchar('\n');
}

static void on_text(const char *text, size_t len)
{
    printf("text %.*s\n", (int)len, text);
}

int main(int argc, char **argv)
{
    static uint8_t buf[LINK_MAX_WIRE], body[LINK_MAX_WIRE];
    if (argc == 5 && !strcmp(argv[1], "encode")) {
        size_t n = unhex(argv[4], buf, LINK_MAX_PAYLOAD);
        if (n == SIZE_MAX) return 2;
        if (link_send((uint8_t)atoi(argv[2]), (uint16_t)atoi(argv[3]), buf, n, NULL, 0) != 0) {
            puts("error: send failed");
            return 1;
        }
        hex(captured, captured_len);
        putchar('\n');
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "decode")) {
        size_t n = unhex(argv[2], buf, sizeof buf);
        if (n == SIZE_MAX || n == 0 || buf[n - 1] != 0) {
            puts("error: no delimiter");
            return 1;
        }
        size_t m = link_cobs_decode(buf, n - 1, body, sizeof body);
        if (m == SIZE_MAX || m < 8) {
            puts("error: bad cobs");
            return 1;
        }
        uint32_t want = (uint32_t)body[m - 4] | (uint32_t)body[m - 3] << 8 | (uint32_t)body[m - 2] << 16 |
                        (uint32_t)body[m - 1] << 24;
        if (link_crc32(0, body, m - 4) != want) {
            puts("error: crc");
            return 1;
        }
        printf("%u %u ", body[0], (unsigned)(body[2] | body[3] << 8));
        hex(body + 4, m - 8);
        putchar('\n');
        return 0;
    }
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "receive")) {
        static uint8_t stream[64 * 1024]; /* many streams a call: argv takes 128 KiB of hex */
        size_t n = unhex(argv[2], stream, sizeof stream);
        size_t chunk = argc == 4 ? (size_t)strtoul(argv[3], NULL, 10) : n;
        if (n == SIZE_MAX || chunk == 0) return 2;
        for (size_t at = 0; at < n; at += chunk) {
            link_rx_bytes(stream + at, n - at < chunk ? n - at : chunk, on_frame, on_text);
        }
        printf("dropped %u\n", (unsigned)link_rx_dropped());
        return 0;
    }
    fprintf(stderr, "usage: test_link_codec encode TYPE SEQ HEX | decode HEX | receive HEX [CHUNK]\n");
    return 2;
}
