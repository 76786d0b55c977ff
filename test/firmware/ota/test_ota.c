/*
 * Test driver for firmware/ota. The expectations live in the TypeScript
 * tests (ota.test.ts); this program exposes the C core on files and a RAM
 * flash model that can cut power after the k-th erase/program operation.
 *
 *   test_ota hash sha256|sha512 FILE          hex digest (fed in uneven chunks)
 *   test_ota ed25519 < LINES                  "PUB SIG MSG|-" per line -> 1/0 per line
 *   test_ota image KEYS MIN_COUNTER IMAGE     status of ota_image_verify_buffer and _slot
 *   test_ota tamper KEYS IMAGE                flips every bit pattern of every byte
 *   test_ota patch OLD PATCH OUT SLOT_SIZE CHUNK [BASE_SHA256]   BASE_SHA256: ota_patch_known_base
 *   test_ota patch-fuzz OLD NEW PATCH COUNT     randomly corrupted patches
 *   test_ota write-image KEYS BASE IMAGE SLOT_SIZE CHUNK   full image via ota_writer, install, try
 *   test_ota powercut KEYS IMG_A IMG_B PATCH_A_TO_B
 *   test_ota downgrade KEYS IMG_HIGH IMG_LOW
 *   test_ota sizes                            RAM of the OTA structs
 *   test_ota flash-map STATE_ONLY < LINES     "read|erase|program AREA OFF LEN" per line through
 *                                             ota_map_*: "RESULT AT LEN" (the flash range reached,
 *                                             "- -" if none; a read also checks the bytes it got)
 * KEYS is a comma-separated list of 64-hex-digit public keys.
 */
#include "ota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static void die(const char *msg)
{
    fprintf(stderr, "test_ota: %s\n", msg);
    exit(2);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) die("read failed");
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes up to max bytes of hex; returns the count or -1. */
static long unhex(const char *s, size_t slen, uint8_t *out, size_t max)
{
    if (slen % 2) return -1;
    if (slen / 2 > max) return -1;
    for (size_t i = 0; i < slen / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return (long)(slen / 2);
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

#define MAX_KEYS 8
static ota_key g_keys[MAX_KEYS];

static ota_keyring parse_keys(const char *arg)
{
    ota_keyring kr = { g_keys, 0 };
    const char *p = arg;
    while (*p && kr.count < MAX_KEYS) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        ota_key *k = &g_keys[kr.count];
        if (unhex(p, n, k->pub, 32) != 32) die("bad key hex");
        uint8_t h[32];
        ota_sha256 c;
        ota_sha256_init(&c);
        ota_sha256_update(&c, k->pub, 32);
        ota_sha256_final(&c, h);
        k->id = (uint32_t)h[0] | ((uint32_t)h[1] << 8) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 24);
        kr.count++;
        if (!end) break;
        p = end + 1;
    }
    return kr;
}

/* ---- RAM flash model ---------------------------------------------------- */

typedef struct {
    uint8_t *area[3];
    uint32_t size[3];
    long ops;       /* erase/program operations so far */
    long cut_at;    /* power fails during this operation (0: never) */
    int cut_done;   /* how much of the cut operation happens: 0 nothing, 1 half, 2 all of it */
    bool dead;      /* power is off: every further operation fails */
    long writes[3]; /* erase/program operations per area */
    long read_bytes[3];
    ota_flash fl;
} ramflash;

static int rf_read(void *u, ota_area a, uint32_t off, void *buf, uint32_t len)
{
    ramflash *r = u;
    if (r->dead) return -1;
    if ((unsigned)a > 2 || off > r->size[a] || len > r->size[a] - off) die("read out of range");
    memcpy(buf, r->area[a] + off, len);
    r->read_bytes[a] += len;
    return 0;
}

/* A cut operation does none, half or all of its work (cut_done), then the power is gone. */
static uint32_t cut_bytes(const ramflash *r, uint32_t len)
{
    return r->cut_done == 0 ? 0 : r->cut_done == 1 ? len / 2 : len;
}

static int rf_erase(void *u, ota_area a, uint32_t off, uint32_t len)
{
    ramflash *r = u;
    if (r->dead) return -1;
    if ((unsigned)a > 2 || off % r->fl.erase_size || len % r->fl.erase_size || off > r->size[a] ||
        len > r->size[a] - off) {
        die("misaligned or out-of-range erase");
    }
    r->ops++;
    r->writes[a]++;
    if (r->cut_at && r->ops == r->cut_at) {
        memset(r->area[a] + off, 0xff, cut_bytes(r, len));
        r->dead = true;
        return -1;
    }
    memset(r->area[a] + off, 0xff, len);
    return 0;
}

