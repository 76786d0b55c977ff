/* The bench app's workloads (firmware/apps/bench/main.ts) written in C, for the "native C"
 * column of scripts/bench/80-aot.mjs: built with arm-none-eabi-gcc -Os for the Cortex-M0+ and
 * run bare on rp2040js (code in flash, data in SRAM; scripts/bench/lib/native-m0.mjs).
 * Same algorithms and inputs as the app, so the same results. */
#include <stdint.h>

#include "ota.h"

static int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Recursive fib(24): 150,049 calls. Returns 46368. */
int32_t fib24(void)
{
    return fib(24);
}

/* SHA-256 of bytes 0, 1, 2, ... 255, 0, 1 ... (1 KiB), as the app's sha256_1k(); through the
 * device's own C SHA-256 (firmware/ota/src/sha256.c). Returns the digest's first word. */
int32_t sha256_1k(void)
{
    static uint8_t data[1024];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)i;
    ota_sha256 c;
    uint8_t digest[32];
    ota_sha256_init(&c);
    ota_sha256_update(&c, data, sizeof data);
    ota_sha256_final(&c, digest);
    return (int32_t)((uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 | digest[3]);
}
