/* The device main loop: boot the active app, run setup() once and loop() forever,
 * and serve the link between calls and while the app sleeps. */
#include "device.h"

#include <stdio.h>
#include <string.h>

#include "board_config.h"
#include "bytes.h"
#include "device_config.h"
#include "device_internal.h"
#include "hal.h"
#include "link.h"
#include "natives.h"
#include "ota_port.h"
#include "wr.h"

static struct {
    bool trace_gpio;
    /* The MLPerf Tiny runner drives the port (its last input was a text command, not a
     * frame): events are held back so that it reads nothing but its own lines. */
    bool text_session;
    bool stop_requested;
    bool restart_requested;
    link_app_state state;
    wr_bump bump;
    wr_allocator alloc;
    wr_store *store;
    wr_instance *app;
    wr_func *loop;
    uint16_t seq;
    bool in_wasm;
    struct {
        bool pending;
        uint16_t seq;
        char name[32];
    } call;
} dev;

/* The runtime's whole RAM: store, module metadata, side table, stacks, linear memory. */
static uint8_t runtime_arena[DEV_RUNTIME_ARENA_BYTES] __attribute__((aligned(8)));

void wasmcu_device_trace_gpio(bool on)
{
    dev.trace_gpio = on;
}

static uint16_t next_seq(void)
{
    return dev.seq++;
}

void dev_log(uint8_t level, const uint8_t *text, size_t len)
{
    uint8_t head[5];
    uint32_t ms = (uint32_t)(hal_time_us() / 1000u);
    head[0] = level;
    le32_put(head + 1, ms);
    if (len > LINK_MAX_PAYLOAD - sizeof head) len = LINK_MAX_PAYLOAD - sizeof head;
    if (dev.text_session) return;
    link_send(LINK_LOG, next_seq(), head, sizeof head, text, len);
}

static void dev_logs(uint8_t level, const char *text)
{
    dev_log(level, (const uint8_t *)text, strlen(text));
}

void dev_trace_gpio(uint32_t pin, bool level)
{
    if (!dev.trace_gpio || dev.text_session) return;
    uint8_t p[6];
    uint32_t us = (uint32_t)hal_time_us();
    p[0] = (uint8_t)pin;
    p[1] = level ? 1u : 0u;
    le32_put(p + 2, us);
    link_send(LINK_GPIO, next_seq(), p, sizeof p, NULL, 0);
}

void dev_stream(uint8_t kind, const uint8_t *data, size_t len)
{
    if (dev.text_session) return;
    link_send(LINK_STREAM, next_seq(), &kind, 1, data, len);
}

static void send_app_state(link_app_state st, const char *detail)
{
    uint8_t s = (uint8_t)st;
    dev.state = st;
    if (dev.text_session) return;
    link_send(LINK_APP_STATE, next_seq(), &s, 1, (const uint8_t *)detail, detail ? strlen(detail) : 0);
}

/* The handshake: what this device is, its flash layout and what its slots hold. */
void dev_send_hello(uint8_t type, uint16_t seq)
{
    static char buf[LINK_MAX_PAYLOAD];
    static const struct { const char *name; uint32_t offset, size; } regions[] = { WASMCU_REGION_TABLE };
    int n = snprintf(buf, sizeof buf,
                     "{\"protocol\":%u,\"firmware\":\"%s\",\"board\":\"%s\",\"cpu\":\"%s\",\"clock_hz\":%lu,"
                     "\"flash_size\":%lu,\"reset\":%d,\"runtime_arena\":%lu,\"layout\":[",
                     LINK_PROTOCOL_VERSION, WASMCU_FIRMWARE_VERSION, WASMCU_BOARD_NAME, WASMCU_BOARD_CPU,
                     (unsigned long)WASMCU_CLOCK_HZ, (unsigned long)WASMCU_FLASH_SIZE, (int)hal_last_reset(),
                     (unsigned long)DEV_RUNTIME_ARENA_BYTES);
    for (size_t i = 0; i < sizeof regions / sizeof regions[0] && n > 0 && (size_t)n < sizeof buf; i++) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s{\"name\":\"%s\",\"offset\":%lu,\"size\":%lu}", i ? "," : "",
                      regions[i].name, (unsigned long)regions[i].offset, (unsigned long)regions[i].size);
    }
    dev_image img;
    if (n > 0 && (size_t)n < sizeof buf) {
        if (dev_running_app(&img)) {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "],\"app\":{\"slot\":\"%s\",\"generation\":%lu,\"bytes\":%lu,\"signed\":%s}",
                          img.slot, (unsigned long)img.generation, (unsigned long)img.len, img.signed_image ? "true" : "false");
        } else {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "],\"app\":null");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) {
        if (dev_running_model(&img)) {
            n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"model\":{\"slot\":\"%s\",\"generation\":%lu,\"bytes\":%lu,\"signed\":%s}",
                          img.slot, (unsigned long)img.generation, (unsigned long)img.len, img.signed_image ? "true" : "false");
        } else {
            n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"model\":null");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"app_state\":%d,\"runtime_ram_used\":%lu,\"rx_dropped\":%lu}",
                      (int)dev.state, (unsigned long)dev.bump.top, (unsigned long)link_rx_dropped());
    }
    if (n <= 0 || (size_t)n >= sizeof buf) {
        /* Never silence: a host that gets no handshake cannot tell a wrong port from this. */
        n = snprintf(buf, sizeof buf, "{\"protocol\":%u,\"firmware\":\"%s\",\"board\":\"%s\",\"error\":\"handshake longer than one frame\"}",
                     LINK_PROTOCOL_VERSION, WASMCU_FIRMWARE_VERSION, WASMCU_BOARD_NAME);
    }
    link_send(type, seq, (const uint8_t *)buf, (size_t)n, NULL, 0);
}

