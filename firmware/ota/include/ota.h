/*
 * wasmcu OTA core: signed images, delta patches and A/B slot states.
 *
 * Portable C11. It knows nothing of boards: the embedder describes its flash
 * with an ota_flash (three areas: slot 0, slot 1 and a small state area) and
 * supplies the public-key table and every buffer. No malloc, no board header.
 * The image format, the delta format and every state transition are written
 * down in firmware/ota/README.md.
 */
#ifndef WASMCU_OTA_H
#define WASMCU_OTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------ */

typedef enum {
    OTA_OK = 0,
    OTA_ERR_ARG,         /* NULL or out-of-range argument from the embedder */
    OTA_ERR_FLASH,       /* a flash callback failed */
    OTA_ERR_MAGIC,       /* not an image / patch: bad magic */
    OTA_ERR_VERSION,     /* unknown format version */
    OTA_ERR_HEADER,      /* header field out of range (kind, sizes, reserved) */
    OTA_ERR_TOO_BIG,     /* image or patch output does not fit the slot */
    OTA_ERR_HASH,        /* payload / image SHA-256 does not match */
    OTA_ERR_KEY,         /* key id not in the compiled-in key table */
    OTA_ERR_SIGNATURE,   /* Ed25519 signature does not verify */
    OTA_ERR_DOWNGRADE,   /* security counter below the device's floor */
    OTA_ERR_WRONG_BASE,  /* patch was made for another old image */
    OTA_ERR_PATCH,       /* malformed patch op stream */
    OTA_ERR_PATCH_RANGE, /* patch op reads/writes outside the old/new image */
    OTA_ERR_TRUNCATED,   /* patch or image ended before all announced bytes */
    OTA_ERR_STATE,       /* operation not allowed in the current slot state */
    OTA_ERR_NO_IMAGE,    /* no slot holds a valid, signed image */
    OTA_ERR_TRAILING,    /* more bytes than the header announced */
} ota_status;

const char *ota_status_str(ota_status s);

/* ---- hashes and signatures (also usable on their own) ------------------ */

typedef struct {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    uint32_t fill;
} ota_sha256;

void ota_sha256_init(ota_sha256 *c);
void ota_sha256_update(ota_sha256 *c, const void *data, size_t len);
void ota_sha256_final(ota_sha256 *c, uint8_t out[32]);

typedef struct {
    uint64_t h[8];
    uint64_t len;
    uint8_t buf[128];
    uint32_t fill;
} ota_sha512;

void ota_sha512_init(ota_sha512 *c);
void ota_sha512_update(ota_sha512 *c, const void *data, size_t len);
void ota_sha512_final(ota_sha512 *c, uint8_t out[64]);

/* RFC 8032 Ed25519 verification (pure, no context). Rejects S >= L, point
 * encodings with y >= p or x = 0 with the sign bit set, and small-order A or R. */
bool ota_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len, const uint8_t pub[32]);

/* ---- flash access (the embedder's port) -------------------------------- */

typedef enum { OTA_AREA_SLOT0 = 0, OTA_AREA_SLOT1 = 1, OTA_AREA_STATE = 2 } ota_area;

/* Callbacks return 0 on success. Offsets are relative to the area. erase()
 * is called with offset and length multiples of erase_size; program() with
 * offset and length multiples of prog_size, on erased bytes only. */
typedef struct ota_flash {
    void *user;
    int (*read)(void *user, ota_area area, uint32_t off, void *buf, uint32_t len);
    int (*erase)(void *user, ota_area area, uint32_t off, uint32_t len);
    int (*program)(void *user, ota_area area, uint32_t off, const void *buf, uint32_t len);
    uint32_t slot_size;  /* bytes in each of slot 0 and slot 1 */
    uint32_t state_size; /* bytes in the state area: two erase units or more, even count */
    uint32_t erase_size; /* erase unit, e.g. 4096 */
    uint32_t prog_size;  /* program unit, e.g. 256; at most OTA_PROG_MAX */
} ota_flash;

#define OTA_PROG_MAX 256u

/* ---- the three areas in one flash (a ready-made port) ------------------ */

/* Where the embedder's three areas lie in one flash addressed by offset, and its access to
 * that flash. With a pointer to it as ota_flash.user, ota_map_read / ota_map_erase /
 * ota_map_program are the ota_flash callbacks: each returns -1, reaching no flash, unless
 * [off, off + len) lies inside its area (and, for a write, the area is writable). They only
 * read the map: a const one (in flash, not copied to RAM) is passed as (void *)&map. */
typedef struct {
    uint32_t offset[3]; /* where each ota_area starts in the flash, indexed by ota_area */
    uint32_t size[3];   /* its bytes */
    bool state_only;    /* erase and program reach the state area only (a bootloader's records) */
    const uint8_t *(*map)(uint32_t offset, uint32_t len); /* the bytes in place, NULL if none */
    int (*erase)(uint32_t offset, uint32_t len);          /* 0 on success */
    int (*program)(uint32_t offset, const void *buf, uint32_t len);
} ota_flash_map;

