/* The app's lifecycle over the runtime: one store in a static arena, rebuilt at each start. */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "device_config.h"
#include "events.h"
#include "hal.h"
#include "ota_port.h"

static struct {
    const wr_native *natives;
    size_t native_count;
    app_serve_fn serve;
    bool stop_requested;
    bool restart_requested;
    link_app_state state;
    wr_bump bump;
    wr_allocator alloc;
    wr_store *store;
    wr_instance *app;
    wr_func *loop;
    wr_func *collect;           /* the app's exported __collect, if it has one */
    uint32_t loops_uncollected; /* loop() calls since the last collection */
    bool in_wasm;
    struct {
        bool pending;
        uint16_t seq;
        char name[32];
    } call;
} app;

/* The runtime's whole RAM: store, module metadata, side table, stacks, linear memory. */
static uint8_t runtime_arena[DEV_RUNTIME_ARENA_BYTES] __attribute__((aligned(8)));

void app_init(const wr_native *natives, size_t native_count, app_serve_fn serve)
{
    app.natives = natives;
    app.native_count = native_count;
    app.serve = serve;
}

static void set_state(link_app_state st, const char *detail)
{
    app.state = st;
    events_app_state(st, detail);
}

link_app_state app_state(void)
{
    return app.state;
}

uint32_t app_ram_used(void)
{
    return (uint32_t)app.bump.top;
}

void app_request(app_action action)
{
    app.stop_requested = true;
    app.restart_requested = action == APP_RESTART;
}

bool app_wants_control(void)
{
    return app.stop_requested || (app.call.pending && !app.in_wasm);
}

bool app_wait_until(uint64_t until_us)
{
    app.serve(until_us);
    return app.stop_requested;
}

void app_request_call(uint16_t seq, const uint8_t *name, size_t len)
{
    if (len >= sizeof app.call.name) len = sizeof app.call.name - 1;
    memcpy(app.call.name, name, len);
    app.call.name[len] = 0;
    app.call.seq = seq;
    app.call.pending = true;
}

bool app_call_pending(uint16_t seq)
{
    return app.call.pending && app.call.seq == seq;
}

/* The store's trap as a TRAP frame: its call stack and message. */
static void send_trap(link_trap_context context)
{
    const wr_trap_frame *frames;
    uint32_t depth;
    size_t n = wr_store_trap_frames(app.store, &frames, &depth);
    events_trap(context, depth, frames, n, wr_store_error(app.store));
}

static bool collect_garbage(void);

/* Runs a queued CALL: the export must take no parameters and return nothing, an i32 or an i64. */
bool app_run_call(void)
{
    if (!app.call.pending) return false;
    uint8_t out[28];
    const char *msg = "";
    link_call_status status = LINK_CALL_OK;
    int64_t result = 0;
    uint64_t micros = 0, cycles = 0;
    wr_func *f = app.app ? wr_instance_func(app.app, app.call.name) : NULL;
    if (!f) {
        status = LINK_CALL_NO_EXPORT;
        msg = app.app ? "no such exported function" : "no app is loaded";
    } else if (wr_func_param_count(f) != 0 || wr_func_result_count(f) > 1) {
        status = LINK_CALL_SIGNATURE;
        msg = "the export must take no parameters and return at most one value";
    } else {
        wr_value r[1];
        uint32_t nres = wr_func_result_count(f);
        wr_store_set_fuel(app.store, UINT64_MAX);
        app.in_wasm = true;
        uint64_t c0 = hal_cycles(), t0 = hal_time_us();
        wr_status st = wr_call(f, NULL, 0, r, nres);
        cycles = hal_cycles() - c0;
        micros = hal_time_us() - t0;
        app.in_wasm = false;
        if (st != WR_OK) {
            status = LINK_CALL_TRAP;
            msg = wr_store_error(app.store);
            send_trap(LINK_TRAP_CALL);
        } else {
            if (nres == 1) result = r[0].type == WR_I64 ? r[0].of.i64 : (int64_t)r[0].of.i32;
            /* After the figures: the call's cost is the call's, the collection is between calls. */
            if (!collect_garbage()) {
                status = LINK_CALL_TRAP;
                msg = wr_store_error(app.store);
                send_trap(LINK_TRAP_CALL);
            }
        }
    }
    le32_put(out, (uint32_t)status);
    le64_put(out + 4, (uint64_t)result);
    le64_put(out + 12, micros);
    le64_put(out + 20, cycles);
    app.call.pending = false;
    link_send(LINK_DATA, app.call.seq, out, sizeof out, (const uint8_t *)msg, strlen(msg));
    uint8_t ack = (uint8_t)(status == LINK_CALL_OK ? LINK_OK : LINK_E_INVALID);
    link_send(LINK_ACK, app.call.seq, &ack, 1, NULL, 0);
    return true;
}

/* A trap in setup() or loop(): the TRAP frame with the call stack, then the state (once:
 * no log line repeats it). */
__attribute__((noinline)) static void report_trap(link_trap_context context)
{
    static char msg[256];
    if (app.stop_requested) return; /* the host stopped it: not the app's fault */
    send_trap(context);
    snprintf(msg, sizeof msg, "%s: %s", context == LINK_TRAP_SETUP ? "setup()" : "loop()", wr_store_error(app.store));
    set_state(LINK_APP_TRAPPED, msg);
    dev_ota_trial_failed(msg);
}

/* An app built with AssemblyScript's minimal runtime (the device default, asconfig.json) has no
 * collector of its own running: it exports __collect, and the device calls it after setup(),
 * after every DEV_GC_EVERY_LOOPS loop() calls and after every CALL, when no reference of the
 * app's is on the wasm stack. False if it trapped. */
