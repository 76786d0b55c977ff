/*
 * App and model slots in flash. Each slot starts with a 32-byte header; the
 * payload follows and is used in place (the runtime and the engine read it
 * straight from flash). Of the two app slots (and of the two halves of the
 * model area) the valid one with the highest generation is active. A new image always goes to the other slot, and its
 * header is programmed last, after the payload is verified: a power cut at
 * any point leaves the previous app active.
 */
#ifndef WASMCU_DEVICE_SLOTS_H
#define WASMCU_DEVICE_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#define SLOT_MAGIC        0x55434D57u /* "WMCU" little-endian */
#define SLOT_HEADER_BYTES 32u

typedef enum { SLOT_KIND_APP = 1, SLOT_KIND_MODEL = 2 } slot_kind;

typedef struct {
    uint32_t magic;
    uint16_t version; /* header format, 1 */
    uint8_t kind;     /* slot_kind */
    uint8_t flags;
    uint32_t length;     /* payload bytes */
    uint32_t crc32;      /* of the payload */
    uint32_t generation; /* higher is newer */
    uint8_t reserved[12];
} slot_header;

typedef enum {
    SLOT_OK = 0,
    SLOT_ERR_EMPTY,   /* erased or no header */
    SLOT_ERR_HEADER,  /* header damaged or of another format */
    SLOT_ERR_TOO_BIG, /* payload does not fit the region */
    SLOT_ERR_CRC,     /* payload does not match its CRC */
    SLOT_ERR_FLASH,   /* erase or program failed */
} slot_status;

const char *slot_status_str(slot_status s);

typedef struct {
    const char *name;
    uint32_t offset, size;
} slot_region;

/* The two app slots and the two halves of the model area, from the board's flash layout. */
const slot_region *slot_app(unsigned index);        /* 0 = app_a, 1 = app_b */
const slot_region *slot_model_half(unsigned index); /* 0 = model_a, 1 = model_b */

/* Checks header and CRC; on success *payload points at the bytes in flash. */
slot_status slot_check(const slot_region *r, slot_kind kind, slot_header *hdr, const uint8_t **payload);

/* The active app slot (index), or -1 if neither holds a valid app. */
int slot_active_app(slot_header *hdr, const uint8_t **payload);
/* The same for models. */
int slot_active_model(slot_header *hdr, const uint8_t **payload);

/* The steps of an install, for writes that arrive in pieces over the link:
 * erase room for `len` payload bytes, program pieces, check, then the header last. */
slot_status slot_erase_for(const slot_region *r, uint32_t len);
slot_status slot_write_payload(const slot_region *r, uint32_t offset, const uint8_t *data, uint32_t len,
                               uint32_t total);
uint32_t slot_payload_crc(const slot_region *r, uint32_t len);
slot_status slot_commit(const slot_region *r, slot_kind kind, uint32_t len, uint32_t crc, uint32_t generation);
/* How many erases and programs slot_erase_for/slot_write_payload/slot_commit have started
 * since boot: a checked slot stays as checked while this number does not move. */
uint32_t slot_writes(void);
/* The slot a new app or model goes to (never the active one), and the generation it gets. */
const slot_region *slot_next_app(uint32_t *generation);
const slot_region *slot_next_model(uint32_t *generation);

/* Erases the region and writes payload then header (generation = newest + 1 for apps). */
slot_status slot_install(const slot_region *r, slot_kind kind, const uint8_t *data, uint32_t len, uint32_t generation);

/* Installs an app into the inactive slot, making it the active one. */
slot_status slot_install_app(const uint8_t *data, uint32_t len);

#endif
