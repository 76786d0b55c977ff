/* Prepare-time checks shared by the kernels. */
#include "kernel_util.h"

nn_status nn_k_arity(nn_prep *p, uint32_t min_in, uint32_t max_in, uint32_t n_out)
{
    if (p->n_in < min_in || p->n_in > max_in || p->n_out != n_out) {
        return nn_prep_fail(p, NN_ERR_MODEL, "has %u inputs and %u outputs (expected %u..%u and %u)", (unsigned)p->n_in,
                            (unsigned)p->n_out, (unsigned)min_in, (unsigned)max_in, (unsigned)n_out);
    }
    for (uint32_t i = 0; i < n_out; i++) {
        if (p->out[i] == NULL) return nn_prep_fail(p, NN_ERR_MODEL, "output %u is missing", (unsigned)i);
    }
    return NN_OK;
}

nn_status nn_k_need(nn_prep *p, uint32_t i)
{
    if (i >= p->n_in || p->in[i] == NULL) {
        return nn_prep_fail(p, NN_ERR_MODEL, "required input %u is missing", (unsigned)i);
    }
    return NN_OK;
}

nn_status nn_k_type(nn_prep *p, const nn_tensor *t, int type, const char *what)
{
    if (t->type != type) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s has type %s; this kernel takes %s", what, nn_type_name(t->type),
                            nn_type_name(type));
    }
    return NN_OK;
}

nn_status nn_k_quantized(nn_prep *p, const nn_tensor *t, const char *what)
{
    if (!(t->scale > 0.0f) || t->scale > 3.0e38f) {
        return nn_prep_fail(p, NN_ERR_MODEL, "%s has no valid quantization scale (%f)", what, (double)t->scale);
    }
    return NN_OK;
}

nn_status nn_k_const(nn_prep *p, uint32_t i, const uint8_t **data, const char *what)
{
    nn_status s = nn_k_need(p, i);
    if (s != NN_OK) return s;
    *data = nn_prep_const(p, i);
    if (*data == NULL) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s (input %u) must be a constant tensor", what, (unsigned)i);
    }
    return NN_OK;
}

nn_status nn_k_aligned(nn_prep *p, uint32_t i, uint32_t align, const char *what)
{
    const uint8_t *d = nn_prep_const(p, i);
    if (d && ((uintptr_t)d & (align - 1u)) != 0) {
        return nn_prep_fail(p, NN_ERR_ALIGN, "%s data (tensor %d) is not %u-byte aligned", what, (int)p->in_idx[i],
                            (unsigned)align);
    }
    return NN_OK;
}

nn_status nn_k_rank(nn_prep *p, const nn_tensor *t, uint32_t rank, const char *what)
{
    if (t->rank != rank) {
        return nn_prep_fail(p, NN_ERR_MODEL, "%s has rank %u (expected %u)", what, (unsigned)t->rank, (unsigned)rank);
    }
    return NN_OK;
}

nn_status nn_k_same_shape(nn_prep *p, const nn_tensor *a, const nn_tensor *b)
{
    if (a->type != b->type || a->bytes != b->bytes) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input and output differ (%s %u bytes vs %s %u bytes)",
                            nn_type_name(a->type), (unsigned)a->bytes, nn_type_name(b->type), (unsigned)b->bytes);
    }
    return NN_OK;
}

void nn_k_type_range(int type, int32_t *qmin, int32_t *qmax)
{
    switch (type) {
    case NN_INT8:
        *qmin = -128;
        *qmax = 127;
        break;
    case NN_UINT8:
        *qmin = 0;
        *qmax = 255;
        break;
    case NN_INT16:
        *qmin = -32768;
        *qmax = 32767;
        break;
    default:
        *qmin = INT32_MIN;
        *qmax = INT32_MAX;
        break;
    }
}

nn_status nn_k_activation(nn_prep *p, int activation, const nn_tensor *out, int32_t *act_min, int32_t *act_max)
{
    if (activation < NN_ACT_NONE || activation > NN_ACT_RELU6) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "fused activation %d is not supported here", activation);
    }
    int32_t qmin, qmax;
    nn_k_type_range(out->type, &qmin, &qmax);
    nn_activation_range(activation, out->scale, out->zero_point, qmin, qmax, act_min, act_max);
    if (*act_min > *act_max) {
        return nn_prep_fail(p, NN_ERR_MODEL, "fused activation leaves an empty output range");
    }
    return NN_OK;
}

int32_t nn_k_padding(int same, int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out)
{
    (void)same;
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    int64_t total = ((int64_t)out - 1) * stride + eff - in;
    if (total < 0) total = 0;
    return (int32_t)(total / 2);
}

int32_t nn_k_out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation)
{
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    if (stride <= 0) return 0;
    if (padding == 0) return (int32_t)(((int64_t)in + stride - 1) / stride);
    const int64_t v = ((int64_t)in + stride - eff) / stride;
    return v < 0 ? 0 : (int32_t)v;
}

nn_status nn_k_bad_scale(nn_prep *p, uint32_t i, const char *what, int log2, const char *reason)
{
    const char *name = "";
    nn_tdesc d;
    nn_error ignored;
    if (i < p->n_in && p->in_idx[i] >= 0 && nn_read_tensor(p->m, (uint32_t)p->in_idx[i], &d, &ignored) == NN_OK) {
        name = nn_model_str(p->m, d.name);
    }
    return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s (tensor %d '%s') scale 2^%d: %s", what,
                        i < p->n_in ? (int)p->in_idx[i] : -1, name, log2, reason);
}
