/* alloc.c: the host allocator, over malloc/realloc. */
#include <stdlib.h>

#include "host.h"

static void *h_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size ? size : 1);
}

static void h_free(void *user, void *p, size_t size)
{
    (void)user;
    (void)size;
    free(p);
}

static void *h_resize(void *user, void *p, size_t old_size, size_t new_size)
{
    (void)user;
    (void)old_size;
    return realloc(p, new_size ? new_size : 1);
}

void host_allocator(wr_allocator *out)
{
    out->alloc = h_alloc;
    out->free = h_free;
    out->resize = h_resize;
    out->user = NULL;
}

unsigned char *host_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
