/* Helpers every kernel's prepare uses: type and shape checks with clear
 * messages, quantization parameters, fused activation ranges. */
#ifndef WASMCU_NN_KERNEL_UTIL_H
#define WASMCU_NN_KERNEL_UTIL_H

#include "../nn_internal.h"
#include "../quant.h"

/* Builtin option union members (schema.fbs BuiltinOptions order). */
enum {
    NN_OPT_CONV2D = 1,
    NN_OPT_DEPTHWISE = 2,
    NN_OPT_POOL2D = 5,
    NN_OPT_SVDF = 6,
    NN_OPT_FULLY_CONNECTED = 8,
    NN_OPT_SOFTMAX = 9,
    NN_OPT_CONCATENATION = 10,
    NN_OPT_ADD = 11,
    NN_OPT_RESHAPE = 17,
    NN_OPT_MUL = 21,
    NN_OPT_PAD = 22,
    NN_OPT_TRANSPOSE = 26,
    NN_OPT_REDUCER = 27,
    NN_OPT_SUB = 28,
    NN_OPT_SQUEEZE = 30,
    NN_OPT_UNIDIRECTIONAL_LSTM = 71,
    NN_OPT_LEAKY_RELU = 75,
    NN_OPT_QUANTIZE = 89
};

/* Fused activations (ActivationFunctionType). */
enum { NN_ACT_NONE = 0, NN_ACT_RELU = 1, NN_ACT_RELU_N1_TO_1 = 2, NN_ACT_RELU6 = 3, NN_ACT_TANH = 4 };

/* Fails unless the op has between min and max inputs and exactly n_out outputs. */
nn_status nn_k_arity(nn_prep *p, uint32_t min_in, uint32_t max_in, uint32_t n_out);
/* Fails unless input i exists. */
nn_status nn_k_need(nn_prep *p, uint32_t i);
/* Fails unless tensor t (named `what`) has `type`. */
nn_status nn_k_type(nn_prep *p, const nn_tensor *t, int type, const char *what);
/* Fails unless t is quantized with a finite positive scale. */
nn_status nn_k_quantized(nn_prep *p, const nn_tensor *t, const char *what);
/* Fails unless input i is constant; returns its data. */
nn_status nn_k_const(nn_prep *p, uint32_t i, const uint8_t **data, const char *what);
/* Fails unless input i's data is aligned to `align` bytes. */
nn_status nn_k_aligned(nn_prep *p, uint32_t i, uint32_t align, const char *what);
/* Fails unless t has the given rank. */
nn_status nn_k_rank(nn_prep *p, const nn_tensor *t, uint32_t rank, const char *what);
/* Same element count and type. */
nn_status nn_k_same_shape(nn_prep *p, const nn_tensor *a, const nn_tensor *b);
/* Refuses input i because its scale 2^log2 gives shifts outside what the kernel computes exactly:
 * "WHAT (tensor N 'NAME') scale 2^log2: REASON". */
nn_status nn_k_bad_scale(nn_prep *p, uint32_t i, const char *what, int log2, const char *reason);

/* qmin/qmax of an int8/int16/int32 type. */
void nn_k_type_range(int type, int32_t *qmin, int32_t *qmax);
/* Activation range of an output tensor for a fused activation. */
nn_status nn_k_activation(nn_prep *p, int activation, const nn_tensor *out, int32_t *act_min, int32_t *act_max);

/* SAME/VALID padding (TFLite ComputePaddingWithOffset): pad before. */
int32_t nn_k_padding(int same, int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out);
/* Output size for SAME (padding 0) / VALID (1). */
int32_t nn_k_out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation);

/* Everything a 2D window op reads from the shapes. */
typedef struct nn_k_window {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t filter_h, filter_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
} nn_k_window;

/* CONV_2D and DEPTHWISE_CONV_2D (conv2d.c): the checks and window
 * arithmetic they share, and their per-channel multipliers (double products
 * of the scales, as the reference). */
nn_status nn_conv_common(nn_prep *p, int depthwise, nn_k_window *w, int32_t *act_min, int32_t *act_max);
void nn_conv_multipliers(const nn_prep *p, int32_t out_c, int32_t *mult, int8_t *shift);

/* Dot products of `rows` (1..4) consecutive int8 weight rows of length n with (x + x_offset):
 * acc[r] = sum_i w[r*n + i] * (x[i] + x_offset). Four rows at once share each loaded input. */
static inline void nn_dot_rows_s8(const int8_t *w, int32_t n, int rows, const int8_t *x, int32_t x_offset,
                                  int32_t acc[4])
{
    if (rows == 4) {
        const int8_t *w0 = w, *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int32_t i = 0; i < n; i++) {
            const int32_t xv = x[i] + x_offset;
            a0 += w0[i] * xv;
            a1 += w1[i] * xv;
            a2 += w2[i] * xv;
            a3 += w3[i] * xv;
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        return;
    }
    for (int r = 0; r < rows; r++) {
        const int8_t *wr = w + (size_t)r * (size_t)n;
        int32_t a = 0;
        for (int32_t i = 0; i < n; i++) a += wr[i] * (x[i] + x_offset);
        acc[r] = a;
    }
}

#endif /* WASMCU_NN_KERNEL_UTIL_H */
