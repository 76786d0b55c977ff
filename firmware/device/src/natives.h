/* The natives of natives.def, bound to the HAL. Internal to firmware/device. */
#ifndef WASMCU_DEVICE_NATIVES_H
#define WASMCU_DEVICE_NATIVES_H

#include <stddef.h>

#include "wr.h"

extern const wr_native dev_natives[];
extern const size_t dev_native_count;

#endif
