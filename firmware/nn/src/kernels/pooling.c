/*
 * AVERAGE_POOL_2D and MAX_POOL_2D, int8 NHWC, as TFLM's reference integer
 * pooling: the average counts only taps inside the image and rounds half
 * away from zero; both clamp to the fused activation range (values are not
 * rescaled: like the reference, input and output share quantization).
 */
#include "kernel_util.h"

enum {
    POOL_PADDING = 0,
    POOL_STRIDE_W = 1,
    POOL_STRIDE_H = 2,
    POOL_FILTER_W = 3,
    POOL_FILTER_H = 4,
    POOL_ACTIVATION = 5
};

typedef struct pool_data {
    nn_k_window w;
    int32_t act_min, act_max;
} pool_data;

static nn_status pool_prepare(nn_prep *p)
{
    nn_status s;
    if ((s = nn_k_arity(p, 1, 1, 1)) || (s = nn_k_need(p, 0))) return s;
    const nn_tensor *in = p->in[0], *out = p->out[0];
    if ((s = nn_k_type(p, in, NN_INT8, "input")) || (s = nn_k_type(p, out, NN_INT8, "output")) ||
        (s = nn_k_rank(p, in, 4, "input")) || (s = nn_k_rank(p, out, 4, "output")))
        return s;
    nn_k_window w;
    const int padding = nn_opt_i8(p, POOL_PADDING, 0);
    w.stride_w = nn_opt_i32(p, POOL_STRIDE_W, 0);
    w.stride_h = nn_opt_i32(p, POOL_STRIDE_H, 0);
    w.filter_w = nn_opt_i32(p, POOL_FILTER_W, 0);
    w.filter_h = nn_opt_i32(p, POOL_FILTER_H, 0);
    const int activation = nn_opt_i8(p, POOL_ACTIVATION, 0);
    w.dil_h = w.dil_w = 1;
    if (padding != 0 && padding != 1) return nn_prep_fail(p, NN_ERR_MODEL, "padding %d unknown", padding);
    if (w.stride_w < 1 || w.stride_h < 1 || w.filter_w < 1 || w.filter_h < 1 || w.stride_w > 4096 ||
        w.stride_h > 4096 || w.filter_w > 4096 || w.filter_h > 4096) {
        return nn_prep_fail(p, NN_ERR_MODEL, "bad filter %dx%d or stride %dx%d", (int)w.filter_h, (int)w.filter_w,
                            (int)w.stride_h, (int)w.stride_w);
    }
    if ((int64_t)w.filter_h * w.filter_w > 65536) {
        return nn_prep_fail(p, NN_ERR_LIMIT, "window of %d x %d exceeds 65536 taps", (int)w.filter_h, (int)w.filter_w);
    }
    w.batches = nn_pdim(p, in, 0);
    w.in_h = nn_pdim(p, in, 1);
    w.in_w = nn_pdim(p, in, 2);
    w.in_c = nn_pdim(p, in, 3);
    w.out_h = nn_pdim(p, out, 1);
    w.out_w = nn_pdim(p, out, 2);
    w.out_c = nn_pdim(p, out, 3);
    if (w.batches < 1 || w.in_h < 1 || w.in_w < 1 || w.in_c < 1) {
        return nn_prep_fail(p, NN_ERR_MODEL, "input [%d,%d,%d,%d] is empty", (int)w.batches, (int)w.in_h, (int)w.in_w,
                            (int)w.in_c);
    }
    const int32_t oh = nn_k_out_size(padding, w.in_h, w.filter_h, w.stride_h, 1);
    const int32_t ow = nn_k_out_size(padding, w.in_w, w.filter_w, w.stride_w, 1);
    if (nn_pdim(p, out, 0) != w.batches || w.out_c != w.in_c || oh != w.out_h || ow != w.out_w) {
        return nn_prep_fail(p, NN_ERR_MODEL, "output [%d,%d,%d,%d] does not match the window arithmetic",
                            (int)nn_pdim(p, out, 0), (int)w.out_h, (int)w.out_w, (int)w.out_c);
    }
    w.pad_h = nn_k_padding(padding == 0, w.stride_h, 1, w.in_h, w.filter_h, oh);
    w.pad_w = nn_k_padding(padding == 0, w.stride_w, 1, w.in_w, w.filter_w, ow);
    int32_t lo, hi;
    if ((s = nn_k_activation(p, activation, out, &lo, &hi))) return s;
    if (p->op->builtin == 1) nn_prep_scratch(p, 4u * (uint32_t)w.in_c);
    pool_data *d = nn_prep_alloc(p, sizeof *d);
    if (d == NULL) return NN_OK;
    d->w = w;
    d->act_min = lo;
    d->act_max = hi;
    return NN_OK;
}

