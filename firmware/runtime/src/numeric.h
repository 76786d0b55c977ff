/* numeric.h: WebAssembly's numeric operations that C does not give as they
 * are (min/max, rounding, bit counts, rotations, float-to-int range checks and
 * saturation), shared by the interpreter (interp.c) and the AOT code's helpers
 * (aot.c) so both engines compute the same bits. Private to the runtime. */
#ifndef WR_NUMERIC_H
#define WR_NUMERIC_H

#include "internal.h"

/* ------------------------------------------------------------ numerics */
static inline float f32_of(wr_slot v)
{
    uint32_t u = (uint32_t)v;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline double f64_of(wr_slot v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}
static inline wr_slot of_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline wr_slot of_f64(double d)
{
    wr_slot u;
    memcpy(&u, &d, 8);
    return u;
}

/* min/max: NaN if either is NaN, and -0 below +0 (C's fmin is neither). */
static inline float f32_min(float a, float b)
{
    if (a != a || b != b) return a + b;               /* a NaN, quieted */
    if (a == b) return f32_of(of_f32(a) | of_f32(b)); /* -0 wins */
    return a < b ? a : b;
}
static inline float f32_max(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f32_of(of_f32(a) & of_f32(b)); /* +0 wins */
    return a > b ? a : b;
}
static inline double f64_min(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f64_of(of_f64(a) | of_f64(b));
    return a < b ? a : b;
}
static inline double f64_max(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f64_of(of_f64(a) & of_f64(b));
    return a > b ? a : b;
}

/* Rounding, by bits, so no libm is needed and soft-float targets agree.
 * mode: 0 trunc, 1 floor, 2 ceil, 3 nearest (ties to even). */
static inline float f32_round(float x, int mode)
{
    uint32_t u = (uint32_t)of_f32(x);
    uint32_t e = (u >> 23) & 0xFF;
    if (e == 0xFF) return x + x; /* NaN quieted, infinities kept */
    if (e >= 127 + 23) return x; /* already an integer */
    uint32_t sign = u & 0x80000000u;
    float ax = f32_of(u & 0x7FFFFFFFu), r;
    if (mode == 3) {
        /* adding 2^23 pushes the fraction out, rounding to nearest even */
        r = (ax + 8388608.0f) - 8388608.0f;
    } else {
        uint32_t a = u & 0x7FFFFFFFu;
        if (e < 127)
            a = 0;
        else
            a &= ~((1u << (23 - (e - 127))) - 1u);
        r = f32_of(a);
        bool inexact = r != ax;
        if (inexact && ((mode == 1 && sign) || (mode == 2 && !sign))) r += 1.0f;
    }
    return f32_of((uint32_t)of_f32(r) | sign);
}
static inline double f64_round(double x, int mode)
{
    uint64_t u = of_f64(x);
    uint32_t e = (uint32_t)(u >> 52) & 0x7FF;
    if (e == 0x7FF) return x + x;
    if (e >= 1023 + 52) return x;
    uint64_t sign = u & 0x8000000000000000ull;
    double ax = f64_of(u & 0x7FFFFFFFFFFFFFFFull), r;
    if (mode == 3) {
        r = (ax + 4503599627370496.0) - 4503599627370496.0;
    } else {
        uint64_t a = u & 0x7FFFFFFFFFFFFFFFull;
        if (e < 1023)
            a = 0;
        else
            a &= ~((1ull << (52 - (e - 1023))) - 1ull);
        r = f64_of(a);
        bool inexact = r != ax;
        if (inexact && ((mode == 1 && sign) || (mode == 2 && !sign))) r += 1.0;
    }
    return f64_of(of_f64(r) | sign);
}

static inline uint32_t rotl32(uint32_t x, uint32_t n)
{
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}
static inline uint32_t rotr32(uint32_t x, uint32_t n)
{
    n &= 31;
    return n ? (x >> n) | (x << (32 - n)) : x;
}
static inline uint64_t rotl64(uint64_t x, uint64_t n)
{
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}
static inline uint64_t rotr64(uint64_t x, uint64_t n)
{
    n &= 63;
    return n ? (x >> n) | (x << (64 - n)) : x;
}
static inline uint32_t clz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_clz(x) : 32;
}
static inline uint32_t ctz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_ctz(x) : 32;
}
static inline uint64_t clz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_clzll(x) : 64;
}
static inline uint64_t ctz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_ctzll(x) : 64;
}

/* Float -> int conversions: NaN and out-of-range inputs, per the exact
 * bounds of each pair of types. Returns 0 if in range, else the trap. */
static inline wr_status trunc_check(double x, double lo, double hi)
{
    if (x != x) return WR_TRAP_CONVERSION;
    return x > lo && x < hi ? WR_OK : WR_TRAP_INT_OVERFLOW;
}

/* Saturating versions. sat_i32 (AssemblyScript's <i32> of an f64) reads the exponent
 * instead of comparing: without an FPU each double comparison is a library call. */
static inline int32_t sat_i32(double x)
{
    uint64_t b = of_f64(x);
    uint32_t e = (uint32_t)(b >> 52) & 0x7FFu;
    if (e < 1023u + 31u) return (int32_t)x;      /* |x| < 2^31 */
    if (e == 0x7FFu && (b << 12) != 0) return 0; /* NaN */
    return (b >> 63) ? INT32_MIN : INT32_MAX;
}
static inline uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t sat_i64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t sat_u64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* trunc_check with each pair of types' exact bounds (i64 signed: -2^63 itself
 * is in range, the next double below is not). */
static inline wr_status trunc_i32_s(double x)
{
    return trunc_check(x, -2147483649.0, 2147483648.0);
}
static inline wr_status trunc_u32(double x)
{
    return trunc_check(x, -1.0, 4294967296.0);
}
static inline wr_status trunc_i64_s(double x)
{
    return trunc_check(x, -9223372036854777856.0, 9223372036854775808.0);
}
static inline wr_status trunc_u64(double x)
{
    return trunc_check(x, -1.0, 18446744073709551616.0);
}

#endif /* WR_NUMERIC_H */