static int rf_program(void *u, ota_area a, uint32_t off, const void *buf, uint32_t len)
{
    ramflash *r = u;
    if (r->dead) return -1;
    if ((unsigned)a > 2 || off % r->fl.prog_size || len % r->fl.prog_size || off > r->size[a] ||
        len > r->size[a] - off) {
        die("misaligned or out-of-range program");
    }
    for (uint32_t i = 0; i < len; i++) {
        if (r->area[a][off + i] != 0xff) die("program over non-erased flash");
    }
    r->ops++;
    r->writes[a]++;
    uint32_t n = len;
    if (r->cut_at && r->ops == r->cut_at) {
        n = cut_bytes(r, len);
        r->dead = true;
    }
    const uint8_t *p = buf;
    for (uint32_t i = 0; i < n; i++) r->area[a][off + i] &= p[i]; /* NOR: program only clears bits */
    return r->dead ? -1 : 0;
}

static void rf_init(ramflash *r, uint32_t slot_size, uint32_t state_size, uint32_t erase, uint32_t prog)
{
    memset(r, 0, sizeof *r);
    r->size[0] = r->size[1] = slot_size;
    r->size[2] = state_size;
    for (int i = 0; i < 3; i++) {
        r->area[i] = malloc(r->size[i]);
        if (!r->area[i]) die("oom");
        memset(r->area[i], 0xff, r->size[i]);
    }
    r->fl = (ota_flash){ r, rf_read, rf_erase, rf_program, slot_size, state_size, erase, prog };
}

static void rf_free(ramflash *r)
{
    for (int i = 0; i < 3; i++) free(r->area[i]);
}

static void rf_copy(ramflash *dst, const ramflash *src)
{
    for (int i = 0; i < 3; i++) memcpy(dst->area[i], src->area[i], src->size[i]);
}

/* Writes a whole image into a slot through the callbacks (erase, then pages). */
static int rf_write_image(ramflash *r, ota_area a, const uint8_t *img, size_t len)
{
    const ota_flash *fl = &r->fl;
    uint32_t span = (uint32_t)((len + fl->erase_size - 1) / fl->erase_size * fl->erase_size);
    for (uint32_t off = 0; off < span; off += fl->erase_size) {
        if (fl->erase(fl->user, a, off, fl->erase_size)) return -1;
    }
    uint8_t page[OTA_PROG_MAX];
    for (uint32_t off = 0; off < len; off += fl->prog_size) {
        uint32_t n = (uint32_t)(len - off < fl->prog_size ? len - off : fl->prog_size);
        memset(page, 0xff, sizeof page);
        memcpy(page, img + off, n);
        if (fl->program(fl->user, a, off, page, fl->prog_size)) return -1;
    }
    return 0;
}

static ota_status apply_patch_known(ramflash *r, ota_area src, ota_area dst, const uint8_t *patch, size_t len,
                                    size_t chunk, const uint8_t *base_len_sha /* NULL or 4 + 32 bytes */)
{
    ota_patcher p;
    ota_patch_init(&p, &r->fl, src, dst);
    if (base_len_sha) {
        uint32_t blen = (uint32_t)base_len_sha[0] | ((uint32_t)base_len_sha[1] << 8) |
                        ((uint32_t)base_len_sha[2] << 16) | ((uint32_t)base_len_sha[3] << 24);
        ota_patch_known_base(&p, blen, base_len_sha + 4);
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        ota_status s = ota_patch_feed(&p, patch + off, n);
        if (s != OTA_OK) return s;
    }
    return ota_patch_finish(&p);
}