int ota_map_read(void *map, ota_area area, uint32_t off, void *buf, uint32_t len);
int ota_map_erase(void *map, ota_area area, uint32_t off, uint32_t len);
int ota_map_program(void *map, ota_area area, uint32_t off, const void *buf, uint32_t len);

/* ---- keys and images --------------------------------------------------- */

typedef struct {
    uint32_t id; /* first 4 bytes of SHA-256(pub), little-endian */
    uint8_t pub[32];
} ota_key;

typedef struct {
    const ota_key *keys; /* generated by `wasmcu keys export --c-header` */
    size_t count;
} ota_keyring;

/* FIRMWARE: a board's firmware, linked for the bank (slot) it is written to; run by a
 * bootloader (boards/rp2040/boot), never by firmware/device. */
typedef enum { OTA_KIND_APP = 1, OTA_KIND_MODEL = 2, OTA_KIND_BUNDLE = 3, OTA_KIND_FIRMWARE = 4 } ota_kind;

#define OTA_IMAGE_MAGIC   0x41544F57u /* "WOTA" little-endian */
#define OTA_IMAGE_VERSION 1u
#define OTA_HEADER_SIZE   128u

/* The parsed 128-byte header; the payload follows it in the slot. */
typedef struct {
    uint8_t kind; /* ota_kind */
    uint8_t ver_major, ver_minor;
    uint16_t ver_patch;
    uint32_t security_counter;
    uint32_t payload_len;
    uint32_t key_id;
    uint32_t app_len; /* BUNDLE: bytes of .wasm at payload start; the .tflite follows */
    uint8_t payload_sha256[32];
    uint8_t signature[64];
} ota_image_header;

/* A bundle's .tflite starts at the first 16-byte boundary after the .wasm (zero padding
 * between), so the engine can use it in place: flatbuffer data must be aligned. */
#define OTA_BUNDLE_MODEL_ALIGN 16u
static inline uint32_t ota_bundle_model_offset(const ota_image_header *h)
{
    return (h->app_len + OTA_BUNDLE_MODEL_ALIGN - 1u) & ~(OTA_BUNDLE_MODEL_ALIGN - 1u);
}

/* Parses and range-checks a header (no signature check). */
ota_status ota_image_parse(const uint8_t raw[OTA_HEADER_SIZE], ota_image_header *out);

/* Full check of the image in a slot: header, payload hash (streamed from
 * flash), key id in the keyring, signature, and counter >= min_counter. */
ota_status ota_image_verify_slot(const ota_flash *fl, const ota_keyring *keys, ota_area slot, uint32_t min_counter,
                                 ota_image_header *out);

/* Same for an image in RAM (header + payload). */
ota_status ota_image_verify_buffer(const uint8_t *img, size_t len, const ota_keyring *keys, uint32_t min_counter,
                                   ota_image_header *out);

/* ---- streaming delta patcher ------------------------------------------- */

#define OTA_PATCH_MAGIC       0x544C4457u /* "WDLT" little-endian */
#define OTA_PATCH_HEADER_SIZE 96u
#define OTA_PATCH_CONTEXTS    7u /* tag, op length, offset delta, diff skip, diff run, literal, diff byte */

/* All patcher state: sizeof(ota_patcher) is the whole RAM it needs
 * (reported by the benchmark); the embedder owns it (static or stack). */
typedef struct {
    const ota_flash *fl;
    ota_area src, dst;
    uint32_t old_len, new_len;
    uint8_t new_sha[32];
    ota_sha256 out_hash; /* of the bytes produced so far */
    uint8_t hdr[OTA_PATCH_HEADER_SIZE];
    uint32_t hdr_fill;
    uint32_t body_len, body_seen; /* op-stream bytes announced in the header / received */
    uint32_t out_pos;             /* bytes of new image produced */
    uint32_t erased_to;           /* dst bytes erased so far */
    int64_t old_pos;              /* read cursor in the old image */
    uint8_t state, op, want;      /* parser state, current op, which varint is being read */
    uint8_t varint_bytes;
    uint64_t varint;
    uint32_t op_len;   /* length argument of the current op */
    uint32_t op_left;  /* bytes of the current op not produced yet */
    uint32_t run_left; /* bytes left in the current literal / diff run */
    uint32_t run_len;  /* skip of the current diff pair (a pair must make progress) */
    ota_status error;  /* sticky */
    uint32_t page_fill;
    uint8_t page[OTA_PROG_MAX];
    uint8_t old_buf[64]; /* read-ahead of the old image */
    uint32_t old_buf_pos, old_buf_len;
    /* range-coded bodies (header byte 80 = 1): adaptive binary range decoder */
    uint8_t coded;
    uint8_t rc_init; /* bytes of the 5-byte coder preamble consumed */
    uint32_t rc_range, rc_code;
    uint8_t ring[16]; /* coded bytes waiting: one output byte needs at most 8 */
    uint32_t ring_head, ring_count;
    uint16_t probs[OTA_PATCH_CONTEXTS][256];
    /* set by ota_patch_known_base(): the src prefix the embedder has already hashed */
    uint8_t base_known;
    uint32_t base_len;
    uint8_t base_sha[32];
} ota_patcher;

