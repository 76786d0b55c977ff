/*
 * RP2040 OTA benchmark image: firmware/ota on the board HAL, timed with the
 * board's cycle counter (hal_cycles, SysTick at clk_sys). It runs on real
 * boards and on rp2040-sim (scripts/bench/50-ota.mjs, test/boards/rp2040/
 * otabench.test.ts) and talks over the link UART in lines:
 *   ed25519 [CASE]               RFC 8032 test 2: valid, tampered-message,
 *                                tampered-s, s-not-reduced (S >= L, rejected
 *                                early); all four without CASE
 *   sha256 LEN | sha512 LEN      hash LEN bytes (<= 16384) of a RAM pattern
 *                                (byte i = (i * 167 + 13) mod 256)
 *   verify OFFSET PUBHEX [MIN]   ota_image_verify_slot of the image at flash
 *                                OFFSET, keyring = the one 32-byte key PUBHEX
 *   patch OLD PATCH LEN          ota_patch_* of the LEN-byte patch at flash
 *                                PATCH against the image at flash OLD; the
 *                                output goes to a sink (no flash writes)
 * Replies are one line "NAME: key=value ..." with cycles= (hal_cycles around
 * the call alone), stack= (deepest stack the call used, from painting the
 * free stack before it; not for the hashes) and, for verify and patch,
 * status= (the ota_status number) and "; " + ota_status_str at the end. Every reply line starts with the
 * command's name, so a host can wait for it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board_config.h"
#include "console.h"
#include "hal.h"
#include "ota.h"

#define LINE_MAX    160u
#define HASH_MAX    16384u
#define PATCH_CHUNK 256u
#define AREA_MAX    (1024u * 1024u)
#define PAINT       0x0a5c3a5cu

/* The stack as boards/rp2040/memmap.ld.in lays it out: the guard is below __stack_guard_end. */
extern uint32_t __stack_guard_end[];

static uint8_t pattern[HASH_MAX];

static void put_hexbytes(const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        buf[0] = hex[b[i] >> 4];
        buf[1] = hex[b[i] & 0xfu];
        con_put(buf);
    }
}

