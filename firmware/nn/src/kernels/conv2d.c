/*
 * CONV_2D, int8 NHWC with per-channel (or per-tensor) int8 filters, bit-exact
 * with TFLM's reference_integer_ops::ConvPerChannel.
 *
 * Prepare folds the input zero point into the bias: for output channel c,
 *   sum w * (x - zp) + bias = sum w * x + (bias - zp * sum w),
 * so eval is a plain int8 dot product, four output channels at a time.
 * Windows inside the image read long contiguous rows (KW * Cin bytes) in
 * place. Other windows (at the border, short rows, dilation, groups) are
 * first gathered into a patch in scratch, with taps outside the image set
 * to the zero point: those then add w * zp, which the folded bias cancels,
 * exactly as the reference skipping them.
 */
#include "kernel_util.h"

enum {
    CONV_PADDING = 0,
    CONV_STRIDE_W = 1,
    CONV_STRIDE_H = 2,
    CONV_ACTIVATION = 3,
    CONV_DILATION_W = 4,
    CONV_DILATION_H = 5
};

typedef struct conv_data {
    nn_k_window w;
    int32_t groups, filter_in_c; /* filter input depth (in_c / groups) */
    int32_t input_offset, output_offset, act_min, act_max;
    int32_t y_lo, y_hi, x_lo, x_hi; /* output rows/cols whose window is inside */
    uint8_t direct;                 /* interior windows read rows in place */
                                    /* int32 mult[out_c], int32 folded_bias[out_c], int8 shift[out_c] follow */
} conv_data;

static inline int32_t *conv_mult(const conv_data *d)
{
    return (int32_t *)(void *)(d + 1);
}
static inline int32_t *conv_bias(const conv_data *d)
{
    return conv_mult(d) + d->w.out_c;
}
static inline int8_t *conv_shift(const conv_data *d)
{
    return (int8_t *)(conv_bias(d) + d->w.out_c);
}

/* Output positions [lo, hi] whose whole window lies inside [0, in). */
static void inside_range(int32_t out, int32_t in, int32_t filter, int32_t stride, int32_t dil, int32_t pad, int32_t *lo,
                         int32_t *hi)
{
    const int32_t span = (filter - 1) * dil;
    int32_t l = (pad + stride - 1) / stride;
    int32_t h = in - 1 - span + pad < 0 ? -1 : (in - 1 - span + pad) / stride;
    if (h > out - 1) h = out - 1;
    *lo = l;
    *hi = h;
}

