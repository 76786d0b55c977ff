/* The host board's boot step: firmware/ota's boot decision over the firmware files, then the
 * chosen executable runs as a child process (boot.h). */
#define _GNU_SOURCE
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board_config.h"
#include "fw_banks.h"
#include "hal.h"
#include "hal_host.h"
#include "ota.h"

#include WASMCU_OTA_KEYS_HEADER

/* Unconfirmed boots a firmware image gets, as on the rp2040 (boards/rp2040/boot/boot.h). */
#define MAX_TRIAL_BOOTS  3u
/* A confirmed firmware that fails this many boots in a row stops the board instead of
 * restarting forever (a chip would boot-loop; a process should not). */
#define MAX_FAILED_BOOTS 5u

static const uint32_t bank_offset[2] = { WASMCU_BOOT_FW_A_OFFSET, WASMCU_BOOT_FW_B_OFFSET };
static const char *const bank_name[2] = { "fw_a", "fw_b" };

const char *host_boot_install(const char *flash_path, const char *image)
{
    static char why[256];
    FILE *f = fopen(image, "rb");
    if (!f) {
        snprintf(why, sizeof why, "cannot open %s: %s", image, strerror(errno));
        return why;
    }
    static uint8_t buf[WASMCU_BOOT_FW_A_SIZE];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool too_big = !feof(f);
    fclose(f);
    ota_image_header h;
    ota_status s = n >= OTA_HEADER_SIZE ? ota_image_parse(buf, &h) : OTA_ERR_TRUNCATED;
    if (too_big) s = OTA_ERR_TOO_BIG;
    if (s == OTA_OK && (h.kind != OTA_KIND_FIRMWARE || OTA_HEADER_SIZE + (size_t)h.payload_len != n))
        s = OTA_ERR_HEADER;
    if (s != OTA_OK) {
        snprintf(why, sizeof why, "%s is not one signed firmware image of at most %u bytes (%s)", image,
                 WASMCU_BOOT_FW_A_SIZE, ota_status_str(s));
        return why;
    }
    if (host_fw_open(flash_path, true) != HAL_OK) return "cannot create the firmware files";
    /* The banks are written here too: the first image. */
    const ota_flash *fl = &hal_boot_banks_flash;
    uint8_t raw[OTA_HEADER_SIZE];
    for (int i = 0; i < 2; i++) {
        if (fl->read(fl->user, (ota_area)i, 0, raw, sizeof raw) == 0 && ota_image_parse(raw, &h) == OTA_OK) {
            return NULL; /* installed before: the records and the banks decide from here */
        }
    }
    uint32_t len = ((uint32_t)n + WASMCU_FLASH_ERASE_SIZE - 1u) / WASMCU_FLASH_ERASE_SIZE * WASMCU_FLASH_ERASE_SIZE;
    if (fl->erase(fl->user, OTA_AREA_SLOT0, 0, len) != 0 ||
        fl->program(fl->user, OTA_AREA_SLOT0, 0, buf, (uint32_t)n) != 0) {
        return "cannot write the firmware file";
    }
    return NULL;
}

/* The chosen bank's executable in a sealed memory file, checked again against the header's
 * hash after the copy: what runs is exactly what was verified. -1 on failure. */
