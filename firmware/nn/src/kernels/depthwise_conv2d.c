/*
 * DEPTHWISE_CONV_2D, int8 with per-channel filters (any depth multiplier),
 * bit-exact with TFLM's reference_integer_ops::DepthwiseConvPerChannel.
 *
 * Eval works on blocks of up to 32 channels of one output pixel: for each
 * window tap it adds w[tap][c] * x[c] across the block into int32
 * accumulators on the stack (no arena scratch), which keeps the inner loop
 * contiguous. Interior windows start from the bias with the input zero point
 * folded in; border windows skip outside taps and add the offset per tap,
 * exactly as the reference does.
 */
#include "kernel_util.h"

enum { DW_PADDING = 0, DW_STRIDE_W = 1, DW_STRIDE_H = 2, DW_MULTIPLIER = 3 };

typedef struct dw_data {
    nn_k_window w;
    int32_t mult; /* depth multiplier */
    int32_t input_offset, output_offset, act_min, act_max;
    /* int32 qmult[out_c], int32 folded_bias[out_c], int8 shift[out_c] follow */
} dw_data;

static inline int32_t *dw_qmult(const dw_data *d)
{
    return (int32_t *)(void *)(d + 1);
}
static inline int32_t *dw_folded(const dw_data *d)
{
    return dw_qmult(d) + d->w.out_c;
}
static inline int8_t *dw_shift(const dw_data *d)
{
    return (int8_t *)(dw_folded(d) + d->w.out_c);
}

static nn_status dw_prepare(nn_prep *p)
{
    nn_k_window w;
    int32_t act_min, act_max;
    nn_status s = nn_conv_common(p, 1, &w, &act_min, &act_max);
    if (s != NN_OK) return s;
    const int32_t mult = nn_opt_i32(p, DW_MULTIPLIER, 0);
    const nn_tensor *f = p->in[1];
    if (nn_pdim(p, f, 0) != 1 || nn_pdim(p, f, 3) != w.out_c || mult < 1 || (int64_t)w.in_c * mult != w.out_c) {
        return nn_prep_fail(p, NN_ERR_MODEL, "filter [%d,%d,%d,%d] with multiplier %d does not fit %d -> %d channels",
                            (int)nn_pdim(p, f, 0), (int)w.filter_h, (int)w.filter_w, (int)nn_pdim(p, f, 3), (int)mult,
                            (int)w.in_c, (int)w.out_c);
    }
    if ((int64_t)w.filter_h * w.filter_w > 65536) {
        return nn_prep_fail(p, NN_ERR_LIMIT, "window of %d taps exceeds 65536 (int32 overflow)",
                            (int)(w.filter_h * w.filter_w));
    }
    const int32_t zp = p->in[0]->zero_point;
    if (zp < -128 || zp > 127) {
        return nn_prep_fail(p, NN_ERR_MODEL, "int8 input zero point %d is out of range", (int)zp);
    }
    dw_data *d = nn_prep_alloc(p, (uint32_t)sizeof(dw_data) + 9u * (uint32_t)w.out_c);
    if (d == NULL) return NN_OK;
    d->w = w;
    d->mult = mult;
    d->input_offset = -p->in[0]->zero_point;
    d->output_offset = p->out[0]->zero_point;
    d->act_min = act_min;
    d->act_max = act_max;
    nn_conv_multipliers(p, w.out_c, dw_qmult(d), dw_shift(d));
    const int8_t *filter = (const int8_t *)nn_prep_const(p, 1);
    const uint8_t *bias = p->n_in > 2 ? nn_prep_const(p, 2) : NULL;
    const int32_t taps = w.filter_h * w.filter_w;
    for (int32_t ch = 0; ch < w.out_c; ch++) {
        int32_t sum = 0;
        for (int32_t t = 0; t < taps; t++) sum += filter[(size_t)t * (size_t)w.out_c + (size_t)ch];
        const int32_t b = bias ? nn_ld_i32(bias + 4u * (uint32_t)ch) : 0;
        dw_folded(d)[ch] = nn_wadd(b, (int32_t)((uint32_t)d->input_offset * (uint32_t)sum));
    }
    return NN_OK;
}

enum { DW_BLOCK = 32 };

/* acc[c] += f[c] * (x[c] + off), with constant trip counts for the common
 * block widths so the compiler emits straight vector code. */