nn_status nn_conv_common(nn_prep *p, int depthwise, nn_k_window *w, int32_t *act_min, int32_t *act_max)
{
    nn_status s;
    if ((s = nn_k_arity(p, 2, 3, 1)) || (s = nn_k_need(p, 0)) || (s = nn_k_need(p, 1))) return s;
    const nn_tensor *in = p->in[0], *f = p->in[1], *bias = p->n_in > 2 ? p->in[2] : NULL;
    const nn_tensor *out = p->out[0];
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, f, NN_INT8, "filter")) ||
        (s = nn_k_type(p, out, NN_INT8, "output")))
        return s;
    if (bias && (s = nn_k_type(p, bias, NN_INT32, "bias"))) return s;
    if ((s = nn_k_rank(p, in, 4, "input")) || (s = nn_k_rank(p, f, 4, "filter")) ||
        (s = nn_k_rank(p, out, 4, "output")))
        return s;
    if ((s = nn_k_quantized(p, in, "input")) || (s = nn_k_quantized(p, f, "filter")) ||
        (s = nn_k_quantized(p, out, "output")))
        return s;
    const uint8_t *c;
    if ((s = nn_k_const(p, 1, &c, "filter"))) return s;
    if (bias && ((s = nn_k_const(p, 2, &c, "bias")) || (s = nn_k_aligned(p, 2, 4, "bias")))) return s;
    const int padding = nn_opt_i8(p, CONV_PADDING, 0);
    w->stride_w = nn_opt_i32(p, CONV_STRIDE_W, 0);
    w->stride_h = nn_opt_i32(p, CONV_STRIDE_H, 0);
    const int activation = nn_opt_i8(p, depthwise ? 4 : CONV_ACTIVATION, 0);
    w->dil_w = nn_opt_i32(p, depthwise ? 5 : CONV_DILATION_W, 1);
    w->dil_h = nn_opt_i32(p, depthwise ? 6 : CONV_DILATION_H, 1);
    if (padding != 0 && padding != 1) return nn_prep_fail(p, NN_ERR_MODEL, "padding %d unknown", padding);
    if (w->stride_w < 1 || w->stride_h < 1 || w->dil_w < 1 || w->dil_h < 1 || w->stride_w > 1024 ||
        w->stride_h > 1024 || w->dil_w > 1024 || w->dil_h > 1024) {
        return nn_prep_fail(p, NN_ERR_MODEL, "bad stride %dx%d or dilation %dx%d", (int)w->stride_h, (int)w->stride_w,
                            (int)w->dil_h, (int)w->dil_w);
    }
    w->batches = nn_pdim(p, in, 0);
    w->in_h = nn_pdim(p, in, 1);
    w->in_w = nn_pdim(p, in, 2);
    w->in_c = nn_pdim(p, in, 3);
    w->filter_h = nn_pdim(p, f, 1);
    w->filter_w = nn_pdim(p, f, 2);
    w->out_h = nn_pdim(p, out, 1);
    w->out_w = nn_pdim(p, out, 2);
    w->out_c = nn_pdim(p, out, 3);
    if (nn_pdim(p, out, 0) != w->batches || w->filter_h < 1 || w->filter_w < 1) {
        return nn_prep_fail(p, NN_ERR_MODEL, "batch or filter size mismatch");
    }
    if (w->batches < 1 || w->in_h < 1 || w->in_w < 1 || w->in_c < 1 || w->out_c < 1) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input [%d,%d,%d,%d] or output depth %d is empty", (int)w->batches,
                            (int)w->in_h, (int)w->in_w, (int)w->in_c, (int)w->out_c);
    }
    const int32_t oh = nn_k_out_size(padding, w->in_h, w->filter_h, w->stride_h, w->dil_h);
    const int32_t ow = nn_k_out_size(padding, w->in_w, w->filter_w, w->stride_w, w->dil_w);
    if (oh != w->out_h || ow != w->out_w) {
        return nn_prep_fail(p, NN_ERR_MODEL, "output is %dx%d, the window arithmetic gives %dx%d", (int)w->out_h,
                            (int)w->out_w, (int)oh, (int)ow);
    }
    w->pad_h = nn_k_padding(padding == 0, w->stride_h, w->dil_h, w->in_h, w->filter_h, oh);
    w->pad_w = nn_k_padding(padding == 0, w->stride_w, w->dil_w, w->in_w, w->filter_w, ow);
    if (bias && nn_elements(p->m, bias) != (uint32_t)w->out_c) {
        return nn_prep_fail(p, NN_ERR_MODEL, "bias has %u values for %d channels", (unsigned)nn_elements(p->m, bias),
                            (int)w->out_c);
    }
    if (f->zero_point != 0) {
        return nn_prep_fail(p, NN_ERR_UNSUPPORTED, "filter zero point %d (must be 0)", (int)f->zero_point);
    }
    uint32_t scales, n_scales;
    int32_t qdim;
    if ((s = nn_prep_quant(p, 1, &scales, &n_scales, &qdim))) return s;
    if (n_scales != 1 && (n_scales != (uint32_t)w->out_c || qdim != (depthwise ? 3 : 0))) {
        return nn_prep_fail(p, NN_ERR_MODEL, "filter has %u scales for %d output channels", (unsigned)n_scales,
                            (int)w->out_c);
    }
    return nn_k_activation(p, activation, out, act_min, act_max);
}

void nn_conv_multipliers(const nn_prep *p, int32_t out_c, int32_t *mult, int8_t *shift)
{
    uint32_t scales, n;
    int32_t qdim;
    nn_prep_quant((nn_prep *)(uintptr_t)p, 1, &scales, &n, &qdim);
    for (int32_t ch = 0; ch < out_c; ch++) {
        const float fs = nn_ld_f32(p->m->base + scales + 4u * (n > 1 ? (uint32_t)ch : 0u));
        const double eff = (double)p->in[0]->scale * (double)fs / (double)p->out[0]->scale;
        int sh;
        nn_quantize_multiplier(eff, &mult[ch], &sh);
        shift[ch] = (int8_t)sh;
    }
}