static ota_status apply_patch(ramflash *r, ota_area src, ota_area dst, const uint8_t *patch, size_t len, size_t chunk)
{
    return apply_patch_known(r, src, dst, patch, len, chunk, NULL);
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_hash(const char *alg, const char *path)
{
    size_t len;
    uint8_t *data = read_file(path, &len);
    static const size_t chunks[] = { 1, 3, 63, 64, 65, 127, 128, 129, 1000 };
    size_t off = 0, ci = 0;
    if (strcmp(alg, "sha256") == 0) {
        ota_sha256 c;
        uint8_t out[32];
        ota_sha256_init(&c);
        while (off < len) {
            size_t n = chunks[ci++ % 9];
            if (n > len - off) n = len - off;
            ota_sha256_update(&c, data + off, n);
            off += n;
        }
        ota_sha256_final(&c, out);
        print_hex(out, 32);
    } else if (strcmp(alg, "sha512") == 0) {
        ota_sha512 c;
        uint8_t out[64];
        ota_sha512_init(&c);
        while (off < len) {
            size_t n = chunks[ci++ % 9];
            if (n > len - off) n = len - off;
            ota_sha512_update(&c, data + off, n);
            off += n;
        }
        ota_sha512_final(&c, out);
        print_hex(out, 64);
    } else {
        die("hash: sha256 or sha512");
    }
    free(data);
    return 0;
}

static int cmd_ed25519(void)
{
    static char line[1 << 16];
    static uint8_t msg[1 << 15];
    while (fgets(line, sizeof line, stdin)) {
        char *pub = strtok(line, " \n"), *sig = strtok(NULL, " \n"), *m = strtok(NULL, " \n");
        if (!pub || !sig || !m) continue;
        uint8_t pk[32], sg[64];
        long mlen = strcmp(m, "-") == 0 ? 0 : unhex(m, strlen(m), msg, sizeof msg);
        if (unhex(pub, strlen(pub), pk, 32) != 32 || unhex(sig, strlen(sig), sg, 64) != 64 || mlen < 0) {
            printf("bad\n");
            continue;
        }
        printf("%d\n", ota_ed25519_verify(sg, msg, (size_t)mlen, pk) ? 1 : 0);
    }
    return 0;
}

static uint32_t slot_size_for(size_t len)
{
    uint32_t s = (uint32_t)((len + 4095) / 4096 * 4096);
    return s < 8192 ? 8192 : s;
}

static int cmd_image(const char *keys, const char *min, const char *path)
{
    ota_keyring kr = parse_keys(keys);
    size_t len;
    uint8_t *img = read_file(path, &len);
    uint32_t floor = (uint32_t)strtoul(min, NULL, 0);
    ota_image_header h;
    ota_status a = ota_image_verify_buffer(img, len, &kr, floor, &h);
    ramflash r;
    rf_init(&r, slot_size_for(len), 8192, 4096, 256);
    if (rf_write_image(&r, OTA_AREA_SLOT1, img, len)) die("write");
    ota_status b = ota_image_verify_slot(&r.fl, &kr, OTA_AREA_SLOT1, floor, &h);
    printf("buffer %s\nslot %s\n", ota_status_str(a), ota_status_str(b));
    if (a == OTA_OK) {
        printf("kind %u version %u.%u.%u counter %u payload %u key %08x\n", h.kind, h.ver_major, h.ver_minor,
               h.ver_patch, h.security_counter, h.payload_len, h.key_id);
    }
    rf_free(&r);
    free(img);
    return 0;
}

static int cmd_tamper(const char *keys, const char *path)
{
    ota_keyring kr = parse_keys(keys);
    size_t len;
    uint8_t *img = read_file(path, &len);
    if (ota_image_verify_buffer(img, len, &kr, 0, NULL) != OTA_OK) die("untampered image does not verify");
    static const uint8_t masks[] = { 0x01, 0x80, 0xff };
    long tried = 0, accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            img[i] ^= masks[m];
            tried++;
            if (ota_image_verify_buffer(img, len, &kr, 0, NULL) == OTA_OK) {
                accepted++;
                fprintf(stderr, "accepted tampered byte %zu mask %02x\n", i, masks[m]);
            }
            img[i] ^= masks[m];
        }
    }
    printf("tampered %ld accepted %ld\n", tried, accepted);
    free(img);
    return 0;
}

static int cmd_patch(const char *oldp, const char *patchp, const char *outp, const char *slot, const char *chunk,
                     const char *base_hex)
{
    size_t olen, plen;
    uint8_t *old = read_file(oldp, &olen);
    uint8_t *patch = read_file(patchp, &plen);
    uint32_t slot_size = (uint32_t)strtoul(slot, NULL, 0);
    size_t ch = strtoul(chunk, NULL, 0);
    if (ch == 0 || olen > slot_size) die("bad patch arguments");
    ramflash r;
    rf_init(&r, slot_size, 8192, 4096, 256);
    memcpy(r.area[0], old, olen);
    uint8_t *before = malloc(slot_size);
    if (!before) die("oom");
    memcpy(before, r.area[0], slot_size);
    long base_ops = r.ops;
    uint8_t known[36]; /* the embedder's claim: the first olen bytes of the slot hash to this */
    if (base_hex) {
        for (int i = 0; i < 4; i++) known[i] = (uint8_t)(olen >> (8 * i));
        if (unhex(base_hex, strlen(base_hex), known + 4, 32) != 32) die("BASE_SHA256: 64 hex digits");
    }
    ota_status s = apply_patch_known(&r, OTA_AREA_SLOT0, OTA_AREA_SLOT1, patch, plen, ch, base_hex ? known : NULL);
    printf("status %s\n", ota_status_str(s));
    printf("src-read %ld\n", r.read_bytes[0]);
    printf("active-untouched %s\n", memcmp(before, r.area[0], slot_size) == 0 && r.writes[0] == 0 ? "yes" : "no");
    printf("dst-writes %ld\n", r.ops - base_ops);
    printf("patcher-ram %zu\n", sizeof(ota_patcher));
    if (s == OTA_OK) {
        /* the new length is in the patch header */
        uint32_t nlen = (uint32_t)patch[12] | ((uint32_t)patch[13] << 8) | ((uint32_t)patch[14] << 16) |
                        ((uint32_t)patch[15] << 24);
        FILE *f = fopen(outp, "wb");
        if (!f || fwrite(r.area[1], 1, nlen, f) != nlen) die("write out");
        fclose(f);
    }
    free(before);
    rf_free(&r);
    free(old);
    free(patch);
    return 0;
}