static bool collect_garbage(void)
{
    if (!app.collect) return true;
    app.loops_uncollected = 0;
    wr_store_set_fuel(app.store, DEV_FUEL_PER_CALL);
    app.in_wasm = true;
    wr_status st = wr_call(app.collect, NULL, 0, NULL, 0);
    app.in_wasm = false;
    return st == WR_OK;
}

/* Loads the running app and runs its setup(); leaves app.loop set if it has one. */
void app_start(void)
{
    /* Every app starts from the board's own peripherals: what the last one switched on goes off. */
    for (unsigned i = 0; i < HAL_PERIPH_COUNT; i++) (void)hal_periph_power((hal_periph)i, false);
    app.stop_requested = false;
    app.restart_requested = false;
    app.loop = NULL;
    app.collect = NULL;
    app.loops_uncollected = 0;
    app.app = NULL;
    dev_image img;
    if (!dev_running_app(&img)) {
        set_state(LINK_APP_NONE, dev_ota_signed(DEV_PAIR_APP) ? "no signed app to run: push one with `wasmcu ota push`"
                                                              : "no app installed: deploy one with `wasmcu deploy`");
        return;
    }
    wr_limits lim;
    wr_limits_default(&lim);
    lim.max_memory_bytes = DEV_APP_MEMORY_BYTES;
    lim.stack_slots = DEV_STACK_SLOTS;
    lim.call_depth = DEV_CALL_DEPTH;
    wr_bump_init(&app.bump, &app.alloc, runtime_arena, sizeof runtime_arena);
    wr_module *m;
    static char msg[256];
    if (wr_store_new(&app.alloc, &lim, &app.store) != WR_OK ||
        wr_store_add_natives(app.store, app.natives, app.native_count) != WR_OK) {
        set_state(LINK_APP_INVALID, "runtime arena too small for the store");
        return;
    }
    /* The slot says which engine runs it: a .waot (AOT code, the module inside) or a .wasm. Both
     * come through dev_running_app(), so a board that runs signed images only runs signed AOT
     * code only. The image is used in place (flash): the store must not outlive the slot. */
    bool aot = wr_aot_is_image(img.bytes, img.len);
    if (aot) wr_store_set_aot_stack(app.store, DEV_AOT_STACK_BYTES);
    wr_status st = aot ? wr_aot_load(app.store, img.bytes, img.len, dev_ota_sha256, &m)
                       : wr_module_load(app.store, img.bytes, img.len, &m);
    if (st == WR_OK) st = wr_instantiate(app.store, m, &app.app);
    if (st != WR_OK) {
        snprintf(msg, sizeof msg, "%s: %s", img.slot, wr_store_error(app.store));
        set_state(LINK_APP_INVALID, msg);
        events_log_str(LINK_LOG_ERROR, msg);
        dev_ota_trial_failed("it does not load");
        return;
    }
    wr_module_info info;
    wr_module_info_get(m, &info);
    snprintf(msg, sizeof msg, "%s%s app from %s: %lu bytes, side table %lu B, runtime RAM %lu of %lu B",
             img.signed_image ? (dev_ota_on_trial() ? "trial signed" : "signed") : "development", aot ? " AOT" : "",
             img.slot, (unsigned long)img.len, (unsigned long)info.side_table_bytes, (unsigned long)app.bump.top,
             (unsigned long)app.bump.size);
    events_log_str(LINK_LOG_DEBUG, msg);
    set_state(LINK_APP_RUNNING, NULL);
    app.collect = wr_instance_func(app.app, "__collect");
    if (app.collect && (wr_func_param_count(app.collect) != 0 || wr_func_result_count(app.collect) != 0))
        app.collect = NULL;
    wr_func *setup = wr_instance_func(app.app, "setup");
    if (!setup) setup = wr_instance_func(app.app, "_start");
    if (setup) {
        wr_store_set_fuel(app.store, DEV_FUEL_PER_CALL);
        app.in_wasm = true;
        st = wr_call(setup, NULL, 0, NULL, 0);
        app.in_wasm = false;
        if (st != WR_OK) {
            report_trap(LINK_TRAP_SETUP);
            return;
        }
    }
    if (!collect_garbage()) {
        report_trap(LINK_TRAP_SETUP); /* the collector, after setup() */
        return;
    }
    app.loop = wr_instance_func(app.app, "loop");
    if (!app.loop) set_state(LINK_APP_STOPPED, "app has no loop(): finished");
}

bool app_serve_request(void)
{
    if (!app.stop_requested) return false;
    /* Out of wasm code now: the store can be thrown away. */
    if (app.restart_requested) {
        app_start();
    } else {
        app.stop_requested = false;
        app.loop = NULL;
        set_state(LINK_APP_STOPPED, "stopped by the host");
    }
    return true;
}

bool app_run_loop(void)
{
    if (app.state != LINK_APP_RUNNING || !app.loop) return false;
    wr_store_set_fuel(app.store, DEV_FUEL_PER_CALL);
    app.in_wasm = true;
    wr_status st = wr_call(app.loop, NULL, 0, NULL, 0);
    app.in_wasm = false;
    if (st != WR_OK)
        report_trap(LINK_TRAP_LOOP);
    else if (++app.loops_uncollected >= DEV_GC_EVERY_LOOPS && !collect_garbage())
        report_trap(LINK_TRAP_LOOP); /* the collector, after loop() */
    return true;
}
