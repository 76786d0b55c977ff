/* The device main loop: boot the running app, run setup() once and loop() forever, and
 * serve the link between calls and while the app sleeps. It calls down into the services
 * (app, dispatch, hello, OTA boot); none of them calls back up here. */
#include "device.h"

#include "app.h"
#include "device_config.h"
#include "dispatch.h"
#include "events.h"
#include "hal.h"
#include "hello.h"
#include "link.h"
#include "natives.h"
#include "ota_port.h"

/* Hands whatever the link received to the dispatcher. */
static void poll_link(void)
{
    uint8_t buf[128];
    size_t n;
    while ((n = hal_link_read(buf, sizeof buf)) > 0) link_rx_bytes(buf, n, dispatch_frame, dispatch_text);
}

/* Serves the link until `until_us`, or until the app needs the loop (a request, a call). */
static void serve_until(uint64_t until_us)
{
    for (;;) {
        hal_watchdog_feed();
        poll_link();
        uint64_t now = hal_time_us();
        if (now >= until_us || app_wants_control()) return;
        uint64_t next = now + DEV_POLL_US;
        hal_idle_until(next < until_us ? next : until_us);
    }
}

int wasmcu_device_main(void)
{
    if (hal_init() != HAL_OK) return 1;
    dev_ota_boot();
    hello_send(LINK_HELLO, events_next_seq());
    /* Up to here is the firmware's self-check; before the app runs, so an app that traps
     * rolls back the app, not the firmware under it. */
    dev_ota_firmware_selfcheck_passed();
    app_init(dev_natives, dev_native_count, serve_until);
    app_start();
    for (;;) {
        if (app_serve_request() || app_run_call()) continue;
        if (app_run_loop()) {
            poll_link();
        } else {
            serve_until(hal_time_us() + DEV_POLL_US);
        }
    }
}
