/*
 * SOFTMAX, int8 input to int8 or int16 output, bit-exact with TFLM's
 * reference_ops::Softmax: differences to the row maximum are scaled to
 * Q5.26, exponentiated with gemmlowp's fixed-point exp, summed in Q12.19 and
 * divided through a fixed-point reciprocal.
 */
#include "kernel_util.h"

enum { SOFTMAX_BETA = 0 };
enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };

typedef struct softmax_data {
    int32_t multiplier, shift, diff_min;
    int32_t rows, depth;
    uint8_t out_type;
} softmax_data;

static nn_status softmax_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 1, 1, 1)) || (s = nn_k_need(p, 0))) return s;
    const nn_tensor *in = p->in[0], *out = p->out[0];
    const float beta = nn_opt_f32(p, SOFTMAX_BETA, 0.0f);
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_quantized(p, in, "input"))) return s;
    if (out->type == NN_INT8) {
        if (out->zero_point != -128 || out->scale != 1.0f / 256.0f) {
            return nn_prep_fail(p, NN_ERR_UNSUPPORTED,
                                "int8 output must have scale 1/256 and zero point -128 (has %f, %d)",
                                (double)out->scale, (int)out->zero_point);
        }
    } else if (out->type == NN_INT16) {
        const float want = 1.0f / 65536.0f;
        if (out->zero_point != -32768 || out->scale < want * 0.999f || out->scale > want * 1.001f) {
            return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "int16 output must have scale 1/65536 and zero point -32768");
        }
    } else {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "output type %s (expected INT8 or INT16)", nn_type_name(out->type));
    }
    if (in->rank < 1 || nn_elements(p->m, in) != nn_elements(p->m, out)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input and output shapes differ");
    }
    const int32_t depth = nn_pdim(p, in, in->rank - 1u);
    if (!(beta > 0.0f)) return nn_prep_fail(p, NN_ERR_MODEL, "beta %f must be positive", (double)beta);

    /* PreprocessSoftmaxScaling: beta * scale as a Q5.26 multiplier, capped. */
    double real = (double)beta * (double)in->scale * (double)(1 << (31 - kScaledDiffIntegerBits));
    if (real > 2147483647.0) real = 2147483647.0;
    if (!(real > 1.0)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "beta * input scale %f is too small",
                            (double)beta * (double)in->scale);
    }
    softmax_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    int shift;
    nn_quantize_multiplier(real, &d->multiplier, &shift);
    d->shift = shift;
    /* CalculateInputRadius: the largest difference that cannot overflow. */
    const double radius = (double)((1 << kScaledDiffIntegerBits) - 1) *
                          (double)((int64_t)1 << (31 - kScaledDiffIntegerBits)) / (double)((int64_t)1 << shift);
    d->diff_min = -(int32_t)radius; /* floor of a positive value */
    d->depth = depth;
    d->rows = depth ? (int32_t)(nn_elements(p->m, in) / (uint32_t)depth) : 0;
    d->out_type = out->type;
    return NN_OK;
}

static inline int32_t scaled_exp(const softmax_data *d, int32_t diff)
{
    const int32_t rescaled = nn_srdhm(nn_wshl(diff, d->shift), d->multiplier);
    return nn_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
}

static nn_status softmax_eval(const nn_exec *e)
{
    const softmax_data *d = e->data;
    const int8_t *in = nn_ex_in(e, 0);
    void *out = nn_ex_out(e, 0);
    const int out_bits = d->out_type == NN_INT8 ? 8 : 16;
    const int32_t out_min = d->out_type == NN_INT8 ? -128 : -32768;
    const int32_t out_max = d->out_type == NN_INT8 ? 127 : 32767;
    for (int32_t r = 0; r < d->rows; r++) {
        const int8_t *x = in + (size_t)r * (size_t)d->depth;
        int32_t max = -128;
        for (int32_t c = 0; c < d->depth; c++) max = x[c] > max ? x[c] : max;
        int32_t sum = 0; /* Q12.19, wrapping like the reference */
        for (int32_t c = 0; c < d->depth; c++) {
            const int32_t diff = x[c] - max;
            if (diff >= d->diff_min) sum = nn_wadd(sum, nn_rdbpot(scaled_exp(d, diff), 12));
        }
        int num_bits_over_unit;
        const int32_t scale = nn_get_reciprocal(sum, kAccumulationIntegerBits, &num_bits_over_unit);
        const int exponent = num_bits_over_unit + 31 - out_bits;
        for (int32_t c = 0; c < d->depth; c++) {
            const int32_t diff = x[c] - max;
            int32_t v = out_min;
            if (diff >= d->diff_min) {
                const int32_t prod = nn_srdhm(scale, scaled_exp(d, diff));
                const int32_t unsat = exponent <= 31 ? nn_rdbpot(prod, exponent < 0 ? 0 : exponent) : 0;
                v = nn_clamp32(nn_wadd(unsat, out_min), out_min, out_max);
            }
            const size_t o = (size_t)r * (size_t)d->depth + (size_t)c;
            if (out_bits == 8) {
                ((int8_t *)out)[o] = (int8_t)v;
            } else {
                ((int16_t *)out)[o] = (int16_t)v;
            }
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_softmax = { 25, NN_OPT_SOFTMAX, 0, softmax_prepare, softmax_eval };