static void window(const nn_k_window *w, int32_t oy, int32_t ox, int32_t *y0, int32_t *y1, int32_t *x0, int32_t *x1,
                   int32_t *iy0, int32_t *ix0)
{
    *iy0 = oy * w->stride_h - w->pad_h;
    *ix0 = ox * w->stride_w - w->pad_w;
    *y0 = *iy0 < 0 ? -*iy0 : 0;
    *x0 = *ix0 < 0 ? -*ix0 : 0;
    *y1 = w->in_h - *iy0 < w->filter_h ? w->in_h - *iy0 : w->filter_h;
    *x1 = w->in_w - *ix0 < w->filter_w ? w->in_w - *ix0 : w->filter_w;
}

static nn_status avg_eval(const nn_exec *e)
{
    const pool_data *d = e->data;
    const nn_k_window *w = &d->w;
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    int32_t *acc = e->scratch;
    const int32_t C = w->in_c;
    for (int32_t b = 0; b < w->batches; b++) {
        for (int32_t oy = 0; oy < w->out_h; oy++) {
            for (int32_t ox = 0; ox < w->out_w; ox++) {
                int32_t y0, y1, x0, x1, iy0, ix0;
                window(w, oy, ox, &y0, &y1, &x0, &x1, &iy0, &ix0);
                memset(acc, 0, 4u * (uint32_t)C);
                int32_t count = 0;
                for (int32_t fy = y0; fy < y1; fy++) {
                    for (int32_t fx = x0; fx < x1; fx++) {
                        const int8_t *x = in + (((size_t)b * (size_t)w->in_h + (size_t)(iy0 + fy)) * (size_t)w->in_w +
                                                (size_t)(ix0 + fx)) *
                                                   (size_t)C;
                        for (int32_t c = 0; c < C; c++) acc[c] += x[c];
                        count++;
                    }
                }
                if (count == 0) return nn_exec_fail(e, "window at output (%d, %d) covers no input", (int)oy, (int)ox);
                int8_t *o =
                    out + (((size_t)b * (size_t)w->out_h + (size_t)oy) * (size_t)w->out_w + (size_t)ox) * (size_t)C;
                const int32_t half = count / 2;
                for (int32_t c = 0; c < C; c++) {
                    const int32_t a = acc[c];
                    const int32_t avg = a > 0 ? (a + half) / count : (a - half) / count;
                    o[c] = (int8_t)nn_clamp32(avg, d->act_min, d->act_max);
                }
            }
        }
    }
    return NN_OK;
}

static nn_status max_eval(const nn_exec *e)
{
    const pool_data *d = e->data;
    const nn_k_window *w = &d->w;
    const int8_t *in = nn_ex_in(e, 0);
    int8_t *out = nn_ex_out(e, 0);
    const int32_t C = w->in_c;
    for (int32_t b = 0; b < w->batches; b++) {
        for (int32_t oy = 0; oy < w->out_h; oy++) {
            for (int32_t ox = 0; ox < w->out_w; ox++) {
                int32_t y0, y1, x0, x1, iy0, ix0;
                window(w, oy, ox, &y0, &y1, &x0, &x1, &iy0, &ix0);
                int8_t *o =
                    out + (((size_t)b * (size_t)w->out_h + (size_t)oy) * (size_t)w->out_w + (size_t)ox) * (size_t)C;
                for (int32_t c = 0; c < C; c++) o[c] = -128;
                for (int32_t fy = y0; fy < y1; fy++) {
                    for (int32_t fx = x0; fx < x1; fx++) {
                        const int8_t *x = in + (((size_t)b * (size_t)w->in_h + (size_t)(iy0 + fy)) * (size_t)w->in_w +
                                                (size_t)(ix0 + fx)) *
                                                   (size_t)C;
                        for (int32_t c = 0; c < C; c++) o[c] = x[c] > o[c] ? x[c] : o[c];
                    }
                }
                for (int32_t c = 0; c < C; c++) o[c] = (int8_t)nn_clamp32(o[c], d->act_min, d->act_max);
            }
        }
    }
    return NN_OK;
}

const nn_kernel nn_kernel_average_pool2d = { 1, NN_OPT_POOL2D, 0, pool_prepare, avg_eval };
const nn_kernel nn_kernel_max_pool2d = { 17, NN_OPT_POOL2D, 0, pool_prepare, max_eval };
