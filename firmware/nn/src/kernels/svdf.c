/*
 * SVDF, int8 input with int8 or int16 time weights and state, as TFLM's
 * EvalIntegerSvdfReference: the state tensor (batch x filters x memory) is
 * shifted left by one, the feature matmul writes its newest column, the
 * time weights reduce each filter's memory, ranks are summed per unit,
 * bias added and the result requantized to int8.
 */
#include "kernel_util.h"

enum { SVDF_RANK = 0, SVDF_ACTIVATION = 1 };

typedef struct svdf_data {
    int32_t batch, input_size, filters, units, memory, rank;
    int32_t scale1_mult, scale1_shift, scale2_mult, scale2_shift;
    int32_t input_zp, state_zp, output_zp;
    uint8_t state16; /* time weights and state are int16 */
} svdf_data;

static nn_status svdf_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 5, 5, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1)) || (s = nn_k_need(p, 2)) ||
        (s = nn_k_need(p, 4)))
        return s;
    const nn_tensor *in = p->in[0], *wf = p->in[1], *wt = p->in[2], *bias = p->in[3];
    const nn_tensor *state = p->in[4], *out = p->out[0];
    const int32_t rank = nn_opt_i32(p, SVDF_RANK, 0);
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, wf, NN_INT8, "feature weights")) ||
        (s = nn_k_type(p, out, NN_INT8, "output")))
        return s;
    if (wt->type != state->type || (wt->type != NN_INT8 && wt->type != NN_INT16)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "time weights %s with state %s (need both INT8 or INT16)",
                            nn_type_name(wt->type), nn_type_name(state->type));
    }
    if (bias && (s = nn_k_type(p, bias, NN_INT32, "bias"))) return s;
    if (state->kind != NN_T_VAR) return nn_prep_fail(p, NN_ERR_MODEL, "state (input 4) is not a variable tensor");
    const uint8_t *c;
    if ((s = nn_k_const(p, 1, &c, "feature weights")) || (s = nn_k_const(p, 2, &c, "time weights")) ||
        (s = nn_k_aligned(p, 2, 2, "time weights")))
        return s;
    if (bias && ((s = nn_k_const(p, 3, &c, "bias")) || (s = nn_k_aligned(p, 3, 4, "bias")))) return s;
    if ((s = nn_k_rank(p, in, 2, "input")) || (s = nn_k_rank(p, wf, 2, "feature weights")) ||
        (s = nn_k_rank(p, wt, 2, "time weights")) || (s = nn_k_rank(p, state, 2, "state")) ||
        (s = nn_k_rank(p, out, 2, "output")))
        return s;
    const int32_t batch = nn_pdim(p, in, 0), input_size = nn_pdim(p, in, 1);
    const int32_t filters = nn_pdim(p, wf, 0), memory = nn_pdim(p, wt, 1);
    if (rank <= 0 || filters % rank != 0) {
        return nn_prep_fail(p, NN_ERR_MODEL, "rank %d does not divide %d filters", (int)rank, (int)filters);
    }
    const int32_t units = filters / rank;
    if (nn_pdim(p, wf, 1) != input_size || nn_pdim(p, wt, 0) != filters || memory <= 0 ||
        nn_pdim(p, state, 0) != batch || (int64_t)nn_pdim(p, state, 1) != (int64_t)memory * filters ||
        nn_pdim(p, out, 0) != batch || nn_pdim(p, out, 1) != units ||
        (bias && nn_elements(p->m, bias) != (uint32_t)units)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "tensor shapes do not agree (input %dx%d, %d filters, memory %d)",
                            (int)batch, (int)input_size, (int)filters, (int)memory);
    }
    if (input_size > 65536 || memory > 65536) {
        return nn_prep_fail(p, NN_ERR_LIMIT, "input size %d or memory %d exceeds 65536 (int32 overflow)",
                            (int)input_size, (int)memory);
    }
    if ((s = nn_k_quantized(p, in, "input")) || (s = nn_k_quantized(p, wf, "feature weights")) ||
        (s = nn_k_quantized(p, wt, "time weights")) || (s = nn_k_quantized(p, state, "state")) ||
        (s = nn_k_quantized(p, out, "output")))
        return s;
    nn_prep_scratch(p, (uint32_t)batch * (uint32_t)filters * 4u);
    nn_prep_scratch(p, (uint32_t)batch * (uint32_t)units * 4u);
    svdf_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->batch = batch;
    d->input_size = input_size;
    d->filters = filters;
    d->units = units;
    d->memory = memory;
    d->rank = rank;
    /* The reference forms both effective scales in float. */
    const float scale1 = in->scale * wf->scale / state->scale;
    const float scale2 = state->scale * wt->scale / out->scale;
    int sh;
    nn_quantize_multiplier((double)scale1, &d->scale1_mult, &sh);
    d->scale1_shift = sh;
    nn_quantize_multiplier((double)scale2, &d->scale2_mult, &sh);
    d->scale2_shift = sh;
    d->input_zp = in->zero_point;
    d->state_zp = state->zero_point;
    d->output_zp = out->zero_point;
    d->state16 = wt->type == NN_INT16;
    return NN_OK;
}

