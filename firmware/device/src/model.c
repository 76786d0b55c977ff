/* The model service: the one inference engine instance over the running model, for the
 * natives, the MLPerf runner and the MODEL_* link commands (answered here). */
#include "model.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "device_config.h"
#include "hal.h"
#include "ota_port.h"
#include "reply.h"

/* The engine's whole RAM: interpreter, activations, scratch and state tensors. */
static uint8_t nn_arena[DEV_NN_ARENA_BYTES] __attribute__((aligned(16)));

/* Input and output tensors described once per load (nn_input/nn_output read the model's
 * tables on every call): the natives copy tensors in and out at the cost of the bytes. */
#define MODEL_IO_KEPT 4u

static struct {
    nn_interp *it;
    const uint8_t *bytes; /* the model it was prepared from */
    uint32_t len, generation;
    nn_error err;
    nn_tensor_info io[2][MODEL_IO_KEPT]; /* [0] inputs, [1] outputs */
    size_t io_count[2];
} m;

static void keep_io(void)
{
    for (unsigned out = 0; out < 2; out++) {
        size_t count = out ? nn_output_count(m.it) : nn_input_count(m.it);
        m.io_count[out] = 0;
        for (size_t i = 0; i < count && i < MODEL_IO_KEPT; i++) {
            if ((out ? nn_output(m.it, i, &m.io[out][i]) : nn_input(m.it, i, &m.io[out][i])) != NN_OK) break;
            m.io_count[out] = i + 1;
        }
    }
}

nn_status dev_model_tensor(nn_interp *it, bool output, size_t i, nn_tensor_info *t)
{
    unsigned k = output ? 1u : 0u;
    if (it == m.it && i < m.io_count[k]) {
        *t = m.io[k][i];
        return NN_OK;
    }
    return output ? nn_output(it, i, t) : nn_input(it, i, t);
}

void dev_model_reset_loaded(void)
{
    if (m.it) nn_reset(m.it);
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
    keep_io();
    return m.it;
}

uint8_t *dev_model_spare(size_t *bytes, uint32_t *token)
{
    static uint32_t loads;
    static const nn_interp *seen;
    static const uint8_t *seen_bytes;
    static uint32_t seen_generation;
    const char *why = "";
    nn_interp *it = dev_model(&why);
    *bytes = 0;
    *token = 0;
    if (!it) return NULL;
    /* A token per prepared model: the interpreter, its bytes and generation as last seen. */
    if (it != seen || m.bytes != seen_bytes || m.generation != seen_generation) {
        loads++;
        seen = it;
        seen_bytes = m.bytes;
        seen_generation = m.generation;
    }
    size_t used = (nn_arena_used(it) + 15u) & ~(size_t)15u;
    if (used >= sizeof nn_arena) return NULL;
    *bytes = sizeof nn_arena - used;
    *token = loads;
    return nn_arena + used;
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

/* ---- link commands ---- */

link_status model_cmd_info(uint16_t seq, const uint8_t *p, size_t plen, const char **detail)
{
    static char buf[LINK_MAX_PAYLOAD];
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    int n = snprintf(buf, sizeof buf, "{\"arena_bytes\":%lu,\"tensors\":[", (unsigned long)nn_arena_used(it));
    for (int out = 0; out < 2; out++) {
        size_t count = out ? nn_output_count(it) : nn_input_count(it);
        for (size_t i = 0; i < count && n > 0 && (size_t)n < sizeof buf; i++) {
            nn_tensor_info t;
            if ((out ? nn_output(it, i, &t) : nn_input(it, i, &t)) != NN_OK) return LINK_E_STATE;
            /* The scale goes as its IEEE-754 bits: small printf implementations lack %g. */
            uint32_t scale_bits;
            memcpy(&scale_bits, &t.scale, sizeof scale_bits);
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                          "%s{\"io\":\"%s\",\"index\":%u,\"type\":\"%s\",\"bytes\":%lu,\"zero_point\":%ld,\"scale_"
                          "bits\":%lu,\"shape\":[",
                          (out || i) ? "," : "", out ? "output" : "input", (unsigned)i, nn_type_name(t.type),
                          (unsigned long)t.bytes, (long)t.zero_point, (unsigned long)scale_bits);
            for (int d = 0; d < t.rank && n > 0 && (size_t)n < sizeof buf; d++) {
                n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%ld", d ? "," : "", (long)t.dims[d]);
            }
            if (n > 0 && (size_t)n < sizeof buf) n += snprintf(buf + n, sizeof buf - (size_t)n, "]}");
        }
    }
    if (n > 0 && (size_t)n < sizeof buf) n += snprintf(buf + n, sizeof buf - (size_t)n, "]}");
    if (n <= 0 || (size_t)n >= sizeof buf) return LINK_E_STATE;
    return reply_json(seq, buf, (size_t)n, p, plen);
}

/* Input or output tensor `p[0]` of the active model, with the byte range [offset, offset+len) checked. */
static link_status model_range(bool output, const uint8_t *p, uint32_t len, uint8_t **data, const char **detail)
{
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    nn_tensor_info t;
    if ((output ? nn_output(it, p[0], &t) : nn_input(it, p[0], &t)) != NN_OK || !t.data) return LINK_E_ARGS;
    uint32_t off = le32_get(p + 1);
    if (off > t.bytes || len > t.bytes - off) return LINK_E_ARGS;
    *data = (uint8_t *)t.data + off;
    return LINK_OK;
}

link_status model_cmd_input(const uint8_t *p, size_t n, const char **detail)
{
    uint8_t *data;
    if (n < 5) return LINK_E_ARGS;
    link_status st = model_range(false, p, (uint32_t)(n - 5), &data, detail);
    if (st == LINK_OK) memcpy(data, p + 5, n - 5);
    return st;
}

link_status model_cmd_output(uint16_t seq, const uint8_t *p, size_t n, const char **detail)
{
    uint8_t *data;
    if (n != 9 || le32_get(p + 5) > LINK_MAX_PAYLOAD) return LINK_E_ARGS;
    link_status st = model_range(true, p, le32_get(p + 5), &data, detail);
    if (st == LINK_OK) link_send(LINK_DATA, seq, data, le32_get(p + 5), NULL, 0);
    return st;
}

link_status model_cmd_invoke(uint16_t seq, const char **detail)
{
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    dev_invoke_result r = dev_model_invoke(it);
    uint8_t out[20];
    uint32_t s = (uint32_t)r.status;
    le32_put(out, s);
    le64_put(out + 4, r.micros);
    le64_put(out + 12, r.cycles);
    link_send(LINK_DATA, seq, out, sizeof out, NULL, 0);
    if (r.status != NN_OK) *detail = nn_last_error(it);
    return r.status == NN_OK ? LINK_OK : LINK_E_INVALID;
}

link_status model_cmd_reset(const char **detail)
{
    nn_interp *it = dev_model(detail);
    if (!it) return LINK_E_STATE;
    nn_reset(it);
    return LINK_OK;
}
