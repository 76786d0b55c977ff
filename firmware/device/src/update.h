/* Signed updates over the link (LINK_CMD_OTA_*): each handler returns a link status and may
 * point *detail at a reason for the host. Internal. */
#ifndef WASMCU_DEVICE_UPDATE_H
#define WASMCU_DEVICE_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* Checks the image or patch header, picks the pair and the slot to write. */
link_status update_begin(const uint8_t *p, size_t n, const char **detail);
/* The next piece, in order; bytes already taken are acknowledged and not fed twice. */
link_status update_data(const uint8_t *p, size_t n, const char **detail);
/* Verifies and installs (pending): sends the decision as DATA under `seq` first. */
link_status update_finish(uint16_t seq, const char **detail);
/* Sends the pairs' state as DATA under `seq`. */
link_status update_status(uint16_t seq, const uint8_t *p, size_t n); /* whole or in parts (reply.h) */
/* The running trial images become confirmed, from the host. */
link_status update_confirm(const char **detail);
/* LINK_OK when the bootloader's serial recovery may be entered on request: the wasmcu
 * bootloader started this firmware and it is not on trial. */
link_status update_recovery_allowed(const char **detail);

#endif
