/* Outbound events as link frames, each with the next event sequence number. */
#include "events.h"

#include <string.h>

#include "bytes.h"
#include "device.h"
#include "hal.h"

static struct {
    bool trace_gpio;
    /* The MLPerf Tiny runner drives the port (its last input was a text command, not a
     * frame): events are held back so that it reads nothing but its own lines. */
    bool held;
    uint16_t seq;
} ev;

void wasmcu_device_trace_gpio(bool on)
{
    ev.trace_gpio = on;
}

void events_hold(bool hold)
{
    ev.held = hold;
}

uint16_t events_next_seq(void)
{
    return ev.seq++;
}

void events_log(link_log_level level, const uint8_t *text, size_t len)
{
    uint8_t head[5];
    uint32_t ms = (uint32_t)(hal_time_us() / 1000u);
    head[0] = (uint8_t)level;
    le32_put(head + 1, ms);
    if (len > LINK_MAX_PAYLOAD - sizeof head) len = LINK_MAX_PAYLOAD - sizeof head;
    if (ev.held) return;
    link_send(LINK_LOG, events_next_seq(), head, sizeof head, text, len);
}

void events_log_str(link_log_level level, const char *text)
{
    events_log(level, (const uint8_t *)text, strlen(text));
}

void events_gpio(uint32_t pin, bool level)
{
    if (!ev.trace_gpio || ev.held) return;
    uint8_t p[6];
    uint32_t us = (uint32_t)hal_time_us();
    p[0] = (uint8_t)pin;
    p[1] = level ? 1u : 0u;
    le32_put(p + 2, us);
    link_send(LINK_GPIO, events_next_seq(), p, sizeof p, NULL, 0);
}

void events_trap(link_trap_context context, uint32_t depth, const wr_trap_frame *frames, size_t count, const char *what)
{
    uint8_t head[3 + 8u * EVENTS_TRAP_FRAMES];
    if (count > EVENTS_TRAP_FRAMES) count = EVENTS_TRAP_FRAMES;
    if (depth < count) depth = (uint32_t)count;
    head[0] = (uint8_t)context;
    head[1] = (uint8_t)(depth > 255u ? 255u : depth);
    head[2] = (uint8_t)count;
    for (size_t i = 0; i < count; i++) {
        le32_put(head + 3 + 8u * i, frames[i].func);
        le32_put(head + 7 + 8u * i, frames[i].offset);
    }
    size_t hlen = 3 + 8u * count, len = what ? strlen(what) : 0;
    if (len > LINK_MAX_PAYLOAD - hlen) len = LINK_MAX_PAYLOAD - hlen;
    if (ev.held) return;
    link_send(LINK_TRAP, events_next_seq(), head, hlen, (const uint8_t *)what, len);
}

void events_stream(link_stream_kind kind, const uint8_t *data, size_t len)
{
    if (ev.held) return;
    uint8_t k = (uint8_t)kind;
    link_send(LINK_STREAM, events_next_seq(), &k, 1, data, len);
}

void events_app_state(link_app_state state, const char *detail)
{
    if (ev.held) return;
    uint8_t s = (uint8_t)state;
    link_send(LINK_APP_STATE, events_next_seq(), &s, 1, (const uint8_t *)detail, detail ? strlen(detail) : 0);
}
