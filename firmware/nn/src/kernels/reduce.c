/*
 * MEAN (and SUM) over any set of axes, int8, as TFLM's reference
 * QuantizedMeanOrSum: int32 sums per output, then one requantization whose
 * multiplier absorbs 1/count (integer division of the shifted multiplier).
 */
#include "kernel_util.h"

#define RD_DIMS NN_MAX_DIMS
enum { REDUCER_KEEP_DIMS = 0 };

typedef struct reduce_data {
    int32_t dims[RD_DIMS];
    int32_t out_stride[RD_DIMS]; /* output stride of each input dimension, 0 if reduced */
    uint32_t rank, n_in, n_out;
    int32_t in_zp, out_zp, multiplier, shift;
    int64_t count;
} reduce_data;

static nn_status reduce_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 2, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *in = p->in[0], *axis = p->in[1], *out = p->out[0];
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, out, NN_INT8, "output")) ||
        (s = nn_k_type(p, axis, NN_INT32, "axis")) || (s = nn_k_quantized(p, in, "input")) ||
        (s = nn_k_quantized(p, out, "output")))
        return s;
    const uint8_t *ad;
    if ((s = nn_k_const(p, 1, &ad, "axis"))) return s;
    const uint32_t rank = in->rank, n_axis = nn_elements(p->m, axis);
    if (rank > RD_DIMS) return nn_prep_fail(p, NN_ERR_LIMIT, "rank %u", (unsigned)rank);
    uint32_t reduced = 0;
    for (uint32_t i = 0; i < n_axis; i++) {
        int32_t a = nn_ld_i32(ad + 4u * i);
        if (a < 0) a += (int32_t)rank;
        if (a < 0 || (uint32_t)a >= rank) {
            return nn_prep_fail(p, NN_ERR_MODEL, "axis %d out of range for rank %u", (int)nn_ld_i32(ad + 4u * i),
                                (unsigned)rank);
        }
        reduced |= 1u << a;
    }
    /* Output: input shape with reduced dims removed (or kept as 1). */
    int64_t count = 1;
    uint32_t kept = 1;
    int32_t stride[RD_DIMS];
    for (int32_t i = (int32_t)rank - 1; i >= 0; i--) {
        const int32_t n = nn_pdim(p, in, (uint32_t)i);
        if (reduced & (1u << i)) {
            stride[i] = 0;
            count *= n;
        } else {
            stride[i] = (int32_t)kept;
            kept *= (uint32_t)n;
        }
    }
    if (kept != nn_elements(p->m, out)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "output has %u values, reducing gives %u",
                            (unsigned)nn_elements(p->m, out), (unsigned)kept);
    }
    nn_prep_scratch(p, 4u * kept);
    reduce_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->rank = rank;
    for (uint32_t i = 0; i < rank; i++) {
        d->dims[i] = nn_pdim(p, in, i);
        d->out_stride[i] = stride[i];
    }
    d->n_in = nn_elements(p->m, in);
    d->n_out = kept;
    d->count = count;
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
    int sh;
    int32_t mult;
    nn_quantize_multiplier((double)in->scale / (double)out->scale, &mult, &sh);
    if (p->op->builtin == 40 && count > 0) { /* MEAN: fold 1/count into the multiplier */
        int shift = 0;
        for (uint64_t c = (uint64_t)count; c > 1; c >>= 1) shift++;
        if (shift > 32) shift = 32;
        if (shift > 31 + sh) shift = 31 + sh;
        mult = (int32_t)(((int64_t)mult << shift) / count);
        sh -= shift;
    }
    d->multiplier = mult;
    d->shift = sh;
    return NN_OK;
}

static nn_status reduce_eval(const nn_exec *e)
{
    const reduce_data *d = e->data;
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    int32_t *sum = e->scratch;
    memset(sum, 0, 4u * d->n_out);
    if (d->count == 0) {
        memset(out, 0, d->n_out);
        return NN_OK;
    }
    int32_t idx[RD_DIMS] = { 0 };
    size_t o = 0;
    const int32_t last = (int32_t)d->rank - 1;
    for (uint32_t i = 0; i < d->n_in; i++) {
        sum[o] = nn_wadd(sum[o], in[i]);
        for (int32_t k = last; k >= 0; k--) {
            idx[k]++;
            o += (size_t)d->out_stride[k];
            if (idx[k] < d->dims[k]) break;
            o -= (size_t)d->out_stride[k] * (size_t)idx[k];
            idx[k] = 0;
        }
    }
    const int32_t zp_total = (int32_t)((uint32_t)d->in_zp * (uint32_t)d->count);
    for (uint32_t i = 0; i < d->n_out; i++) {
        const int32_t v = nn_mbqm(nn_wsub(sum[i], zp_total), d->multiplier, d->shift);
        out[i] = (int8_t)nn_clamp32(nn_wadd(v, d->out_zp), -128, 127);
    }
    return NN_OK;
}

const nn_kernel nn_kernel_mean = { 40, NN_OPT_REDUCER, 0, reduce_prepare, reduce_eval };
const nn_kernel nn_kernel_sum = { 74, NN_OPT_REDUCER, 0, reduce_prepare, reduce_eval };
