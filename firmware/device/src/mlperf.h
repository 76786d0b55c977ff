/* The MLPerf Tiny device-under-test text protocol over the model service. Internal. */
#ifndef WASMCU_DEVICE_MLPERF_H
#define WASMCU_DEVICE_MLPERF_H

#include <stddef.h>

/* Handles one runner command ('%' stripped), answering with its lines and "m-ready". */
void mlperf_command(const char *text, size_t len);

#endif
