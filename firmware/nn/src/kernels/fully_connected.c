/*
 * FULLY_CONNECTED, int8 (and int16 output) with per-tensor or per-channel
 * weights, bit-exact with TFLM's reference_integer_ops::FullyConnected.
 *
 * Prepare computes the multipliers. Eval accumulates four output rows
 * together, so each input value is loaded and offset once per four rows (no
 * scratch copy of the input: it would cost arena bytes).
 */
#include "kernel_util.h"

enum { FC_ACTIVATION = 0, FC_WEIGHTS_FORMAT = 1 };

typedef struct fc_data {
    int32_t batches, accum, out_depth;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    int32_t multiplier, shift; /* per-tensor */
    uint8_t per_channel;
    uint8_t out_type;
    /* per-channel: int32 multiplier[out_depth], int32 shift[out_depth] follow */
} fc_data;

static nn_status fc_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 3, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *in = p->in[0], *w = p->in[1], *bias = p->n_in > 2 ? p->in[2] : NULL;
    const nn_tensor *out = p->out[0];
    const int activation = nn_opt_i8(p, FC_ACTIVATION, 0);
    if (nn_opt_i8(p, FC_WEIGHTS_FORMAT, 0) != 0) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "shuffled weights format is not supported");
    }
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, w, NN_INT8, "weights"))) return s;
    if (out->type != NN_INT8 && out->type != NN_INT16) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "output type %s (expected INT8 or INT16)", nn_type_name(out->type));
    }
    if (bias && (s = nn_k_type(p, bias, NN_INT32, "bias"))) return s;
    if ((s = nn_k_quantized(p, in, "input")) || (s = nn_k_quantized(p, w, "weights")) ||
        (s = nn_k_quantized(p, out, "output")))
        return s;
    const uint8_t *wdata;
    if ((s = nn_k_const(p, 1, &wdata, "weights"))) return s;
    if (bias) {
        const uint8_t *bd;
        if ((s = nn_k_const(p, 2, &bd, "bias")) || (s = nn_k_aligned(p, 2, 4, "bias"))) return s;
    }
    if (w->rank != 2) return nn_k_rank(p, w, 2, "weights");
    if (out->rank < 1) return nn_prep_fail(p, NN_ERR_MODEL, "output has rank 0");
    const int32_t rows = nn_pdim(p, w, 0), accum = nn_pdim(p, w, 1);
    const int32_t out_depth = nn_pdim(p, out, out->rank - 1u);
    const uint32_t out_elems = nn_elements(p->m, out);
    const int32_t batches = out_depth ? (int32_t)(out_elems / (uint32_t)out_depth) : 0;
    if (out_depth > rows || accum <= 0) {
        return nn_prep_fail(p, NN_ERR_MODEL, "output depth %d does not fit weights [%d, %d]", (int)out_depth, (int)rows,
                            (int)accum);
    }
    if ((uint64_t)batches * (uint64_t)accum != nn_elements(p->m, in)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input has %u values, expected %d batches of %d",
                            (unsigned)nn_elements(p->m, in), (int)batches, (int)accum);
    }
    if (accum > 65536) {
        return nn_prep_fail(p, NN_ERR_LIMIT, "accumulation depth %d exceeds 65536 (int32 overflow)", (int)accum);
    }
    if (bias && nn_elements(p->m, bias) < (uint32_t)out_depth) {
        return nn_prep_fail(p, NN_ERR_MODEL, "bias has %u values for %d outputs", (unsigned)nn_elements(p->m, bias),
                            (int)out_depth);
    }
    if (w->zero_point != 0) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "weights zero point %d (must be 0)", (int)w->zero_point);
    }
    uint32_t scales, n_scales;
    int32_t qdim;
    if ((s = nn_prep_quant(p, 1, &scales, &n_scales, &qdim))) return s;
    const int per_channel = n_scales > 1;
    if (per_channel && (qdim != 0 || n_scales < (uint32_t)out_depth)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "per-channel weights must be quantized along dim 0");
    }
    int32_t act_min, act_max;
    if ((s = nn_k_activation(p, activation, out, &act_min, &act_max))) return s;

    fc_data *d = nn_prep_alloc(p, (uint32_t)sizeof(fc_data) + (per_channel ? 8u * (uint32_t)out_depth : 0u));
    if (d == NULL) return NN_OK; /* measuring */
    d->batches = batches;
    d->accum = accum;
    d->out_depth = out_depth;
    d->input_offset = -in->zero_point;
    d->output_offset = out->zero_point;
    d->act_min = act_min;
    d->act_max = act_max;
    d->per_channel = (uint8_t)per_channel;
    d->out_type = out->type;
    if (per_channel) {
        int32_t *mult = (int32_t *)(void *)(d + 1);
        int32_t *shift = mult + out_depth;
        for (int32_t c = 0; c < out_depth; c++) {
            const double eff =
                (double)in->scale * (double)nn_ld_f32(p->m->base + scales + 4u * (uint32_t)c) / (double)out->scale;
            int sh;
            nn_quantize_multiplier(eff, &mult[c], &sh);
            shift[c] = sh;
        }
    } else {
        /* The reference multiplies the two float scales in float first. */
        const float prod = in->scale * w->scale;
        int sh;
        nn_quantize_multiplier((double)prod / (double)out->scale, &d->multiplier, &sh);
        d->shift = sh;
    }
    return NN_OK;
}

static nn_status fc_eval(const nn_exec *e)
{
    const fc_data *d = e->data;
    const int8_t *in = nn_ex_in(e, 0);
    const int8_t *w = nn_ex_in(e, 1);
    const int32_t *bias = e->node->n_in > 2 ? nn_ex_in(e, 2) : NULL;
    void *outp = nn_ex_out(e, 0);
    const int32_t accum = d->accum, depth = d->out_depth;
    const int32_t *mults = (const int32_t *)(const void *)(d + 1);
    const int32_t *shifts = mults + depth;

    for (int32_t b = 0; b < d->batches; b++) {
        const int8_t *x = in + (size_t)b * (size_t)accum;
        const int32_t xo = d->input_offset;
        int32_t c = 0;
        int32_t acc[4];
        for (; c < depth; c += 4) {
            const int rows = depth - c < 4 ? depth - c : 4;
            const int8_t *w0 = w + (size_t)c * (size_t)accum;
            nn_dot_rows_s8(w0, accum, rows, x, xo, acc);
            for (int r = 0; r < rows; r++) {
                const int32_t ch = c + r;
                int32_t v = acc[r];
                if (bias) v = nn_wadd(v, bias[ch]);
                v = d->per_channel ? nn_mbqm(v, mults[ch], shifts[ch]) : nn_mbqm(v, d->multiplier, d->shift);
                v = nn_clamp32(nn_wadd(v, d->output_offset), d->act_min, d->act_max);
                const size_t o = (size_t)b * (size_t)depth + (size_t)ch;
                if (d->out_type == NN_INT8) {
                    ((int8_t *)outp)[o] = (int8_t)v;
                } else {
                    ((int16_t *)outp)[o] = (int16_t)v;
                }
            }
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_fully_connected = { 9, NN_OPT_FULLY_CONNECTED, 0, fc_prepare, fc_eval };