/* Starts a patch: src is the active slot (read only), dst the inactive one
 * (written). Nothing is written until the patch header has been checked
 * against the src image's length and SHA-256. */
void ota_patch_init(ota_patcher *p, const ota_flash *fl, ota_area src, ota_area dst);
/* Optional, after init and before the first feed: the embedder has hashed the first
 * len bytes of src itself (to choose which image a patch applies to) and they hash
 * to sha. The header's base is then compared with that instead of reading and
 * hashing src a second time; a header naming another base is still refused. */
void ota_patch_known_base(ota_patcher *p, uint32_t len, const uint8_t sha[32]);
/* Feeds patch bytes in chunks of any size; returns the first error (sticky). */
ota_status ota_patch_feed(ota_patcher *p, const uint8_t *data, size_t len);
/* Ends the patch: checks END was seen, every byte produced, and the SHA-256
 * of the new image. The new image's signature is checked by ota_install(). */
ota_status ota_patch_finish(ota_patcher *p);

/* ---- full-image writer ------------------------------------------------- */

/* Writes a whole signed image (as sent by `wasmcu ota push IMAGE`) into the
 * inactive slot in chunks. Nothing is erased before the 128-byte header has
 * parsed and the image is known to fit; bytes beyond the header's length are
 * refused. Call ota_install() afterwards: it checks the signature. */
typedef struct {
    const ota_flash *fl;
    ota_area dst;
    uint32_t pos;   /* bytes received */
    uint32_t out;   /* bytes passed to the page buffer */
    uint32_t total; /* image bytes, once the header has been read */
    uint32_t erased_to, page_fill;
    ota_status error; /* sticky */
    uint8_t hdr[OTA_HEADER_SIZE];
    uint8_t page[OTA_PROG_MAX];
} ota_writer;

void ota_writer_init(ota_writer *w, const ota_flash *fl, ota_area dst);
ota_status ota_writer_feed(ota_writer *w, const uint8_t *data, size_t len);
ota_status ota_writer_finish(ota_writer *w);

/* ---- slots: trial boot, confirm, rollback ------------------------------ */

typedef enum { OTA_SLOT_EMPTY = 0, OTA_SLOT_PENDING, OTA_SLOT_TRIAL, OTA_SLOT_CONFIRMED } ota_slot_state;

typedef enum { OTA_RESET_POWER_ON = 0, OTA_RESET_SOFTWARE, OTA_RESET_WATCHDOG } ota_reset_reason;

#define OTA_NO_SLOT                 0xFFu
#define OTA_MAX_TRIAL_BOOTS_DEFAULT 3u

/* What the state area says (the newest valid record). */
typedef struct {
    uint32_t seq;         /* record sequence number, grows by one per record */
    uint8_t confirmed;    /* slot of the confirmed image, or OTA_NO_SLOT */
    uint8_t pending;      /* slot to try at next boot, or OTA_NO_SLOT */
    uint8_t trial;        /* slot on trial, or OTA_NO_SLOT */
    uint8_t trial_boots;  /* boots of the trial image so far */
    uint32_t min_counter; /* security counter floor (of the confirmed image) */
} ota_state;

typedef struct {
    const ota_flash *fl;
    ota_keyring keys;
    uint8_t max_trial_boots; /* boots an unconfirmed image gets before rollback */
    ota_state st;
    uint32_t next_off; /* where the next record goes in the state area */
    uint8_t running;   /* slot chosen by the last ota_boot */
} ota_ctx;

/* Reads the state area (never writes). */
ota_status ota_open(ota_ctx *c, const ota_flash *fl, const ota_keyring *keys, uint8_t max_trial_boots);

typedef struct {
    uint8_t slot;        /* slot to run */
    bool trial;          /* true: the image must call ota_confirm() */
    bool rolled_back;    /* a trial image was abandoned at this boot */
    ota_status rejected; /* why a pending/trial image was refused (OTA_OK if none) */
    ota_image_header hdr;
} ota_boot_result;

/* The boot decision; call once per reset, before running the app.
 * Verifies the chosen image's signature; never boots an unverified one. */
ota_status ota_boot(ota_ctx *c, ota_reset_reason why, ota_boot_result *out);

/* The slot an update may be written to (never the confirmed or running one). */
uint8_t ota_inactive_slot(const ota_ctx *c);
/* Forgets any pending image in the inactive slot and erases nothing; call
 * before writing the inactive slot so no record points at half-written data. */
ota_status ota_update_begin(ota_ctx *c);
/* Verifies the image now in the inactive slot (signature, counter) and marks
 * it pending: it will be tried at the next boot. */
ota_status ota_install(ota_ctx *c, ota_image_header *out);
/* The running trial image declares itself good: it becomes confirmed and
 * its security counter becomes the floor. */
ota_status ota_confirm(ota_ctx *c);
ota_slot_state ota_slot_state_of(const ota_ctx *c, uint8_t slot);

/* Plain CRC-32 (IEEE), used by the state records. */
uint32_t ota_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
