/* The bench app's workloads (firmware/apps/bench/main.ts) written in C, for the "native C"
 * column of scripts/bench/80-aot.mjs: built with arm-none-eabi-gcc -Os for the Cortex-M0+ and
 * run bare on rp2040js (code in flash, data in SRAM; scripts/bench/lib/native-m0.mjs).
 * Same algorithms and inputs as the app, so the same results. */
#include <stdint.h>

static int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Recursive fib(24): 150,049 calls. Returns 46368. */
int32_t fib24(void)
{
    return fib(24);
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static uint32_t H[8], W[64];
static uint8_t block[64], data[1024];

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static void compress(void)
{
    for (unsigned t = 0; t < 16; t++) {
        const uint8_t *p = block + 4 * t;
        W[t] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    for (unsigned t = 16; t < 64; t++) {
        uint32_t a = W[t - 15], b = W[t - 2];
        uint32_t s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >> 3);
        uint32_t s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >> 10);
        W[t] = W[t - 16] + s0 + W[t - 7] + s1;
    }
    uint32_t a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (unsigned t = 0; t < 64; t++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    H[0] += a;
    H[1] += b;
    H[2] += c;
    H[3] += d;
    H[4] += e;
    H[5] += f;
    H[6] += g;
    H[7] += h;
}

/* SHA-256 of bytes 0, 1, 2, ... 255, 0, 1 ... (1 KiB); returns the first word of the digest. */
int32_t sha256_1k(void)
{
    static const uint32_t IV[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    for (unsigned i = 0; i < 1024; i++) data[i] = (uint8_t)i;
    for (unsigned i = 0; i < 8; i++) H[i] = IV[i];
    for (unsigned off = 0; off < 1024; off += 64) {
        for (unsigned i = 0; i < 64; i++) block[i] = data[off + i];
        compress();
    }
    /* Padding: 0x80, zeros, then the length in bits (8192) as a big-endian u64. */
    for (unsigned i = 0; i < 64; i++) block[i] = 0;
    block[0] = 0x80;
    block[62] = 0x20;
    compress();
    return (int32_t)H[0];
}
