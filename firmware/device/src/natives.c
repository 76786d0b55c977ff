/* Natives an app imports, one per line of natives.def. Arguments arrive checked. */
#include "natives.h"

#include <string.h>

#include "app.h"
#include "board_config.h"
#include "bytes.h"
#include "events.h"
#include "hal.h"
#include "model.h"
#include "ota_port.h"

static wr_status n_gpio_mode(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    if (a[1].i32 < 0 || a[1].i32 > (int32_t)HAL_GPIO_INPUT_PULLDOWN)
        return wr_native_trap(ctx, "gpio_mode: unknown mode");
    if (hal_gpio_mode_set((uint32_t)a[0].i32, (hal_gpio_mode)a[1].i32) != HAL_OK)
        return wr_native_trap(ctx, "gpio_mode: no such pin");
    return WR_OK;
}

static wr_status n_gpio_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    if (hal_gpio_write((uint32_t)a[0].i32, a[1].i32 != 0) != HAL_OK)
        return wr_native_trap(ctx, "gpio_write: no such pin");
    events_gpio((uint32_t)a[0].i32, a[1].i32 != 0);
    return WR_OK;
}

static wr_status n_gpio_read(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    int32_t v = hal_gpio_read((uint32_t)a[0].i32);
    if (v < 0) return wr_native_trap(ctx, "gpio_read: no such pin");
    r[0].i32 = v;
    return WR_OK;
}

static wr_status n_gpio_led_pin(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = WASMCU_LED_PIN;
    return WR_OK;
}

static wr_status n_gpio_marker_pin(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = WASMCU_MARKER_PIN;
    return WR_OK;
}

static wr_status n_time_us(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i64 = (int64_t)hal_time_us();
    return WR_OK;
}

static wr_status n_time_ms(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = (int32_t)(uint32_t)(hal_time_us() / 1000u);
    return WR_OK;
}

static wr_status n_sleep_ms(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    if (a[0].i32 < 0) return wr_native_trap(ctx, "sleep_ms: negative time");
    bool stopped = app_wait_until(hal_time_us() + (uint64_t)a[0].i32 * 1000u);
    return stopped ? wr_native_trap(ctx, "stopped by the host") : WR_OK;
}

static wr_status n_ota_state(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    dev_image img;
    bool is_signed = dev_running_app(&img) && img.signed_image;
    r[0].i32 = dev_ota_on_trial() ? 2 : is_signed ? 1 : 0;
    return WR_OK;
}

static wr_status n_ota_confirm(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = dev_ota_confirm();
    return WR_OK;
}

static wr_status n_periph_power(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    r[0].i32 = -(int32_t)hal_periph_power((hal_periph)(uint32_t)a[0].i32, a[1].i32 != 0);
    return WR_OK;
}

static wr_status n_periph_count(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = (int32_t)hal_periph_on_count();
    return WR_OK;
}

static wr_status n_stream_send(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)r;
    link_stream_kind kind = a[0].i32 == 0 ? LINK_STREAM_HEADER : LINK_STREAM_BLOCK;
    const uint8_t *p = a[1].ptr;
    size_t n = (size_t)(uint32_t)a[2].i32;
    /* A header must arrive whole; block bytes may be split, the host appends them in order. */
    do {
        size_t part = n < LINK_MAX_PAYLOAD - 1u ? n : LINK_MAX_PAYLOAD - 1u;
        events_stream(kind, p, part);
        p += part;
        n -= part;
    } while (n > 0);
    return WR_OK;
}

static wr_status n_i2c_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    if (a[0].i32 < 0 || a[0].i32 > 0x7F) {
        r[0].i32 = -(int32_t)HAL_ERR_PARAM;
        return WR_OK;
    }
    r[0].i32 = -(int32_t)hal_i2c_write((uint8_t)a[0].i32, a[1].ptr, (size_t)(uint32_t)a[2].i32, a[3].i32 != 0);
    return WR_OK;
}

static wr_status n_i2c_read(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    if (a[0].i32 < 0 || a[0].i32 > 0x7F) {
        r[0].i32 = -(int32_t)HAL_ERR_PARAM;
        return WR_OK;
    }
    r[0].i32 = -(int32_t)hal_i2c_read((uint8_t)a[0].i32, a[1].ptr, (size_t)(uint32_t)a[2].i32);
    return WR_OK;
}

static wr_status n_log_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)r;
    int32_t level = a[0].i32 < 0 ? 0 : a[0].i32 > 3 ? 3 : a[0].i32;
    events_log((link_log_level)level, (const uint8_t *)a[1].ptr, (size_t)(uint32_t)a[2].i32);
    return WR_OK;
}

/* AssemblyScript strings are UTF-16LE with their byte length in the 4 bytes before them. */
static size_t as_string_utf8(wr_memory *mem, int32_t ptr, char *out, size_t cap)
{
    uint32_t bytes = 0;
    if (ptr < 4 || wr_memory_read(mem, (uint64_t)ptr - 4u, &bytes, 4) != WR_OK) return 0;
    const uint8_t *s = wr_memory_ptr(mem, (uint64_t)ptr, bytes);
    if (!s) return 0;
    size_t n = 0;
    for (uint32_t i = 0; i + 1 < bytes && n + 3 < cap; i += 2) {
        uint16_t c = (uint16_t)(s[i] | s[i + 1] << 8);
        if (c < 0x80) {
            out[n++] = (char)c;
        } else if (c < 0x800) {
            out[n++] = (char)(0xC0 | c >> 6);
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0xD800 || c > 0xDFFF) {
            out[n++] = (char)(0xE0 | c >> 12);
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[n++] = '?'; /* surrogate halves: not worth a decoder in a trap message */
        }
    }
    return n;
}

