/*
 * The bootloader's decision (README.md, "Boot" steps 3 and 4), apart from the chip: which bank
 * to run, through firmware/ota's state records and image checks, and whether that bank's image
 * is firmware linked for it. It reads flash only through the ota_flash port, so the same file
 * is built into the bootloader and, on the host, into the power-cut test
 * (test/boards/rp2040/boot_decide_host.c), which runs it at every flash operation of an update.
 */
#include "boot.h"

#include <string.h>

/* The image in bank `slot` must have been linked for that bank (an image for the other bank
 * verifies just as well): its stack in RAM, its reset handler inside the bank. */
bool boot_linked_for(const ota_flash *fl, const boot_banks *b, uint8_t slot, const ota_image_header *h)
{
    uint32_t vt[2];
    if (slot > 1 || h->kind != OTA_KIND_FIRMWARE || h->payload_len <= BOOT_VECTORS_OFFSET - OTA_HEADER_SIZE + 8u) {
        return false;
    }
    if (fl->read(fl->user, (ota_area)slot, BOOT_VECTORS_OFFSET, vt, sizeof vt) != 0) return false;
    uint32_t start = b->bank_addr[slot] + BOOT_VECTORS_OFFSET;
    uint32_t end = b->bank_addr[slot] + OTA_HEADER_SIZE + h->payload_len;
    return vt[0] > b->ram_addr && vt[0] - b->ram_addr <= b->ram_size && (vt[1] & 1u) && vt[1] > start && vt[1] < end;
}

ota_status boot_decide(ota_ctx *ctx, const ota_flash *fl, const ota_keyring *keys, const boot_banks *b,
                       ota_reset_reason why, ota_boot_result *out)
{
    ota_status s = ota_open(ctx, fl, keys, BOOT_MAX_TRIAL_BOOTS);
    if (s == OTA_OK) s = ota_boot(ctx, why, out);
    if (s == OTA_OK && !boot_linked_for(fl, b, out->slot, &out->hdr)) s = OTA_ERR_HEADER;
    return s;
}
