/* The handshake: what this device is, its flash layout and what its slots hold. Internal. */
#ifndef WASMCU_DEVICE_HELLO_H
#define WASMCU_DEVICE_HELLO_H

#include <stdint.h>

#include "link.h"

/* Sends the handshake JSON as one frame of `type` (HELLO at boot, DATA as a reply). */
void hello_send(link_type type, uint16_t seq);

#endif
