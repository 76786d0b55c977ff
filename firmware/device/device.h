/*
 * The device: where the runtime, the inference engine, the link and a board's
 * HAL meet. A board's startup code calls wasmcu_device_main() and never
 * returns from it; the host board may set options first.
 */
#ifndef WASMCU_DEVICE_H
#define WASMCU_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#define WASMCU_FIRMWARE_VERSION "0.1.0"
#define WASMCU_FIRMWARE_VERSION_STR WASMCU_FIRMWARE_VERSION

/* Report every GPIO write over the link (the host board and emulators do). */
void wasmcu_device_trace_gpio(bool on);

/* Boots the active app and serves the link forever. */
int wasmcu_device_main(void);

#endif
