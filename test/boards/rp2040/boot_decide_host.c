/*
 * The bootloader's decision (boards/rp2040/boot/decide.c, firmware/ota) built for the host and
 * run on an emulated flash image at every flash operation of a firmware update
 * (boot-powercut.test.ts). The update's operations come from rp2040-sim's --flash-ops-log; the
 * bytes each page program wrote are read from the flash file the uninterrupted update left
 * (every page is programmed once, checked here). A power cut does what rp2040-sim's flash chip
 * does at --power-cut-at: the operation does the first half of its work.
 *
 *   boot_decide_host cuts   BASE FINAL OPSLOG FW_A FW_B BANK STATE STATE_SIZE RAM_SIZE
 *     one line per cut: the flash after operation k did `done` bytes of its work (half of it, and
 *     for a state record's page also 1, 4, .. 31 bytes), powered on:
 *     "k:done kind | boot: status slot trial version | confirm: status | reboot: status slot trial
 *      version | update: status inactive"
 *   boot_decide_host replay BASE FINAL OPSLOG K OUT
 *     writes the flash a cut at k leaves (compared with rp2040-sim's at sampled cuts)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "ota.h"
#include WASMCU_OTA_KEYS_HEADER

#define XIP_BASE          0x10000000u
#define ERASE_SIZE        4096u
#define MAX_OPS           100000u
/* firmware/ota's state record (slots.c): a cut inside it leaves it torn. */
#define TORN_RECORD_BYTES 32u

typedef struct {
    bool erase;
    uint32_t off, len;
} flash_op;

static uint8_t *base, *final, *mem, *work;
static size_t flash_size;
static flash_op ops[MAX_OPS];
static uint32_t n_ops;
static uint32_t area_off[3], area_size[3];

static void die(const char *what, const char *where)
{
    fprintf(stderr, "boot_decide_host: %s: %s\n", where, what);
    exit(2);
}

static uint8_t *load(const char *file, size_t *size)
{
    FILE *f = fopen(file, "rb");
    if (!f) die("cannot open", file);
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek", file);
    long n = ftell(f);
    if (n <= 0) die("empty", file);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read", file);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void load_ops(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) die("cannot open", file);
    char kind[16];
    unsigned long n, off, len;
    while (fscanf(f, "%lu %15s %lu %lu", &n, kind, &off, &len) == 4) {
        if (n != n_ops || n_ops >= MAX_OPS) die("operations out of order", file);
        bool erase = strcmp(kind, "erase") == 0;
        if (!erase && strcmp(kind, "program") != 0) die("unknown operation", file);
        if (off > flash_size || len > flash_size - off || len == 0) die("operation outside the flash", file);
        ops[n_ops++] = (flash_op){ erase, (uint32_t)off, (uint32_t)len };
    }
    fclose(f);
    /* The bytes of a page program are taken from the final flash: valid only if no later
     * operation touches them again. */
    for (uint32_t i = 0; i < n_ops; i++) {
        for (uint32_t j = i + 1; !ops[i].erase && j < n_ops; j++) {
            if (ops[j].off < ops[i].off + ops[i].len && ops[i].off < ops[j].off + ops[j].len) {
                die("a programmed range is written again later: the final flash does not hold its bytes", file);
            }
        }
    }
}

