/* Slot behaviour on the host board's flash file: test_slots FLASHFILE */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "board_config.h"
#include "hal.h"
#include "hal_host.h"
#include "slots.h"

static int failures;
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                   \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static uint8_t app1[3000], app2[5000];

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    hal_host_options opt = { .flash_path = argv[1], .uart_stdio = true };
    if (hal_host_setup(&opt, argc, argv) != HAL_OK) return 1;
    for (size_t i = 0; i < sizeof app1; i++) app1[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof app2; i++) app2[i] = (uint8_t)(i * 13 + 1);
    slot_header h;
    const uint8_t *p;

    /* Fresh flash: no app. */
    CHECK(slot_active_app(&h, &p) == -1);
    CHECK(slot_check(slot_app(0), SLOT_KIND_APP, NULL, NULL) == SLOT_ERR_EMPTY);

    /* First install lands in app_a, generation 1, readable in place. */
    CHECK(slot_install_app(app1, sizeof app1) == SLOT_OK);
    CHECK(slot_active_app(&h, &p) == 0);
    CHECK(h.generation == 1 && h.length == sizeof app1 && memcmp(p, app1, sizeof app1) == 0);

    /* The next goes to the other slot and becomes active; app_a is untouched. */
    CHECK(slot_install_app(app2, sizeof app2) == SLOT_OK);
    CHECK(slot_active_app(&h, &p) == 1);
    CHECK(h.generation == 2 && memcmp(p, app2, sizeof app2) == 0);
    CHECK(slot_check(slot_app(0), SLOT_KIND_APP, &h, &p) == SLOT_OK && memcmp(p, app1, sizeof app1) == 0);

    /* A power cut after the payload but before the header: the old app stays active. */
    const slot_region *a = slot_app(0);
    CHECK(hal_flash_erase(a->offset, 8192) == HAL_OK);
    CHECK(hal_flash_program(a->offset + SLOT_HEADER_BYTES, app1, sizeof app1) == HAL_OK);
    CHECK(slot_active_app(&h, NULL) == 1);

    /* A damaged payload is caught by its CRC and the other slot wins. */
    CHECK(slot_install_app(app1, sizeof app1) == SLOT_OK);
    CHECK(slot_active_app(&h, NULL) == 0 && h.generation == 3);
    uint8_t zero = 0;
    CHECK(hal_flash_program(a->offset + SLOT_HEADER_BYTES + 100, &zero, 1) == HAL_OK);
    CHECK(slot_check(a, SLOT_KIND_APP, NULL, NULL) == SLOT_ERR_CRC);
    CHECK(slot_active_app(&h, NULL) == 1 && h.generation == 2);

    /* Too big for the slot: refused before anything is erased. */
    CHECK(slot_install(slot_app(0), SLOT_KIND_APP, app1, WASMCU_REGION_APP_A_SIZE, 9) == SLOT_ERR_TOO_BIG);
    CHECK(slot_active_app(&h, NULL) == 1);

    /* A header of the wrong kind is not an app. */
    CHECK(slot_install(slot_app(0), SLOT_KIND_MODEL, app1, 100, 10) == SLOT_OK);
    CHECK(slot_check(slot_app(0), SLOT_KIND_APP, NULL, NULL) == SLOT_ERR_HEADER);
    CHECK(slot_active_app(&h, NULL) == 1);

    /* Models alternate between the two halves of the model area, like apps. */
    uint32_t gen;
    CHECK(slot_active_model(NULL, NULL) == -1);
    const slot_region *m = slot_next_model(&gen);
    CHECK(m == slot_model_half(0) && gen == 1);
    CHECK(slot_install(m, SLOT_KIND_MODEL, app2, sizeof app2, gen) == SLOT_OK);
    CHECK(slot_active_model(&h, &p) == 0 && memcmp(p, app2, sizeof app2) == 0);
    m = slot_next_model(&gen);
    CHECK(m == slot_model_half(1) && gen == 2);
    CHECK(slot_model_half(0)->offset + slot_model_half(0)->size <= slot_model_half(1)->offset);
    CHECK(slot_model_half(1)->offset + slot_model_half(1)->size <=
          WASMCU_REGION_MODEL_OFFSET + WASMCU_REGION_MODEL_SIZE);

    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
