/* Image header parsing and the full signature check of an image. */
#include "ota.h"

#include <string.h>

const char *ota_status_str(ota_status s)
{
    switch (s) {
    case OTA_OK: return "ok";
    case OTA_ERR_ARG: return "bad argument";
    case OTA_ERR_FLASH: return "flash operation failed";
    case OTA_ERR_MAGIC: return "bad magic (not a wasmcu image or patch)";
    case OTA_ERR_VERSION: return "unsupported format version";
    case OTA_ERR_HEADER: return "header field out of range";
    case OTA_ERR_TOO_BIG: return "image does not fit the slot";
    case OTA_ERR_HASH: return "SHA-256 mismatch";
    case OTA_ERR_KEY: return "unknown key id";
    case OTA_ERR_SIGNATURE: return "signature does not verify";
    case OTA_ERR_DOWNGRADE: return "security counter lower than the device's";
    case OTA_ERR_WRONG_BASE: return "patch made for a different old image";
    case OTA_ERR_PATCH: return "malformed patch";
    case OTA_ERR_PATCH_RANGE: return "patch reads or writes outside the image";
    case OTA_ERR_TRUNCATED: return "truncated: patch or image ended early";
    case OTA_ERR_STATE: return "not allowed in the current slot state";
    case OTA_ERR_NO_IMAGE: return "no valid signed image";
    case OTA_ERR_TRAILING: return "more bytes than the header announced";
    }
    return "unknown error";
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Bytes 0..63 of the header are what the signature covers (they include the payload hash). */
#define SIGNED_BYTES 64u

ota_status ota_image_parse(const uint8_t raw[OTA_HEADER_SIZE], ota_image_header *out)
{
    if (raw == NULL || out == NULL) return OTA_ERR_ARG;
    if (le32(raw) != OTA_IMAGE_MAGIC) return OTA_ERR_MAGIC;
    if (le16(raw + 4) != OTA_IMAGE_VERSION) return OTA_ERR_VERSION;
    if (le16(raw + 6) != OTA_HEADER_SIZE) return OTA_ERR_HEADER;
    memset(out, 0, sizeof *out);
    out->kind = raw[8];
    out->ver_major = raw[9];
    out->ver_minor = raw[10];
    uint8_t flags = raw[11];
    out->ver_patch = le16(raw + 12);
    uint16_t reserved = le16(raw + 14);
    out->security_counter = le32(raw + 16);
    out->payload_len = le32(raw + 20);
    out->key_id = le32(raw + 24);
    out->app_len = le32(raw + 28);
    memcpy(out->payload_sha256, raw + 32, 32);
    memcpy(out->signature, raw + 64, 64);
    if (flags != 0 || reserved != 0) return OTA_ERR_HEADER;
    if (out->kind < OTA_KIND_APP || out->kind > OTA_KIND_FIRMWARE) return OTA_ERR_HEADER;
    if (out->payload_len == 0 || out->payload_len > UINT32_MAX - OTA_HEADER_SIZE) return OTA_ERR_HEADER;
    if (out->kind == OTA_KIND_BUNDLE) {
        if (out->app_len == 0 || out->app_len > UINT32_MAX - 15u || ota_bundle_model_offset(out) >= out->payload_len) {
            return OTA_ERR_HEADER;
        }
    } else if (out->app_len != 0) {
        return OTA_ERR_HEADER;
    }
    return OTA_OK;
}

static const ota_key *find_key(const ota_keyring *keys, uint32_t id)
{
    if (keys == NULL || keys->keys == NULL) return NULL;
    for (size_t i = 0; i < keys->count; i++) {
        if (keys->keys[i].id == id) return &keys->keys[i];
    }
    return NULL;
}

/* Shared tail of both verify paths: hash already computed into `digest`. */
static ota_status check_signed(const uint8_t raw[OTA_HEADER_SIZE], const ota_image_header *h, const uint8_t digest[32],
                               const ota_keyring *keys, uint32_t min_counter)
{
    if (memcmp(digest, h->payload_sha256, 32) != 0) return OTA_ERR_HASH;
    const ota_key *k = find_key(keys, h->key_id);
    if (k == NULL) return OTA_ERR_KEY;
    if (!ota_ed25519_verify(h->signature, raw, SIGNED_BYTES, k->pub)) return OTA_ERR_SIGNATURE;
    if (h->security_counter < min_counter) return OTA_ERR_DOWNGRADE;
    return OTA_OK;
}

ota_status ota_image_verify_buffer(const uint8_t *img, size_t len, const ota_keyring *keys, uint32_t min_counter,
                                   ota_image_header *out)
{
    ota_image_header tmp;
    if (out == NULL) out = &tmp;
    if (img == NULL || len < OTA_HEADER_SIZE) return OTA_ERR_HEADER;
    ota_status s = ota_image_parse(img, out);
    if (s != OTA_OK) return s;
    /* The same statuses as the writer's for the same damage. */
    if ((size_t)out->payload_len < len - OTA_HEADER_SIZE) return OTA_ERR_TRAILING;
    if ((size_t)out->payload_len > len - OTA_HEADER_SIZE) return OTA_ERR_TRUNCATED;
    uint8_t digest[32];
    ota_sha256 h;
    ota_sha256_init(&h);
    ota_sha256_update(&h, img + OTA_HEADER_SIZE, out->payload_len);
    ota_sha256_final(&h, digest);
    return check_signed(img, out, digest, keys, min_counter);
}

ota_status ota_image_verify_slot(const ota_flash *fl, const ota_keyring *keys, ota_area slot, uint32_t min_counter,
                                 ota_image_header *out)
{
    ota_image_header tmp;
    if (out == NULL) out = &tmp;
    if (fl == NULL || fl->read == NULL || (slot != OTA_AREA_SLOT0 && slot != OTA_AREA_SLOT1)) return OTA_ERR_ARG;
    if (fl->slot_size < OTA_HEADER_SIZE) return OTA_ERR_ARG;
    uint8_t raw[OTA_HEADER_SIZE];
    if (fl->read(fl->user, slot, 0, raw, OTA_HEADER_SIZE) != 0) return OTA_ERR_FLASH;
    ota_status s = ota_image_parse(raw, out);
    if (s != OTA_OK) return s;
    if (out->payload_len > fl->slot_size - OTA_HEADER_SIZE) return OTA_ERR_TOO_BIG;
    uint8_t buf[128];
    ota_sha256 h;
    ota_sha256_init(&h);
    for (uint32_t off = 0; off < out->payload_len;) {
        uint32_t n = out->payload_len - off;
        if (n > sizeof buf) n = sizeof buf;
        if (fl->read(fl->user, slot, OTA_HEADER_SIZE + off, buf, n) != 0) return OTA_ERR_FLASH;
        ota_sha256_update(&h, buf, n);
        off += n;
    }
    uint8_t digest[32];
    ota_sha256_final(&h, digest);
    return check_signed(raw, out, digest, keys, min_counter);
}