static inline void mac_run(int32_t *acc, const int8_t *f, const int8_t *x, int32_t off, int32_t n)
{
    switch (n) {
    case 32:
        for (int c = 0; c < 32; c++) acc[c] += f[c] * (x[c] + off);
        break;
    case 16:
        for (int c = 0; c < 16; c++) acc[c] += f[c] * (x[c] + off);
        break;
    case 8:
        for (int c = 0; c < 8; c++) acc[c] += f[c] * (x[c] + off);
        break;
    default:
        for (int32_t c = 0; c < n; c++) acc[c] += f[c] * (x[c] + off);
        break;
    }
}

/* acc[c] += f[c] * xv: one input channel feeding n outputs. */
static inline void mac_bcast(int32_t *acc, const int8_t *f, int32_t xv, int32_t n)
{
    switch (n) {
    case 32:
        for (int c = 0; c < 32; c++) acc[c] += f[c] * xv;
        break;
    case 16:
        for (int c = 0; c < 16; c++) acc[c] += f[c] * xv;
        break;
    case 8:
        for (int c = 0; c < 8; c++) acc[c] += f[c] * xv;
        break;
    default:
        for (int32_t c = 0; c < n; c++) acc[c] += f[c] * xv;
        break;
    }
}

/* First and one-past-last tap k (0 <= k < filter) with 0 <= origin + k * dil < size. */
static void tap_range(int32_t origin, int32_t dil, int32_t filter, int32_t size, int32_t *k0, int32_t *k1)
{
    int32_t lo = 0, hi = filter;
    if (origin < 0) lo = (-origin + dil - 1) / dil;
    if (origin + (filter - 1) * dil >= size) hi = size - origin <= 0 ? 0 : (size - 1 - origin) / dil + 1;
    if (hi < lo) hi = lo;
    *k0 = lo;
    *k1 = hi;
}

/* Eight outputs of a single-input-channel window, accumulators in locals
 * (products fit in int16: |w| <= 128, |x + off| <= 255). */
#if defined(__GNUC__)
__attribute__((noinline)) /* inlined, gcc turns the 8 sums into scalars and stops vectorizing */
#endif
static void
ic1_window8(const int8_t *in_b, size_t in_row, const int8_t *filter, int32_t C, const nn_k_window *w, int32_t iy0,
            int32_t ix0, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, int32_t off, const int32_t *init,
            int32_t *out)
{
    int32_t a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (int32_t ky = ky0; ky < ky1; ky++) {
        const int8_t *xrow = in_b + (size_t)(iy0 + ky * w->dil_h) * in_row;
        const int8_t *frow = filter + (size_t)ky * (size_t)w->filter_w * (size_t)C;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const int16_t xv = (int16_t)(xrow[ix0 + kx * w->dil_w] + off);
            const int8_t *f = frow + (size_t)kx * (size_t)C;
            for (int c = 0; c < 8; c++) a[c] += (int16_t)(f[c] * xv);
        }
    }
    for (int c = 0; c < 8; c++) out[c] = init ? nn_wadd(a[c], init[c]) : a[c];
}

