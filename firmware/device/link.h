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
    LINK_STREAM = 0x07,    /* kind u8 (0 .wqs file header, 1 block bytes) | bytes: a sensor stream */
} link_type;

/* Commands, host → device. Every command is answered by one LINK_ACK with its seq
 * (after any LINK_DATA replies). Payloads are little-endian. */
typedef enum {
    LINK_CMD_INFO = 0x40,        /* → DATA(hello JSON) */
    LINK_CMD_WRITE_BEGIN = 0x41, /* target u8 (link_target) | length u32 | crc32 u32: erase the inactive slot */
    LINK_CMD_WRITE_DATA = 0x42,  /* offset u32 | bytes: program part of the image (idempotent) */
    LINK_CMD_VERIFY = 0x43,      /* → DATA(crc32 u32 of what was written); ACK ok only if it matches */
    LINK_CMD_ACTIVATE = 0x44,    /* make the verified image active; an app restarts from it */
    LINK_CMD_APP = 0x45,         /* action u8: 0 stop, 1 (re)start */
    LINK_CMD_RESET = 0x46,       /* ACK, then reset the chip */
    LINK_CMD_READ = 0x47,        /* offset u32 | length u32 (≤ LINK_MAX_PAYLOAD): → DATA(bytes) from flash */
    LINK_CMD_MODEL_INFO = 0x48,  /* → DATA(JSON: arena bytes, input and output tensors) of the active model */
    LINK_CMD_MODEL_INPUT = 0x49, /* index u8 | offset u32 | bytes: into input tensor `index` */
    LINK_CMD_MODEL_INVOKE = 0x4A,/* → DATA(status u32 | micros u64 | cycles u64) */
    LINK_CMD_MODEL_OUTPUT = 0x4B,/* index u8 | offset u32 | length u32: → DATA(bytes) of output tensor `index` */
    LINK_CMD_MODEL_RESET = 0x4C, /* state tensors back to zero */
    LINK_CMD_CALL = 0x4D,        /* export name: run the app's export (no params) once it is out of wasm code;
                                    → DATA(status u32 | result i64 | micros u64 | cycles u64 | message) */
    LINK_CMD_OTA_BEGIN = 0x50,   /* mode u8 (link_ota_mode) | total length u32 | the image's 128-byte or the
                                  * patch's 96-byte header: checks it, picks the pair and the slot to write */
    LINK_CMD_OTA_DATA = 0x51,    /* offset u32 | bytes: the next piece, in order; bytes already taken are
                                  * acknowledged again and not fed twice */
    LINK_CMD_OTA_FINISH = 0x52,  /* → DATA(JSON decision): verify and install (pending) the new image */
    LINK_CMD_OTA_CONFIRM = 0x53, /* confirm the running trial image from the host (like `mcumgr image confirm`) */
    LINK_CMD_OTA_STATUS = 0x54,  /* → DATA(JSON: trusted keys; per pair: signed, slot, trial/confirmed, version,
                                  * counter, key id, floor, pending, rolled back and why) */
} link_cmd;

typedef enum { LINK_TARGET_APP = 0, LINK_TARGET_MODEL = 1 } link_target;
typedef enum { LINK_OTA_IMAGE = 0, LINK_OTA_PATCH = 1 } link_ota_mode;

typedef enum {
    LINK_OK = 0,
    LINK_E_UNKNOWN = 1,   /* unknown command */
    LINK_E_ARGS = 2,      /* malformed or out-of-range arguments */
    LINK_E_FLASH = 3,     /* erase or program failed */
    LINK_E_VERIFY = 4,    /* written bytes do not match the announced CRC */
    LINK_E_STATE = 5,     /* not now: e.g. ACTIVATE before a verified write */
    LINK_E_TOO_BIG = 6,   /* the image does not fit its slot */
    LINK_E_INVALID = 7,   /* the image was written but does not load */
    LINK_E_REJECTED = 8,  /* an OTA image or patch was refused (detail: why); nothing active changed */
} link_status;

/* Receives bytes from the link; calls `on_frame` for each frame with a good CRC.
 * Frames with a bad CRC or encoding are dropped: the host retransmits. */
typedef void (*link_frame_fn)(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len);
/* A plain-text command ending in '%' (the MLPerf Tiny runner's protocol), without the '%'. */
typedef void (*link_text_fn)(const char *text, size_t len);
void link_rx_bytes(const uint8_t *data, size_t len, link_frame_fn on_frame, link_text_fn on_text);
/* Frames dropped since boot (bad CRC, bad COBS, overlong). */
uint32_t link_rx_dropped(void);

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
