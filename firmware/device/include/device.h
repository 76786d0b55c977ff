/*
 * The device: where the runtime, the inference engine, OTA, the link and a board's HAL
 * meet. A board's start-up code calls wasmcu_device_main() and never returns from it; a
 * board may set options and install images (as a programmer would) first. This is all a
 * board sees of firmware/device.
 */
#ifndef WASMCU_DEVICE_H
#define WASMCU_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#define WASMCU_FIRMWARE_VERSION     "0.1.0"
#define WASMCU_FIRMWARE_VERSION_STR WASMCU_FIRMWARE_VERSION

/* Report every GPIO write over the link (the host board and emulators do). */
void wasmcu_device_trace_gpio(bool on);

typedef enum { WASMCU_DEVICE_APP, WASMCU_DEVICE_MODEL } wasmcu_device_image;

/* Installs an app (.wasm) or a model (.tflite) as a development image into its next slot,
 * as a programmer would, unless the running one already holds these bytes. Needs the HAL's
 * flash (after the board set it up). NULL on success, else what went wrong. */
const char *wasmcu_device_install(wasmcu_device_image kind, const uint8_t *data, uint32_t len);

/* Boots the active app and serves the link forever. */
int wasmcu_device_main(void);

#endif