static nn_status dw_eval(const nn_exec *e)
{
    const dw_data *d = e->data;
    const nn_k_window *w = &d->w;
    const int8_t *in = nn_ex_in(e, 0);
    const int8_t *filter = nn_ex_in(e, 1);
    const int32_t *bias = e->node->n_in > 2 ? nn_ex_in(e, 2) : NULL;
    int8_t *out = nn_ex_out(e, 0);
    const int32_t C = w->out_c, IC = w->in_c, M = d->mult, xo = d->input_offset;
    const int32_t *qm = dw_qmult(d);
    const int8_t *qs = dw_shift(d);
    const size_t in_row = (size_t)w->in_w * (size_t)IC;
    int32_t acc[DW_BLOCK];

    for (int32_t b = 0; b < w->batches; b++) {
        const int8_t *in_b = in + (size_t)b * (size_t)w->in_h * in_row;
        for (int32_t oy = 0; oy < w->out_h; oy++) {
            const int32_t iy0 = oy * w->stride_h - w->pad_h;
            int32_t ky0, ky1;
            tap_range(iy0, w->dil_h, w->filter_h, w->in_h, &ky0, &ky1);
            for (int32_t ox = 0; ox < w->out_w; ox++) {
                const int32_t ix0 = ox * w->stride_w - w->pad_w;
                int32_t kx0, kx1;
                tap_range(ix0, w->dil_w, w->filter_w, w->in_w, &kx0, &kx1);
                const int inside = ky0 == 0 && ky1 == w->filter_h && kx0 == 0 && kx1 == w->filter_w;
                const int32_t off = inside ? 0 : xo;
                int8_t *o =
                    out + (((size_t)b * (size_t)w->out_h + (size_t)oy) * (size_t)w->out_w + (size_t)ox) * (size_t)C;
                if (IC == 1) {
                    /* One input channel (audio and grey images): eight outputs at a
           * time, accumulators in registers over the whole window. The
           * products fit in int16 (|w| <= 128, |x + off| <= 255). */
                    for (int32_t c0 = 0; c0 < C; c0 += 8) {
                        const int32_t n = C - c0 < 8 ? C - c0 : 8;
                        const int32_t *init = inside ? dw_folded(d) + c0 : (bias ? bias + c0 : NULL);
                        int32_t a[8];
                        if (n == 8) {
                            ic1_window8(in_b, in_row, filter + c0, C, w, iy0, ix0, ky0, ky1, kx0, kx1, off, init, a);
                        } else {
                            for (int32_t c = 0; c < n; c++) a[c] = init ? init[c] : 0;
                            for (int32_t ky = ky0; ky < ky1; ky++) {
                                for (int32_t kx = kx0; kx < kx1; kx++) {
                                    const int32_t xv =
                                        in_b[(size_t)(iy0 + ky * w->dil_h) * in_row + (size_t)(ix0 + kx * w->dil_w)] +
                                        off;
                                    const int8_t *f = filter +
                                                      ((size_t)ky * (size_t)w->filter_w + (size_t)kx) * (size_t)C +
                                                      (size_t)c0;
                                    for (int32_t c = 0; c < n; c++) a[c] += f[c] * xv;
                                }
                            }
                        }
                        for (int32_t c = 0; c < n; c++) {
                            const int32_t v = nn_wadd(nn_mbqm(a[c], qm[c0 + c], qs[c0 + c]), d->output_offset);
                            o[c0 + c] = (int8_t)nn_clamp32(v, d->act_min, d->act_max);
                        }
                    }
                    continue;
                }
                for (int32_t c0 = 0; c0 < C; c0 += DW_BLOCK) {
                    const int32_t n = C - c0 < DW_BLOCK ? C - c0 : DW_BLOCK;
                    /* Sums start at 0 (they fit: window <= 65536 taps); the bias,
           * model data, is added with wrap-around at the end. */
                    const int32_t *init = inside ? dw_folded(d) + c0 : (bias ? bias + c0 : NULL);
                    memset(acc, 0, 4u * (uint32_t)n);
                    for (int32_t ky = ky0; ky < ky1; ky++) {
                        const int8_t *xrow = in_b + (size_t)(iy0 + ky * w->dil_h) * in_row;
                        const int8_t *frow = filter + (size_t)ky * (size_t)w->filter_w * (size_t)C + (size_t)c0;
                        for (int32_t kx = kx0; kx < kx1; kx++) {
                            const int8_t *x = xrow + (size_t)(ix0 + kx * w->dil_w) * (size_t)IC;
                            const int8_t *f = frow + (size_t)kx * (size_t)C;
                            if (M == 1) {
                                mac_run(acc, f, x + c0, off, n);
                            } else {
                                /* Each input channel feeds M consecutive outputs. */
                                int32_t c = 0, ic = c0 / M, m = c0 % M;
                                while (c < n) {
                                    const int32_t xv = x[ic++] + off;
                                    const int32_t run = M - m < n - c ? M - m : n - c;
                                    mac_bcast(acc + c, f + c, xv, run);
                                    c += run;
                                    m = 0;
                                }
                            }
                        }
                    }
                    for (int32_t c = 0; c < n; c++) {
                        const int32_t a = init ? nn_wadd(acc[c], init[c]) : acc[c];
                        const int32_t v = nn_wadd(nn_mbqm(a, qm[c0 + c], qs[c0 + c]), d->output_offset);
                        o[c0 + c] = (int8_t)nn_clamp32(v, d->act_min, d->act_max);
                    }
                }
            }
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_depthwise_conv2d = { 4, NN_OPT_DEPTHWISE, 0, dw_prepare, dw_eval };
