/*
 * CONCATENATION along any axis, for 1/2/4-byte types. Quantized inputs must
 * share the output's scale and zero point (as TFLM requires for int8), so
 * the op is a series of block copies.
 */
#include "kernel_util.h"

enum { CONCAT_AXIS = 0, CONCAT_ACTIVATION = 1 };

typedef struct concat_data {
    uint32_t outer; /* product of dimensions before the axis */
    uint32_t n_in;
    /* uint32 block bytes per input follow */
} concat_data;

static nn_status concat_prepare(nn_prep *p)
{
    nn_status s;
    if (p->n_in < 1 || p->n_out != 1 || p->out[0] == NULL) return nn_k_arity(p, 1, NN_MAX_OP_INPUTS, 1);
    const nn_tensor *out = p->out[0];
    const uint32_t es = nn_type_size(out->type);
    if (es != 1 && es != 2 && es != 4) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "type %s", nn_type_name(out->type));
    }
    if (nn_opt_i8(p, CONCAT_ACTIVATION, 0) != 0) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "fused activation is not supported");
    }
    int32_t axis = nn_opt_i32(p, CONCAT_AXIS, 0);
    const uint32_t rank = out->rank;
    if (axis < 0) axis += (int32_t)rank;
    if (axis < 0 || (uint32_t)axis >= rank) {
        return nn_prep_fail(p, NN_ERR_MODEL, "axis %d out of range for rank %u", (int)axis, (unsigned)rank);
    }
    uint32_t outer = 1, inner = 1;
    for (uint32_t i = 0; i < rank; i++) {
        if (i < (uint32_t)axis) outer *= (uint32_t)nn_pdim(p, out, i);
        if (i > (uint32_t)axis) inner *= (uint32_t)nn_pdim(p, out, i);
    }
    int64_t total = 0;
    for (uint32_t k = 0; k < p->n_in; k++) {
        if ((s = nn_k_need(p, k))) return s;
        const nn_tensor *in = p->in[k];
        if (in->type != out->type || in->rank != rank) {
            return nn_prep_fail(p, NN_ERR_MODEL, "input %u differs in type or rank", (unsigned)k);
        }
        if ((out->type == NN_INT8 || out->type == NN_INT16) &&
            (in->scale != out->scale || in->zero_point != out->zero_point)) {
            return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "input %u needs requantization", (unsigned)k);
        }
        for (uint32_t i = 0; i < rank; i++) {
            if (i != (uint32_t)axis && nn_pdim(p, in, i) != nn_pdim(p, out, i)) {
                return nn_prep_fail(p, NN_ERR_MODEL, "input %u dimension %u does not match", (unsigned)k, (unsigned)i);
            }
        }
        total += nn_pdim(p, in, (uint32_t)axis);
    }
    if (total != nn_pdim(p, out, (uint32_t)axis)) {
        return nn_prep_fail(p, NN_ERR_MODEL, "inputs add up to %d along axis %d, output has %d", (int)total, (int)axis,
                            (int)nn_pdim(p, out, (uint32_t)axis));
    }
    concat_data *d = nn_prep_alloc(p, (uint32_t)sizeof *d + 4u * p->n_in);
    if (d == NULL) return NN_OK;
    d->outer = outer;
    d->n_in = p->n_in;
    uint32_t *block = (uint32_t *)(void *)(d + 1);
    for (uint32_t k = 0; k < p->n_in; k++) block[k] = (uint32_t)nn_pdim(p, p->in[k], (uint32_t)axis) * inner * es;
    return NN_OK;
}

static nn_status concat_eval(const nn_exec *e)
{
    const concat_data *d = e->data;
    const uint32_t *block = (const uint32_t *)(const void *)(d + 1);
    uint8_t *out = nn_ex_out(e, 0);
    for (uint32_t o = 0; o < d->outer; o++) {
        for (uint32_t k = 0; k < d->n_in; k++) {
            const uint8_t *in = nn_ex_in(e, k);
            memcpy(out, in + (size_t)o * block[k], block[k]);
            out += block[k];
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_concatenation = { 2, NN_OPT_CONCATENATION, 0, concat_prepare, concat_eval };
