/* All link command dispatch (link_rx_bytes' two callbacks). Internal. */
#ifndef WASMCU_DEVICE_DISPATCH_H
#define WASMCU_DEVICE_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

/* One command frame from a wasmcu host. */
void dispatch_frame(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len);
/* One text command of the MLPerf Tiny runner, '%' stripped. */
void dispatch_text(const char *text, size_t len);

#endif
