/*
 * The bootloader's decision (boards/rp2040/boot/decide.c, firmware/ota) built for the host and
 * run on an emulated flash image at every flash operation of a firmware update
 * (boot-powercut.test.ts). The update's operations come from rp2040-sim's --flash-ops-log; the
 * bytes each page program wrote are read from the flash file the uninterrupted update left
 * (every page is programmed once, checked here). A power cut does what rp2040-sim's flash chip
 * does at --power-cut-at: the operation does the first half of its work.
 *
 * After each cut the board is powered on and does what it does after any power-on (power_on
 * below: boot, confirm, boot again, begin the next update). Those steps write flash themselves
 * (the bootloader's trial record, the firmware's confirm record, the erase of the other half
 * of the state area when one is full): a second cut is made at each of those operations, the
 * same ways as the first, and the board powered on again must do the same.
 *
 *   boot_decide_host cuts   BASE FINAL OPSLOG FROM LAYOUT...
 *     one line per cut at operation FROM and after: the flash after operation k did `done` bytes
 *     of its work (half of it, and for a state record's page also 1, 4, .. 31 bytes), powered on:
 *     "k:done kind | boot: status slot trial version | confirm: status | reboot: status slot
 *      trial version | update: status inactive | complete: status slot trial version"
 *     then one line per second cut, at operation j of the m the power-on after it wrote:
 *     "k:done kind > j/m:done2 kind2 offset length | boot: ..." (the same fields)
 *   boot_decide_host replay BASE FINAL OPSLOG K OUT
 *     writes the flash a cut at k leaves (compared with rp2040-sim's at sampled cuts)
 *   boot_decide_host age    BASE IMAGE PAIRS OUT LAYOUT...
 *     appends 2 * PAIRS state records to BASE (each an install of IMAGE, a signed fw_b image,
 *     then the start of another update) and leaves fw_b erased: a state area further on
 *
 * LAYOUT is FW_A FW_B BANK STATE STATE_SIZE RAM_SIZE: bank and state area offsets in the flash,
 * their sizes, the RAM a firmware's stack must point into.
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
#define PAGE_SIZE         256u
#define MAX_OPS           100000u
/* The operations one power-on may write (a record, an erase of half the state area, a record). */
#define MAX_POWER_ON_OPS  16u
/* firmware/ota's state record (slots.c): a cut inside it leaves it torn. */
#define TORN_RECORD_BYTES 32u
#define MAX_CUT_POINTS    (1u + TORN_RECORD_BYTES / 3u + 1u)
#define NO_CUT            UINT32_MAX
#define LAYOUT_ARGS       6

typedef struct {
    bool erase;
    uint32_t off, len;
} flash_op;

static uint8_t *base, *final, *mem, *work, *after_cut;
static size_t flash_size;
static flash_op ops[MAX_OPS];
static uint32_t n_ops;
static uint32_t area_off[3], area_size[3];
static boot_banks banks;
static ota_flash fl;

/* The power as the port sees it: operation `cut_op` since power-on does `cut_done` bytes of its
 * work, then the chip has no power and every access fails. */
static struct {
    uint32_t ops, cut_op, cut_done;
    bool dead;
    flash_op log[MAX_POWER_ON_OPS]; /* the first operations since power-on */
} power;

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

static void save(const char *file, const uint8_t *m)
{
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(m, 1, flash_size, f) != flash_size || fclose(f) != 0) die("cannot write", file);
}

