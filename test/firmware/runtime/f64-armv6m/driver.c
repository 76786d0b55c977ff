/* driver.c: runs firmware/runtime/src/f64_armv6m.S's routines and libgcc's
 * __aeabi_dadd/dsub/dmul (what a soft-float `+ - *` on doubles compiles to)
 * over operand pairs, for f64-armv6m.test.ts under qemu-arm.
 *   driver IN OUT: IN holds pairs (a, b) of little-endian 64-bit patterns;
 *   OUT gets per pair ours add, sub, mul, then libgcc's add, sub, mul. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

uint64_t wr__f64_add(uint64_t a, uint64_t b);
uint64_t wr__f64_sub(uint64_t a, uint64_t b);
uint64_t wr__f64_mul(uint64_t a, uint64_t b);

static double f64_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint64_t of_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: driver IN OUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    FILE *out = fopen(argv[2], "wb");
    if (!in || !out) {
        fprintf(stderr, "driver: cannot open %s\n", in ? argv[2] : argv[1]);
        return 2;
    }
    /* whole chunks: each semihosting call is slow under qemu-arm */
    static uint64_t pairs[2 * 4096], results[6 * 4096];
    uint64_t n = 0;
    size_t got;
    while ((got = fread(pairs, 2 * sizeof pairs[0], 4096, in)) > 0) {
        for (size_t i = 0; i < got; i++) {
            const uint64_t a = pairs[2 * i], b = pairs[2 * i + 1];
            const double x = f64_of(a), y = f64_of(b);
            uint64_t *r = &results[6 * i];
            r[0] = wr__f64_add(a, b);
            r[1] = wr__f64_sub(a, b);
            r[2] = wr__f64_mul(a, b);
            r[3] = of_f64(x + y);
            r[4] = of_f64(x - y);
            r[5] = of_f64(x * y);
        }
        if (fwrite(results, 6 * sizeof results[0], got, out) != got) {
            fprintf(stderr, "driver: write failed after %llu pairs\n", (unsigned long long)n);
            return 1;
        }
        n += got;
    }
    fclose(in);
    if (fclose(out) != 0) return 1;
    printf("%llu\n", (unsigned long long)n);
    return 0;
}
