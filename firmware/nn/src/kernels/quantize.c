/*
 * QUANTIZE (float -> int, and requantizing int8/int16/int32 -> int8/int16/
 * int32) and DEQUANTIZE (int8/int16 -> float), as TFLM's reference
 * AffineQuantize / Requantize / Dequantize.
 */
#include "kernel_util.h"

typedef struct quant_data {
    int32_t multiplier, shift;
    int32_t in_zp, out_zp;
    float out_scale;
    double in_scale;
    uint32_t n;
    uint8_t in_type, out_type;
} quant_data;

static int int_type(int t)
{
    return t == NN_INT8 || t == NN_INT16 || t == NN_INT32;
}

static nn_status quantize_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 1, 1, 1)) || (s = nn_k_need(p, 0))) return s;
    const nn_tensor *in = p->in[0], *out = p->out[0];
    if (nn_elements(p->m, in) != nn_elements(p->m, out)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input and output have different element counts");
    }
    if (!int_type(out->type) || (!int_type(in->type) && in->type != NN_FLOAT32)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s -> %s is not supported", nn_type_name(in->type),
                            nn_type_name(out->type));
    }
    if ((s = nn_k_quantized(p, out, "output"))) return s;
    if (in->type != NN_FLOAT32 && (s = nn_k_quantized(p, in, "input"))) return s;
    quant_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    if (in->type != NN_FLOAT32) {
        int shift;
        nn_quantize_multiplier((double)in->scale / (double)out->scale, &d->multiplier, &shift);
        d->shift = shift;
    }
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
    d->out_scale = out->scale;
    d->n = nn_elements(p->m, in);
    d->in_type = in->type;
    d->out_type = out->type;
    return NN_OK;
}

static int32_t load(const void *p, int type, uint32_t i)
{
    switch (type) {
    case NN_INT8: return ((const int8_t *)p)[i];
    case NN_INT16: return ((const int16_t *)p)[i];
    default: return ((const int32_t *)p)[i];
    }
}

static void store(void *p, int type, uint32_t i, int32_t v)
{
    switch (type) {
    case NN_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
    case NN_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
    default: ((int32_t *)p)[i] = v; break;
    }
}

static nn_status quantize_eval(const nn_exec *e)
{
    const quant_data *d = e->data;
    const void *in = nn_ex_in(e, 0);
    void *out = nn_ex_out(e, 0);
    int32_t qmin, qmax;
    nn_k_type_range(d->out_type, &qmin, &qmax);
    if (d->in_type == NN_FLOAT32) {
        const float *x = in;
        for (uint32_t i = 0; i < d->n; i++) {
            float r = nn_roundf(x[i] / d->out_scale);
            if (r > 2147483520.0f) r = 2147483520.0f;
            if (r < -2147483520.0f) r = -2147483520.0f;
            if (r != r) r = 0.0f;
            store(out, d->out_type, i, nn_clamp32(nn_wadd((int32_t)r, d->out_zp), qmin, qmax));
        }
        return NN_OK;
    }
    for (uint32_t i = 0; i < d->n; i++) {
        const int32_t v = nn_mbqm(nn_wsub(load(in, d->in_type, i), d->in_zp), d->multiplier, d->shift);
        store(out, d->out_type, i, nn_clamp32(nn_wadd(v, d->out_zp), qmin, qmax));
    }
    return NN_OK;
}

static nn_status dequantize_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 1, 1, 1)) || (s = nn_k_need(p, 0))) return s;
    const nn_tensor *in = p->in[0], *out = p->out[0];
    if ((in->type != NN_INT8 && in->type != NN_INT16) || out->type != NN_FLOAT32) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s -> %s is not supported", nn_type_name(in->type),
                            nn_type_name(out->type));
    }
    if (nn_elements(p->m, in) != nn_elements(p->m, out)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input and output have different element counts");
    }
    if ((s = nn_k_quantized(p, in, "input"))) return s;
    quant_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->in_scale = (double)in->scale;
    d->in_zp = in->zero_point;
    d->n = nn_elements(p->m, in);
    d->in_type = in->type;
    return NN_OK;
}

static nn_status dequantize_eval(const nn_exec *e)
{
    const quant_data *d = e->data;
    const void *in = nn_ex_in(e, 0);
    float *out = nn_ex_out(e, 0);
    for (uint32_t i = 0; i < d->n; i++) {
        out[i] = (float)(d->in_scale * (double)(load(in, d->in_type, i) - d->in_zp));
    }
    return NN_OK;
}

const nn_kernel nn_kernel_quantize = { 114, 0, NN_ALIAS_INPLACE, quantize_prepare, quantize_eval };
const nn_kernel nn_kernel_dequantize = { 6, 0, 0, dequantize_prepare, dequantize_eval };