static uint8_t *flash_copy(void)
{
    uint8_t *m = malloc(flash_size);
    if (!m) die("out of memory", "flash copies");
    return m;
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

/* n bytes of an erase, or of a program of `src` (programming only clears bits). */
static void do_op(uint8_t *m, bool erase, uint32_t off, const uint8_t *src, uint32_t n)
{
    if (erase) {
        memset(m + off, 0xff, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) m[off + i] &= src[i];
}

/* The logged operation's first n bytes of work. */
static void apply_part(uint8_t *m, const flash_op *op, uint32_t n)
{
    do_op(m, op->erase, op->off, final + op->off, n);
}

/* All of the operation's work, or half of it at a cut (rp2040-sim's flash chip). */
static void apply(uint8_t *m, const flash_op *op, bool cut)
{
    apply_part(m, op, cut ? op->len / 2u : op->len);
}

/* A page program in the state area: a state record. */
static bool is_record(const flash_op *op)
{
    return !op->erase && op->off >= area_off[OTA_AREA_STATE] &&
           op->off - area_off[OTA_AREA_STATE] < area_size[OTA_AREA_STATE];
}

/* How much of an operation a cut leaves done: half of it; a page holding a 32-byte state record
 * keeps all of the record at half the page, so it is also cut inside the record (a torn record,
 * which fails its CRC). */
static uint32_t cut_points(const flash_op *op, uint32_t out[MAX_CUT_POINTS])
{
    uint32_t n = 0;
    out[n++] = op->len / 2u;
    for (uint32_t done = 1; is_record(op) && done < TORN_RECORD_BYTES; done += 3) out[n++] = done;
    return n;
}

static bool in_area(ota_area a, uint32_t off, uint32_t len, uint32_t *abs)
{
    if ((unsigned)a > 2u || off > area_size[a] || len > area_size[a] - off) return false;
    *abs = area_off[a] + off;
    return *abs <= flash_size && len <= flash_size - *abs;
}

/* Power on, with a cut at operation `cut_op` (NO_CUT: none). */
static void power_up(uint32_t cut_op, uint32_t cut_done)
{
    power.ops = 0;
    power.cut_op = cut_op;
    power.cut_done = cut_done;
    power.dead = false;
}

static int fl_read(void *user, ota_area a, uint32_t off, void *buf, uint32_t len)
{
    (void)user;
    uint32_t abs;
    if (power.dead || !in_area(a, off, len, &abs)) return -1;
    memcpy(buf, work + abs, len);
    return 0;
}

/* An erase or program on `work`: all of it, or at the cut the first cut_done bytes, and then the
 * power is gone. */
static int port_op(bool erase, ota_area a, uint32_t off, const uint8_t *src, uint32_t len)
{
    uint32_t abs;
    if (power.dead || !in_area(a, off, len, &abs)) return -1;
    if (erase && (abs % ERASE_SIZE || len % ERASE_SIZE)) return -1;
    uint32_t i = power.ops++;
    if (i < MAX_POWER_ON_OPS) power.log[i] = (flash_op){ erase, abs, len };
    uint32_t n = len;
    if (i == power.cut_op) {
        n = power.cut_done < len ? power.cut_done : len;
        power.dead = true;
    }
    do_op(work, erase, abs, src, n);
    return power.dead ? -1 : 0;
}

static int fl_erase(void *user, ota_area a, uint32_t off, uint32_t len)
{
    (void)user;
    return port_op(true, a, off, NULL, len);
}

static int fl_program(void *user, ota_area a, uint32_t off, const void *buf, uint32_t len)
{
    (void)user;
    return port_op(false, a, off, buf, len);
}

static uint32_t arg(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (*end != '\0' || v > UINT32_MAX) die("not a number", s);
    return (uint32_t)v;
}

/* The banks and the state area (LAYOUT), and the port over them. */
static void layout(char **a)
{
    area_off[OTA_AREA_SLOT0] = arg(a[0]);
    area_off[OTA_AREA_SLOT1] = arg(a[1]);
    area_size[OTA_AREA_SLOT0] = area_size[OTA_AREA_SLOT1] = arg(a[2]);
    area_off[OTA_AREA_STATE] = arg(a[3]);
    area_size[OTA_AREA_STATE] = arg(a[4]);
    banks = (boot_banks){
        .bank_addr = { XIP_BASE + area_off[0], XIP_BASE + area_off[1] },
        .ram_addr = 0x20000000u,
        .ram_size = arg(a[5]),
    };
    fl = (ota_flash){
        .user = NULL,
        .read = fl_read,
        .erase = fl_erase,
        .program = fl_program,
        .slot_size = area_size[0],
        .state_size = area_size[OTA_AREA_STATE],
        .erase_size = ERASE_SIZE,
        .prog_size = PAGE_SIZE,
    };
    for (int i = 0; i < 3; i++) {
        if (area_off[i] > flash_size || area_size[i] > flash_size - area_off[i]) die("outside the flash", "layout");
    }
}

/* Writes `len` bytes of `src` into bank `slot` as an update does: its sectors erased, then its
 * pages programmed. */
static ota_status write_bank(uint8_t slot, const uint8_t *src, uint32_t len)
{
    for (uint32_t off = 0; off < len; off += ERASE_SIZE) {
        if (fl.erase(fl.user, (ota_area)slot, off, ERASE_SIZE) != 0) return OTA_ERR_FLASH;
    }
    for (uint32_t off = 0; off < len; off += PAGE_SIZE) {
        if (fl.program(fl.user, (ota_area)slot, off, src + off, PAGE_SIZE) != 0) return OTA_ERR_FLASH;
    }
    return OTA_OK;
}

/* What one power-on did: each step runs only when the one before it succeeded. */
enum { STEP_BOOT, STEP_CONFIRM, STEP_REBOOT, STEP_UPDATE, STEP_COMPLETE, STEPS };
typedef struct {
    bool ran[STEPS];
    ota_status s[STEPS];
    ota_boot_result boot, reboot, complete;
    uint8_t inactive;
    uint32_t writes; /* flash operations of the steps before STEP_COMPLETE */
} power_on_result;

/* The update's bank and how much of it the update wrote (whole sectors). */
static uint8_t update_bank;
static uint32_t update_len;

static bool step(power_on_result *r, int i, ota_status s)
{
    r->ran[i] = true;
    r->s[i] = s;
    return s == OTA_OK;
}

/* The update completed from where the board is: a firmware running from the update's bank is
 * its end; any other starts it again (the bank written anew as the uninterrupted update left it,
 * the install record), boots it on trial, confirms it and boots it again. */
static ota_status complete_update(ota_ctx *ctx, const ota_boot_result *running, ota_boot_result *out)
{
    if (running->slot == update_bank) {
        *out = *running;
        return OTA_OK;
    }
    ota_status s = write_bank(update_bank, final + area_off[update_bank], update_len);
    if (s == OTA_OK) s = ota_install(ctx, NULL);
    if (s == OTA_OK) s = boot_decide(ctx, &fl, &wasmcu_ota_keys_ring, &banks, OTA_RESET_SOFTWARE, out);
    if (s == OTA_OK && (out->slot != update_bank || !out->trial)) s = OTA_ERR_STATE;
    if (s == OTA_OK) s = ota_confirm(ctx);
    if (s == OTA_OK) s = boot_decide(ctx, &fl, &wasmcu_ota_keys_ring, &banks, OTA_RESET_SOFTWARE, out);
    return s;
}

/* Powered on: the bootloader decides; a firmware on trial confirms itself after its self-check
 * (firmware/device, ota_confirm); the next boot runs the same firmware; it can take the next
 * update (`wasmcu flash` begins with ota_update_begin); and that update completes (when `restart`
 * is false and it would have to start again, the step is not run). */
static void power_on(power_on_result *r, bool restart)
{
    memset(r, 0, sizeof *r);
    ota_ctx ctx;
    bool ok = step(r, STEP_BOOT, boot_decide(&ctx, &fl, &wasmcu_ota_keys_ring, &banks, OTA_RESET_POWER_ON, &r->boot));
    ok = ok && step(r, STEP_CONFIRM, r->boot.trial ? ota_confirm(&ctx) : OTA_OK);
    ok = ok &&
         step(r, STEP_REBOOT, boot_decide(&ctx, &fl, &wasmcu_ota_keys_ring, &banks, OTA_RESET_POWER_ON, &r->reboot));
    ok = ok && step(r, STEP_UPDATE, r->reboot.trial ? OTA_ERR_STATE : ota_update_begin(&ctx));
    if (ok) r->inactive = ota_inactive_slot(&ctx);
    r->writes = power.ops;
    if (ok && (restart || r->reboot.slot == update_bank)) {
        step(r, STEP_COMPLETE, complete_update(&ctx, &r->reboot, &r->complete));
    }
}

static void print_step(const power_on_result *r, int i, const char *name, const ota_boot_result *b)
{
    /* "seen": the update step succeeded and the restart from this state area was checked before */
    bool seen = i == STEP_COMPLETE && r->ran[STEP_UPDATE] && r->s[STEP_UPDATE] == OTA_OK;
    printf(" | %s: %s", name, r->ran[i] ? ota_status_str(r->s[i]) : seen ? "seen" : "-");
    if (b == NULL) return;
    if (!r->ran[i] || r->s[i] != OTA_OK) {
        printf(" -1 0 -");
        return;
    }
    printf(" %d %d %u.%u.%u", b->slot, b->trial, b->hdr.ver_major, b->hdr.ver_minor, b->hdr.ver_patch);
}

static void print_result(const power_on_result *r)
{
    print_step(r, STEP_BOOT, "boot", &r->boot);
    print_step(r, STEP_CONFIRM, "confirm", NULL);
    print_step(r, STEP_REBOOT, "reboot", &r->reboot);
    print_step(r, STEP_UPDATE, "update", NULL);
    printf(" %d", r->ran[STEP_UPDATE] && r->s[STEP_UPDATE] == OTA_OK ? r->inactive : -1);
    print_step(r, STEP_COMPLETE, "complete", &r->complete);
    printf("\n");
}

static const char *kind(const flash_op *op)
{
    return op->erase ? "erase" : "program";
}

/* A restart of the update from the base's state area has been checked. */
static bool restarted_from_base;

/* Powers the board on after a cut at op k that did `done` bytes of its work, then cuts each
 * operation that power-on wrote (the second cut) and powers on again. The update is restarted
 * from every state area but the base's after the first time: the cuts before the install record
 * differ only in the bank the restart erases and writes again ("complete: seen"). */
static void cut_at(uint32_t k, uint32_t done)
{
    memcpy(after_cut, mem, flash_size);
    apply_part(after_cut, &ops[k], done);
    memcpy(work, after_cut, flash_size);
    uint32_t st = area_off[OTA_AREA_STATE];
    bool base_state = memcmp(after_cut + st, base + st, area_size[OTA_AREA_STATE]) == 0;
    power_up(NO_CUT, 0);
    power_on_result first, second;
    power_on(&first, !base_state || !restarted_from_base);
    restarted_from_base |= base_state;
    printf("%u:%u %s", k, done, kind(&ops[k]));
    print_result(&first);
    uint32_t m = first.writes;
    if (m > MAX_POWER_ON_OPS) die("more flash operations than expected", "a power-on");
    flash_op wrote[MAX_POWER_ON_OPS];
    memcpy(wrote, power.log, m * sizeof wrote[0]);
    for (uint32_t j = 0; j < m; j++) {
        uint32_t points[MAX_CUT_POINTS];
        uint32_t n = cut_points(&wrote[j], points);
        for (uint32_t p = 0; p < n; p++) {
            memcpy(work, after_cut, flash_size);
            power_up(j, points[p]);
            power_on(&second, true);
            if (!power.dead) die("the second cut did not happen", "a power-on");
            power_up(NO_CUT, 0);
            power_on(&second, true);
            printf("%u:%u %s > %u/%u:%u %s %u %u", k, done, kind(&ops[k]), j, m, points[p], kind(&wrote[j]),
                   wrote[j].off, wrote[j].len);
            print_result(&second);
        }
    }
}

static void cuts(uint32_t from)
{
    if (from > n_ops) die("no such operation", "FROM");
    if (n_ops == 0 || !ops[0].erase) die("the update does not start with an erase", "OPSLOG");
    update_bank = ops[0].off >= area_off[1] && ops[0].off - area_off[1] < area_size[1] ? 1 : 0;
    /* the update's sectors: up to the last one any page program of the bank touched */
    for (uint32_t i = 0; i < n_ops; i++) {
        uint32_t b = area_off[update_bank];
        if (!ops[i].erase && ops[i].off >= b && ops[i].off - b < area_size[update_bank]) {
            uint32_t end = ops[i].off - b + ops[i].len;
            end = (end + ERASE_SIZE - 1) / ERASE_SIZE * ERASE_SIZE;
            if (end > update_len) update_len = end;
        }
    }
    for (uint32_t k = 0; k < n_ops; k++) {
        uint32_t points[MAX_CUT_POINTS];
        uint32_t n = k >= from ? cut_points(&ops[k], points) : 0;
        for (uint32_t p = 0; p < n; p++) cut_at(k, points[p]);
        apply(mem, &ops[k], false);
    }
}

/* Appends 2 * pairs state records through firmware/ota: the image in fw_b installed, then the
 * next update begun (which forgets it); fw_b erased after. */
static void age(const char *image_file, uint32_t pairs)
{
    size_t len;
    uint8_t *image = load(image_file, &len);
    uint32_t padded = (uint32_t)((len + ERASE_SIZE - 1) / ERASE_SIZE * ERASE_SIZE);
    if (padded > area_size[1]) die("larger than the bank", image_file);
    uint8_t *buf = malloc(padded);
    if (!buf) die("out of memory", image_file);
    memset(buf, 0xff, padded);
    memcpy(buf, image, len);
    memcpy(work, base, flash_size);
    power_up(NO_CUT, 0);
    ota_ctx ctx;
    if (write_bank(1, buf, padded) != OTA_OK) die("cannot write fw_b", image_file);
    for (uint32_t i = 0; i < pairs; i++) {
        ota_boot_result r;
        if (boot_decide(&ctx, &fl, &wasmcu_ota_keys_ring, &banks, OTA_RESET_POWER_ON, &r) != OTA_OK || r.slot != 0 ||
            r.trial || ota_install(&ctx, NULL) != OTA_OK || ota_update_begin(&ctx) != OTA_OK) {
            die("could not install and forget it", image_file);
        }
    }
    for (uint32_t off = 0; off < padded; off += ERASE_SIZE) {
        if (fl.erase(fl.user, OTA_AREA_SLOT1, off, ERASE_SIZE) != 0) die("cannot erase fw_b", image_file);
    }
    free(buf);
    free(image);
}

int main(int argc, char **argv)
{
    bool is_cuts = argc == 6 + LAYOUT_ARGS && strcmp(argv[1], "cuts") == 0;
    bool is_age = argc == 6 + LAYOUT_ARGS && strcmp(argv[1], "age") == 0;
    bool is_replay = argc == 7 && strcmp(argv[1], "replay") == 0;
    if (!is_cuts && !is_age && !is_replay) {
        fprintf(stderr, "usage: boot_decide_host cuts BASE FINAL OPSLOG FROM FW_A FW_B BANK STATE STATE_SIZE RAM_SIZE\n"
                        "       boot_decide_host replay BASE FINAL OPSLOG K OUT\n"
                        "       boot_decide_host age BASE IMAGE PAIRS OUT FW_A FW_B BANK STATE STATE_SIZE RAM_SIZE\n");
        return 2;
    }
    base = load(argv[2], &flash_size);
    work = flash_copy();
    if (is_age) {
        layout(argv + 6);
        age(argv[3], arg(argv[4]));
        save(argv[5], work);
        return 0;
    }
    size_t final_size;
    final = load(argv[3], &final_size);
    if (final_size != flash_size) die("not the size of the base flash", argv[3]);
    mem = flash_copy();
    after_cut = flash_copy();
    memcpy(mem, base, flash_size);
    load_ops(argv[4]);

    if (is_replay) {
        uint32_t k = arg(argv[5]);
        if (k >= n_ops) die("no such operation", argv[5]);
        for (uint32_t i = 0; i < k; i++) apply(mem, &ops[i], false);
        apply(mem, &ops[k], true);
        save(argv[6], mem);
        return 0;
    }

    layout(argv + 6);
    cuts(arg(argv[5]));
    /* The uninterrupted update's result must be what the replay built. */
    if (memcmp(mem, final, flash_size) != 0) die("the replayed operations do not give the final flash", argv[3]);
    return 0;
}
