/* The handshake JSON; it must fit one frame, and says so if it does not. */
#include "hello.h"

#include <stdio.h>

#include "app.h"
#include "board_config.h"
#include "device.h"
#include "device_config.h"
#include "hal.h"
#include "ota_port.h"
#include "reply.h"
#include "wr.h"

static char buf[LINK_MAX_PAYLOAD];

/* The handshake into buf: what this device is, its flash layout and what its slots hold. */
static size_t hello_json(void)
{
    static const struct {
        const char *name;
        uint32_t offset, size;
    } regions[] = { WASMCU_REGION_TABLE };
    int n = snprintf(buf, sizeof buf,
                     "{\"protocol\":%u,\"firmware\":\"%s\",\"board\":\"%s\",\"cpu\":\"%s\",\"clock_hz\":%lu,"
                     "\"flash_size\":%lu,\"reset\":%d,\"runtime_arena\":%lu,\"layout\":[",
                     (unsigned)LINK_PROTOCOL_VERSION, WASMCU_FIRMWARE_VERSION, WASMCU_BOARD_NAME, WASMCU_BOARD_CPU,
                     (unsigned long)WASMCU_CLOCK_HZ, (unsigned long)WASMCU_FLASH_SIZE, (int)hal_last_reset(),
                     (unsigned long)DEV_RUNTIME_ARENA_BYTES);
    for (size_t i = 0; i < sizeof regions / sizeof regions[0] && n > 0 && (size_t)n < sizeof buf; i++) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s{\"name\":\"%s\",\"offset\":%lu,\"size\":%lu}", i ? "," : "",
                      regions[i].name, (unsigned long)regions[i].offset, (unsigned long)regions[i].size);
    }
    dev_image img;
    if (n > 0 && (size_t)n < sizeof buf) {
        if (dev_running_app(&img)) {
            n +=
                snprintf(buf + n, sizeof buf - (size_t)n,
                         "],\"app\":{\"slot\":\"%s\",\"generation\":%lu,\"bytes\":%lu,\"signed\":%s,\"engine\":\"%s\"}",
                         img.slot, (unsigned long)img.generation, (unsigned long)img.len,
                         img.signed_image ? "true" : "false", wr_aot_is_image(img.bytes, img.len) ? "aot" : "interp");
        } else {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "],\"app\":null");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) {
        if (dev_running_model(&img)) {
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                          ",\"model\":{\"slot\":\"%s\",\"generation\":%lu,\"bytes\":%lu,\"signed\":%s}", img.slot,
                          (unsigned long)img.generation, (unsigned long)img.len, img.signed_image ? "true" : "false");
        } else {
            n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"model\":null");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) {
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ",\"app_state\":%d,\"runtime_ram_used\":%lu,\"rx_dropped\":%lu,\"uptime_ms\":%lu}",
                      (int)app_state(), (unsigned long)app_ram_used(), (unsigned long)link_rx_dropped(),
                      (unsigned long)(hal_time_us() / 1000u));
    }
    if (n <= 0 || (size_t)n >= sizeof buf) {
        /* Never silence: a host that gets no handshake cannot tell a wrong port from this. */
        n = snprintf(
            buf, sizeof buf,
            "{\"protocol\":%u,\"firmware\":\"%s\",\"board\":\"%s\",\"error\":\"handshake longer than one frame\"}",
            (unsigned)LINK_PROTOCOL_VERSION, WASMCU_FIRMWARE_VERSION, WASMCU_BOARD_NAME);
    }
    return n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0;
}

void hello_send(link_type type, uint16_t seq)
{
    size_t n = hello_json();
    link_send((uint8_t)type, seq, (const uint8_t *)buf, n, NULL, 0);
}

link_status hello_reply(uint16_t seq, const uint8_t *p, size_t n)
{
    return reply_json(seq, buf, hello_json(), p, n);
}