static nn_status conv_prepare(nn_prep *p)
{
    nn_k_window w;
    int32_t act_min, act_max;
    nn_status s = nn_conv_common(p, 0, &w, &act_min, &act_max);
    if (s != NN_OK) return s;
    const nn_tensor *f = p->in[1];
    const int32_t filter_in_c = nn_pdim(p, f, 3);
    if (nn_pdim(p, f, 0) != w.out_c || filter_in_c < 1 || w.in_c % filter_in_c != 0) {
        return nn_prep_fail(p, NN_ERR_MODEL, "filter [%d,%d,%d,%d] does not fit input depth %d", (int)nn_pdim(p, f, 0),
                            (int)w.filter_h, (int)w.filter_w, (int)filter_in_c, (int)w.in_c);
    }
    const int32_t groups = w.in_c / filter_in_c;
    if (w.out_c % groups != 0) {
        return nn_prep_fail(p, NN_ERR_MODEL, "%d output channels do not split into %d groups", (int)w.out_c,
                            (int)groups);
    }
    if ((int64_t)w.filter_h * w.filter_w * filter_in_c > 65536) {
        return nn_prep_fail(p, NN_ERR_LIMIT, "window of %d values exceeds 65536 (int32 overflow)",
                            (int)(w.filter_h * w.filter_w * filter_in_c));
    }
    const int32_t zp = p->in[0]->zero_point;
    if (zp < -128 || zp > 127) {
        return nn_prep_fail(p, NN_ERR_MODEL, "int8 input zero point %d is out of range", (int)zp);
    }
    const int32_t row = w.filter_w * filter_in_c;
    const int direct = groups == 1 && w.dil_w == 1 && row >= 16;
    const int has_border = w.pad_h > 0 || w.pad_w > 0 ||
                           (w.out_h - 1) * w.stride_h + (w.filter_h - 1) * w.dil_h >= w.in_h ||
                           (w.out_w - 1) * w.stride_w + (w.filter_w - 1) * w.dil_w >= w.in_w;
    if (!direct || has_border) nn_prep_scratch(p, (uint32_t)(w.filter_h * row));
    conv_data *d = nn_prep_alloc(p, (uint32_t)sizeof(conv_data) + 9u * (uint32_t)w.out_c);
    if (d == NULL) return NN_OK;
    d->direct = (uint8_t)direct;
    d->w = w;
    d->groups = groups;
    d->filter_in_c = filter_in_c;
    d->input_offset = -p->in[0]->zero_point;
    d->output_offset = p->out[0]->zero_point;
    d->act_min = act_min;
    d->act_max = act_max;
    inside_range(w.out_h, w.in_h, w.filter_h, w.stride_h, w.dil_h, w.pad_h, &d->y_lo, &d->y_hi);
    inside_range(w.out_w, w.in_w, w.filter_w, w.stride_w, w.dil_w, w.pad_w, &d->x_lo, &d->x_hi);
    nn_conv_multipliers(p, w.out_c, conv_mult(d), conv_shift(d));
    const int8_t *filter = (const int8_t *)nn_prep_const(p, 1);
    const uint8_t *bias = p->n_in > 2 ? nn_prep_const(p, 2) : NULL;
    const int32_t per = w.filter_h * w.filter_w * filter_in_c;
    for (int32_t ch = 0; ch < w.out_c; ch++) {
        int32_t sum = 0;
        for (int32_t i = 0; i < per; i++) sum += filter[(size_t)ch * (size_t)per + (size_t)i];
        const int32_t b = bias ? nn_ld_i32(bias + 4u * (uint32_t)ch) : 0;
        conv_bias(d)[ch] = nn_wadd(b, (int32_t)((uint32_t)d->input_offset * (uint32_t)sum));
    }
    return NN_OK;
}

static inline int8_t requant(const conv_data *d, int32_t acc, int32_t ch)
{
    acc = nn_mbqm(acc, conv_mult(d)[ch], conv_shift(d)[ch]);
    return (int8_t)nn_clamp32(nn_wadd(acc, d->output_offset), d->act_min, d->act_max);
}

/* acc[0..3] += rows w0..w3 . x over n bytes. */
static inline void dot4(const int8_t *x, const int8_t *w0, const int8_t *w1, const int8_t *w2, const int8_t *w3,
                        int32_t n, int32_t *acc)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t i = 0; i < n; i++) {
        const int32_t xv = x[i];
        a0 += w0[i] * xv;
        a1 += w1[i] * xv;
        a2 += w2[i] * xv;
        a3 += w3[i] * xv;
    }
    /* acc starts at the folded bias (model data): wrap like the reference. */
    acc[0] = nn_wadd(acc[0], a0);
    acc[1] = nn_wadd(acc[1], a1);
    acc[2] = nn_wadd(acc[2], a2);
    acc[3] = nn_wadd(acc[3], a3);
}

