/* memory.c: linear memory and table objects: creating them for an instance
 * (within the store's limits), growing them (memory.grow and table.grow, run
 * by the interpreter) and the embedder's API over them. */
#include "internal.h"

/* ------------------------------------------------------------ memory */
/* Pages the store's memory limit allows: below one page the single page is
 * partly backed. */
static uint32_t limit_pages(const wr_store *s)
{
    uint64_t l = s->limits.max_memory_bytes;
    if (l >= (uint64_t)WR_MAX_PAGES * WR_PAGE) return WR_MAX_PAGES;
    if (l >= WR_PAGE) return (uint32_t)(l / WR_PAGE);
    return l ? 1 : 0;
}

static uint64_t backed_bytes(const wr_store *s, uint32_t pages)
{
    uint64_t b = (uint64_t)pages * WR_PAGE;
    return b < s->limits.max_memory_bytes ? b : s->limits.max_memory_bytes;
}

wr_status wr__memory_new(wr_store *s, wr_memory *mem, const wr_limits32 *l)
{
    uint32_t allowed = limit_pages(s);
    mem->store = s;
    mem->pages = l->min;
    mem->has_max = l->has_max;
    mem->max_pages = l->has_max ? l->max : WR_MAX_PAGES;
    if (l->min > allowed) {
        return wr__fail(s, WR_ERR_LIMIT, "memory of %u pages exceeds the limit of %U bytes", l->min,
                        s->limits.max_memory_bytes);
    }
    mem->bytes = backed_bytes(s, l->min);
    /* without resize, reserve what memory.grow could ever reach now */
    uint64_t cap = mem->bytes;
    if (!s->alloc.resize) cap = backed_bytes(s, mem->max_pages < allowed ? mem->max_pages : allowed);
    if (cap > SIZE_MAX) return wr__fail(s, WR_ERR_LIMIT, "memory too large for this host");
    if (cap) {
        mem->data = wr__alloc(s, (size_t)cap);
        if (!mem->data) return WR_ERR_NOMEM;
    }
    mem->capacity = cap;
    return WR_OK;
}

int32_t wr__memory_grow(wr_memory *mem, uint32_t n)
{
    wr_store *s = mem->store;
    uint32_t old = mem->pages;
    uint32_t cap = mem->max_pages < limit_pages(s) ? mem->max_pages : limit_pages(s);
    if (n > cap - old) return -1;
    uint64_t bytes = backed_bytes(s, old + n);
    if (bytes > mem->capacity) {
        if (bytes > SIZE_MAX) return -1;
        uint8_t *d = mem->data ? wr__resize(s, mem->data, (size_t)bytes) : wr__alloc(s, (size_t)bytes);
        if (!d) return -1;
        mem->data = d;
        mem->capacity = bytes;
    }
    mem->pages = old + n;
    mem->bytes = bytes;
    return (int32_t)old;
}

/* ------------------------------------------------------------ table */
wr_status wr__table_new(wr_store *s, wr_table *t, const wr_tabletype *tt)
{
    t->store = s;
    t->elem = tt->elem;
    t->size = tt->lim.min;
    t->has_max = tt->lim.has_max;
    t->max = tt->lim.max;
    if (t->size > s->limits.max_table_elems) {
        return wr__fail(s, WR_ERR_LIMIT, "table of %u elements exceeds the limit of %u", t->size,
                        s->limits.max_table_elems);
    }
    uint32_t cap = t->size;
    if (!s->alloc.resize && t->has_max) cap = t->max < s->limits.max_table_elems ? t->max : s->limits.max_table_elems;
    if (cap) {
        t->elems = wr__alloc(s, (size_t)cap * sizeof *t->elems);
        if (!t->elems) return WR_ERR_NOMEM;
    }
    t->capacity = cap;
    return WR_OK;
}

bool wr__table_grow(wr_table *t, uint32_t n, uintptr_t init, uint32_t *old)
{
    wr_store *s = t->store;
    uint32_t max = t->has_max ? t->max : UINT32_MAX;
    if (max > s->limits.max_table_elems) max = s->limits.max_table_elems;
    *old = t->size;
    if (t->size > max || n > max - t->size) return false;
    uint32_t size = t->size + n;
    if (size > t->capacity) {
        uintptr_t *e =
            t->elems ? wr__resize(s, t->elems, (size_t)size * sizeof *e) : wr__alloc(s, (size_t)size * sizeof *e);
        if (!e) return false;
        t->elems = e;
        t->capacity = size;
    }
    for (uint32_t i = t->size; i < size; i++) t->elems[i] = init;
    t->size = size;
    s->table_writes++;
    return true;
}

/* ------------------------------------------------------------ API */
uint64_t wr_memory_bytes(const wr_memory *mem)
{
    return mem ? mem->bytes : 0;
}
uint32_t wr_memory_pages(const wr_memory *mem)
{
    return mem ? mem->pages : 0;
}

void *wr_memory_ptr(wr_memory *mem, uint64_t offset, uint64_t len)
{
    if (!mem || offset > mem->bytes || len > mem->bytes - offset) return NULL;
    return mem->data + offset;
}

wr_status wr_memory_read(wr_memory *mem, uint64_t offset, void *dst, size_t len)
{
    const void *p = wr_memory_ptr(mem, offset, len);
    if (!p) return WR_TRAP_MEMORY_OOB;
    if (len) memcpy(dst, p, len);
    return WR_OK;
}

wr_status wr_memory_write(wr_memory *mem, uint64_t offset, const void *src, size_t len)
{
    void *p = wr_memory_ptr(mem, offset, len);
    if (!p) return WR_TRAP_MEMORY_OOB;
    if (len) memcpy(p, src, len);
    return WR_OK;
}

uint32_t wr_table_size(const wr_table *t)
{
    return t ? t->size : 0;
}
