/* Fixed-point helpers: multipliers, rounding, gemmlowp-style exp/logistic/tanh. */
#include "quant.h"

#include <string.h>

double nn_frexp(double m, int *e)
{
    uint64_t bits;
    memcpy(&bits, &m, 8);
    int ex = (int)((bits >> 52) & 0x7ffu);
    int adjust = 0;
    if (ex == 0x7ff || m == 0.0) { /* inf, nan, zero: like frexp */
        *e = 0;
        return m;
    }
    if (ex == 0) {                /* subnormal: scale into the normal range first */
        m *= 18014398509481984.0; /* 2^54 */
        memcpy(&bits, &m, 8);
        ex = (int)((bits >> 52) & 0x7ffu);
        adjust = -54;
    }
    *e = ex - 1022 + adjust;
    bits = (bits & ~((uint64_t)0x7ffu << 52)) | ((uint64_t)1022u << 52);
    memcpy(&m, &bits, 8);
    return m;
}

double nn_pow2(int k)
{
    double r = 1.0;
    const double f = k >= 0 ? 2.0 : 0.5;
    for (int i = k >= 0 ? k : -k; i > 0; i--) r *= f;
    return r;
}

double nn_round(double x)
{
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) return x; /* |x| >= 2^52: integral */
    double t = (double)(int64_t)x;                                      /* truncation */
    double frac = x - t;                                                /* exact */
    if (frac >= 0.5) t += 1.0;
    if (frac <= -0.5) t -= 1.0;
    return t;
}

float nn_roundf(float x)
{
    if (!(x > -8388608.0f && x < 8388608.0f)) return x; /* |x| >= 2^23: integral */
    float t = (float)(int32_t)x;
    float frac = x - t;
    if (frac >= 0.5f) t += 1.0f;
    if (frac <= -0.5f) t -= 1.0f;
    return t;
}

void nn_quantize_multiplier(double m, int32_t *significand, int *shift)
{
    if (!(m > 0.0) || m > 1e300) { /* zero, negative, NaN or inf: no scaling */
        *significand = 0;
        *shift = 0;
        return;
    }
    int e;
    const double q = nn_frexp(m, &e);
    int64_t q_fixed = (int64_t)nn_round(q * 2147483648.0);
    if (q_fixed == ((int64_t)1 << 31)) {
        q_fixed /= 2;
        ++e;
    }
    if (e < -31) { /* everything would shift out: flush to zero like the reference */
        e = 0;
        q_fixed = 0;
    }
    if (e > 31) { /* absurd scale ratios: saturate rather than shift past 31 bits */
        e = 31;
        q_fixed = INT32_MAX;
    }
    *significand = (int32_t)q_fixed;
    *shift = e;
}

int nn_checked_log2(float x, int *log2_result)
{
    if (!(x > 0.0f)) {
        *log2_result = 0;
        return 0;
    }
    int e;
    const double f = nn_frexp((double)x, &e); /* x = f * 2^e, 0.5 <= f < 1 */
    /* log2(x) = e + log2(f), log2(f) in [-1, 0). */
    if (f >= 0.70710678118654752) { /* rounds to e */
        *log2_result = e;
        return f > 0.99930709299316 ? 1 : 0; /* 2^-0.001 */
    }
    *log2_result = e - 1;
    return f < 0.50034669373695 ? 1 : 0; /* 2^(-1 + 0.001) */
}

