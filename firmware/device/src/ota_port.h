/*
 * Signed OTA images in the device (firmware/ota wired to the board's flash).
 *
 * Two A/B pairs, each managed by its own ota_ctx:
 *   app pair   = the app slots app_a / app_b  (images of kind app or bundle)
 *   model pair = the two halves of the model area (images of kind model)
 * Their state records live in the settings region. A pair is "signed" once a
 * signed image runs from it; until then the device runs development images
 * (`wasmcu deploy`, 32-byte WMCU header, see slots.h). Once signed, unsigned
 * deploys to that pair are refused, so a development tool can never replace
 * the confirmed image. Not a public interface: only firmware/device uses it.
 */
#ifndef WASMCU_DEVICE_OTA_PORT_H
#define WASMCU_DEVICE_OTA_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota.h"
#include "slots.h"

/* FIRMWARE: the board's own firmware banks, on boards whose bootloader runs signed firmware
 * images (board.json flash.boot, e.g. boards/rp2040/boot); the bootloader takes the boot
 * decision, the device writes the other bank and confirms the running one. */
typedef enum { DEV_PAIR_APP = 0, DEV_PAIR_MODEL = 1, DEV_PAIR_FIRMWARE = 2, DEV_PAIR_COUNT = 3 } dev_pair_id;

/* What runs: an app or a model, wherever it comes from. */
typedef struct {
    const uint8_t *bytes;
    uint32_t len;
    const char *slot;    /* region name, e.g. "app_a" or "model_b" */
    bool signed_image;   /* from a verified OTA image (else a development image) */
    uint32_t generation; /* development images: their generation; signed: 0 */
} dev_image;

/* Bit of an ota_kind in dev_pair.kinds. */
#define DEV_KIND_BIT(k) (1u << (unsigned)(k))

/* One A/B pair: its slots, its state records, its flash port and its boot outcome. */
typedef struct {
    const char *name;
    const slot_region *slot[2];
    uint32_t state_offset;
    uint8_t kinds; /* bit mask of the ota_kind values this pair runs */
    ota_flash fl;
    ota_ctx ctx;
    ota_boot_result boot;
    ota_status status; /* of ota_open + ota_boot; OTA_ERR_NO_IMAGE: development images */
    bool is_signed;    /* a verified signed image runs from this pair */
    bool rolled_back;
} dev_pair;

/* Opens both pairs and takes the boot decision (trial, rollback, adopt); once per reset. */
void dev_ota_boot(void);

/* The app / model to run, or false if there is none. A bundle's model wins over the model pair. */
bool dev_running_app(dev_image *out);
bool dev_running_model(dev_image *out);

/* True once a signed image runs from the pair: development deploys to it are refused. */
bool dev_ota_signed(dev_pair_id pair);

/* The firmware's self-check passed (the HAL is up, the state areas were read, the main loop
 * runs): a firmware image on trial confirms itself. No-op without a bootloader. */
void dev_ota_firmware_selfcheck_passed(void);

/* True while the running app (or model) is a trial image that must confirm itself. */
bool dev_ota_on_trial(void);
/* The running trial images become confirmed; 0 on success or a negative ota_status. */
int32_t dev_ota_confirm(void);
/* The running trial app trapped: let the watchdog reset the chip, so the next boot rolls back.
 * Returns only if nothing is on trial. */
void dev_ota_trial_failed(const char *why);

/* For updates over the link (update.c): the pairs, the keys this firmware trusts. */
dev_pair *dev_ota_pair(dev_pair_id id);
bool dev_pair_on_trial(const dev_pair *p);
const ota_keyring *dev_ota_keys(void);
/* SHA-256 with firmware/ota's code (the runtime checks an AOT image's module hash with it). */
void dev_ota_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
const char *dev_ota_kind_name(uint8_t kind);

#endif