/* A frame means a wasmcu host is talking: events flow again. */
static void on_frame(uint8_t type, uint16_t seq, const uint8_t *p, size_t n)
{
    dev.text_session = false;
    dev_on_frame(type, seq, p, n);
}

/* The MLPerf runner reads lines: from its first command on, no event frame lands among them. */
static void on_text_command(const char *text, size_t len)
{
    dev.text_session = true;
    dev_mlperf_command(text, len);
}

/* Hands whatever the link received to the command layer. */
static void poll_link(void)
{
    uint8_t buf[128];
    size_t n;
    while ((n = hal_link_read(buf, sizeof buf)) > 0) link_rx_bytes(buf, n, on_frame, on_text_command);
}

void dev_app_request(dev_app_action action)
{
    dev.stop_requested = true;
    dev.restart_requested = action == DEV_APP_RESTART;
}

void dev_wait_until(uint64_t until_us)
{
    for (;;) {
        hal_watchdog_feed();
        poll_link();
        uint64_t now = hal_time_us();
        if (now >= until_us || dev.stop_requested || (dev.call.pending && !dev.in_wasm)) return;
        uint64_t next = now + DEV_POLL_US;
        hal_idle_until(next < until_us ? next : until_us);
    }
}

void dev_request_call(uint16_t seq, const uint8_t *name, size_t len)
{
    if (len >= sizeof dev.call.name) len = sizeof dev.call.name - 1;
    memcpy(dev.call.name, name, len);
    dev.call.name[len] = 0;
    dev.call.seq = seq;
    dev.call.pending = true;
}

bool dev_call_pending(uint16_t seq)
{
    return dev.call.pending && dev.call.seq == seq;
}

/* Runs a queued CALL: the export must take no parameters and return nothing, an i32 or an i64. */
static void run_call(void)
{
    uint8_t out[28];
    const char *msg = "";
    uint32_t status = 0;
    int64_t result = 0;
    uint64_t micros = 0, cycles = 0;
    wr_func *f = dev.app ? wr_instance_func(dev.app, dev.call.name) : NULL;
    if (!f) {
        status = 2;
        msg = dev.app ? "no such exported function" : "no app is loaded";
    } else if (wr_func_param_count(f) != 0 || wr_func_result_count(f) > 1) {
        status = 3;
        msg = "the export must take no parameters and return at most one value";
    } else {
        wr_value r[1];
        uint32_t nres = wr_func_result_count(f);
        wr_store_set_fuel(dev.store, UINT64_MAX);
        dev.in_wasm = true;
        uint64_t c0 = hal_cycles(), t0 = hal_time_us();
        wr_status st = wr_call(f, NULL, 0, r, nres);
        cycles = hal_cycles() - c0;
        micros = hal_time_us() - t0;
        dev.in_wasm = false;
        if (st != WR_OK) {
            status = 1;
            msg = wr_store_error(dev.store);
        } else if (nres == 1) {
            result = r[0].type == WR_I64 ? r[0].of.i64 : (int64_t)r[0].of.i32;
        }
    }
    le32_put(out, status);
    le64_put(out + 4, (uint64_t)result);
    le64_put(out + 12, micros);
    le64_put(out + 20, cycles);
    dev.call.pending = false;
    link_send(LINK_DATA, dev.call.seq, out, sizeof out, (const uint8_t *)msg, strlen(msg));
    uint8_t ack = status == 0 ? 0u : 7u;
    link_send(LINK_ACK, dev.call.seq, &ack, 1, NULL, 0);
}

