/*
 * Elementwise activations: LOGISTIC and TANH (int8 through gemmlowp's
 * fixed-point functions, int16 through TFLite's interpolated table), RELU
 * and RELU6 (int8 requantize and clamp), all as TFLM's reference kernels.
 */
#include "kernel_util.h"

typedef struct act_data {
    int32_t input_zp, output_zp;
    int32_t radius, multiplier, shift;
    int32_t act_min, act_max;
    uint32_t n;
    uint8_t type;
} act_data;

static nn_status act_common(nn_prep *p, act_data **out_d)
{
    nn_status s;
    *out_d = NULL;
    if ((s = nn_k_arity(p, 1, 1, 1)) || (s = nn_k_need(p, 0))) return s;
    const nn_tensor *in = p->in[0], *out = p->out[0];
    if (in->type != out->type || nn_elements(p->m, in) != nn_elements(p->m, out)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input and output differ in type or size");
    }
    if (in->type != NN_INT8 && in->type != NN_INT16) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "type %s (expected INT8 or INT16)", nn_type_name(in->type));
    }
    if ((s = nn_k_quantized(p, in, "input")) || (s = nn_k_quantized(p, out, "output"))) return s;
    act_data *d = nn_prep_alloc(p, sizeof *d);
    if (d) {
        d->input_zp = in->zero_point;
        d->output_zp = out->zero_point;
        d->n = nn_elements(p->m, in);
        d->type = in->type;
    }
    *out_d = d;
    return NN_OK;
}

/* int8 LOGISTIC/TANH input scaling to Q4.27 (frexp of scale * 2^27, unchecked
 * like the reference) and the radius beyond which the output saturates. */
static void int8_q4_params(float scale, act_data *d)
{
    int shift;
    const double q = nn_frexp((double)scale * (double)(1 << 27), &shift);
    const double r = nn_round(q * 2147483648.0);
    d->multiplier = r >= 2147483648.0 ? INT32_MIN : (int32_t)r;
    /* Real int8 scales give shifts near 20; keep absurd ones shiftable. */
    d->shift = shift > 31 ? 31 : (shift < -31 ? -31 : shift);
    const double radius = 15.0 * (double)((int64_t)1 << 27) / nn_pow2(shift);
    d->radius = radius > 2147483647.0 ? INT32_MAX : (int32_t)radius;
}

/* int16 LOGISTIC/TANH: power-of-two scales use the table directly. */
static nn_status int16_params(nn_prep *p, act_data *d, int tanh)
{
    const nn_tensor *in = p->in[0], *out = p->out[0];
    if (in->zero_point != 0 || out->zero_point != 0) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "int16 input and output need zero point 0");
    }
    int out_log2;
    if (!nn_checked_log2(out->scale, &out_log2) || out_log2 != -15) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "int16 output scale must be 2^-15");
    }
    int in_log2;
    int pot = nn_checked_log2(in->scale, &in_log2);
    int32_t shift = (15 - 3) + in_log2, multiplier = 0;
    pot = pot && (shift == 0 || (tanh && shift == 1));
    if (!pot) {
        double mult = (double)in->scale * 4096.0 * 3.0;
        shift = 0;
        while (mult <= 32767.0 / 2.0 && shift <= 30) {
            shift++;
            mult *= 2.0;
        }
        /* The table function computes int16 x multiplier in int32: exact for 1 <= multiplier < 2^16.
         * 0 would mean "power of two" to it and shift 3 by 31. */
        if (!(mult >= 1.0 && mult < 65536.0)) {
            return nn_k_bad_scale(p, 0, "input", in_log2, "the int16 table function needs an input scale below 5.3");
        }
        multiplier = (int32_t)mult;
    }
    if (d == NULL) return NN_OK;
    d->shift = shift;
    d->multiplier = multiplier;
    return NN_OK;
}

static nn_status logistic_prepare(nn_prep *p)
{
    act_data *d;
    nn_status s = act_common(p, &d);
    if (s != NN_OK) return s;
    if (p->in[0]->type == NN_INT16) return int16_params(p, d, 0);
    if (p->out[0]->zero_point != -128) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "int8 output zero point must be -128 (is %d)",
                            (int)p->out[0]->zero_point);
    }
    if (d) int8_q4_params(p->in[0]->scale, d);
    return NN_OK;
}

