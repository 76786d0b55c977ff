/*
 * Ed25519 signature verification, written from RFC 8032 (section 5.1) and
 * Bernstein et al., "High-speed high-security signatures". Verify handles
 * only public data, so it is simple rather than constant-time.
 *
 * Field elements mod p = 2^255 - 19 are 16 signed limbs of 16 bits held in
 * int32_t (small stacks on Cortex-M0+); products are summed in int64_t, and
 * 2^256 = 38 (mod p) folds the high half of a product back.
 */
#include "ota.h"

#include <string.h>

typedef int32_t fe[16];

typedef struct {
    fe x, y, z, t; /* extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z */
} ge;

static void fe_set(fe r, int32_t v) {
    memset(r, 0, sizeof(fe));
    r[0] = v;
}

static void fe_copy(fe r, const fe a) { memcpy(r, a, sizeof(fe)); }

/* Brings every limb into [0, 2^16) except that the value may still be >= p.
 * Relies on >> of a negative integer being arithmetic (true for GCC/Clang). */
static void carry64(int64_t *a) {
    for (int i = 0; i < 16; i++) {
        int64_t c = a[i] >> 16;
        a[i] -= c * 65536;
        if (i < 15) a[i + 1] += c;
        else a[0] += 38 * c;
    }
}

static void fe_carry(fe a) {
    int64_t t[16];
    for (int i = 0; i < 16; i++) t[i] = a[i];
    carry64(t);
    for (int i = 0; i < 16; i++) a[i] = (int32_t)t[i];
}

static void fe_add(fe r, const fe a, const fe b) {
    for (int i = 0; i < 16; i++) r[i] = a[i] + b[i];
}

static void fe_sub(fe r, const fe a, const fe b) {
    for (int i = 0; i < 16; i++) r[i] = a[i] - b[i];
}

static void fe_mul(fe r, const fe a, const fe b) {
    int64_t t[31] = {0};
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) t[i + j] += (int64_t)a[i] * b[j];
    }
    for (int i = 0; i < 15; i++) t[i] += 38 * t[i + 16];
    carry64(t);
    carry64(t);
    for (int i = 0; i < 16; i++) r[i] = (int32_t)t[i];
}

static void fe_sq(fe r, const fe a) { fe_mul(r, a, a); }

/* Canonical little-endian bytes (value fully reduced below p). */
static void fe_tobytes(uint8_t out[32], const fe a) {
    fe v;
    fe_copy(v, a);
    /* A few passes settle every limb in [0, 2^16); the loop bound is generous. */
    for (int pass = 0; pass < 8; pass++) {
        fe_carry(v);
        int ok = 1;
        for (int i = 0; i < 16; i++) ok &= (v[i] >= 0 && v[i] < 65536);
        if (ok) break;
    }
    /* v < 2^256 = 2p + 38 now: subtract p at most twice. */
    for (int round = 0; round < 2; round++) {
        fe w;
        int32_t borrow = 0;
        for (int i = 0; i < 16; i++) {
            int32_t pl = (i == 0) ? 0xffed : (i == 15) ? 0x7fff : 0xffff;
            int32_t d = v[i] - pl - borrow;
            borrow = d < 0;
            w[i] = d + borrow * 65536;
        }
        if (!borrow) fe_copy(v, w);
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = (uint8_t)(v[i] & 0xff);
        out[2 * i + 1] = (uint8_t)((v[i] >> 8) & 0xff);
    }
}

/* Bit 255 is ignored (it carries the sign of x in point encodings). */
static void fe_frombytes(fe r, const uint8_t in[32]) {
    for (int i = 0; i < 16; i++) r[i] = (int32_t)in[2 * i] | ((int32_t)in[2 * i + 1] << 8);
    r[15] &= 0x7fff;
}

static bool fe_eq(const fe a, const fe b) {
    uint8_t x[32], y[32];
    fe_tobytes(x, a);
    fe_tobytes(y, b);
    return memcmp(x, y, 32) == 0;
}

static bool fe_iszero(const fe a) {
    uint8_t x[32];
    fe_tobytes(x, a);
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= x[i];
    return acc == 0;
}

static int fe_parity(const fe a) {
    uint8_t x[32];
    fe_tobytes(x, a);
    return x[0] & 1;
}

/* r = a^e, e given as 32 little-endian bytes. */
static void fe_pow(fe r, const fe a, const uint8_t e[32]) {
    fe acc;
    fe_set(acc, 1);
    for (int bit = 255; bit >= 0; bit--) {
        fe_sq(acc, acc);
        if ((e[bit >> 3] >> (bit & 7)) & 1) fe_mul(acc, acc, a);
    }
    fe_copy(r, acc);
}