void nn_activation_range(int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax, int32_t *act_min,
                         int32_t *act_max)
{
    /* zero_point + round(f / scale), in float like the reference. */
#define NN_Q(f, out)                                                                                                   \
    do {                                                                                                               \
        float r_ = nn_roundf((f) / scale);                                                                             \
        if (r_ != r_) r_ = 0.0f; /* NaN scale: no shift */                                                             \
        if (r_ > 2147483520.0f) r_ = 2147483520.0f;                                                                    \
        if (r_ < -2147483520.0f) r_ = -2147483520.0f;                                                                  \
        out = nn_wadd(zero_point, (int32_t)r_);                                                                        \
    } while (0)
    int32_t lo = qmin, hi = qmax, v;
    switch (activation) {
    case 1: /* RELU */
        NN_Q(0.0f, v);
        lo = nn_max32(qmin, v);
        break;
    case 2: /* RELU_N1_TO_1 */
        NN_Q(-1.0f, v);
        lo = nn_max32(qmin, v);
        NN_Q(1.0f, v);
        hi = nn_min32(qmax, v);
        break;
    case 3: /* RELU6 */
        NN_Q(0.0f, v);
        lo = nn_max32(qmin, v);
        NN_Q(6.0f, v);
        hi = nn_min32(qmax, v);
        break;
    default: break;
    }
#undef NN_Q
    *act_min = lo;
    *act_max = hi;
}

/* ---- gemmlowp fixed-point functions ------------------------------------ */

/* exp(x) for x in [-1/4, 0), Q0.31: Taylor series around -1/8. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668; /* exp(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = nn_wadd(a, 1 << 28); /* + 1/8 */
    const int32_t x2 = nn_srdhm(x, x);
    const int32_t x3 = nn_srdhm(x2, x);
    const int32_t x4 = nn_srdhm(x2, x2);
    const int32_t x4_over_4 = nn_rdbpot(x4, 2);
    const int32_t poly = nn_rdbpot(nn_wadd(nn_srdhm(nn_wadd(x4_over_4, x3), one_third), x2), 1);
    return nn_wadd(constant_term, nn_srdhm(constant_term, nn_wadd(x, poly)));
}

int32_t nn_exp_on_negative_values(int32_t a, int integer_bits)
{
    /* Barrel-shifter multipliers exp(-2^k), k = -2..4, in Q0.31. */
    static const int32_t kMul[7] = { 1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242 };
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = nn_wsub(a & mask, one_quarter);
    /* Rescale Q(integer_bits) -> Q0: saturating left shift. */
    int32_t result = exp_quarter(integer_bits == 0 ? a_mod_quarter_minus_one_quarter
                                                   : nn_sat_shl(a_mod_quarter_minus_one_quarter, integer_bits));
    const int32_t remainder = nn_wsub(a_mod_quarter_minus_one_quarter, a);
    for (int k = -2; k <= 4; k++) {
        if (integer_bits > k) {
            const int shift = fractional_bits + k;
            if (remainder & (int32_t)(1u << shift)) result = nn_srdhm(result, kMul[k + 2]);
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
        if (a < clamp) result = 0;
    }
    if (a == 0) result = INT32_MAX;
    return result;
}

/* Newton-Raphson 1/(1+x) core shared by logistic and tanh: returns x in Q2.29. */
static int32_t nr_reciprocal_q2(int32_t half_denominator)
{
    const int32_t c48_17 = 1515870810;     /* 48/17 in Q2.29 */
    const int32_t cneg32_17 = -1010580540; /* -32/17 in Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29;
    int32_t x = nn_wadd(c48_17, nn_srdhm(half_denominator, cneg32_17));
    for (int i = 0; i < 3; i++) {
        const int32_t hdx = nn_srdhm(half_denominator, x);
        const int32_t one_minus = nn_wsub(one_q2, hdx);
        x = nn_wadd(x, nn_sat_shl(nn_srdhm(x, one_minus), 2));
    }
    return x;
}

static int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

int32_t nn_one_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
    const int32_t x = nr_reciprocal_q2(half_denominator);
    /* ExactMulByPot<-1> (Q2 -> Q1, same raw), then Rescale<0>: shift left 1. */
    return nn_sat_shl(x, 1);
}

static int32_t one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
    const int32_t x = nr_reciprocal_q2(half_denominator);
    return nn_sat_shl(nn_wsub(x, (int32_t)1 << 29), 2);
}