/* The operation's first n bytes of work. */
static void apply_part(uint8_t *m, const flash_op *op, uint32_t n)
{
    if (op->erase) {
        memset(m + op->off, 0xff, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) m[op->off + i] &= final[op->off + i];
}

/* All of the operation's work, or half of it at a cut (rp2040-sim's flash chip). */
static void apply(uint8_t *m, const flash_op *op, bool cut)
{
    apply_part(m, op, cut ? op->len / 2u : op->len);
}

static bool in_area(ota_area a, uint32_t off, uint32_t len, uint32_t *abs)
{
    if ((unsigned)a > 2u || off > area_size[a] || len > area_size[a] - off) return false;
    *abs = area_off[a] + off;
    return *abs <= flash_size && len <= flash_size - *abs;
}

static int fl_read(void *user, ota_area a, uint32_t off, void *buf, uint32_t len)
{
    (void)user;
    uint32_t abs;
    if (!in_area(a, off, len, &abs)) return -1;
    memcpy(buf, work + abs, len);
    return 0;
}

static int fl_erase(void *user, ota_area a, uint32_t off, uint32_t len)
{
    (void)user;
    uint32_t abs;
    if (!in_area(a, off, len, &abs) || abs % ERASE_SIZE || len % ERASE_SIZE) return -1;
    memset(work + abs, 0xff, len);
    return 0;
}

static int fl_program(void *user, ota_area a, uint32_t off, const void *buf, uint32_t len)
{
    (void)user;
    uint32_t abs;
    if (!in_area(a, off, len, &abs)) return -1;
    const uint8_t *p = buf;
    for (uint32_t i = 0; i < len; i++) work[abs + i] &= p[i];
    return 0;
}

static void version(char *out, size_t n, ota_status s, const ota_boot_result *r)
{
    if (s != OTA_OK) {
        snprintf(out, n, "-");
        return;
    }
    snprintf(out, n, "%u.%u.%u", r->hdr.ver_major, r->hdr.ver_minor, r->hdr.ver_patch);
}

static uint32_t arg(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (*end != '\0' || v > UINT32_MAX) die("not a number", s);
    return (uint32_t)v;
}

/* Powers the board on after a cut at op k that did `done` bytes of its work; prints what the
 * bootloader and the firmware do. */
static void cut_at(uint32_t k, uint32_t done, const ota_flash *fl, const boot_banks *banks)
{
    memcpy(work, mem, flash_size);
    apply_part(work, &ops[k], done);
    ota_ctx ctx;
    ota_boot_result r1, r2;
    char v1[24], v2[24];
    ota_status s1 = boot_decide(&ctx, fl, &wasmcu_ota_keys_ring, banks, OTA_RESET_POWER_ON, &r1);
    version(v1, sizeof v1, s1, &r1);
    /* The firmware on trial confirms itself after its self-check (firmware/device, ota_confirm). */
    ota_status sc = s1 == OTA_OK && r1.trial ? ota_confirm(&ctx) : OTA_OK;
    ota_status s2 = boot_decide(&ctx, fl, &wasmcu_ota_keys_ring, banks, OTA_RESET_POWER_ON, &r2);
    version(v2, sizeof v2, s2, &r2);
    /* A running firmware can take the next update: what `wasmcu flash` starts with. */
    ota_status su = s2 == OTA_OK && !r2.trial ? ota_update_begin(&ctx) : OTA_ERR_STATE;
    printf("%u:%u %s | boot: %s %d %d %s | confirm: %s | reboot: %s %d %d %s | update: %s %d\n", k, done,
           ops[k].erase ? "erase" : "program", ota_status_str(s1), s1 == OTA_OK ? r1.slot : -1,
           s1 == OTA_OK && r1.trial, v1, ota_status_str(sc), ota_status_str(s2), s2 == OTA_OK ? r2.slot : -1,
           s2 == OTA_OK && r2.trial, v2, ota_status_str(su), ota_inactive_slot(&ctx));
}

int main(int argc, char **argv)
{
    bool cuts = argc == 11 && strcmp(argv[1], "cuts") == 0;
    bool replay = argc == 7 && strcmp(argv[1], "replay") == 0;
    if (!cuts && !replay) {
        fprintf(stderr, "usage: boot_decide_host cuts BASE FINAL OPSLOG FW_A FW_B BANK STATE STATE_SIZE RAM_SIZE\n"
                        "       boot_decide_host replay BASE FINAL OPSLOG K OUT\n");
        return 2;
    }
    size_t final_size;
    base = load(argv[2], &flash_size);
    final = load(argv[3], &final_size);
    if (final_size != flash_size) die("not the size of the base flash", argv[3]);
    mem = malloc(flash_size);
    work = malloc(flash_size);
    if (!mem || !work) die("out of memory", "flash copies");
    memcpy(mem, base, flash_size);
    load_ops(argv[4]);

    if (replay) {
        uint32_t k = arg(argv[5]);
        if (k >= n_ops) die("no such operation", argv[5]);
        for (uint32_t i = 0; i < k; i++) apply(mem, &ops[i], false);
        apply(mem, &ops[k], true);
        FILE *f = fopen(argv[6], "wb");
        if (!f || fwrite(mem, 1, flash_size, f) != flash_size || fclose(f) != 0) die("cannot write", argv[6]);
        return 0;
    }

    area_off[OTA_AREA_SLOT0] = arg(argv[5]);
    area_off[OTA_AREA_SLOT1] = arg(argv[6]);
    area_size[OTA_AREA_SLOT0] = area_size[OTA_AREA_SLOT1] = arg(argv[7]);
    area_off[OTA_AREA_STATE] = arg(argv[8]);
    area_size[OTA_AREA_STATE] = arg(argv[9]);
    const boot_banks banks = {
        .bank_addr = { XIP_BASE + area_off[0], XIP_BASE + area_off[1] },
        .ram_addr = 0x20000000u,
        .ram_size = arg(argv[10]),
    };
    const ota_flash fl = {
        .user = NULL,
        .read = fl_read,
        .erase = fl_erase,
        .program = fl_program,
        .slot_size = area_size[0],
        .state_size = area_size[OTA_AREA_STATE],
        .erase_size = ERASE_SIZE,
        .prog_size = 256u,
    };
    for (uint32_t k = 0; k < n_ops; k++) {
        cut_at(k, ops[k].len / 2u, &fl, &banks);
        /* A page holding a 32-byte state record keeps all of it at half the page: also cut it
         * inside the record (a torn record, which fails its CRC). */
        bool record = !ops[k].erase && ops[k].off >= area_off[OTA_AREA_STATE] &&
                      ops[k].off - area_off[OTA_AREA_STATE] < area_size[OTA_AREA_STATE];
        for (uint32_t done = 1; record && done < TORN_RECORD_BYTES; done += 3) cut_at(k, done, &fl, &banks);
        apply(mem, &ops[k], false);
    }
    /* The uninterrupted update's result must be what the replay built. */
    if (memcmp(mem, final, flash_size) != 0) die("the replayed operations do not give the final flash", argv[3]);
    return 0;
}