static inline int32_t dot1(const int8_t *x, const int8_t *w, int32_t n)
{
    int32_t a = 0;
    for (int32_t i = 0; i < n; i++) a += w[i] * x[i];
    return a;
}

static nn_status conv_eval(const nn_exec *e)
{
    const conv_data *d = e->data;
    const nn_k_window *w = &d->w;
    const int8_t *in = nn_ex_in(e, 0);
    const int8_t *filter = nn_ex_in(e, 1);
    int8_t *out = nn_ex_out(e, 0);
    int8_t *patch = e->scratch;
    const int8_t zp = (int8_t)(-d->input_offset);
    const int32_t fic = d->filter_in_c, per_group = w->out_c / d->groups;
    const int32_t row = w->filter_w * fic; /* filter values per window row */
    const int32_t per = w->filter_h * row; /* filter values per output channel */
    const size_t in_row = (size_t)w->in_w * (size_t)w->in_c;
    const int32_t *fold = conv_bias(d);

    for (int32_t b = 0; b < w->batches; b++) {
        const int8_t *in_b = in + (size_t)b * (size_t)w->in_h * in_row;
        for (int32_t oy = 0; oy < w->out_h; oy++) {
            const int32_t iy0 = oy * w->stride_h - w->pad_h;
            const int y_in = oy >= d->y_lo && oy <= d->y_hi;
            for (int32_t ox = 0; ox < w->out_w; ox++) {
                const int32_t ix0 = ox * w->stride_w - w->pad_w;
                int8_t *o = out + (((size_t)b * (size_t)w->out_h + (size_t)oy) * (size_t)w->out_w + (size_t)ox) *
                                      (size_t)w->out_c;
                const int direct = d->direct && y_in && ox >= d->x_lo && ox <= d->x_hi;
                const int8_t *x0 = direct ? in_b + (size_t)iy0 * in_row + (size_t)ix0 * (size_t)w->in_c : patch;
                for (int32_t g = 0; g < d->groups; g++) {
                    if (!direct) {
                        /* Gather this group's window; taps outside the image read zp. */
                        int8_t *dst = patch;
                        for (int32_t ky = 0; ky < w->filter_h; ky++) {
                            const int32_t iy = iy0 + ky * w->dil_h;
                            for (int32_t kx = 0; kx < w->filter_w; kx++, dst += fic) {
                                const int32_t ix = ix0 + kx * w->dil_w;
                                if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w) {
                                    memset(dst, zp, (size_t)fic);
                                } else {
                                    memcpy(dst,
                                           in_b + (size_t)iy * in_row + (size_t)ix * (size_t)w->in_c +
                                               (size_t)g * (size_t)fic,
                                           (size_t)fic);
                                }
                            }
                        }
                    }
                    const int32_t end = (g + 1) * per_group;
                    int32_t ch = g * per_group;
                    for (; ch + 4 <= end; ch += 4) {
                        const int8_t *f0 = filter + (size_t)ch * (size_t)per;
                        int32_t acc[4] = { fold[ch], fold[ch + 1], fold[ch + 2], fold[ch + 3] };
                        if (direct) {
                            for (int32_t ky = 0; ky < w->filter_h; ky++) {
                                const int8_t *fr = f0 + (size_t)ky * (size_t)row;
                                dot4(x0 + (size_t)ky * (size_t)w->dil_h * in_row, fr, fr + per, fr + 2 * per,
                                     fr + 3 * per, row, acc);
                            }
                        } else {
                            dot4(patch, f0, f0 + per, f0 + 2 * per, f0 + 3 * per, per, acc);
                        }
                        for (int k = 0; k < 4; k++) o[ch + k] = requant(d, acc[k], ch + k);
                    }
                    for (; ch < end; ch++) {
                        const int8_t *f0 = filter + (size_t)ch * (size_t)per;
                        int32_t acc = fold[ch];
                        if (direct) {
                            for (int32_t ky = 0; ky < w->filter_h; ky++) {
                                acc = nn_wadd(acc, dot1(x0 + (size_t)ky * (size_t)w->dil_h * in_row,
                                                        f0 + (size_t)ky * (size_t)row, row));
                            }
                        } else {
                            acc = nn_wadd(acc, dot1(patch, f0, per));
                        }
                        o[ch] = requant(d, acc, ch);
                    }
                }
            }
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_conv2d = { 3, NN_OPT_CONV2D, 0, conv_prepare, conv_eval };
