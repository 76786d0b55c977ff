/* Development deploys over the link (LINK_CMD_WRITE_BEGIN, WRITE_DATA, VERIFY, ACTIVATE) and
 * reading flash back (LINK_CMD_READ). Each handler returns a link status. Internal. */
#ifndef WASMCU_DEVICE_DEPLOY_H
#define WASMCU_DEVICE_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* target u8 | length u32 | crc32 u32: erases room in the inactive slot; *detail names it. */
link_status deploy_begin(const uint8_t *p, size_t n, const char **detail);
/* offset u32 | bytes. */
link_status deploy_data(const uint8_t *p, size_t n);
/* Sends the CRC of what was written as DATA under `seq`; OK only if it matches. */
link_status deploy_verify(uint16_t seq);
/* Makes the verified image active (the caller restarts the app). */
link_status deploy_activate(void);
/* offset u32 | length u32: sends the flash bytes as DATA under `seq`. */
link_status deploy_read(uint16_t seq, const uint8_t *p, size_t n);

#endif
