/*
 * PAD and PADV2 for 1/2/4-byte types, as TFLM's reference pad (int8 pads
 * with the output zero point unless PADV2 gives a value).
 *
 * The planner may place the output over the input (it is bigger, and every
 * output row lands at or after its input row), so eval walks rows from the
 * last one down and moves each input row before writing the padding around
 * it: in place or not, the result is the same.
 */
#include "kernel_util.h"

#define PAD_DIMS NN_MAX_DIMS

typedef struct pad_data {
    int32_t in_dims[PAD_DIMS], before[PAD_DIMS], out_dims[PAD_DIMS];
    uint32_t esize;
    uint32_t value; /* pad value, raw bits of one element */
} pad_data;

static nn_status pad_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 3, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *in = p->in[0], *pads = p->in[1], *out = p->out[0];
    const nn_tensor *cv = p->n_in > 2 ? p->in[2] : NULL;
    const uint32_t es = nn_type_size(in->type);
    if (in->type != out->type || (es != 1 && es != 2 && es != 4)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s -> %s is not supported", nn_type_name(in->type),
                            nn_type_name(out->type));
    }
    if (in->type == NN_INT8 && (in->scale != out->scale || in->zero_point != out->zero_point)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "input and output quantization differ");
    }
    const uint8_t *pd;
    if ((s = nn_k_const(p, 1, &pd, "paddings"))) return s;
    if (pads->type != NN_INT32 && pads->type != NN_INT64) return nn_k_type(p, pads, NN_INT32, "paddings");
    const uint32_t rank = in->rank;
    if (out->rank != rank || rank > PAD_DIMS || pads->rank != 2 || (uint32_t)nn_pdim(p, pads, 0) != rank ||
        nn_pdim(p, pads, 1) != 2) {
        return nn_prep_fail(p, NN_ERR_MODEL, "paddings must be [%u, 2] for a rank-%u input", (unsigned)rank,
                            (unsigned)rank);
    }
    uint32_t value = 0;
    if (cv) {
        const uint8_t *vd;
        if ((s = nn_k_const(p, 2, &vd, "constant_values"))) return s;
        if (cv->type != in->type || nn_elements(p->m, cv) != 1) {
            return nn_prep_fail(p, NN_ERR_MODEL, "constant_values must be one %s", nn_type_name(in->type));
        }
        memcpy(&value, vd, es);
    } else if (in->type == NN_INT8) {
        value = (uint8_t)(int8_t)out->zero_point;
    }
    pad_data *d = nn_prep_alloc(p, sizeof *d);
    const uint32_t lead = PAD_DIMS - rank;
    for (uint32_t i = 0; i < PAD_DIMS; i++) {
        int64_t lo = 0, hi = 0, n = 1;
        if (i >= lead) {
            const uint32_t k = i - lead;
            if (pads->type == NN_INT32) {
                lo = nn_ld_i32(pd + 8u * k);
                hi = nn_ld_i32(pd + 8u * k + 4u);
            } else {
                lo = nn_ld_i64(pd + 16u * k);
                hi = nn_ld_i64(pd + 16u * k + 8u);
            }
            n = nn_pdim(p, in, k);
            if (lo < 0 || hi < 0 || n + lo + hi != nn_pdim(p, out, k)) {
                return nn_prep_fail(p, NN_ERR_MODEL, "dimension %u: %d + %d + %d does not give output %d", (unsigned)k,
                                    (int)lo, (int)n, (int)hi, (int)nn_pdim(p, out, k));
            }
        }
        if (d) {
            d->in_dims[i] = (int32_t)n;
            d->before[i] = (int32_t)lo;
            d->out_dims[i] = (int32_t)(n + lo + hi);
        }
    }
    if (d) {
        d->esize = es;
        d->value = value;
    }
    return NN_OK;
}

static void fill(uint8_t *dst, uint32_t n, uint32_t esize, uint32_t value)
{
    if (esize == 1) {
        memset(dst, (int)value, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) memcpy(dst + (size_t)i * esize, &value, esize);
}

static nn_status pad_eval(const nn_exec *e)
{
    const pad_data *d = e->data;
    const uint8_t *in = nn_ex_in(e, 0);
    uint8_t *out = nn_ex_out(e, 0);
    const uint32_t es = d->esize, L = PAD_DIMS - 1;
    const size_t in_row = (size_t)d->in_dims[L] * es, out_row = (size_t)d->out_dims[L] * es;
    const size_t left = (size_t)d->before[L] * es;
    size_t rows = 1;
    for (uint32_t i = 0; i < L; i++) rows *= (size_t)d->out_dims[i];
    for (size_t r = rows; r-- > 0;) {
        /* Split the output row index into outer coordinates. */
        size_t rem = r, in_r = 0, scale = 1;
        int inside = 1;
        for (int32_t i = (int32_t)L - 1; i >= 0; i--) {
            const int32_t c = (int32_t)(rem % (size_t)d->out_dims[i]) - d->before[i];
            rem /= (size_t)d->out_dims[i];
            if (c < 0 || c >= d->in_dims[i]) inside = 0;
            in_r += (size_t)c * scale;
            scale *= (size_t)d->in_dims[i];
        }
        uint8_t *o = out + r * out_row;
        if (!inside) {
            fill(o, (uint32_t)d->out_dims[L], es, d->value);
            continue;
        }
        memmove(o + left, in + in_r * in_row, in_row);
        fill(o + left + in_row, (uint32_t)((out_row - left - in_row) / es), es, d->value);
        fill(o, (uint32_t)(left / es), es, d->value);
    }
    return NN_OK;
}

const nn_kernel nn_kernel_pad = { 34, NN_OPT_PAD, NN_ALIAS_GROW, pad_prepare, pad_eval };
const nn_kernel nn_kernel_padv2 = { 60, 0, NN_ALIAS_GROW, pad_prepare, pad_eval };
