/* Outbound events: log lines, GPIO traces, sensor streams and app states, sent as link
 * frames. Held back while the MLPerf Tiny runner drives the port. Internal. */
#ifndef WASMCU_DEVICE_EVENTS_H
#define WASMCU_DEVICE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "wr.h" /* wr_trap_frame: the runtime's frames are sent as they are */

/* A log line (cut to one frame). */
void events_log(link_log_level level, const uint8_t *text, size_t len);
void events_log_str(link_log_level level, const char *text);
/* A GPIO write, when tracing is on (wasmcu_device_trace_gpio). */
void events_gpio(uint32_t pin, bool level);
/* One STREAM frame (at most LINK_MAX_PAYLOAD - 1 bytes). */
void events_stream(link_stream_kind kind, const uint8_t *data, size_t len);
/* The app's state, with an optional detail (e.g. the trap message). */
void events_app_state(link_app_state state, const char *detail);

#define EVENTS_TRAP_FRAMES 16u /* a TRAP frame carries at most this many */

/* A TRAP frame: where the app was called from, the call stack's depth and its innermost
 * frames (at most EVENTS_TRAP_FRAMES), and what trapped (cut to fit one frame). */
void events_trap(link_trap_context context, uint32_t depth, const wr_trap_frame *frames, size_t count,
                 const char *what);

/* The sequence number of the next event frame (the boot handshake takes one too). */
uint16_t events_next_seq(void);

/* True: events are held back (a text client such as the MLPerf runner reads the port),
 * false: they flow again (a wasmcu host sent a frame). */
void events_hold(bool hold);

#endif
