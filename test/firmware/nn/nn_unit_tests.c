/*
 * Unit tests of the engine's internals: the fixed-point helpers against the
 * gemmlowp definitions they replace, the multiplier decomposition, the
 * planner's non-overlap property, the error formatter, and (given a model
 * path) the public API's argument and arena checks.
 *
 *   nn-unit-tests [MODEL.tflite]
 * Prints one line per failure and ends with "N passed, M failed".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_internal.h"
#include "quant.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            passed++;                                                                                                  \
        } else {                                                                                                       \
            failed++;                                                                                                  \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                                \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
        }                                                                                                              \
    } while (0)

/* The gemmlowp definitions, written as the reference states them. */
static int32_t srdhm_definition(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int32_t rdbpot_definition(int32_t x, int e)
{
    const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_fixed_point_matches_gemmlowp(void)
{
    static const int32_t edge[] = {
        0,       1,         -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), (1 << 30) + 1,
        3 << 29, -(3 << 29)
    };
    const int n_edge = (int)(sizeof edge / sizeof edge[0]);
    int bad_mul = 0, bad_shift = 0;
    for (int i = 0; i < n_edge; i++) {
        for (int j = 0; j < n_edge; j++) {
            if (nn_srdhm(edge[i], edge[j]) != srdhm_definition(edge[i], edge[j])) bad_mul++;
        }
        for (int e = 0; e <= 31; e++) {
            if (nn_rdbpot(edge[i], e) != rdbpot_definition(edge[i], e)) bad_shift++;
        }
    }
    for (int i = 0; i < 2000000; i++) {
        const int32_t a = (int32_t)next() >> (next() % 31), b = (int32_t)next() >> (next() % 8);
        const int e = (int)(next() % 32);
        if (nn_srdhm(a, b) != srdhm_definition(a, b)) bad_mul++;
        if (nn_rdbpot(a, e) != rdbpot_definition(a, e)) bad_shift++;
        /* exact ties: x = k * 2^e + 2^(e-1) */
        if (e > 0) {
            const int32_t tie = (int32_t)((int64_t)(a >> 12) * ((int64_t)1 << e) + ((int64_t)1 << (e - 1)));
            if (nn_rdbpot(tie, e) != rdbpot_definition(tie, e)) bad_shift++;
        }
    }
    CHECK(bad_mul == 0, "saturating rounding doubling high multiply differs %d times", bad_mul);
    CHECK(bad_shift == 0, "rounding divide by power of two differs %d times", bad_shift);
    CHECK(nn_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX, "-1 * -1 saturates");
}

static void test_multiply_by_quantized_multiplier(void)
{
    /* 0.25 = (2^30, -1): doubling high multiply rounds half up, the shift
   * rounds half away from zero, so 5 * 0.25 = 1.25 gives 2. */
    CHECK(nn_mbqm(5, 1 << 30, -1) == 2, "5*0.25 -> %d", (int)nn_mbqm(5, 1 << 30, -1));
    CHECK(nn_mbqm(-5, 1 << 30, -1) == -1, "-5*0.25 -> %d", (int)nn_mbqm(-5, 1 << 30, -1));
    CHECK(nn_mbqm(-6, 1 << 30, -1) == -2, "-6*0.25 -> %d", (int)nn_mbqm(-6, 1 << 30, -1));
    CHECK(nn_mbqm(1, 1 << 30, -1) == 1, "1*0.25 -> %d", (int)nn_mbqm(1, 1 << 30, -1));
    CHECK(nn_mbqm(100, 1 << 30, 1) == 100, "left shift then halve");
    CHECK(nn_mbqm(100, 1 << 30, 0) == 50, "0.5");
    /* 64-bit accumulator variant: the multiplier is reduced to 16 bits. */
    CHECK(nn_mbqm64((int64_t)1 << 40, 1 << 30, -20) == (1 << 19), "int64 path");
}

static void test_quantize_multiplier(void)
{
    int32_t m;
    int s;
    nn_quantize_multiplier(0.5, &m, &s);
    CHECK(m == (1 << 30) && s == 0, "0.5 -> (%d, %d)", (int)m, s);
    nn_quantize_multiplier(1.0, &m, &s);
    CHECK(m == (1 << 30) && s == 1, "1.0 -> (%d, %d)", (int)m, s);
    nn_quantize_multiplier(0.75, &m, &s);
    CHECK(m == (3 << 29) && s == 0, "0.75 -> (%d, %d)", (int)m, s);
    nn_quantize_multiplier(0.0, &m, &s);
    CHECK(m == 0 && s == 0, "0 -> (%d, %d)", (int)m, s);
    nn_quantize_multiplier(1e-12, &m, &s); /* below 2^-31: flushed to zero */
    CHECK(m == 0 && s == 0, "tiny -> (%d, %d)", (int)m, s);
    nn_quantize_multiplier(1.0 - 1e-12, &m, &s); /* significand rounds up to 2^31: renormalised */
    CHECK(m == (1 << 30) && s == 1, "just below 1 -> (%d, %d)", (int)m, s);
    int e;
    const double f = nn_frexp(48.0, &e);
    CHECK(f == 0.75 && e == 6, "frexp(48) = %f * 2^%d", f, e);
    CHECK(nn_round(2.5) == 3.0 && nn_round(-2.5) == -3.0 && nn_round(-2.4) == -2.0, "round half away");
    CHECK(nn_roundf(0.5f) == 1.0f && nn_roundf(-0.5f) == -1.0f, "roundf half away");
    int l2;
    CHECK(nn_checked_log2(0.00048828125f, &l2) && l2 == -11, "log2(2^-11) = %d", l2);
    CHECK(!nn_checked_log2(0.0003f, &l2), "0.0003 is not a power of two");
}

static void test_fixed_point_functions(void)
{
    /* exp(0) is one, exp(-x) decreases, and matches exp within 1e-6. */
    CHECK(nn_exp_on_negative_values(0, 5) == INT32_MAX, "exp(0)");
    double worst = 0;
    for (int i = 1; i < 2000; i++) {
        const double x = -i * 0.01;
        const int32_t q = (int32_t)(x * (double)(1 << 26)); /* Q5.26 */
        const double got = nn_exp_on_negative_values(q, 5) / 2147483648.0;
        const double want = exp((double)q / (1 << 26));
        const double err = got > want ? got - want : want - got;
        if (err > worst) worst = err;
    }
    CHECK(worst < 1e-6, "exp error %g", worst);
    CHECK(nn_logistic_q(0, 4) == (1 << 30), "logistic(0) = 1/2");
    CHECK(nn_tanh_q(0, 4) == 0, "tanh(0) = 0");
    /* int16 table functions at 0: sigmoid 0.5 in Q0.15, tanh 0. */
    int16_t in[3] = { 0, 32767, -32768 }, out[3];
    nn_logistic_i16(0, 0, 3, in, out);
    /* sigmoid(+-8) in Q0.15, symmetric about one half */
    CHECK(out[0] == 16384 && out[1] > 32700 && out[1] + out[2] == 32768, "int16 sigmoid %d %d %d", out[0], out[1],
          out[2]);
    nn_tanh_i16(0, 0, 3, in, out);
    CHECK(out[0] == 0 && out[1] == 32767 && out[2] == -32767, "int16 tanh %d %d %d", out[0], out[1], out[2]);
    int nbou;
    const int32_t r = nn_get_reciprocal(1 << 19, 12, &nbou); /* sum of one exp(0) in Q12.19 */
    CHECK(nbou == 0 && r > (1 << 30), "reciprocal of 1: %d over %d", (int)r, nbou);
}

static void test_activation_range(void)
{
    int32_t lo, hi;
    nn_activation_range(1, 0.5f, 10, -128, 127, &lo, &hi); /* RELU */
    CHECK(lo == 10 && hi == 127, "relu [%d, %d]", (int)lo, (int)hi);
    nn_activation_range(3, 0.05f, -128, -128, 127, &lo, &hi); /* RELU6: 6/0.05 = 120 */
    CHECK(lo == -128 && hi == -8, "relu6 [%d, %d]", (int)lo, (int)hi);
    nn_activation_range(2, 1.0f, 0, -128, 127, &lo, &hi); /* RELU_N1_TO_1 */
    CHECK(lo == -1 && hi == 1, "relu1 [%d, %d]", (int)lo, (int)hi);
}

static void test_planner_never_overlaps_live_buffers(void)
{
    enum { N = 64 };
    nn_buf b[N];
    uint16_t order[N];
    int violations = 0, short_total = 0;
    for (int trial = 0; trial < 300; trial++) {
        const uint32_t n = 1 + next() % N;
        for (uint32_t i = 0; i < n; i++) {
            const uint16_t first = (uint16_t)(next() % 40);
            b[i].first = first;
            b[i].last = (uint16_t)(first + next() % 8);
            b[i].size = 8u * (1u + next() % 64u);
        }
        const uint32_t total = nn_plan(b, order, n);
        uint32_t peak = 0;
        for (uint32_t t = 0; t < 48; t++) { /* no plan beats the largest live sum */
            uint32_t live = 0;
            for (uint32_t i = 0; i < n; i++)
                if (b[i].first <= t && t <= b[i].last) live += b[i].size;
            if (live > peak) peak = live;
        }
        if (total < peak) short_total++;
        for (uint32_t i = 0; i < n; i++) {
            if (b[i].offset + b[i].size > total) violations++;
            for (uint32_t j = i + 1; j < n; j++) {
                const int time = b[i].first <= b[j].last && b[j].first <= b[i].last;
                const int space = b[i].offset < b[j].offset + b[j].size && b[j].offset < b[i].offset + b[i].size;
                if (time && space) violations++;
            }
        }
    }
    CHECK(violations == 0, "%d overlapping live buffers", violations);
    CHECK(short_total == 0, "%d plans smaller than the live peak", short_total);
    /* A chain a->b->c: a and c never meet, so they share offset 0. */
    nn_buf chain[3] = { { 64, 0, 0, 1 }, { 32, 0, 1, 2 }, { 64, 0, 2, 3 } };
    const uint32_t total = nn_plan(chain, order, 3);
    CHECK(total == 96 && chain[0].offset == chain[2].offset, "chain planned into %u bytes", (unsigned)total);
}

static void test_error_formatter(void)
{
    nn_error e;
    nn_fail(&e, NN_ERR_MODEL, "tensor %u: %s %d %x %f", 12u, "bad", -3, 255u, 0.25);
    CHECK(e.status == NN_ERR_MODEL && strcmp(e.message, "tensor 12: bad -3 ff 0.25") == 0, "got '%s'", e.message);
    char longer[400];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    nn_fail(&e, NN_ERR_MODEL, "%s", longer);
    CHECK(strlen(e.message) == sizeof e.message - 1, "a long message is cut to fit");
    CHECK(strcmp(nn_status_str(NN_ERR_ARENA_TOO_SMALL), "arena too small") == 0, "status names");
    CHECK(strcmp(nn_type_name(NN_INT8), "INT8") == 0 && strcmp(nn_type_name(99), "UNKNOWN") == 0, "type names");
    CHECK(strcmp(nn_builtin_name(3), "CONV_2D") == 0 && strcmp(nn_builtin_name(-1), "UNKNOWN") == 0, "op names");
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = aligned_alloc(16, ((size_t)n + 16) & ~(size_t)15);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void test_api_with_model(const char *path)
{
    size_t size;
    unsigned char *model = read_file(path, &size);
    CHECK(model != NULL, "cannot read %s", path);
    if (!model) return;
    nn_error err;
    size_t need = 0;
    CHECK(nn_arena_bytes(model, size, &need, &err) == NN_OK && need > 0, "arena bytes: %s", err.message);
    CHECK(nn_arena_bytes(model, size, NULL, &err) == NN_ERR_ARG, "NULL out rejected");
    size_t unused;
    CHECK(nn_arena_bytes(NULL, size, &unused, &err) == NN_ERR_ARG, "NULL model rejected");
    unsigned char *arena = aligned_alloc(16, need + 64);
    nn_interp *it = NULL;
    CHECK(nn_init(&it, model, size, arena, need - 1, &err) == NN_ERR_ARENA_TOO_SMALL &&
              strstr(err.message, "this model needs") != NULL,
          "one byte short: %s", err.message);
    CHECK(nn_init(&it, model, size, arena + 4, need, &err) == NN_ERR_ALIGN, "misaligned arena: %s", err.message);
    CHECK(nn_init(&it, model, size, arena, need, &err) == NN_OK && it != NULL, "init: %s", err.message);
    if (it) {
        CHECK(nn_arena_used(it) == need, "arena used %u vs planned %u", (unsigned)nn_arena_used(it), (unsigned)need);
        nn_tensor_info in, out;
        CHECK(nn_input(it, 0, &in) == NN_OK && in.data != NULL && in.bytes > 0, "input 0");
        CHECK(nn_input(it, 99, &in) == NN_ERR_ARG, "input 99 rejected");
        memset(in.data, 0, in.bytes);
        CHECK(nn_invoke(it) == NN_OK, "invoke: %s", nn_last_error(it));
        CHECK(nn_output(it, 0, &out) == NN_OK && out.data != NULL, "output 0");
        /* Same input, same output after a reset; invoke is deterministic. */
        unsigned char first[64];
        const size_t n = out.bytes < sizeof first ? out.bytes : sizeof first;
        memcpy(first, out.data, n);
        nn_reset(it);
        nn_input(it, 0, &in);
        memset(in.data, 0, in.bytes);
        CHECK(nn_invoke(it) == NN_OK && memcmp(first, out.data, n) == 0, "repeatable invoke");
    }
    free(arena);
    /* The same bytes at an odd address: int32 data cannot be read in place, and
   * the error says which tensor, instead of a fault on a Cortex-M. */
    unsigned char *odd = malloc(size + 1);
    memcpy(odd + 1, model, size);
    const nn_status s = nn_arena_bytes(odd + 1, size, &need, &err);
    CHECK(s == NN_OK || (s == NN_ERR_ALIGN && strstr(err.message, "aligned") != NULL), "misaligned model: %s",
          err.message);
    free(odd);
    free(model);
}

int main(int argc, char **argv)
{
    test_fixed_point_matches_gemmlowp();
    test_multiply_by_quantized_multiplier();
    test_quantize_multiplier();
    test_fixed_point_functions();
    test_activation_range();
    test_planner_never_overlaps_live_buffers();
    test_error_formatter();
    for (int i = 1; i < argc; i++) test_api_with_model(argv[i]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