bool dev_app_stop_requested(void)
{
    return dev.stop_requested;
}

static void report_trap(const char *where)
{
    static char msg[256];
    if (dev.stop_requested) return; /* the host stopped it: not the app's fault */
    snprintf(msg, sizeof msg, "%s: %s", where, wr_store_error(dev.store));
    send_app_state(LINK_APP_TRAPPED, msg);
    dev_logs(0, msg);
    dev_ota_trial_failed(msg);
}

/* Loads the active slot's app and runs its setup(); leaves dev.loop set if it has one. */
static void start_app(void)
{
    /* Every app starts from the board's own peripherals: what the last one switched on goes off. */
    for (unsigned i = 0; i < HAL_PERIPH_COUNT; i++) (void)hal_periph_power((hal_periph)i, false);
    dev.stop_requested = false;
    dev.restart_requested = false;
    dev.loop = NULL;
    dev.app = NULL;
    dev_image img;
    if (!dev_running_app(&img)) {
        send_app_state(LINK_APP_NONE, dev_ota_signed(DEV_PAIR_APP) ? "no signed app to run: push one with `wasmcu ota push`"
                                                                    : "no app installed: deploy one with `wasmcu deploy`");
        return;
    }
    wr_limits lim;
    wr_limits_default(&lim);
    lim.max_memory_bytes = DEV_APP_MEMORY_BYTES;
    lim.stack_slots = DEV_STACK_SLOTS;
    lim.call_depth = DEV_CALL_DEPTH;
    wr_bump_init(&dev.bump, &dev.alloc, runtime_arena, sizeof runtime_arena);
    wr_module *m;
    static char msg[256];
    if (wr_store_new(&dev.alloc, &lim, &dev.store) != WR_OK ||
        wr_store_add_natives(dev.store, dev_natives, dev_native_count) != WR_OK) {
        send_app_state(LINK_APP_INVALID, "runtime arena too small for the store");
        return;
    }
    wr_status st = wr_module_load(dev.store, img.bytes, img.len, &m);
    if (st == WR_OK) st = wr_instantiate(dev.store, m, &dev.app);
    if (st != WR_OK) {
        snprintf(msg, sizeof msg, "%s: %s", img.slot, wr_store_error(dev.store));
        send_app_state(LINK_APP_INVALID, msg);
        dev_logs(0, msg);
        dev_ota_trial_failed("it does not load");
        return;
    }
    wr_module_info info;
    wr_module_info_get(m, &info);
    snprintf(msg, sizeof msg, "%s app from %s: %lu bytes, side table %lu B, runtime RAM %lu of %lu B",
             img.signed_image ? (dev_ota_on_trial() ? "trial signed" : "signed") : "development", img.slot, (unsigned long)img.len, (unsigned long)info.side_table_bytes,
             (unsigned long)dev.bump.top, (unsigned long)dev.bump.size);
    dev_logs(3, msg);
    send_app_state(LINK_APP_RUNNING, NULL);
    wr_func *setup = wr_instance_func(dev.app, "setup");
    if (!setup) setup = wr_instance_func(dev.app, "_start");
    if (setup) {
        wr_store_set_fuel(dev.store, DEV_FUEL_PER_CALL);
        dev.in_wasm = true;
        st = wr_call(setup, NULL, 0, NULL, 0);
        dev.in_wasm = false;
        if (st != WR_OK) {
            report_trap("setup()");
            return;
        }
    }
    dev.loop = wr_instance_func(dev.app, "loop");
    if (!dev.loop) send_app_state(LINK_APP_STOPPED, "app has no loop(): finished");
}

int wasmcu_device_main(void)
{
    if (hal_init() != HAL_OK) return 1;
    dev_ota_boot();
    dev_send_hello(LINK_HELLO, next_seq());
    start_app();
    for (;;) {
        if (dev.stop_requested) {
            /* Out of wasm code now: the store can be thrown away. */
            if (dev.restart_requested) {
                start_app();
            } else {
                dev.stop_requested = false;
                dev.loop = NULL;
                send_app_state(LINK_APP_STOPPED, "stopped by the host");
            }
            continue;
        }
        if (dev.call.pending) {
            run_call();
            continue;
        }
        if (dev.state == LINK_APP_RUNNING && dev.loop) {
            wr_store_set_fuel(dev.store, DEV_FUEL_PER_CALL);
            dev.in_wasm = true;
            wr_status st = wr_call(dev.loop, NULL, 0, NULL, 0);
            dev.in_wasm = false;
            if (st != WR_OK) report_trap("loop()");
            poll_link();
        } else {
            dev_wait_until(hal_time_us() + DEV_POLL_US);
        }
    }
}