static nn_status tanh_prepare(nn_prep *p)
{
    act_data *d;
    nn_status s = act_common(p, &d);
    if (s != NN_OK) return s;
    if (p->in[0]->type == NN_INT16) return int16_params(p, d, 1);
    if (d) int8_q4_params(p->in[0]->scale, d);
    return NN_OK;
}

/* An int8 input (zero point removed) as Q4.27: left shift then VQRDMULH, as
 * MultiplyByQuantizedMultiplier (the multiplier may be INT32_MIN here, see int8_q4_params). */
static inline int32_t int8_to_q4(const act_data *d, int32_t x)
{
    return nn_rdbpot(nn_srdhm(nn_wshl(x, d->shift > 0 ? d->shift : 0), d->multiplier), d->shift > 0 ? 0 : -d->shift);
}

static nn_status logistic_eval(const nn_exec *e)
{
    const act_data *d = e->data;
    if (d->type == NN_INT16) {
        nn_logistic_i16(d->multiplier, d->shift, d->n, nn_ex_in(e, 0), nn_ex_out(e, 0));
        return NN_OK;
    }
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    for (uint32_t i = 0; i < d->n; i++) {
        const int32_t x = in[i] - d->input_zp;
        if (x <= -d->radius) {
            out[i] = -128;
        } else if (x >= d->radius) {
            out[i] = 127;
        } else {
            const int32_t q0 = nn_logistic_q(int8_to_q4(d, x), 4);
            out[i] = (int8_t)nn_clamp32(nn_rdbpot(q0, 23) - 128, -128, 127);
        }
    }
    return NN_OK;
}

static nn_status tanh_eval(const nn_exec *e)
{
    const act_data *d = e->data;
    if (d->type == NN_INT16) {
        nn_tanh_i16(d->multiplier, d->shift, d->n, nn_ex_in(e, 0), nn_ex_out(e, 0));
        return NN_OK;
    }
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    for (uint32_t i = 0; i < d->n; i++) {
        const int32_t x = in[i] - d->input_zp;
        if (x <= -d->radius) {
            out[i] = -128;
        } else if (x >= d->radius) {
            out[i] = 127;
        } else {
            const int32_t q0 = nn_tanh_q(int8_to_q4(d, x), 4);
            out[i] = (int8_t)nn_clamp32(nn_rdbpot(q0, 24), -128, 127);
        }
    }
    return NN_OK;
}

static nn_status relu_common(nn_prep *p, int activation)
{
    act_data *d;
    nn_status s = act_common(p, &d);
    if (s != NN_OK) return s;
    if (p->in[0]->type != NN_INT8) return nn_k_type(p, p->in[0], NN_INT8, "input");
    int32_t lo, hi;
    if ((s = nn_k_activation(p, activation, p->out[0], &lo, &hi))) return s;
    if (d == NULL) return NN_OK;
    d->act_min = lo;
    d->act_max = hi;
    int shift;
    nn_quantize_multiplier((double)p->in[0]->scale / (double)p->out[0]->scale, &d->multiplier, &shift);
    d->shift = shift;
    return NN_OK;
}

static nn_status relu_prepare(nn_prep *p)
{
    return relu_common(p, NN_ACT_RELU);
}
static nn_status relu6_prepare(nn_prep *p)
{
    return relu_common(p, NN_ACT_RELU6);
}

static nn_status relu_eval(const nn_exec *e)
{
    const act_data *d = e->data;
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    for (uint32_t i = 0; i < d->n; i++) {
        const int32_t v = nn_wadd(d->output_zp, nn_mbqm(in[i] - d->input_zp, d->multiplier, d->shift));
        out[i] = (int8_t)nn_clamp32(v, d->act_min, d->act_max);
    }
    return NN_OK;
}

const nn_kernel nn_kernel_logistic = { 14, 0, NN_ALIAS_INPLACE, logistic_prepare, logistic_eval };
const nn_kernel nn_kernel_tanh = { 28, 0, NN_ALIAS_INPLACE, tanh_prepare, tanh_eval };
const nn_kernel nn_kernel_relu = { 19, 0, NN_ALIAS_INPLACE, relu_prepare, relu_eval };
const nn_kernel nn_kernel_relu6 = { 21, 0, NN_ALIAS_INPLACE, relu6_prepare, relu_eval };
