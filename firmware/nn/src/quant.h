/*
 * Fixed-point arithmetic of the TFLite int8 quantization spec, bit-exact with
 * TensorFlow Lite Micro's reference kernels (double-rounding
 * MultiplyByQuantizedMultiplier, gemmlowp's exp/logistic/tanh).
 *
 * Signed overflow is avoided by doing wrapping arithmetic in uint32_t: the
 * reference relies on two's-complement wrap-around in the same places.
 */
#ifndef WASMCU_NN_QUANT_H
#define WASMCU_NN_QUANT_H

#include <stdint.h>

static inline int32_t nn_wadd(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t nn_wsub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}
static inline int32_t nn_wshl(int32_t a, int s)
{
    return (int32_t)((uint32_t)a << s);
}
static inline int32_t nn_min32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}
static inline int32_t nn_max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}
static inline int32_t nn_clamp32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* (a * b) / 2^31 rounded to nearest, -1 * -1 saturating: ARM's VQRDMULH.
 * gemmlowp writes it as (ab + nudge) / 2^31 with a sign-dependent nudge and
 * truncating division; that equals floor((ab + 2^30) / 2^31) for every ab,
 * which is one add and one arithmetic shift. */
static inline int32_t nn_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    return (int32_t)(((int64_t)a * (int64_t)b + (1 << 30)) >> 31);
}

/* x / 2^exponent rounded to nearest, ties away from zero (0 <= exponent <=
 * 31). gemmlowp compares the remainder with a sign-dependent threshold; the
 * same result is floor((x + 2^(e-1) - (x < 0)) / 2^e). */
static inline int32_t nn_rdbpot(int32_t x, int exponent)
{
    if (exponent == 0) return x;
    return (int32_t)(((int64_t)x + ((int64_t)1 << (exponent - 1)) - (x < 0)) >> exponent);
}

/* x * multiplier * 2^shift with the reference's two roundings. The
 * multiplier comes from nn_quantize_multiplier (0 <= m < 2^31), so the
 * saturating corner of nn_srdhm (both INT32_MIN) cannot occur. */
static inline int32_t nn_mbqm(int32_t x, int32_t multiplier, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int32_t high = (int32_t)(((int64_t)nn_wshl(x, left) * (int64_t)multiplier + (1 << 30)) >> 31);
    return nn_rdbpot(high, right);
}

/* The 64-bit accumulator variant (int16 activations). */
static inline int32_t nn_mbqm64(int64_t x, int32_t multiplier, int shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int total = 15 - shift;
    x = (int64_t)((uint64_t)(x * (int64_t)reduced) + ((uint64_t)1 << (total - 1)));
    return (int32_t)(x >> total);
}

/* Saturating x * 2^e for 0 < e < 31 (gemmlowp SaturatingRoundingMultiplyByPOT). */
static inline int32_t nn_sat_shl(int32_t x, int e)
{
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return nn_wshl(x, e);
}

/* Decomposes a positive real multiplier into a Q0.31 significand and a
 * power-of-two exponent (TFLite QuantizeMultiplier). */
void nn_quantize_multiplier(double m, int32_t *significand, int *shift);
/* frexp without libm: m = f * 2^e, 0.5 <= |f| < 1. */
double nn_frexp(double m, int *e);
/* 2^k as a double (|k| < 1000). */
double nn_pow2(int k);
/* round half away from zero (std::round), without libm. */
double nn_round(double x);
float nn_roundf(float x);
/* log2(x) rounded, and whether x is within 1e-3 (in log2) of a power of two. */
int nn_checked_log2(float x, int *log2_result);

/* gemmlowp fixed-point functions on int32 raw values.
 * exp of a negative Q(integer_bits) value, result in Q0.31. */
int32_t nn_exp_on_negative_values(int32_t a, int integer_bits);
/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out. */
int32_t nn_one_over_one_plus_x(int32_t a);
/* logistic and tanh of a Q(integer_bits) value, result Q0.31. */
int32_t nn_logistic_q(int32_t a, int integer_bits);
int32_t nn_tanh_q(int32_t a, int integer_bits);
/* Reciprocal of a Q(integer_digits) sum, as used by softmax. */
int32_t nn_get_reciprocal(int32_t x, int integer_digits, int *num_bits_over_unit);

/* Quantized activation range of a fused activation (TFLite
 * CalculateActivationRangeQuantized) for an output of [qmin, qmax]. */
void nn_activation_range(int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax, int32_t *act_min,
                         int32_t *act_max);

/* int16 sigmoid/tanh by table interpolation (TFLite reference_integer_ops
 * Logistic/Tanh for int16): in-place safe. */
void nn_logistic_i16(int32_t input_multiplier, int32_t input_left_shift, uint32_t n, const int16_t *in, int16_t *out);
void nn_tanh_i16(int32_t input_multiplier, int32_t input_left_shift, uint32_t n, const int16_t *in, int16_t *out);

#endif /* WASMCU_NN_QUANT_H */
