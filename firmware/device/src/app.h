/* The app's lifecycle: the running image loaded into the runtime, setup() once, loop()
 * turn by turn, a CALL queued by the host, stop and restart requests, traps. Internal. */
#ifndef WASMCU_DEVICE_APP_H
#define WASMCU_DEVICE_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "wr.h"

/* Serves the link until `until_us` (or until app_wants_control()): the main loop's, given
 * here so that an app that sleeps keeps the device answering. */
typedef void (*app_serve_fn)(uint64_t until_us);

/* Once at start-up: the natives every app may import, and how to serve the link. */
void app_init(const wr_native *natives, size_t native_count, app_serve_fn serve);

/* Loads the running app and runs its setup(); reports the state either way. */
void app_start(void);

typedef enum { APP_STOP, APP_RESTART } app_action;
/* Asks for a stop or restart as soon as the device is out of wasm code. */
void app_request(app_action action);

/* Queues a call of the app's export `name` (at most 31 bytes) for when the device is out of
 * wasm code; answered with DATA and ACK under `seq` when it has run. */
void app_request_call(uint16_t seq, const uint8_t *name, size_t len);
/* True while a call with this seq waits (a repeat of the command is ignored). */
bool app_call_pending(uint16_t seq);

/* The main loop's turns. Each returns true if it did something. */
bool app_serve_request(void); /* a stop or restart the host asked for */
bool app_run_call(void);      /* a queued CALL */
bool app_run_loop(void);      /* one call of loop(), if the app runs */

/* True when the main loop must take over from a wait: a stop or restart request, or a
 * queued call while no wasm code runs. */
bool app_wants_control(void);

/* For natives: waits until `until_us` serving the link. True if the host asked for the app
 * to stop meanwhile (the native then unwinds it with a trap). */
bool app_wait_until(uint64_t until_us);

link_app_state app_state(void);
/* Runtime arena bytes the loaded app uses. */
uint32_t app_ram_used(void);

#endif
