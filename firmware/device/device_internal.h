/* Shared between the files of firmware/device; not a public interface. */
#ifndef WASMCU_DEVICE_INTERNAL_H
#define WASMCU_DEVICE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Serves the link until `until_us` (while the app sleeps, or idles). */
void dev_wait_until(uint64_t until_us);
/* True once the host asked to stop the app (a native then unwinds it with a trap). */
bool dev_app_stop_requested(void);
void dev_log(uint8_t level, const uint8_t *text, size_t len);
void dev_trace_gpio(uint32_t pin, bool level);
/* One LINK_STREAM frame (at most LINK_MAX_PAYLOAD - 1 bytes). */
void dev_stream(uint8_t kind, const uint8_t *data, size_t len);

typedef enum { DEV_APP_STOP, DEV_APP_RESTART } dev_app_action;
/* Asks the main loop to stop or restart the app as soon as it is out of wasm code. */
void dev_app_request(dev_app_action action);
/* Sends the handshake JSON as a frame of `type` (HELLO at boot, DATA as a reply). */
void dev_send_hello(uint8_t type, uint16_t seq);
/* Queues a call of the app's export `name` for when the device is out of wasm code;
 * the device answers with DATA and ACK under `seq` when it has run. */
void dev_request_call(uint16_t seq, const uint8_t *name, size_t len);
/* True while a call with this seq waits or runs (a repeat of the command is ignored). */
bool dev_call_pending(uint16_t seq);

/* Handles one MLPerf Tiny runner command (mlperf.c), '%' stripped. */
void dev_mlperf_command(const char *text, size_t len);

/* Handles one command frame from the host (commands.c). */
void dev_on_frame(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len);

#endif
