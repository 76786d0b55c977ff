/*
 * TRANSPOSE for 1/2/4-byte types up to 6 dimensions: output dimension i is
 * input dimension perm[i]. Eval walks the output in order and steps through
 * the input with per-dimension strides.
 */
#include "kernel_util.h"

#define TR_DIMS NN_MAX_DIMS

typedef struct transpose_data {
    int32_t out_dims[TR_DIMS];
    int32_t in_stride[TR_DIMS]; /* input stride of output dimension i, in elements */
    uint32_t rank, esize, n;
} transpose_data;

static nn_status transpose_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 2, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *in = p->in[0], *perm = p->in[1], *out = p->out[0];
    const uint32_t es = nn_type_size(in->type);
    if (in->type != out->type || (es != 1 && es != 2 && es != 4)) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "%s -> %s is not supported", nn_type_name(in->type),
                            nn_type_name(out->type));
    }
    const uint8_t *pd;
    if ((s = nn_k_const(p, 1, &pd, "permutation")) || (s = nn_k_type(p, perm, NN_INT32, "permutation"))) return s;
    const uint32_t rank = in->rank;
    if (out->rank != rank || nn_elements(p->m, perm) != rank) {
        return nn_prep_fail(p, NN_ERR_MODEL, "permutation has %u entries for rank %u",
                            (unsigned)nn_elements(p->m, perm), (unsigned)rank);
    }
    int32_t stride[TR_DIMS];
    int32_t st = 1;
    for (int32_t i = (int32_t)rank - 1; i >= 0; i--) {
        stride[i] = st;
        st *= nn_pdim(p, in, (uint32_t)i);
    }
    uint32_t seen = 0;
    transpose_data *d = nn_prep_alloc(p, sizeof *d);
    for (uint32_t i = 0; i < rank; i++) {
        int32_t k = nn_ld_i32(pd + 4u * i);
        if (k < 0) k += (int32_t)rank;
        if (k < 0 || (uint32_t)k >= rank || (seen & (1u << k))) {
            return nn_prep_fail(p, NN_ERR_MODEL, "permutation entry %u (%d) is not a permutation", (unsigned)i,
                                (int)nn_ld_i32(pd + 4u * i));
        }
        seen |= 1u << k;
        if (nn_pdim(p, out, i) != nn_pdim(p, in, (uint32_t)k)) {
            return nn_prep_fail(p, NN_ERR_MODEL, "output dimension %u is %d, permuted input gives %d", (unsigned)i,
                                (int)nn_pdim(p, out, i), (int)nn_pdim(p, in, (uint32_t)k));
        }
        if (d) {
            d->out_dims[i] = nn_pdim(p, out, i);
            d->in_stride[i] = stride[k];
        }
    }
    if (d) {
        d->rank = rank;
        d->esize = es;
        d->n = nn_elements(p->m, out);
    }
    return NN_OK;
}

static nn_status transpose_eval(const nn_exec *e)
{
    const transpose_data *d = e->data;
    const uint8_t *in = nn_ex_in(e, 0);
    uint8_t *out = nn_ex_out(e, 0);
    if (d->rank == 0 || d->n == 0) {
        memcpy(out, in, (size_t)d->n * d->esize);
        return NN_OK;
    }
    int32_t idx[TR_DIMS] = { 0 };
    size_t src = 0;
    const int32_t last = (int32_t)d->rank - 1;
    const int32_t inner = d->out_dims[last];
    const size_t inner_stride = (size_t)d->in_stride[last];
    for (uint32_t o = 0; o < d->n; o += (uint32_t)inner) {
        /* Innermost output dimension as a tight strided copy. */
        if (d->esize == 1) {
            for (int32_t i = 0; i < inner; i++) out[o + (uint32_t)i] = in[src + (size_t)i * inner_stride];
        } else {
            for (int32_t i = 0; i < inner; i++) {
                memcpy(out + ((size_t)o + (size_t)i) * d->esize, in + (src + (size_t)i * inner_stride) * d->esize,
                       d->esize);
            }
        }
        for (int32_t k = last - 1; k >= 0; k--) {
            idx[k]++;
            src += (size_t)d->in_stride[k];
            if (idx[k] < d->out_dims[k]) break;
            src -= (size_t)d->in_stride[k] * (size_t)idx[k];
            idx[k] = 0;
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_transpose = { 39, NN_OPT_TRANSPOSE, 0, transpose_prepare, transpose_eval };