static int executable(uint8_t slot, const ota_image_header *h)
{
    const uint8_t *p = hal_flash_map(bank_offset[slot] + OTA_HEADER_SIZE, h->payload_len);
    int fd = p ? memfd_create(bank_name[slot], MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1;
    if (fd < 0) return -1;
    for (uint32_t done = 0; done < h->payload_len;) {
        ssize_t k = write(fd, p + done, h->payload_len - done);
        if (k <= 0) {
            close(fd);
            return -1;
        }
        done += (uint32_t)k;
    }
    /* Sealed first: a write sealing needs no shared mapping in place. */
    void *m = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) == 0
                  ? mmap(NULL, h->payload_len, PROT_READ, MAP_SHARED, fd, 0)
                  : MAP_FAILED;
    uint8_t got[32];
    if (m == MAP_FAILED) {
        close(fd);
        return -1;
    }
    ota_sha256 c;
    ota_sha256_init(&c);
    ota_sha256_update(&c, m, h->payload_len);
    ota_sha256_final(&c, got);
    munmap(m, h->payload_len);
    if (memcmp(got, h->payload_sha256, sizeof got) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Runs the firmware in `slot` until it resets or stops: its wait status, or -1. */
static int run(uint8_t slot, const ota_image_header *h, hal_reset_reason reason, char **argv)
{
    int fd = executable(slot, h);
    if (fd < 0) return -1;
    fflush(NULL);
    pid_t self = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* The firmware goes with the board (kept across the exec); checked again in case the
         * boot step was already gone before the request took effect. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != self) _exit(0);
        char buf[8];
        snprintf(buf, sizeof buf, "%d", (int)slot);
        setenv("WASMCU_HOST_FW_BANK", buf, 1);
        snprintf(buf, sizeof buf, "%d", (int)reason);
        setenv("WASMCU_HOST_RESET_REASON", buf, 1);
        extern char **environ;
        fexecve(fd, argv, environ);
        fprintf(stderr, "wasmcu-host boot: cannot run the firmware in %s: %s\n", bank_name[slot], strerror(errno));
        _exit(127);
    }
    close(fd);
    int st;
    if (pid < 0) return -1;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return st;
}

int host_boot(const char *flash_path, char **argv)
{
    const char *bank = getenv("WASMCU_HOST_FW_BANK");
    if (bank) {
        unsetenv("WASMCU_HOST_FW_BANK");
        if (host_fw_open(flash_path, false) != HAL_OK) return 1;
        host_fw_started_from(atoi(bank) == 1 ? 1 : 0);
        return -1;
    }
    hal_status fs = host_fw_open(flash_path, false);
    if (fs == HAL_ERR_UNSUPPORTED) return -1; /* no firmware files: this executable is the firmware */
    if (fs != HAL_OK) return 1;
    hal_reset_reason reason = hal_last_reset();
    unsigned failed = 0;
    for (;;) {
        static ota_ctx ctx;
        ota_boot_result out;
        ota_reset_reason why = reason == HAL_RESET_SOFTWARE                                ? OTA_RESET_SOFTWARE
                               : reason == HAL_RESET_WATCHDOG || reason == HAL_RESET_FAULT ? OTA_RESET_WATCHDOG
                                                                                           : OTA_RESET_POWER_ON;
        ota_status s = ota_open(&ctx, &hal_boot_banks_flash, &wasmcu_ota_keys_ring, MAX_TRIAL_BOOTS);
        if (s == OTA_OK) s = ota_boot(&ctx, why, &out);
        if (s == OTA_OK && !hal_boot_image_runs(out.slot, OTA_HEADER_SIZE + out.hdr.payload_len)) s = OTA_ERR_HEADER;
        if (s != OTA_OK) {
            fprintf(stderr, "wasmcu-host boot: no bootable firmware in %s.fw_a or .fw_b (%s)\n", flash_path,
                    ota_status_str(s));
            return 1;
        }
        if (out.rolled_back) fprintf(stderr, "wasmcu-host boot: the firmware on trial was rolled back\n");
        int st = run(out.slot, &out.hdr, reason, argv);
        setenv("WASMCU_HOST_BOOTED", "1", 1); /* --wait-for-host holds the first boot only */
        if (st < 0) {
            fprintf(stderr, "wasmcu-host boot: cannot start the firmware in %s\n", bank_name[out.slot]);
            return 1;
        }
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (code == HAL_HOST_POWER_CUT_EXIT) return code;
        if (code > HAL_HOST_RESET_EXIT && code <= HAL_HOST_RESET_EXIT + (int)HAL_RESET_FAULT) {
            reason = (hal_reset_reason)(code - HAL_HOST_RESET_EXIT);
        } else {
            /* A crash, or a firmware that gave up at start: a failed boot, as the watchdog
             * would end it on the chip. */
            fprintf(stderr, "wasmcu-host boot: the firmware in %s ended (%s %d): a failed boot\n", bank_name[out.slot],
                    WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : code);
            reason = HAL_RESET_FAULT;
        }
        failed = reason == HAL_RESET_SOFTWARE ? 0 : failed + 1;
        if (!out.trial && failed >= MAX_FAILED_BOOTS) {
            fprintf(stderr, "wasmcu-host boot: the confirmed firmware in %s failed %u boots in a row: stopping\n",
                    bank_name[out.slot], failed);
            return 1;
        }
    }
}