/* Exponents: p - 2 (inversion), (p - 5) / 8 (square-root candidate), (p - 1) / 4 (sqrt(-1) = 2^that). */
static const uint8_t EXP_P_MINUS_2[32] = {
    0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
static const uint8_t EXP_P_MINUS_5_DIV_8[32] = {
    0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
static const uint8_t EXP_P_MINUS_1_DIV_4[32] = {
    0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f};

static void fe_inv(fe r, const fe a) { fe_pow(r, a, EXP_P_MINUS_2); }

/* The curve constants are derived rather than typed in: d = -121665/121666. */
typedef struct {
    fe d2;      /* 2*d */
    fe d;
    fe sqrtm1;  /* sqrt(-1) */
} curve_consts;

static void curve_init(curve_consts *k) {
    fe num, den;
    fe_set(num, -121665);
    fe_set(den, 121666);
    fe_inv(den, den);
    fe_mul(k->d, num, den);
    fe_add(k->d2, k->d, k->d);
    fe two;
    fe_set(two, 2);
    fe_pow(k->sqrtm1, two, EXP_P_MINUS_1_DIV_4);
}

static void ge_identity(ge *p) {
    fe_set(p->x, 0);
    fe_set(p->y, 1);
    fe_set(p->z, 1);
    fe_set(p->t, 0);
}

/* RFC 8032 5.1.4 unified addition (a = -1); also correct for doubling. */
static void ge_add(ge *r, const ge *p, const ge *q, const curve_consts *k) {
    fe a, b, c, d, e, f, g, h, t;
    fe_sub(a, p->y, p->x);
    fe_sub(t, q->y, q->x);
    fe_mul(a, a, t);
    fe_add(b, p->y, p->x);
    fe_add(t, q->y, q->x);
    fe_mul(b, b, t);
    fe_mul(c, p->t, q->t);
    fe_mul(c, c, k->d2);
    fe_mul(d, p->z, q->z);
    fe_add(d, d, d);
    fe_sub(e, b, a);
    fe_sub(f, d, c);
    fe_add(g, d, c);
    fe_add(h, b, a);
    fe_mul(r->x, e, f);
    fe_mul(r->y, g, h);
    fe_mul(r->t, e, h);
    fe_mul(r->z, f, g);
}

static void ge_scalarmult(ge *r, const ge *p, const uint8_t s[32], const curve_consts *k) {
    ge acc;
    ge_identity(&acc);
    for (int bit = 255; bit >= 0; bit--) {
        ge_add(&acc, &acc, &acc, k);
        if ((s[bit >> 3] >> (bit & 7)) & 1) ge_add(&acc, &acc, p, k);
    }
    *r = acc;
}

static void ge_encode(uint8_t out[32], const ge *p) {
    fe zi, x, y;
    fe_inv(zi, p->z);
    fe_mul(x, p->x, zi);
    fe_mul(y, p->y, zi);
    fe_tobytes(out, y);
    out[31] |= (uint8_t)(fe_parity(x) << 7);
}

/* RFC 8032 5.1.3 decoding; rejects y >= p and (x = 0, sign = 1). */
static bool ge_decode(ge *p, const uint8_t in[32], const curve_consts *k) {
    /* y must be canonical: the 255-bit value below p = 2^255 - 19. */
    uint8_t y_bytes[32];
    memcpy(y_bytes, in, 32);
    y_bytes[31] &= 0x7f;
    fe y;
    fe_frombytes(y, in);
    uint8_t canon[32];
    fe_tobytes(canon, y);
    if (memcmp(canon, y_bytes, 32) != 0) return false;
    int sign = in[31] >> 7;

    fe yy, u, v, v3, v7, x, t;
    fe_sq(yy, y);
    fe one;
    fe_set(one, 1);
    fe_sub(u, yy, one);        /* u = y^2 - 1 */
    fe_mul(v, yy, k->d);
    fe_add(v, v, one);         /* v = d*y^2 + 1 */
    fe_sq(v3, v);
    fe_mul(v3, v3, v);         /* v^3 */
    fe_sq(v7, v3);
    fe_mul(v7, v7, v);         /* v^7 */
    fe_mul(t, u, v7);
    fe_pow(t, t, EXP_P_MINUS_5_DIV_8);
    fe_mul(x, u, v3);
    fe_mul(x, x, t);           /* x = u v^3 (u v^7)^((p-5)/8) */

    fe vxx, negu;
    fe_sq(vxx, x);
    fe_mul(vxx, vxx, v);
    fe_set(negu, 0);
    fe_sub(negu, negu, u);
    if (fe_eq(vxx, u)) {
        /* x is a root */
    } else if (fe_eq(vxx, negu)) {
        fe_mul(x, x, k->sqrtm1);
    } else {
        return false; /* not on the curve */
    }
    if (fe_iszero(x) && sign) return false;
    if (fe_parity(x) != sign) {
        fe zero;
        fe_set(zero, 0);
        fe_sub(x, zero, x);
    }
    fe_copy(p->x, x);
    fe_copy(p->y, y);
    fe_set(p->z, 1);
    fe_mul(p->t, x, y);
    return true;
}

/* Small order: [8]P is the identity (X = 0 and Y = Z). */
static bool ge_small_order(const ge *p, const curve_consts *k) {
    ge q = *p;
    for (int i = 0; i < 3; i++) ge_add(&q, &q, &q, k);
    return fe_iszero(q.x) && fe_eq(q.y, q.z);
}

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t ORDER_L[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static bool scalar_is_canonical(const uint8_t s[32]) {
    for (int i = 31; i >= 0; i--) {
        if (s[i] < ORDER_L[i]) return true;
        if (s[i] > ORDER_L[i]) return false;
    }
    return false; /* s == L */
}

/* 64-byte little-endian value mod L, bit by bit: r = 2r + bit, minus L when r >= L.
 * Slow but short and obviously right; verify calls it once. */
static void scalar_reduce64(uint8_t out[32], const uint8_t in[64]) {
    uint32_t r[9] = {0};
    uint32_t l[9] = {0};
    for (int i = 0; i < 32; i++) l[i / 4] |= (uint32_t)ORDER_L[i] << (8 * (i % 4));
    for (int bit = 511; bit >= 0; bit--) {
        uint32_t carry = (in[bit >> 3] >> (bit & 7)) & 1;
        for (int i = 0; i < 9; i++) {
            uint32_t next = r[i] >> 31;
            r[i] = (r[i] << 1) | carry;
            carry = next;
        }
        int ge_l = 1;
        for (int i = 8; i >= 0; i--) {
            if (r[i] != l[i]) {
                ge_l = r[i] > l[i];
                break;
            }
        }
        if (ge_l) {
            uint64_t borrow = 0;
            for (int i = 0; i < 9; i++) {
                uint64_t d = (uint64_t)r[i] - l[i] - borrow;
                r[i] = (uint32_t)d;
                borrow = (d >> 63) & 1;
            }
        }
    }
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(r[i / 4] >> (8 * (i % 4)));
}

bool ota_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len, const uint8_t pub[32]) {
    if (sig == NULL || pub == NULL || (msg == NULL && msg_len != 0)) return false;
    const uint8_t *r_bytes = sig, *s_bytes = sig + 32;
    if (!scalar_is_canonical(s_bytes)) return false;

    curve_consts k;
    curve_init(&k);
    ge a, t;
    /* R is only checked here (decodable, canonical, not of small order); the
     * final comparison is on its bytes. */
    if (!ge_decode(&a, pub, &k) || !ge_decode(&t, r_bytes, &k)) return false;
    if (ge_small_order(&a, &k) || ge_small_order(&t, &k)) return false;

    uint8_t h[64], hred[32];
    {
        ota_sha512 sh;
        ota_sha512_init(&sh);
        ota_sha512_update(&sh, r_bytes, 32);
        ota_sha512_update(&sh, pub, 32);
        if (msg_len) ota_sha512_update(&sh, msg, msg_len);
        ota_sha512_final(&sh, h);
    }
    scalar_reduce64(hred, h);

    /* Check [S]B = R + [h]A as encode([S]B - [h]A) == R (R is canonical, checked above). */
    static const uint8_t BASE[32] = {
        0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    ge neg_ha;
    ge_scalarmult(&neg_ha, &a, hred, &k); /* [h]A, then negated: -(x, y) = (-x, y) */
    fe zero;
    fe_set(zero, 0);
    fe_sub(neg_ha.x, zero, neg_ha.x);
    fe_sub(neg_ha.t, zero, neg_ha.t);
    if (!ge_decode(&t, BASE, &k)) return false;
    ge_scalarmult(&a, &t, s_bytes, &k); /* [S]B, into a's storage */
    ge_add(&a, &a, &neg_ha, &k);
    uint8_t check[32];
    ge_encode(check, &a);
    return memcmp(check, r_bytes, 32) == 0;
}
