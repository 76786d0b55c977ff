/*
 * The device side of the serial link: self-synchronising frames over any byte stream.
 *
 * Wire format (docs: host-tools/src/link/README.md):
 *   COBS(body) 0x00,  body = type u8 | flags u8 | seq u16le | payload | crc32 u32le
 * The CRC-32 (IEEE 802.3, reflected, as zlib's crc32) covers type..payload.
 */
#ifndef WASMCU_DEVICE_LINK_H
#define WASMCU_DEVICE_LINK_H

#include <stddef.h>
#include <stdint.h>

#define LINK_PROTOCOL_VERSION 1u
#define LINK_MAX_PAYLOAD 1024u
#define LINK_HEADER_BYTES 4u
#define LINK_CRC_BYTES 4u
/* COBS adds one byte per 254 plus one; the delimiter is one more. */
#define LINK_MAX_WIRE (LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES + (LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES) / 254u + 2u)

/* Frame types. Device → host are below 0x40, host → device at 0x40 and above. */
typedef enum {
    LINK_HELLO = 0x01,     /* JSON: protocol, firmware version, board, layout, slots, RAM */
    LINK_LOG = 0x02,       /* level u8 | time_ms u32le | UTF-8 text */
    LINK_GPIO = 0x03,      /* pin u8 | level u8 | time_us u32le  (trace of GPIO writes) */
    LINK_APP_STATE = 0x04, /* state u8 | UTF-8 detail (e.g. the trap message) */
    LINK_ACK = 0x05,       /* status u8 | UTF-8 detail; seq echoes the command's */
    LINK_DATA = 0x06,      /* a reply's payload (read region, info), seq echoes the command's */
} link_type;

typedef enum {
    LINK_APP_NONE = 0,     /* no valid app in the active slot */
    LINK_APP_RUNNING = 1,
    LINK_APP_STOPPED = 2,
    LINK_APP_TRAPPED = 3,
    LINK_APP_INVALID = 4,  /* the slot's module failed to load or instantiate */
} link_app_state;

uint32_t link_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* COBS-encodes `len` bytes into `out` (capacity `cap`), without the 0x00 delimiter.
 * Returns the encoded length, or 0 if it does not fit. */
size_t link_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Decodes in place-compatible buffers; returns decoded length or SIZE_MAX if malformed. */
size_t link_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Sends one frame (two payload parts, so callers need not concatenate). Returns 0 on success. */
int link_send(uint8_t type, uint16_t seq, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