static nn_status svdf_eval(const nn_exec *e)
{
    const svdf_data *d = e->data;
    const int8_t *in = nn_ex_in(e, 0);
    const int8_t *wf = nn_ex_in(e, 1);
    const void *wt = nn_ex_in(e, 2);
    const int32_t *bias = nn_ex_in(e, 3);
    void *state = (void *)(uintptr_t)nn_ex_in(e, 4);
    int8_t *out = nn_ex_out(e, 0);
    int32_t *scratch = e->scratch;
    int32_t *scratch_out = scratch + NN_ALIGN_UP((uint32_t)(d->batch * d->filters * 4)) / 4u;
    const uint32_t n_state = (uint32_t)(d->batch * d->filters * d->memory);
    const int32_t smin = d->state16 ? -32768 : -128, smax = d->state16 ? 32767 : 127;

    /* Shift the whole state left by one value (the newest column is rewritten). */
    if (n_state > 1) {
        if (d->state16) {
            memmove(state, (int16_t *)state + 1, (n_state - 1u) * 2u);
        } else {
            memmove(state, (int8_t *)state + 1, n_state - 1u);
        }
    }
    /* Feature matmul into the newest column of each filter's memory. */
    const int32_t n_in = d->input_size, zp = d->input_zp;
    for (int32_t b = 0; b < d->batch; b++) {
        const int8_t *x = in + b * n_in;
        for (int32_t f = 0; f < d->filters; f += 4) {
            /* Four filters share each loaded input value. */
            const int rows = d->filters - f < 4 ? d->filters - f : 4;
            int32_t acc[4];
            nn_dot_rows_s8(wf + (size_t)f * (size_t)n_in, n_in, rows, x, -zp, acc);
            for (int r = 0; r < rows; r++) {
                int32_t v = nn_mbqm(acc[r], d->scale1_mult, d->scale1_shift);
                v = nn_clamp32(nn_wadd(v, d->state_zp), smin, smax);
                const size_t at =
                    ((size_t)b * (size_t)d->filters + (size_t)(f + r)) * (size_t)d->memory + (size_t)d->memory - 1u;
                if (d->state16) {
                    ((int16_t *)state)[at] = (int16_t)v;
                } else {
                    ((int8_t *)state)[at] = (int8_t)v;
                }
            }
        }
    }
    /* Time weights: one dot product per filter over its memory. */
    for (int32_t b = 0; b < d->batch; b++) {
        for (int32_t f = 0; f < d->filters; f++) {
            const size_t base = ((size_t)b * (size_t)d->filters + (size_t)f) * (size_t)d->memory;
            const size_t wbase = (size_t)f * (size_t)d->memory;
            int32_t acc = 0;
            if (d->state16) {
                const int16_t *s = (const int16_t *)state + base, *w = (const int16_t *)wt + wbase;
                for (int32_t j = 0; j < d->memory; j++) acc = nn_wadd(acc, w[j] * (s[j] - d->state_zp));
            } else {
                const int8_t *s = (const int8_t *)state + base, *w = (const int8_t *)wt + wbase;
                const int32_t szp = d->state_zp;
                if (d->memory == 8) {
                    for (int j = 0; j < 8; j++) acc += w[j] * (s[j] - szp);
                } else if (d->memory == 32) {
                    for (int j = 0; j < 32; j++) acc += w[j] * (s[j] - szp);
                } else {
                    for (int32_t j = 0; j < d->memory; j++) acc += w[j] * (s[j] - szp);
                }
            }
            scratch[b * d->filters + f] = acc;
        }
    }
    /* Bias, rank reduction, requantize. */
    for (int32_t b = 0; b < d->batch; b++) {
        for (int32_t u = 0; u < d->units; u++) {
            int32_t acc = bias ? bias[u] : 0;
            for (int32_t r = 0; r < d->rank; r++) {
                acc = nn_wadd(acc, scratch[b * d->filters + u * d->rank + r]);
            }
            scratch_out[b * d->units + u] = acc;
        }
    }
    for (int32_t i = 0; i < d->batch * d->units; i++) {
        const int32_t v = nn_mbqm(scratch_out[i], d->scale2_mult, d->scale2_shift);
        out[i] = (int8_t)nn_clamp32(nn_wadd(v, d->output_zp), -128, 127);
    }
    return NN_OK;
}

const nn_kernel nn_kernel_svdf = { 27, NN_OPT_SVDF, 0, svdf_prepare, svdf_eval };
