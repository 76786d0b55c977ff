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

/* The numbers come from link.def, the one list the host's constants are generated from. */
enum {
#define LINK_CONST(c, ts, v) LINK_##c = v,
#include "link.def"
};
/* COBS adds one byte per 254 plus one; the delimiter is one more. */
#define LINK_MAX_WIRE                                                                                                  \
    (LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES +                                                           \
     (LINK_HEADER_BYTES + LINK_MAX_PAYLOAD + LINK_CRC_BYTES) / 254u + 2u)

/* Frame types. Device → host are below 0x40, host → device at 0x40 and above. */
typedef enum {
#define LINK_FRAME(c, ts, v) LINK_##c = v,
#include "link.def"
} link_type;

/* Commands, host → device; payloads in link.def and host-tools/src/link/README.md. */
typedef enum {
#define LINK_CMD(c, ts, v) LINK_CMD_##c = v,
#include "link.def"
} link_cmd;

typedef enum {
#define LINK_TARGET(c, ts, v) LINK_TARGET_##c = v,
#include "link.def"
} link_target;

typedef enum {
#define LINK_OTA_MODE(c, ts, v) LINK_OTA_##c = v,
#include "link.def"
} link_ota_mode;

typedef enum {
#define LINK_STATUS(c, ts, v, text) LINK_##c = v,
#include "link.def"
} link_status;

typedef enum {
#define LINK_LOG_LEVEL(c, ts, v) LINK_LOG_##c = v,
#include "link.def"
} link_log_level;

typedef enum {
#define LINK_STREAM_KIND(c, ts, v) LINK_STREAM_##c = v,
#include "link.def"
} link_stream_kind;

typedef enum {
#define LINK_CALL_STATUS(c, ts, v) LINK_CALL_##c = v,
#include "link.def"
} link_call_status;

/* Receives bytes from the link; calls `on_frame` for each frame with a good CRC.
 * Frames with a bad CRC or encoding are dropped: the host retransmits. */
typedef void (*link_frame_fn)(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len);
/* A plain-text command ending in '%' (the MLPerf Tiny runner's protocol), without the '%'. */
typedef void (*link_text_fn)(const char *text, size_t len);
void link_rx_bytes(const uint8_t *data, size_t len, link_frame_fn on_frame, link_text_fn on_text);
/* Frames dropped since boot (bad CRC, bad COBS, overlong). */
uint32_t link_rx_dropped(void);

typedef enum {
#define LINK_APP_STATE(c, ts, v) LINK_APP_##c = v,
#include "link.def"
} link_app_state;

typedef enum {
#define LINK_TRAP_CONTEXT(c, ts, v) LINK_TRAP_##c = v,
#include "link.def"
} link_trap_context;

uint32_t link_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* COBS-encodes `len` bytes into `out` (capacity `cap`), without the 0x00 delimiter.
 * Returns the encoded length, or 0 if it does not fit. */
size_t link_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Decodes in place-compatible buffers; returns decoded length or SIZE_MAX if malformed. */
size_t link_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Sends one frame (two payload parts, so callers need not concatenate). Returns 0 on success. */
int link_send(uint8_t type, uint16_t seq, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
