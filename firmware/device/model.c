#include "model.h"

#include <string.h>

#include "bytes.h"
#include "device_config.h"
#include "device_internal.h"
#include "hal.h"
#include "ota_port.h"

/* The engine's whole RAM: interpreter, activations, scratch and state tensors. */
static uint8_t nn_arena[DEV_NN_ARENA_BYTES] __attribute__((aligned(16)));

static struct {
    nn_interp *it;
    const uint8_t *bytes;     /* the model it was prepared from */
    uint32_t len, generation;
    nn_error err;
    uint64_t last_micros;
} m;

void dev_model_close(void)
{
    m.it = NULL;
}

nn_interp *dev_model(const char **why)
{
    dev_image img;
    if (!dev_running_model(&img)) {
        m.it = NULL;
        *why = dev_ota_signed(DEV_PAIR_MODEL) ? "the signed model image cannot be used"
                                              : "no model installed: deploy one with `wasmcu deploy --model`";
        return NULL;
    }
    /* The same bytes in the same place: the prepared interpreter still holds. */
    if (m.it && m.bytes == img.bytes && m.len == img.len && m.generation == img.generation) return m.it;
    m.it = NULL;
    if (nn_init(&m.it, img.bytes, img.len, nn_arena, sizeof nn_arena, &m.err) != NN_OK) {
        m.it = NULL;
        *why = m.err.message;
        return NULL;
    }
    m.bytes = img.bytes;
    m.len = img.len;
    m.generation = img.generation;
    return m.it;
}

dev_invoke_result dev_model_invoke(nn_interp *it)
{
    dev_invoke_result r;
    uint64_t c0 = hal_cycles(), t0 = hal_time_us();
    r.status = nn_invoke(it);
    r.micros = hal_time_us() - t0;
    r.cycles = hal_cycles() - c0;
    return r;
}

/* ---- natives ---- */

enum { M_OK = 0, M_NO_MODEL = -1, M_BAD_INDEX = -2, M_BAD_SIZE = -3, M_FAILED = -4 };

static nn_interp *need_model(void)
{
    const char *why = "";
    nn_interp *it = dev_model(&why);
    if (!it) dev_log(0, (const uint8_t *)why, strlen(why));
    return it;
}

wr_status n_model_open(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = need_model() ? M_OK : M_NO_MODEL;
    return WR_OK;
}

wr_status n_model_count(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    r[0].i32 = !it ? M_NO_MODEL : (int32_t)(a[0].i32 ? nn_output_count(it) : nn_input_count(it));
    return WR_OK;
}

wr_status n_model_info(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    uint8_t *out = a[2].ptr;
    if (!it) {
        r[0].i32 = M_NO_MODEL;
    } else if (a[3].i32 < 48) {
        r[0].i32 = M_BAD_SIZE;
    } else if ((a[0].i32 ? nn_output(it, (size_t)a[1].i32, &t) : nn_input(it, (size_t)a[1].i32, &t)) != NN_OK || a[1].i32 < 0) {
        r[0].i32 = M_BAD_INDEX;
    } else {
        uint32_t scale;
        memcpy(&scale, &t.scale, 4);
        le32_put(out, (uint32_t)t.type);
        le32_put(out + 4, (uint32_t)t.rank);
        for (int i = 0; i < 6; i++) le32_put(out + 8 + 4 * i, i < t.rank ? (uint32_t)t.dims[i] : 1u);
        le32_put(out + 32, scale);
        le32_put(out + 36, (uint32_t)t.zero_point);
        le32_put(out + 40, (uint32_t)t.bytes);
        le32_put(out + 44, 0);
        r[0].i32 = M_OK;
    }
    return WR_OK;
}

wr_status n_model_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    if (!it) r[0].i32 = M_NO_MODEL;
    else if (a[0].i32 < 0 || nn_input(it, (size_t)a[0].i32, &t) != NN_OK) r[0].i32 = M_BAD_INDEX;
    else if ((size_t)(uint32_t)a[2].i32 != t.bytes || !t.data) r[0].i32 = M_BAD_SIZE;
    else {
        memcpy(t.data, a[1].ptr, t.bytes);
        r[0].i32 = M_OK;
    }
    return WR_OK;
}

wr_status n_model_invoke(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    nn_interp *it = need_model();
    if (!it) {
        r[0].i32 = M_NO_MODEL;
        return WR_OK;
    }
    dev_invoke_result res = dev_model_invoke(it);
    m.last_micros = res.micros;
    if (res.status != NN_OK) {
        const char *e = nn_last_error(it);
        dev_log(0, (const uint8_t *)e, strlen(e));
    }
    r[0].i32 = res.status == NN_OK ? M_OK : M_FAILED;
    return WR_OK;
}

wr_status n_model_read(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    if (!it) r[0].i32 = M_NO_MODEL;
    else if (a[0].i32 < 0 || nn_output(it, (size_t)a[0].i32, &t) != NN_OK || !t.data) r[0].i32 = M_BAD_INDEX;
    else {
        size_t n = t.bytes < (size_t)(uint32_t)a[2].i32 ? t.bytes : (size_t)(uint32_t)a[2].i32;
        memcpy(a[1].ptr, t.data, n);
        r[0].i32 = (int32_t)n;
    }
    return WR_OK;
}

wr_status n_model_reset(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    (void)r;
    if (m.it) nn_reset(m.it);
    return WR_OK;
}

wr_status n_model_micros(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i64 = (int64_t)m.last_micros;
    return WR_OK;
}