int32_t nn_logistic_q(int32_t a, int integer_bits)
{
    if (a == 0) return (int32_t)1 << 30;
    const int32_t abs_a = a > 0 ? a : nn_wsub(0, a);
    const int32_t pos = nn_one_over_one_plus_x(nn_exp_on_negative_values(nn_wsub(0, abs_a), integer_bits));
    return a > 0 ? pos : nn_wsub(INT32_MAX, pos);
}

int32_t nn_tanh_q(int32_t a, int integer_bits)
{
    if (a == 0) return 0;
    const int32_t n = a < 0 ? a : nn_wsub(0, a);
    /* ExactMulByPot<1>: same raw value read with one more integer bit. */
    const int32_t t = one_minus_x_over_one_plus_x(nn_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? nn_wsub(0, t) : t;
}

int32_t nn_get_reciprocal(int32_t x, int integer_digits, int *num_bits_over_unit)
{
    uint32_t ux = (uint32_t)x;
    int headroom_plus_one = 0;
    if (ux == 0) {
        headroom_plus_one = 32;
    } else {
        while (!(ux & 0x80000000u)) {
            ux <<= 1;
            headroom_plus_one++;
        }
    }
    *num_bits_over_unit = integer_digits - headroom_plus_one;
    if (headroom_plus_one >= 32) return INT32_MAX;
    const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
    return nn_one_over_one_plus_x(shifted_sum_minus_one);
}

/* ---- int16 sigmoid / tanh by interpolation ------------------------------- */

/* Knots for the int16 sigmoid/tanh: sigmoid on a grid of 1/24 in Q0.16, each knot
 * lowered by half the chord's midpoint error so linear interpolation between them
 * is balanced; the last one saturates. Generated by scripts/gen-sigmoid-knots.mjs
 * (the formula is there); test/firmware/nn/sigmoid-knots.test.ts keeps them equal. */
static const uint16_t kSigmoidKnots[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535
};

void nn_logistic_i16(int32_t input_multiplier, int32_t input_left_shift, uint32_t n, const int16_t *in, int16_t *out)
{
    if (input_multiplier == 0) { /* power-of-two input scale */
        input_multiplier = 3 << input_left_shift;
        input_left_shift = 0;
    }
    const int32_t round = input_left_shift > 0 ? 1 << (input_left_shift - 1) : 0;
    for (uint32_t i = 0; i < n; i++) {
        const int32_t x = ((int32_t)in[i] * input_multiplier + round) >> input_left_shift;
        const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        const uint32_t uh = ax >> 9;
        uint32_t result;
        if (uh >= 255) {
            result = 0x7FFFu << 10;
        } else {
            const uint32_t ua = kSigmoidKnots[uh];
            const uint32_t ub = kSigmoidKnots[uh + 1];
            const uint32_t ut = ax & 0x1ffu;
            result = (ua << 9) + ut * (ub - ua);
        }
        result = x >= 0 ? (result + (1u << 9)) : ((1u << (16 + 9)) - result + (1u << 9) - 1u);
        out[i] = (int16_t)(result >> 10);
    }
}

void nn_tanh_i16(int32_t input_multiplier, int32_t input_left_shift, uint32_t n, const int16_t *in, int16_t *out)
{
    if (input_multiplier == 0) {
        input_multiplier = 3 << input_left_shift;
        input_left_shift = 0;
    }
    const int32_t round = input_left_shift > 0 ? 1 << (input_left_shift - 1) : 0;
    for (uint32_t i = 0; i < n; i++) {
        const int32_t x = ((int32_t)in[i] * input_multiplier + round) >> input_left_shift;
        const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        const uint32_t uh = ax >> 8;
        int32_t result;
        if (uh >= 255) {
            result = 0xFFFF << 8;
        } else {
            const uint32_t ua = kSigmoidKnots[uh];
            const uint32_t ub = kSigmoidKnots[uh + 1];
            const uint32_t ut = ax & 0xffu;
            result = (int32_t)((ua << 8) + ut * (ub - ua));
        }
        result =
            x >= 0 ? (result - (1 << (14 + 9)) + (1 << (9 - 2))) : (-result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1);
        out[i] = (int16_t)(result >> (9 - 1));
    }
}
