/*
 * ADD and SUB, int8 with broadcasting, as TFLM's reference integer add: both
 * inputs are shifted left by 20 bits, scaled to a common scale, summed (or
 * subtracted), rescaled to the output and clamped.
 *
 * The scaled value of an input depends only on its int8 value, so larger ops
 * first tabulate it (256 entries per input, in scratch) and pay one
 * requantization per element instead of three.
 */
#include "kernel_util.h"

enum { ADD_ACTIVATION = 0 };
#define ADD_MAX_DIMS NN_MAX_DIMS

typedef struct add_data {
    int32_t in1_offset, in2_offset, out_offset;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t act_min, act_max;
    int32_t left_shift;
    uint8_t sub, broadcast, rank;
    int32_t out_dims[ADD_MAX_DIMS];
    int32_t str1[ADD_MAX_DIMS], str2[ADD_MAX_DIMS]; /* element strides, 0 on broadcast dims */
    uint32_t n;
    uint8_t lut; /* tabulate the input scaling (scratch: 2 x 256 int32) */
} add_data;

enum { ADD_LUT_MIN = 1024 }; /* elements from which tables pay off */

static nn_status add_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 2, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *a = p->in[0], *b = p->in[1], *out = p->out[0];
    if ((s = nn_k_type(p, a, NN_INT8, "input 1")) || (s = nn_k_type(p, b, NN_INT8, "input 2")) ||
        (s = nn_k_type(p, out, NN_INT8, "output")))
        return s;
    if ((s = nn_k_quantized(p, a, "input 1")) || (s = nn_k_quantized(p, b, "input 2")) ||
        (s = nn_k_quantized(p, out, "output")))
        return s;
    const int activation = nn_opt_i8(p, ADD_ACTIVATION, 0);
    int32_t lo, hi;
    if ((s = nn_k_activation(p, activation, out, &lo, &hi))) return s;
    /* Broadcast shapes, right-aligned. */
    const uint32_t rank = out->rank;
    int32_t od[ADD_MAX_DIMS], ad[ADD_MAX_DIMS], bd[ADD_MAX_DIMS];
    if (a->rank > rank || b->rank > rank) {
        return nn_prep_fail(p, NN_ERR_MODEL, "inputs have higher rank than the output");
    }
    for (uint32_t i = 0; i < rank; i++) {
        od[i] = nn_pdim(p, out, i);
        const int32_t ia = (int32_t)i - (int32_t)(rank - a->rank);
        const int32_t ib = (int32_t)i - (int32_t)(rank - b->rank);
        ad[i] = ia >= 0 ? nn_pdim(p, a, (uint32_t)ia) : 1;
        bd[i] = ib >= 0 ? nn_pdim(p, b, (uint32_t)ib) : 1;
        if ((ad[i] != od[i] && ad[i] != 1) || (bd[i] != od[i] && bd[i] != 1)) {
            return nn_prep_fail(p, NN_ERR_MODEL, "dimension %u: %d and %d do not broadcast to %d", (unsigned)i,
                                (int)ad[i], (int)bd[i], (int)od[i]);
        }
    }
    const uint32_t n_out = nn_elements(p->m, out);
    if (n_out >= ADD_LUT_MIN) nn_prep_scratch(p, 2u * 256u * 4u);
    add_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->lut = n_out >= ADD_LUT_MIN;
    d->sub = p->op->builtin == 41;
    d->in1_offset = -a->zero_point;
    d->in2_offset = -b->zero_point;
    d->out_offset = out->zero_point;
    d->left_shift = 20;
    const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
    int sh;
    nn_quantize_multiplier((double)a->scale / twice_max, &d->in1_mult, &sh);
    d->in1_shift = sh;
    nn_quantize_multiplier((double)b->scale / twice_max, &d->in2_mult, &sh);
    d->in2_shift = sh;
    nn_quantize_multiplier(twice_max / ((double)(1 << d->left_shift) * (double)out->scale), &d->out_mult, &sh);
    d->out_shift = sh;
    d->act_min = lo;
    d->act_max = hi;
    d->rank = (uint8_t)rank;
    d->n = nn_elements(p->m, out);
    int32_t sa = 1, sb = 1;
    for (int32_t i = (int32_t)rank - 1; i >= 0; i--) {
        d->out_dims[i] = od[i];
        d->str1[i] = ad[i] == 1 ? 0 : sa;
        d->str2[i] = bd[i] == 1 ? 0 : sb;
        sa *= ad[i];
        sb *= bd[i];
        if (ad[i] != od[i] || bd[i] != od[i]) d->broadcast = 1;
    }
    return NN_OK;
}

static inline int32_t scale1(const add_data *d, int32_t x)
{
    return nn_mbqm(nn_wshl(x + d->in1_offset, d->left_shift), d->in1_mult, d->in1_shift);
}
static inline int32_t scale2(const add_data *d, int32_t y)
{
    const int32_t v = nn_mbqm(nn_wshl(y + d->in2_offset, d->left_shift), d->in2_mult, d->in2_shift);
    return d->sub ? nn_wsub(0, v) : v; /* SUB: raw = a - b */
}
static inline int8_t finish(const add_data *d, int32_t raw)
{
    const int32_t v = nn_wadd(nn_mbqm(raw, d->out_mult, d->out_shift), d->out_offset);
    return (int8_t)nn_clamp32(v, d->act_min, d->act_max);
}
static inline int8_t add1(const add_data *d, int32_t x, int32_t y)
{
    return finish(d, nn_wadd(scale1(d, x), scale2(d, y)));
}

static nn_status add_eval(const nn_exec *e)
{
    const add_data *d = e->data;
    const int8_t *a = nn_ex_in(e, 0), *b = nn_ex_in(e, 1);
    int8_t *out = nn_ex_out(e, 0);
    if (!d->broadcast) {
        if (d->lut) {
            int32_t *t1 = e->scratch, *t2 = t1 + 256; /* indexed by value + 128 */
            for (int32_t v = -128; v < 128; v++) {
                t1[v + 128] = scale1(d, v);
                t2[v + 128] = scale2(d, v);
            }
            for (uint32_t i = 0; i < d->n; i++) out[i] = finish(d, nn_wadd(t1[a[i] + 128], t2[b[i] + 128]));
            return NN_OK;
        }
        for (uint32_t i = 0; i < d->n; i++) out[i] = add1(d, a[i], b[i]);
        return NN_OK;
    }
    int32_t idx[ADD_MAX_DIMS] = { 0 };
    size_t ia = 0, ib = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        out[i] = add1(d, a[ia], b[ib]);
        for (int32_t k = (int32_t)d->rank - 1; k >= 0; k--) {
            idx[k]++;
            ia += (size_t)d->str1[k];
            ib += (size_t)d->str2[k];
            if (idx[k] < d->out_dims[k]) break;
            ia -= (size_t)d->str1[k] * (size_t)idx[k];
            ib -= (size_t)d->str2[k] * (size_t)idx[k];
            idx[k] = 0;
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_add = { 0, NN_OPT_ADD, NN_ALIAS_INPLACE, add_prepare, add_eval };
const nn_kernel nn_kernel_sub = { 41, NN_OPT_SUB, NN_ALIAS_INPLACE, add_prepare, add_eval };
