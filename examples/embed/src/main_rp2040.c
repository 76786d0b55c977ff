/* The product built for the RP2040 against the board's start-up and HAL: the app, the model
 * and the recorded sensor readings are linked into flash (blobs.S), text goes out on the
 * link UART. Made for a Pico; the tests run it on rp2040-sim (it has not run on a real board). */
#include <stdint.h>

#include "embed.h"
#include "hal.h"

/* From blobs.S: the bytes and their ends, in flash. */
extern const uint8_t embed_app[], embed_app_end[];
extern const uint8_t embed_model[], embed_model_end[];
extern const uint8_t embed_samples[], embed_samples_end[];

static void print_link(const char *text)
{
    /* The link wants CR LF; the shared code prints LF. */
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p != '\n' && *p != '\0') continue;
        (void)hal_link_write((const uint8_t *)start, (size_t)(p - start));
        if (*p == '\0') break;
        (void)hal_link_write((const uint8_t *)"\r\n", 2);
        start = p + 1;
    }
    hal_link_flush();
}

static embed_blob blob(const uint8_t *start, const uint8_t *end)
{
    const embed_blob b = { start, (size_t)(end - start) };
    return b;
}

int main(void)
{
    if (hal_init() != HAL_OK) return 1;
    const embed_io io = {
        .app = blob(embed_app, embed_app_end),
        .model = blob(embed_model, embed_model_end),
        .samples = blob(embed_samples, embed_samples_end),
        .print = print_link,
        .clock = hal_cycles,
        .clock_unit = "cycles",
    };
    (void)embed_run(&io);
    /* A product would go on with its own loop; this one has nothing left to do. */
    for (;;) hal_idle_until(hal_time_us() + 1000000u);
}