/* Corrupts 1-4 random bytes of a good patch, n times: the patcher must never
 * touch the active slot and never report success with a wrong image. */
static int cmd_patch_fuzz(const char *oldp, const char *newp, const char *patchp, const char *count)
{
    size_t olen, nlen, plen;
    uint8_t *old = read_file(oldp, &olen), *nw = read_file(newp, &nlen), *patch = read_file(patchp, &plen);
    uint8_t *bad = malloc(plen);
    if (!bad) die("oom");
    long n = strtol(count, NULL, 0), ok = 0, wrong = 0, touched = 0;
    uint32_t slot = (uint32_t)(((olen > nlen ? olen : nlen) + 4095) / 4096 * 4096);
    uint32_t x = 0x9e3779b9u;
    ramflash r;
    rf_init(&r, slot, 8192, 4096, 256);
    for (long i = 0; i < n; i++) {
        memcpy(bad, patch, plen);
        int flips = 1 + (int)(i % 4);
        for (int f = 0; f < flips; f++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* mostly the body; now and then the header (its CRC should catch it) */
            size_t at = (x % 8 == 0 || plen <= OTA_PATCH_HEADER_SIZE)
                            ? (x >> 8) % plen
                            : OTA_PATCH_HEADER_SIZE + (x >> 8) % (plen - OTA_PATCH_HEADER_SIZE);
            bad[at] ^= (uint8_t)(1u + (x >> 24) % 255u);
        }
        memset(r.area[0], 0xff, slot);
        memcpy(r.area[0], old, olen);
        memset(r.area[1], 0xff, slot);
        r.writes[0] = 0;
        ota_status s = apply_patch(&r, OTA_AREA_SLOT0, OTA_AREA_SLOT1, bad, plen, 1 + (x % 300));
        if (r.writes[0] != 0 || memcmp(r.area[0], old, olen) != 0) touched++;
        if (s == OTA_OK) {
            ok++;
            if (memcmp(r.area[1], nw, nlen) != 0) wrong++;
        }
    }
    printf("runs %ld ok %ld wrong %ld active-touched %ld\n", n, ok, wrong, touched);
    rf_free(&r);
    free(bad);
    free(old);
    free(nw);
    free(patch);
    return 0;
}

/* A full image streamed into the inactive slot with ota_writer, then installed
 * and tried: prints each step's status, and whether anything was erased or
 * programmed before a rejection. */