static void append(char *buf, size_t cap, size_t *n, const char *s, size_t len)
{
    while (len-- && *n + 1 < cap) buf[(*n)++] = *s++;
    buf[*n] = 0;
}

static void append_u32(char *buf, size_t cap, size_t *n, uint32_t v)
{
    char d[10];
    int k = 0;
    do {
        d[k++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (k) append(buf, cap, n, &d[--k], 1);
}

static wr_status n_abort(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    static char msg[160];
    char part[96];
    size_t n = 0;
    wr_memory *mem = wr_instance_memory(wr_native_instance(ctx));
    append(msg, sizeof msg, &n, "abort: ", 7);
    if (mem) append(msg, sizeof msg, &n, part, as_string_utf8(mem, a[0].i32, part, sizeof part));
    append(msg, sizeof msg, &n, " at ", 4);
    if (mem) append(msg, sizeof msg, &n, part, as_string_utf8(mem, a[1].i32, part, sizeof part));
    append(msg, sizeof msg, &n, ":", 1);
    append_u32(msg, sizeof msg, &n, (uint32_t)a[2].i32);
    append(msg, sizeof msg, &n, ":", 1);
    append_u32(msg, sizeof msg, &n, (uint32_t)a[3].i32);
    return wr_native_trap(ctx, msg);
}

static wr_status n_seed(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].f64 = (double)hal_time_us();
    return WR_OK;
}

static wr_status n_sleep_until_us(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    if (a[0].i64 < 0) return wr_native_trap(ctx, "sleep_until_us: negative time");
    bool stopped = app_wait_until((uint64_t)a[0].i64);
    return stopped ? wr_native_trap(ctx, "stopped by the host") : WR_OK;
}

/* ---- the model ---- */

/* The app's last invoke, for model.micros(). */
static uint64_t last_invoke_micros;

enum { M_OK = 0, M_NO_MODEL = -1, M_BAD_INDEX = -2, M_BAD_SIZE = -3, M_FAILED = -4 };

static nn_interp *need_model(void)
{
    const char *why = "";
    nn_interp *it = dev_model(&why);
    if (!it) events_log_str(LINK_LOG_ERROR, why);
    return it;
}

static wr_status n_model_open(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i32 = need_model() ? M_OK : M_NO_MODEL;
    return WR_OK;
}

static wr_status n_model_count(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    r[0].i32 = !it ? M_NO_MODEL : (int32_t)(a[0].i32 ? nn_output_count(it) : nn_input_count(it));
    return WR_OK;
}

static wr_status n_model_info(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    uint8_t *out = a[2].ptr;
    if (!it) {
        r[0].i32 = M_NO_MODEL;
    } else if (a[3].i32 < 48) {
        r[0].i32 = M_BAD_SIZE;
    } else if (dev_model_tensor(it, a[0].i32 != 0, (size_t)a[1].i32, &t) != NN_OK || a[1].i32 < 0) {
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

static wr_status n_model_write(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    if (!it)
        r[0].i32 = M_NO_MODEL;
    else if (a[0].i32 < 0 || dev_model_tensor(it, false, (size_t)a[0].i32, &t) != NN_OK)
        r[0].i32 = M_BAD_INDEX;
    else if ((size_t)(uint32_t)a[2].i32 != t.bytes || !t.data)
        r[0].i32 = M_BAD_SIZE;
    else {
        memcpy(t.data, a[1].ptr, t.bytes);
        r[0].i32 = M_OK;
    }
    return WR_OK;
}

static wr_status n_model_invoke(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    nn_interp *it = need_model();
    if (!it) {
        r[0].i32 = M_NO_MODEL;
        return WR_OK;
    }
    dev_invoke_result res = dev_model_invoke(it);
    last_invoke_micros = res.micros;
    if (res.status != NN_OK) {
        const char *e = nn_last_error(it);
        events_log_str(LINK_LOG_ERROR, e);
    }
    r[0].i32 = res.status == NN_OK ? M_OK : M_FAILED;
    return WR_OK;
}

static wr_status n_model_read(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    nn_interp *it = need_model();
    nn_tensor_info t;
    if (!it)
        r[0].i32 = M_NO_MODEL;
    else if (a[0].i32 < 0 || dev_model_tensor(it, true, (size_t)a[0].i32, &t) != NN_OK || !t.data)
        r[0].i32 = M_BAD_INDEX;
    else {
        size_t n = t.bytes < (size_t)(uint32_t)a[2].i32 ? t.bytes : (size_t)(uint32_t)a[2].i32;
        memcpy(a[1].ptr, t.data, n);
        r[0].i32 = (int32_t)n;
    }
    return WR_OK;
}

static wr_status n_model_reset(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    (void)r;
    dev_model_reset_loaded();
    return WR_OK;
}

static wr_status n_model_micros(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].i64 = (int64_t)last_invoke_micros;
    return WR_OK;
}

const wr_native dev_natives[] = {
#define WASMCU_NATIVE(module, name, params, results, fn) { #module, #name, "(" params ")" results, fn, NULL },
#include "natives.def"
#undef WASMCU_NATIVE
};
const size_t dev_native_count = sizeof dev_natives / sizeof dev_natives[0];
