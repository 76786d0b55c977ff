/* The handshake: what this device is, its flash layout and what its slots hold. Internal. */
#ifndef WASMCU_DEVICE_HELLO_H
#define WASMCU_DEVICE_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* Sends the handshake JSON as one frame of `type` (HELLO at boot). */
void hello_send(link_type type, uint16_t seq);

/* Answers INFO: the handshake JSON as DATA, whole or the part the command's argument
 * asks for (reply.h). */
link_status hello_reply(uint16_t seq, const uint8_t *p, size_t n);

#endif
