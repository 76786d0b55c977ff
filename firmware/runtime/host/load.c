/* load.c: a module file for wasmcu-vm, either a plain module or an AOT image
 * (its own magic says which), the image's SHA-256 check done with the OTA
 * library's SHA-256 as on a device. */
#include "host.h"
#include "ota.h"

#include <string.h>

static void sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    ota_sha256 c;
    ota_sha256_init(&c);
    ota_sha256_update(&c, data, len);
    ota_sha256_final(&c, out);
}

#if defined(__arm__)
/* AOT code runs where the image is, as from a device's flash. Under qemu-arm
 * the heap is not executable, so images are copied into this array, which an
 * ARM build linked with -N (one writable and executable segment) can run. */
#ifndef HOST_AOT_ARENA_BYTES
#define HOST_AOT_ARENA_BYTES (32u << 20)
#endif
/* "awx": allocated, writable, executable (the "@" ends the directive GCC writes: a comment to gas) */
static uint8_t arena[HOST_AOT_ARENA_BYTES] __attribute__((aligned(8), section(".aot_arena,\"awx\",%nobits @")));
static size_t arena_top;

void host_aot_reset(void)
{
    arena_top = 0;
}

static const uint8_t *executable_copy(const uint8_t *bytes, size_t len)
{
    if (len > sizeof arena - arena_top) return NULL;
    uint8_t *p = arena + arena_top;
    memcpy(p, bytes, len);
    arena_top += (len + 7u) & ~(size_t)7u;
    return p;
}
#else
void host_aot_reset(void)
{
}

static const uint8_t *executable_copy(const uint8_t *bytes, size_t len)
{
    (void)len;
    return bytes; /* wr_aot_load says this target cannot run it */
}
#endif

wr_status host_module_load(wr_store *s, const unsigned char *bytes, size_t len, wr_module **out)
{
    if (!wr_aot_is_image(bytes, len)) return wr_module_load(s, bytes, len, out);
    const uint8_t *image = executable_copy(bytes, len);
    if (!image) {
        *out = NULL;
        return WR_ERR_NOMEM;
    }
    return wr_aot_load(s, image, len, sha256, out);
}
