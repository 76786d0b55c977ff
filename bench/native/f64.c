/* f64 add/sub/mul per call on the Cortex-M0+, for scripts/bench/81-f64.mjs: AOT code's
 * routines (firmware/runtime/src/f64_armv6m.S) beside libgcc's __aeabi_dadd/dsub/dmul (what
 * they replaced, and still call for zero, subnormal, infinity, NaN and the range's edges).
 * Each loop calls one routine on 256 operand pairs; loop_none is the same loop without the
 * call, so (loop - loop_none) / 256 is one call, BL and return included. Each run starts
 * from a fresh core (SRAM cleared), so each loop makes its operands first. */
#include <stdint.h>

uint64_t wr__f64_add(uint64_t a, uint64_t b);
uint64_t wr__f64_sub(uint64_t a, uint64_t b);
uint64_t wr__f64_mul(uint64_t a, uint64_t b);
uint64_t __aeabi_dadd(uint64_t a, uint64_t b);
uint64_t __aeabi_dsub(uint64_t a, uint64_t b);
uint64_t __aeabi_dmul(uint64_t a, uint64_t b);

#define PAIRS 256
static uint64_t x[PAIRS], y[PAIRS];

/* Ordinary operands: random 52-bit fractions, signs, exponents within 2^-8..2^8 of 1, as a
 * quantizer's samples and scales are. */
static void setup(void)
{
    uint32_t s = 20;
    for (int i = 0; i < PAIRS; i++) {
        uint64_t w[2];
        for (int k = 0; k < 2; k++) {
            s = s * 1664525u + 1013904223u;
            uint32_t hi = s;
            s = s * 1664525u + 1013904223u;
            uint64_t exp = 1023 - 8 + (hi >> 8) % 17;
            w[k] = (uint64_t)(hi >> 31) << 63 | exp << 52 | (uint64_t)(hi & 0xFFFFF) << 32 | s;
        }
        x[i] = w[0];
        y[i] = w[1];
    }
}

typedef uint64_t (*op_fn)(uint64_t, uint64_t);

static uint64_t none(uint64_t a, uint64_t b)
{
    return a ^ b;
}

/* noinline, noclone: every loop is the same code calling through a pointer (as AOT code calls
 * through its helper table), only the routine differs */
__attribute__((noinline, noclone)) static int32_t loop(op_fn f)
{
    setup();
    uint64_t acc = 0;
    for (int i = 0; i < PAIRS; i++) acc ^= f(x[i], y[i]);
    return (int32_t)(acc ^ acc >> 32);
}

#define LOOP(name, fn)                                                                                                 \
    int32_t name(void)                                                                                                 \
    {                                                                                                                  \
        return loop(fn);                                                                                               \
    }
LOOP(loop_none, none)
LOOP(loop_add, wr__f64_add)
LOOP(loop_sub, wr__f64_sub)
LOOP(loop_mul, wr__f64_mul)
LOOP(loop_dadd, __aeabi_dadd)
LOOP(loop_dsub, __aeabi_dsub)
LOOP(loop_dmul, __aeabi_dmul)