static void put_kv(const char *key, uint64_t v)
{
    con_put(" ");
    con_put(key);
    con_put("=");
    con_put_u64(v);
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses exactly n bytes of hex (2n digits) followed by a space or the end. */
static bool parse_hex(const char **p, uint8_t *out, size_t n)
{
    const char *s = *p;
    while (*s == ' ') {
        s++;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_nibble(s[2 * i]);
        int lo = hi < 0 ? -1 : hex_nibble(s[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    s += 2 * n;
    if (*s != ' ' && *s != '\0') {
        return false;
    }
    *p = s;
    return true;
}

/* ------------------------------------------------------------ measuring */

static inline __attribute__((always_inline)) uint32_t *stack_here(void)
{
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints the free stack below the caller's frame (above the guard). */
static __attribute__((noinline)) void stack_paint(void)
{
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *w = __stack_guard_end; w < sp - 16; w++) {
        *w = PAINT;
    }
}

/* Bytes between `top` (the caller's stack pointer) and the deepest word overwritten since stack_paint. */
static uint32_t stack_depth(const uint32_t *top)
{
    const volatile uint32_t *w = __stack_guard_end;
    while (w < top && *w == PAINT) {
        w++;
    }
    return (uint32_t)((uintptr_t)top - (uintptr_t)w);
}

/* ------------------------------------------------------------ ed25519 */

/* RFC 8032 section 7.1, TEST 2 (one-byte message). */
static const uint8_t rfc_pub[32] = {
    0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a, 0xa7, 0x4d, 0x1b, 0x7e, 0xbc,
    0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c, 0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c,
};
static const uint8_t rfc_msg[1] = { 0x72 };
static const uint8_t rfc_sig[64] = {
    0x92, 0xa0, 0x09, 0xa9, 0xf0, 0xd4, 0xca, 0xb8, 0x72, 0x0e, 0x82, 0x0b, 0x5f, 0x64, 0x25, 0x40,
    0xa2, 0xb2, 0x7b, 0x54, 0x16, 0x50, 0x3f, 0x8f, 0xb3, 0x76, 0x22, 0x23, 0xeb, 0xdb, 0x69, 0xda,
    0x08, 0x5a, 0xc1, 0xe4, 0x3e, 0x15, 0x99, 0x6e, 0x45, 0x8f, 0x36, 0x13, 0xd0, 0xf1, 0x1d, 0x8c,
    0x38, 0x7b, 0x2e, 0xae, 0xb4, 0x30, 0x2a, 0xee, 0xb0, 0x0d, 0x29, 0x16, 0x12, 0xbb, 0x0c, 0x00,
};

static void ed25519_case(const char *name, const uint8_t sig[64], const uint8_t *msg, size_t len)
{
    uint32_t *top = stack_here();
    stack_paint();
    uint64_t c0 = hal_cycles();
    bool ok = ota_ed25519_verify(sig, msg, len, rfc_pub);
    uint64_t cycles = hal_cycles() - c0;
    uint32_t stack = stack_depth(top);
    con_put("ed25519: case=");
    con_put(name);
    put_kv("result", ok ? 1u : 0u);
    put_kv("cycles", cycles);
    put_kv("stack", stack);
    con_put("\r\n");
}

/* Runs the case named `only`, or every case when it is empty. */
static void cmd_ed25519(const char *only)
{
    static const char *const names[] = { "valid", "tampered-message", "tampered-s", "s-not-reduced" };
    while (*only == ' ') {
        only++;
    }
    bool any = false;
    for (size_t c = 0; c < sizeof names / sizeof names[0]; c++) {
        if (*only != '\0' && strcmp(only, names[c]) != 0) {
            continue;
        }
        any = true;
        uint8_t sig[64];
        uint8_t msg[sizeof rfc_msg];
        memcpy(sig, rfc_sig, sizeof sig);
        memcpy(msg, rfc_msg, sizeof msg);
        if (c == 1) {
            msg[0] ^= 0x01u; /* full computation, the final compare fails */
        } else if (c == 2) {
            sig[32] ^= 0x01u; /* S still < L: full computation, the final compare fails */
        } else if (c == 3) {
            sig[63] |= 0xf0u; /* S >= L: rejected before any curve arithmetic */
        }
        ed25519_case(names[c], sig, msg, sizeof msg);
    }
    if (!any) {
        con_put("ed25519: error unknown case (valid | tampered-message | tampered-s | s-not-reduced)\r\n");
    }
}

/* ------------------------------------------------------------ hashes */

static void cmd_hash(const char *args, bool is512)
{
    uint32_t len;
    if (!con_parse_u32(&args, &len) || len > HASH_MAX) {
        con_put(is512 ? "sha512:" : "sha256:");
        con_put(" error bad arguments (LEN up to 16384)\r\n");
        return;
    }
    uint8_t digest[64];
    uint64_t c0, cycles;
    if (is512) {
        ota_sha512 h;
        c0 = hal_cycles();
        ota_sha512_init(&h);
        ota_sha512_update(&h, pattern, len);
        ota_sha512_final(&h, digest);
        cycles = hal_cycles() - c0;
    } else {
        ota_sha256 h;
        c0 = hal_cycles();
        ota_sha256_init(&h);
        ota_sha256_update(&h, pattern, len);
        ota_sha256_final(&h, digest);
        cycles = hal_cycles() - c0;
    }
    con_put(is512 ? "sha512:" : "sha256:");
    put_kv("len", len);
    put_kv("cycles", cycles);
    con_put(" digest=");
    put_hexbytes(digest, is512 ? 64u : 32u);
    con_put("\r\n");
}

/* ------------------------------------------------------------ images in flash */

/* Flash seen through ota_flash: slot 0 starts at `slot0` (board flash offset),
 * slot 1 is a sink that takes erases and programs and keeps nothing. */
typedef struct {
    uint32_t slot0;
    uint32_t sunk; /* bytes programmed into the sink */
    uint32_t crc;  /* CRC-32 of them, in order */
} bench_flash;

static int bf_read(void *user, ota_area area, uint32_t off, void *buf, uint32_t len)
{
    const bench_flash *b = user;
    if (area != OTA_AREA_SLOT0 || off > AREA_MAX || len > AREA_MAX - off) {
        return -1;
    }
    const uint8_t *p = hal_flash_map(b->slot0 + off, len);
    if (p == NULL) {
        return -1;
    }
    memcpy(buf, p, len);
    return 0;
}

static int bf_erase(void *user, ota_area area, uint32_t off, uint32_t len)
{
    (void)user;
    (void)off;
    (void)len;
    return area == OTA_AREA_SLOT1 ? 0 : -1;
}

static int bf_program(void *user, ota_area area, uint32_t off, const void *buf, uint32_t len)
{
    bench_flash *b = user;
    if (area != OTA_AREA_SLOT1 || off != b->sunk) {
        return -1;
    }
    b->crc = ota_crc32(b->crc, buf, len);
    b->sunk += len;
    return 0;
}

static ota_flash bench_flash_of(bench_flash *b, uint32_t slot0)
{
    b->slot0 = slot0;
    b->sunk = 0;
    b->crc = 0;
    uint32_t room = WASMCU_FLASH_SIZE > slot0 ? WASMCU_FLASH_SIZE - slot0 : 0;
    room -= room % WASMCU_FLASH_ERASE_SIZE;
    ota_flash fl = {
        .user = b,
        .read = bf_read,
        .erase = bf_erase,
        .program = bf_program,
        .slot_size = room < AREA_MAX ? room : AREA_MAX,
        .state_size = 2u * WASMCU_FLASH_ERASE_SIZE,
        .erase_size = WASMCU_FLASH_ERASE_SIZE,
        .prog_size = OTA_PROG_MAX,
    };
    return fl;
}

static void cmd_verify(const char *args)
{
    uint32_t off, min = 0;
    ota_key key;
    if (!con_parse_u32(&args, &off) || !parse_hex(&args, key.pub, sizeof key.pub) ||
        (*args != '\0' && !con_parse_u32(&args, &min)) || off >= WASMCU_FLASH_SIZE) {
        con_put("verify: error bad arguments (OFFSET PUBHEX [MIN])\r\n");
        return;
    }
    uint8_t id[32];
    ota_sha256 h;
    ota_sha256_init(&h);
    ota_sha256_update(&h, key.pub, sizeof key.pub);
    ota_sha256_final(&h, id);
    key.id = (uint32_t)id[0] | ((uint32_t)id[1] << 8) | ((uint32_t)id[2] << 16) | ((uint32_t)id[3] << 24);
    ota_keyring ring = { &key, 1 };

    bench_flash b;
    ota_flash fl = bench_flash_of(&b, off);
    ota_image_header hdr;
    memset(&hdr, 0, sizeof hdr);
    uint32_t *top = stack_here();
    stack_paint();
    uint64_t c0 = hal_cycles();
    ota_status st = ota_image_verify_slot(&fl, &ring, OTA_AREA_SLOT0, min, &hdr);
    uint64_t cycles = hal_cycles() - c0;
    uint32_t stack = stack_depth(top);
    con_put("verify:");
    put_kv("status", (uint64_t)st);
    put_kv("payload", st == OTA_OK ? hdr.payload_len : 0u);
    put_kv("cycles", cycles);
    put_kv("stack", stack);
    con_put(" ; ");
    con_put(ota_status_str(st));
    con_put("\r\n");
}

/* patch OLD PATCH LEN [OLD_LEN]: with OLD_LEN, the old image's SHA-256 is taken before the
 * clock starts and handed over with ota_patch_known_base, as firmware/device does after
 * finding the pair a patch is for. */
static void cmd_patch(const char *args)
{
    uint32_t old, at, len, old_len = 0;
    if (!con_parse_u32(&args, &old) || !con_parse_u32(&args, &at) || !con_parse_u32(&args, &len) ||
        old >= WASMCU_FLASH_SIZE || hal_flash_map(at, len) == NULL) {
        con_put("patch: error bad arguments (OLD PATCH LEN [OLD_LEN])\r\n");
        return;
    }
    bool known = con_parse_u32(&args, &old_len);
    uint8_t base_sha[32];
    if (known) {
        const uint8_t *base = hal_flash_map(old, old_len);
        if (base == NULL) {
            con_put("patch: error OLD_LEN runs past the flash\r\n");
            return;
        }
        ota_sha256 h;
        ota_sha256_init(&h);
        ota_sha256_update(&h, base, old_len);
        ota_sha256_final(&h, base_sha);
    }
    const uint8_t *patch = hal_flash_map(at, len);
    static ota_patcher p; /* 4.3 KB: static, as firmware/device holds it */
    bench_flash b;
    ota_flash fl = bench_flash_of(&b, old);
    uint32_t *top = stack_here();
    stack_paint();
    uint64_t c0 = hal_cycles();
    ota_patch_init(&p, &fl, OTA_AREA_SLOT0, OTA_AREA_SLOT1);
    if (known) ota_patch_known_base(&p, old_len, base_sha);
    ota_status st = OTA_OK;
    for (uint32_t done = 0; done < len && st == OTA_OK; done += PATCH_CHUNK) {
        uint32_t n = len - done < PATCH_CHUNK ? len - done : PATCH_CHUNK;
        st = ota_patch_feed(&p, patch + done, n);
    }
    if (st == OTA_OK) {
        st = ota_patch_finish(&p);
    }
    uint64_t cycles = hal_cycles() - c0;
    uint32_t stack = stack_depth(top);
    con_put("patch:");
    put_kv("status", (uint64_t)st);
    put_kv("out", b.sunk);
    con_put(" crc=");
    uint8_t crc[4] = { (uint8_t)(b.crc >> 24), (uint8_t)(b.crc >> 16), (uint8_t)(b.crc >> 8), (uint8_t)b.crc };
    put_hexbytes(crc, sizeof crc);
    put_kv("cycles", cycles);
    put_kv("stack", stack);
    con_put(" ; ");
    con_put(ota_status_str(st));
    con_put("\r\n");
}

/* ------------------------------------------------------------ main loop */

static void run(const char *line)
{
    const char *args = line;
    while (*args != '\0' && *args != ' ') {
        args++;
    }
    size_t n = (size_t)(args - line);
#define IS(name) (n == sizeof(name) - 1u && memcmp(line, name, n) == 0)
    if (n == 0) {
        return;
    } else if (IS("ed25519")) {
        cmd_ed25519(args);
    } else if (IS("sha256")) {
        cmd_hash(args, false);
    } else if (IS("sha512")) {
        cmd_hash(args, true);
    } else if (IS("verify")) {
        cmd_verify(args);
    } else if (IS("patch")) {
        cmd_patch(args);
    } else if (IS("info")) {
        con_put("info: board=" WASMCU_BOARD_NAME);
        put_kv("clock", WASMCU_CLOCK_HZ);
        put_kv("patcher-ram", sizeof(ota_patcher));
        con_put("\r\n");
    } else {
        con_put("error: unknown command (ed25519 [CASE] | sha256 LEN | sha512 LEN | verify OFF PUB [MIN] | patch OLD "
                "AT LEN | info)\r\n");
    }
#undef IS
}

int main(void)
{
    hal_status st = hal_init();
    con_put("\r\nwasmcu rp2040 otabench\r\n");
    if (st != HAL_OK) {
        con_put("init: error ");
        con_put(hal_status_str(st));
        con_put("\r\n");
    }
    for (uint32_t i = 0; i < HASH_MAX; i++) {
        pattern[i] = (uint8_t)(i * 167u + 13u);
    }
    con_put("ready\r\n");

    char buf[LINE_MAX];
    con_line line = { .buf = buf, .size = sizeof buf };
    for (;;) {
        size_t n = con_poll(&line, run);
        if (n == 0) {
            hal_idle_until(hal_time_us() + 100000u);
        }
    }
}