static int cmd_write_image(const char *keys, const char *basep, const char *imgp, const char *slot_s,
                           const char *chunk_s)
{
    ota_keyring kr = parse_keys(keys);
    size_t blen, ilen;
    uint8_t *base = read_file(basep, &blen), *img = read_file(imgp, &ilen);
    uint32_t slot = (uint32_t)strtoul(slot_s, NULL, 0);
    size_t chunk = strtoul(chunk_s, NULL, 0);
    if (blen > slot || chunk == 0) die("bad write-image arguments");
    ramflash r;
    rf_init(&r, slot, 8192, 4096, 256);
    memcpy(r.area[0], base, blen);
    ota_ctx c;
    ota_boot_result br;
    if (ota_open(&c, &r.fl, &kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK ||
        ota_update_begin(&c) != OTA_OK) {
        die("provisioning failed");
    }
    long before = r.writes[1];
    ota_writer w;
    ota_writer_init(&w, &r.fl, (ota_area)ota_inactive_slot(&c));
    ota_status s = OTA_OK;
    for (size_t off = 0; off < ilen && s == OTA_OK; off += chunk) {
        s = ota_writer_feed(&w, img + off, ilen - off < chunk ? ilen - off : chunk);
    }
    if (s == OTA_OK) s = ota_writer_finish(&w);
    printf("write %s\n", ota_status_str(s));
    printf("slot1-writes %ld\nactive-untouched %s\n", r.writes[1] - before,
           r.writes[0] == 0 && memcmp(r.area[0], base, blen) == 0 ? "yes" : "no");
    if (s == OTA_OK) {
        printf("install %s\n", ota_status_str(ota_install(&c, NULL)));
        if (ota_open(&c, &r.fl, &kr, 3) == OTA_OK && ota_boot(&c, OTA_RESET_SOFTWARE, &br) == OTA_OK) {
            printf("boot slot %u trial %d\n", br.slot, br.trial);
            printf("confirm %s\n", ota_status_str(ota_confirm(&c)));
        }
    }
    rf_free(&r);
    free(base);
    free(img);
    return 0;
}

/* ---- power cuts --------------------------------------------------------- */

typedef struct {
    const uint8_t *a, *b, *patch;
    size_t alen, blen, plen;
    ota_keyring kr;
    bool full_image; /* update by writing B whole (ota_writer) instead of the patch */
} scenario;

static ota_status write_full(ramflash *r, ota_area dst, const uint8_t *img, size_t len)
{
    ota_writer w;
    ota_writer_init(&w, &r->fl, dst);
    for (size_t off = 0; off < len; off += 300) {
        ota_status s = ota_writer_feed(&w, img + off, len - off < 300 ? len - off : 300);
        if (s != OTA_OK) return s;
    }
    return ota_writer_finish(&w);
}

static bool slot_holds(const ramflash *r, uint8_t slot, const uint8_t *img, size_t len)
{
    return slot <= 1 && memcmp(r->area[slot], img, len) == 0;
}

/* The update, as the device does it: begin, patch (or whole image) into slot 1, install,
 * reboot into trial, confirm. Stops at the first failure (power cut). */
static ota_status run_update(ramflash *r, const scenario *sc, ota_ctx *c)
{
    ota_status s;
    ota_boot_result br;
    if ((s = ota_open(c, &r->fl, &sc->kr, 3)) != OTA_OK) return s;
    if ((s = ota_boot(c, OTA_RESET_POWER_ON, &br)) != OTA_OK) return s;
    if (br.trial) return ota_confirm(c); /* resumed after a cut: the trial image confirms itself */
    if (br.slot == 1) return OTA_OK;     /* already confirmed the new image */
    if ((s = ota_update_begin(c)) != OTA_OK) return s;
    s = sc->full_image ? write_full(r, OTA_AREA_SLOT1, sc->b, sc->blen)
                       : apply_patch(r, OTA_AREA_SLOT0, OTA_AREA_SLOT1, sc->patch, sc->plen, 200);
    if (s != OTA_OK) return s;
    if ((s = ota_install(c, NULL)) != OTA_OK) return s;
    if ((s = ota_open(c, &r->fl, &sc->kr, 3)) != OTA_OK) return s;
    if ((s = ota_boot(c, OTA_RESET_SOFTWARE, &br)) != OTA_OK) return s;
    if (!br.trial || br.slot != 1) return OTA_ERR_STATE;
    return ota_confirm(c);
}

/* A bad update: install B, then keep rebooting without confirming (every
 * other boot a watchdog reset when `wdt`) until the device rolls back. */
static ota_status run_rollback(ramflash *r, const scenario *sc, ota_ctx *c, bool wdt, int *rolled)
{
    ota_status s;
    ota_boot_result br;
    *rolled = 0;
    for (int boot = 0; boot < 8; boot++) {
        if ((s = ota_open(c, &r->fl, &sc->kr, 3)) != OTA_OK) return s;
        ota_reset_reason why = (wdt && boot > 0) ? OTA_RESET_WATCHDOG : OTA_RESET_POWER_ON;
        if ((s = ota_boot(c, why, &br)) != OTA_OK) return s;
        if (br.rolled_back) *rolled = 1;
        if (!br.trial && br.slot == 0 && boot > 0) return OTA_OK;
    }
    return OTA_ERR_STATE;
}

/* After a cut: power back on and boot. The device must come up on a valid
 * signed image, and the confirmed slot must still hold A (or B once confirmed). */
static int check_after_cut(ramflash *r, const scenario *sc, long k, const char *what, bool b_may_be_confirmed)
{
    r->dead = false;
    r->cut_at = 0;
    ota_ctx c;
    ota_boot_result br;
    ota_status s = ota_open(&c, &r->fl, &sc->kr, 3);
    if (s == OTA_OK) s = ota_boot(&c, OTA_RESET_POWER_ON, &br);
    if (s != OTA_OK) {
        printf("FAIL %s cut %ld: boot: %s\n", what, k, ota_status_str(s));
        return 1;
    }
    bool runs_a = br.slot == 0 && slot_holds(r, 0, sc->a, sc->alen);
    bool runs_b = br.slot == 1 && slot_holds(r, 1, sc->b, sc->blen);
    if (!runs_a && !runs_b) {
        printf("FAIL %s cut %ld: booted slot %u which is neither image\n", what, k, br.slot);
        return 1;
    }
    if (ota_image_verify_slot(&r->fl, &sc->kr, (ota_area)br.slot, 0, NULL) != OTA_OK) {
        printf("FAIL %s cut %ld: booted an image that does not verify\n", what, k);
        return 1;
    }
    uint8_t conf = c.st.confirmed;
    bool conf_ok = (conf == 0 && slot_holds(r, 0, sc->a, sc->alen)) ||
                   (b_may_be_confirmed && conf == 1 && slot_holds(r, 1, sc->b, sc->blen));
    if (!conf_ok) {
        printf("FAIL %s cut %ld: confirmed image lost (confirmed slot %u)\n", what, k, conf);
        return 1;
    }
    return 0;
}

/* Many clean full-image updates in a row: the state area wraps its halves several times. */
static int soak(const scenario *sc, uint32_t erase, uint32_t prog)
{
    size_t big = sc->alen > sc->blen ? sc->alen : sc->blen;
    uint32_t slot = (uint32_t)((big + erase - 1) / erase * erase) + erase;
    ramflash r;
    rf_init(&r, slot, 2 * erase, erase, prog);
    memcpy(r.area[0], sc->a, sc->alen);
    ota_ctx c;
    ota_boot_result br;
    int failures = 0;
    for (int cycle = 0; cycle < 40; cycle++) {
        uint8_t want;
        if (ota_open(&c, &r.fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK ||
            ota_update_begin(&c) != OTA_OK) {
            failures++;
            break;
        }
        want = ota_inactive_slot(&c);
        if (rf_write_image(&r, (ota_area)want, sc->b, sc->blen) || ota_install(&c, NULL) != OTA_OK ||
            ota_open(&c, &r.fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_SOFTWARE, &br) != OTA_OK || !br.trial ||
            br.slot != want || ota_confirm(&c) != OTA_OK || c.st.confirmed != want) {
            printf("FAIL soak cycle %d (erase %u): update did not go through\n", cycle, erase);
            failures++;
            break;
        }
        if (cycle % 3 == 2) { /* and now and then a failed trial that rolls back */
            if (ota_update_begin(&c) != OTA_OK || rf_write_image(&r, (ota_area)(want ^ 1), sc->b, sc->blen) ||
                ota_install(&c, NULL) != OTA_OK) {
                failures++;
                break;
            }
            for (int boot = 0; boot < 5; boot++) {
                if (ota_open(&c, &r.fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_WATCHDOG, &br) != OTA_OK)
                    failures++;
            }
            if (c.st.confirmed != want || br.slot != want || br.trial) {
                printf("FAIL soak cycle %d (erase %u): rollback did not return to slot %u\n", cycle, erase, want);
                failures++;
                break;
            }
        }
    }
    rf_free(&r);
    return failures;
}

/* Appends 2*pairs state records (install then cancel) so the cut runs start mid-half. */
static void prefill(ramflash *r, const scenario *sc, int pairs)
{
    ota_ctx c;
    for (int i = 0; i < pairs; i++) {
        ota_boot_result br;
        if (ota_open(&c, &r->fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK ||
            rf_write_image(r, OTA_AREA_SLOT1, sc->a, sc->alen) || ota_install(&c, NULL) != OTA_OK ||
            ota_update_begin(&c) != OTA_OK) {
            die("prefill failed");
        }
    }
}

static int powercut_geometry(const scenario *sc, uint32_t erase, uint32_t prog, int prefill_pairs, long *points)
{
    const scenario *base_sc = sc;
    size_t big = sc->alen > sc->blen ? sc->alen : sc->blen;
    uint32_t slot = (uint32_t)((big + erase - 1) / erase * erase) + erase;
    uint32_t state = 2 * erase;
    int failures = 0;

    /* base: A in slot 0, provisioned and booted once */
    ramflash base, r;
    rf_init(&base, slot, state, erase, prog);
    rf_init(&r, slot, state, erase, prog);
    memcpy(base.area[0], sc->a, sc->alen);
    ota_ctx c;
    ota_boot_result br;
    if (ota_open(&c, &base.fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK ||
        br.slot != 0) {
        die("provisioning boot failed");
    }
    prefill(&base, sc, prefill_pairs);

    /* 1. update A -> B by patch (and, in the RP2040 geometry, by whole image):
     * count the operations of a clean run, then cut at each */
    for (int variant = 0; variant < (erase == 4096 ? 2 : 1); variant++) {
        scenario scv = *sc;
        scv.full_image = variant == 1;
        const char *what = variant ? "update(full image)" : "update(patch)";
        sc = &scv;
        rf_copy(&r, &base);
        r.ops = 0;
        if (run_update(&r, sc, &c) != OTA_OK) die("clean update failed");
        if (c.st.confirmed != 1 || !slot_holds(&r, 1, sc->b, sc->blen)) die("clean update did not confirm B");
        long n_update = r.ops;
        for (long kk = 3; kk < 3 * (n_update + 1); kk++) {
            long k = kk / 3;
            rf_copy(&r, &base);
            r.ops = 0;
            r.cut_at = k;
            r.cut_done = (int)(kk % 3);
            r.dead = false;
            if (run_update(&r, sc, &c) == OTA_OK) die("a cut update reported success");
            failures += check_after_cut(&r, sc, kk, what, true);
            /* and the update can be finished afterwards */
            r.ops = 0;
            if (run_update(&r, sc, &c) != OTA_OK || c.st.confirmed != 1 || !slot_holds(&r, 1, sc->b, sc->blen)) {
                printf("FAIL %s cut %ld/%d: could not complete the update after the cut\n", what, k, r.cut_done);
                failures++;
            }
            (*points)++;
        }
    }
    sc = base_sc;

    /* 2. rollback: B installed but never confirmed; power-on resets and watchdog resets */
    ramflash pend;
    rf_init(&pend, slot, state, erase, prog);
    rf_copy(&pend, &base);
    if (ota_open(&c, &pend.fl, &sc->kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK ||
        ota_update_begin(&c) != OTA_OK || rf_write_image(&pend, OTA_AREA_SLOT1, sc->b, sc->blen) ||
        ota_install(&c, NULL) != OTA_OK) {
        die("could not stage the pending image");
    }
    for (int wdt = 0; wdt < 2; wdt++) {
        int rolled;
        rf_copy(&r, &pend);
        r.ops = 0;
        if (run_rollback(&r, sc, &c, wdt, &rolled) != OTA_OK || !rolled) die("clean rollback failed");
        long n_rb = r.ops;
        for (long kk = 3; kk < 3 * (n_rb + 1); kk++) {
            long k = kk / 3;
            rf_copy(&r, &pend);
            r.ops = 0;
            r.cut_at = k;
            r.cut_done = (int)(kk % 3);
            r.dead = false;
            (void)run_rollback(&r, sc, &c, wdt, &rolled);
            failures += check_after_cut(&r, sc, kk, wdt ? "rollback(watchdog)" : "rollback", false);
            r.ops = 0;
            if (run_rollback(&r, sc, &c, wdt, &rolled) != OTA_OK || c.st.confirmed != 0 ||
                !slot_holds(&r, 0, sc->a, sc->alen)) {
                printf("FAIL rollback cut %ld/%d: did not settle on the confirmed image\n", k, r.cut_done);
                failures++;
            }
            (*points)++;
        }
    }
    rf_free(&pend);
    rf_free(&r);
    rf_free(&base);
    return failures;
}

static int cmd_powercut(const char *keys, const char *ap, const char *bp, const char *pp)
{
    scenario sc;
    memset(&sc, 0, sizeof sc);
    sc.kr = parse_keys(keys);
    uint8_t *a = read_file(ap, &sc.alen), *b = read_file(bp, &sc.blen), *p = read_file(pp, &sc.plen);
    sc.a = a;
    sc.b = b;
    sc.patch = p;
    long points = 0;
    int failures = 0;
    /* RP2040-like geometry, and a small erase unit so the state area wraps often */
    /* RP2040-like geometry (16 records a half, prefilled so the update crosses into the
     * other half), and small erase units so the state area wraps during the runs */
    failures += powercut_geometry(&sc, 4096, 256, 7, &points);
    failures += powercut_geometry(&sc, 1024, 256, 0, &points);
    failures += powercut_geometry(&sc, 512, 32, 2, &points);
    failures += soak(&sc, 4096, 256) + soak(&sc, 1024, 256) + soak(&sc, 512, 32);
    printf("cut-points %ld failures %d\n", points, failures); /* each step cut 3 ways: nothing, half, all of it done */
    free(a);
    free(b);
    free(p);
    return failures ? 1 : 0;
}

static int cmd_downgrade(const char *keys, const char *hp, const char *lp)
{
    ota_keyring kr = parse_keys(keys);
    size_t hlen, llen;
    uint8_t *hi = read_file(hp, &hlen), *lo = read_file(lp, &llen);
    ramflash r;
    size_t big = hlen > llen ? hlen : llen;
    rf_init(&r, slot_size_for(big), 8192, 4096, 256);
    memcpy(r.area[0], hi, hlen);
    ota_ctx c;
    ota_boot_result br;
    if (ota_open(&c, &r.fl, &kr, 3) != OTA_OK || ota_boot(&c, OTA_RESET_POWER_ON, &br) != OTA_OK) die("boot");
    if (ota_update_begin(&c) != OTA_OK || rf_write_image(&r, OTA_AREA_SLOT1, lo, llen)) die("stage");
    ota_status s = ota_install(&c, NULL);
    printf("install %s\n", ota_status_str(s));
    /* even with a pending record pointing at it (as a bug or a forged record might leave),
     * boot re-checks the counter and stays on the confirmed image */
    c.st.pending = 1;
    ota_boot_result br2;
    if (ota_boot(&c, OTA_RESET_POWER_ON, &br2) != OTA_OK) die("boot 2");
    printf("boot slot %u rejected %s\n", br2.slot, ota_status_str(br2.rejected));
    rf_free(&r);
    free(hi);
    free(lo);
    return 0;
}

/* ---- ota_flash_map ------------------------------------------------------ */

/* Three areas apart in a 64 KiB flash, each byte holding the low byte of its offset; every
 * call that reaches the flash is recorded. */
#define MAP_FLASH_SIZE 0x10000u
static uint8_t map_flash[MAP_FLASH_SIZE];
static long map_at = -1, map_len = -1;

static const uint8_t *map_bytes(uint32_t offset, uint32_t len)
{
    map_at = offset;
    map_len = len;
    return offset <= MAP_FLASH_SIZE && len <= MAP_FLASH_SIZE - offset ? map_flash + offset : NULL;
}

static int map_erase(uint32_t offset, uint32_t len)
{
    map_at = offset;
    map_len = len;
    return 0;
}

static int map_program(uint32_t offset, const void *buf, uint32_t len)
{
    (void)buf;
    return map_erase(offset, len);
}

static int cmd_flash_map(const char *state_only)
{
    ota_flash_map m = {
        .offset = { [OTA_AREA_SLOT0] = 0x1000u, [OTA_AREA_SLOT1] = 0x5000u, [OTA_AREA_STATE] = 0xc000u },
        .size = { [OTA_AREA_SLOT0] = 0x3000u, [OTA_AREA_SLOT1] = 0x3000u, [OTA_AREA_STATE] = 0x2000u },
        .state_only = strcmp(state_only, "1") == 0,
        .map = map_bytes,
        .erase = map_erase,
        .program = map_program,
    };
    static uint8_t buf[MAP_FLASH_SIZE];
    for (uint32_t i = 0; i < MAP_FLASH_SIZE; i++) map_flash[i] = (uint8_t)i;
    char op[16];
    unsigned area;
    unsigned long off, len;
    while (scanf("%15s %u %lu %lu", op, &area, &off, &len) == 4) {
        map_at = map_len = -1;
        int r;
        if (strcmp(op, "read") == 0) {
            r = ota_map_read(&m, (ota_area)area, (uint32_t)off, buf, (uint32_t)len); /* map_bytes keeps it in buf */
            for (uint32_t i = 0; r == 0 && i < (uint32_t)len; i++) {
                if (buf[i] != (uint8_t)(map_at + i)) r = 99; /* not the bytes at the offset reached */
            }
        } else if (strcmp(op, "erase") == 0) {
            r = ota_map_erase(&m, (ota_area)area, (uint32_t)off, (uint32_t)len);
        } else {
            r = ota_map_program(&m, (ota_area)area, (uint32_t)off, buf, (uint32_t)len);
        }
        if (map_at < 0) {
            printf("%d - -\n", r);
        } else {
            printf("%d %ld %ld\n", r, map_at, map_len);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "hash") == 0) return cmd_hash(argv[2], argv[3]);
    if (argc >= 2 && strcmp(argv[1], "ed25519") == 0) return cmd_ed25519();
    if (argc >= 5 && strcmp(argv[1], "image") == 0) return cmd_image(argv[2], argv[3], argv[4]);
    if (argc >= 4 && strcmp(argv[1], "tamper") == 0) return cmd_tamper(argv[2], argv[3]);
    if (argc >= 7 && strcmp(argv[1], "patch") == 0) {
        return cmd_patch(argv[2], argv[3], argv[4], argv[5], argv[6], argc >= 8 ? argv[7] : NULL);
    }
    if (argc >= 7 && strcmp(argv[1], "write-image") == 0)
        return cmd_write_image(argv[2], argv[3], argv[4], argv[5], argv[6]);
    if (argc >= 6 && strcmp(argv[1], "patch-fuzz") == 0) return cmd_patch_fuzz(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 6 && strcmp(argv[1], "powercut") == 0) return cmd_powercut(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 5 && strcmp(argv[1], "downgrade") == 0) return cmd_downgrade(argv[2], argv[3], argv[4]);
    if (argc >= 3 && strcmp(argv[1], "flash-map") == 0) return cmd_flash_map(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "sizes") == 0) {
        printf("patcher %zu\nwriter %zu\nctx %zu\nsha256 %zu\nsha512 %zu\n", sizeof(ota_patcher), sizeof(ota_writer),
               sizeof(ota_ctx), sizeof(ota_sha256), sizeof(ota_sha512));
        return 0;
    }
    fprintf(stderr, "usage: test_ota hash|ed25519|image|tamper|patch|powercut|downgrade|flash-map|sizes ...\n");
    return 2;
}
