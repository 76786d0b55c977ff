/* The operators this engine runs, by BuiltinOperator code. */
#include "../nn_internal.h"

extern const nn_kernel nn_kernel_fully_connected, nn_kernel_reshape, nn_kernel_squeeze, nn_kernel_expand_dims,
    nn_kernel_softmax, nn_kernel_quantize, nn_kernel_dequantize, nn_kernel_svdf, nn_kernel_logistic, nn_kernel_tanh,
    nn_kernel_relu, nn_kernel_relu6, nn_kernel_conv2d, nn_kernel_depthwise_conv2d, nn_kernel_average_pool2d,
    nn_kernel_max_pool2d, nn_kernel_add, nn_kernel_sub, nn_kernel_pad, nn_kernel_padv2, nn_kernel_transpose,
    nn_kernel_mean, nn_kernel_sum, nn_kernel_concatenation, nn_kernel_lstm;

static const nn_kernel *const kKernels[] = {
    &nn_kernel_fully_connected,
    &nn_kernel_reshape,
    &nn_kernel_squeeze,
    &nn_kernel_expand_dims,
    &nn_kernel_softmax,
    &nn_kernel_quantize,
    &nn_kernel_dequantize,
    &nn_kernel_svdf,
    &nn_kernel_logistic,
    &nn_kernel_tanh,
    &nn_kernel_relu,
    &nn_kernel_relu6,
    &nn_kernel_conv2d,
    &nn_kernel_depthwise_conv2d,
    &nn_kernel_average_pool2d,
    &nn_kernel_max_pool2d,
    &nn_kernel_add,
    &nn_kernel_sub,
    &nn_kernel_pad,
    &nn_kernel_padv2,
    &nn_kernel_transpose,
    &nn_kernel_mean,
    &nn_kernel_sum,
    &nn_kernel_concatenation,
    &nn_kernel_lstm,
};

const nn_kernel *nn_find_kernel(int builtin, uint8_t *id)
{
    for (uint32_t i = 0; i < sizeof kKernels / sizeof kKernels[0]; i++) {
        if (kKernels[i]->builtin == builtin) {
            if (id) *id = (uint8_t)i;
            return kKernels[i];
        }
    }
    return NULL;
}

const nn_kernel *nn_kernel_at(uint8_t id)
{
    return kKernels[id];
}
