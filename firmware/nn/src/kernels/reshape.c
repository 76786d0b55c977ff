/*
 * RESHAPE, SQUEEZE, EXPAND_DIMS: the bytes do not change, only the shape
 * (which the output tensor already carries). The planner lets the output
 * share the input's memory, so eval is usually nothing at all.
 */
#include "kernel_util.h"

static nn_status reshape_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 1, 2, 1)) || (s = nn_k_need(p, 0))) return s;
    return nn_k_same_shape(p, p->in[0], p->out[0]);
}

static nn_status reshape_eval(const nn_exec *e)
{
    const nn_slot *t = nn_ex_tout(e, 0);
    const void *in = nn_ex_in(e, 0);
    void *out = nn_ex_out(e, 0);
    if (in != out) memmove(out, in, t->bytes);
    return NN_OK;
}

const nn_kernel nn_kernel_reshape = { 22, NN_OPT_RESHAPE, NN_ALIAS_SAME, reshape_prepare, reshape_eval };
const nn_kernel nn_kernel_squeeze = { 43, NN_OPT_SQUEEZE, NN_ALIAS_SAME, reshape_prepare, reshape_eval };
const nn_kernel nn_kernel_expand_dims = { 70, 0, NN_ALIAS_SAME, reshape_prepare, reshape_eval };
