/* The host board's firmware banks: files mapped as flash windows (fw_banks.h). */
#define _GNU_SOURCE
#include "fw_banks.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board_config.h"

_Static_assert(WASMCU_BOOT_FW_A_SIZE == WASMCU_BOOT_FW_B_SIZE, "firmware banks of one size");
_Static_assert(WASMCU_BOOT_FW_A_OFFSET >= WASMCU_FLASH_SIZE && WASMCU_BOOT_FW_B_OFFSET >= WASMCU_FLASH_SIZE,
               "the bank windows lie past the flash");
/* The firmware pair's records follow the app pair's and the model pair's (8 KiB each). */
_Static_assert(WASMCU_BOOT_STATE_OFFSET >= WASMCU_REGION_SETTINGS_OFFSET + 2u * WASMCU_BOOT_STATE_SIZE &&
                   WASMCU_BOOT_STATE_OFFSET + WASMCU_BOOT_STATE_SIZE <=
                       WASMCU_REGION_SETTINGS_OFFSET + WASMCU_REGION_SETTINGS_SIZE,
               "the firmware state records lie in the settings region, after the app's and the model's");

/* firmware/ota's image header, before the payload (the executable). */
#define IMAGE_HEADER 128u

static const uint32_t bank_offset[2] = { WASMCU_BOOT_FW_A_OFFSET, WASMCU_BOOT_FW_B_OFFSET };
static const char *const bank_suffix[2] = { ".fw_a", ".fw_b" };

static struct {
    uint8_t *map[2];
    int started_from; /* -1: no boot step started this process from a bank */
} fw = { .started_from = -1 };

static hal_status open_bank(const char *flash_path, int i, bool create)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s%s", flash_path, bank_suffix[i]) >= sizeof path) return HAL_ERR_PARAM;
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0) return errno == ENOENT && !create ? HAL_ERR_UNSUPPORTED : HAL_ERR_IO;
    struct stat st;
    hal_status s = HAL_OK;
    if (fstat(fd, &st) != 0) {
        s = HAL_ERR_IO;
    } else if (st.st_size == 0) {
        /* A new bank reads as erased (0xFF), as the chip's flash does. */
        static uint8_t erased[65536];
        memset(erased, 0xFF, sizeof erased);
        for (uint32_t off = 0; off < WASMCU_BOOT_FW_A_SIZE && s == HAL_OK; off += sizeof erased) {
            if (write(fd, erased, sizeof erased) != (ssize_t)sizeof erased) s = HAL_ERR_IO;
        }
    } else if (st.st_size != (off_t)WASMCU_BOOT_FW_A_SIZE) {
        fprintf(stderr, "wasmcu-host: %s is %lld bytes, but a firmware bank is %u bytes\n", path, (long long)st.st_size,
                WASMCU_BOOT_FW_A_SIZE);
        s = HAL_ERR_PARAM;
    }
    if (s == HAL_OK) {
        void *m = mmap(NULL, WASMCU_BOOT_FW_A_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            s = HAL_ERR_IO;
        else
            fw.map[i] = m;
    }
    close(fd);
    return s;
}

hal_status host_fw_open(const char *flash_path, bool create)
{
    for (int i = 0; i < 2; i++) {
        if (fw.map[i]) continue;
        hal_status s = open_bank(flash_path, i, create);
        if (s != HAL_OK) return s;
    }
    return HAL_OK;
}

uint8_t *host_fw_window(uint32_t offset, uint32_t len)
{
    for (int i = 0; i < 2; i++) {
        if (fw.map[i] && offset >= bank_offset[i] && len <= WASMCU_BOOT_FW_A_SIZE &&
            offset - bank_offset[i] <= WASMCU_BOOT_FW_A_SIZE - len) {
            return fw.map[i] + (offset - bank_offset[i]);
        }
    }
    return NULL;
}

void host_fw_started_from(int bank)
{
    fw.started_from = bank;
}

int hal_boot_bank(void)
{
    return fw.started_from;
}

bool host_fw_payload_runs(const uint8_t *payload, uint32_t len)
{
    static Elf64_Ehdr self;
    static bool have_self;
    if (!have_self) {
        int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        have_self = fd >= 0 && read(fd, &self, sizeof self) == (ssize_t)sizeof self;
        if (fd >= 0) close(fd);
        if (!have_self) return false;
    }
    /* e_ident, e_type and e_machine sit at the same offsets in 32- and 64-bit headers. */
    const Elf64_Ehdr *h = (const Elf64_Ehdr *)(const void *)payload;
    return len >= sizeof *h && memcmp(h->e_ident, ELFMAG, SELFMAG) == 0 &&
           h->e_ident[EI_CLASS] == self.e_ident[EI_CLASS] && h->e_ident[EI_DATA] == self.e_ident[EI_DATA] &&
           (h->e_type == ET_EXEC || h->e_type == ET_DYN) && h->e_machine == self.e_machine;
}

bool hal_boot_image_runs(uint8_t bank, uint32_t image_len)
{
    const uint8_t *b = bank < 2 ? host_fw_window(bank_offset[bank], WASMCU_BOOT_FW_A_SIZE) : NULL;
    return b && image_len > IMAGE_HEADER && image_len <= WASMCU_BOOT_FW_A_SIZE &&
           host_fw_payload_runs(b + IMAGE_HEADER, image_len - IMAGE_HEADER);
}
