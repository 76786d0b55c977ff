/* store.c: the store (allocator, limits, stacks, natives, registered
 * instances), tracked allocation, error messages and the bump allocator. */
#include "internal.h"

/* Every allocation carries this header so the store can free everything it
 * owns, and report what it holds. */
struct wr_block {
    wr_block *prev, *next;
    size_t size; /* payload bytes */
};
#define HDR ((sizeof(wr_block) + 7u) & ~(size_t)7u)

static const char *const status_names[WR_STATUS_COUNT] = {
    [WR_OK] = "ok",
    [WR_ERR_ARG] = "bad argument",
    [WR_ERR_NOMEM] = "out of memory",
    [WR_ERR_LIMIT] = "runtime limit exceeded",
    [WR_ERR_NOT_FOUND] = "not found",
    [WR_ERR_TYPE] = "type mismatch",
    [WR_ERR_MALFORMED] = "malformed module",
    [WR_ERR_INVALID] = "invalid module",
    [WR_ERR_UNLINKABLE] = "unlinkable",
    [WR_ERR_UNSUPPORTED] = "not supported",
    [WR_TRAP_UNREACHABLE] = "unreachable",
    [WR_TRAP_MEMORY_OOB] = "out of bounds memory access",
    [WR_TRAP_TABLE_OOB] = "out of bounds table access",
    [WR_TRAP_DIV_ZERO] = "integer divide by zero",
    [WR_TRAP_INT_OVERFLOW] = "integer overflow",
    [WR_TRAP_CONVERSION] = "invalid conversion to integer",
    [WR_TRAP_UNDEFINED_ELEMENT] = "undefined element",
    [WR_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
    [WR_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
    [WR_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
    [WR_TRAP_FUEL] = "out of fuel",
    [WR_TRAP_NATIVE] = "native function trapped",
};

const char *wr_status_name(wr_status st)
{
    if ((unsigned)st >= WR_STATUS_COUNT) return "unknown status";
    return status_names[st];
}

bool wr_status_is_trap(wr_status st)
{
    return st >= WR_TRAP_UNREACHABLE && st < WR_STATUS_COUNT;
}

void wr_limits_default(wr_limits *l)
{
    l->max_memory_bytes = WR_DEFAULT_MAX_MEMORY_BYTES;
    l->stack_slots = WR_DEFAULT_STACK_SLOTS;
    l->call_depth = WR_DEFAULT_CALL_DEPTH;
    l->max_table_elems = WR_DEFAULT_MAX_TABLE_ELEMS;
}

/* ------------------------------------------------------------ messages */
typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void put_c(sbuf *b, char c)
{
    if (b->len + 1 < b->cap) b->buf[b->len++] = c;
}
static void put_n(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) put_c(b, s[i]);
}
static void put_u(sbuf *b, uint64_t v, unsigned base)
{
    char tmp[20];
    size_t n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (n) put_c(b, tmp[--n]);
}

wr_status wr__vfail(wr_store *s, wr_status st, const char *fmt, va_list ap)
{
    sbuf b = { s->msg, 0, sizeof s->msg };
    s->trap_nframes = s->trap_depth = 0; /* a new error: the frames of an older trap are not its */
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put_c(&b, *f);
            continue;
        }
        switch (*++f) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            put_n(&b, str, strlen(str));
            break;
        }
        case 'S': {
            uint32_t n = va_arg(ap, uint32_t);
            const char *str = va_arg(ap, const char *);
            /* names are untrusted bytes: show printable ASCII only */
            for (uint32_t i = 0; i < n; i++) put_c(&b, (str[i] >= 0x20 && str[i] < 0x7F) ? str[i] : '?');
            break;
        }
        case 'u': put_u(&b, va_arg(ap, uint32_t), 10); break;
        case 'U': put_u(&b, va_arg(ap, uint64_t), 10); break;
        case 'x':
            put_n(&b, "0x", 2);
            put_u(&b, va_arg(ap, uint32_t), 16);
            break;
        case '%': put_c(&b, '%'); break;
        default: return wr__fail(s, WR_ERR_ARG, "bad message format");
        }
    }
    b.buf[b.len] = 0;
    s->status = st;
    return st;
}

wr_status wr__fail(wr_store *s, wr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wr__vfail(s, st, fmt, ap);
    va_end(ap);
    return st;
}

const char *wr_store_error(const wr_store *s)
{
    return s->msg;
}

/* ------------------------------------------------------------ allocation */
static void *alloc_block(wr_store *s, size_t size, bool zero)
{
    if (size > SIZE_MAX - HDR - 8) {
        wr__fail(s, WR_ERR_NOMEM, "allocation of %U bytes is too large", (uint64_t)size);
        return NULL;
    }
    size = (size + 7u) & ~(size_t)7u;
    wr_block *b = s->alloc.alloc(s->alloc.user, HDR + size);
    if (!b) {
        wr__fail(s, WR_ERR_NOMEM, "out of memory: allocator refused %U bytes (%U in use)", (uint64_t)(HDR + size),
                 (uint64_t)s->allocated);
        return NULL;
    }
    memset(b, 0, zero ? HDR + size : HDR);
    b->size = size;
    b->next = s->blocks;
    if (s->blocks) s->blocks->prev = b;
    s->blocks = b;
    s->allocated += HDR + size;
    if (s->allocated > s->peak) s->peak = s->allocated;
    return (uint8_t *)b + HDR;
}

void *wr__alloc(wr_store *s, size_t size)
{
    return alloc_block(s, size, true);
}

void *wr__alloc_raw(wr_store *s, size_t size)
{
    return alloc_block(s, size, false);
}

static void unlink_block(wr_store *s, wr_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        s->blocks = b->next;
    if (b->next) b->next->prev = b->prev;
}

void wr__free(wr_store *s, void *p)
{
    if (!p) return;
    wr_block *b = (wr_block *)((uint8_t *)p - HDR);
    unlink_block(s, b);
    s->allocated -= HDR + b->size;
    if (s->alloc.free) s->alloc.free(s->alloc.user, b, HDR + b->size);
}

void *wr__resize(wr_store *s, void *p, size_t new_size)
{
    if (!s->alloc.resize || new_size > SIZE_MAX - HDR - 8) return NULL;
    new_size = (new_size + 7u) & ~(size_t)7u;
    wr_block *b = (wr_block *)((uint8_t *)p - HDR);
    size_t old = b->size;
    wr_block *prev = b->prev, *next = b->next;
    /* realloc semantics: on refusal the old block is untouched */
    wr_block *nb = s->alloc.resize(s->alloc.user, b, HDR + old, HDR + new_size);
    if (!nb) return NULL;
    if (prev)
        prev->next = nb;
    else
        s->blocks = nb;
    if (next) next->prev = nb;
    nb->size = new_size;
    if (new_size > old) memset((uint8_t *)nb + HDR + old, 0, new_size - old);
    s->allocated = s->allocated - old + new_size;
    if (s->allocated > s->peak) s->peak = s->allocated;
    return (uint8_t *)nb + HDR;
}

/* ------------------------------------------------------------ store */
wr_status wr_store_new(const wr_allocator *alloc, const wr_limits *limits, wr_store **out)
{
    if (!out) return WR_ERR_ARG;
    *out = NULL;
    if (!alloc || !alloc->alloc) return WR_ERR_ARG;
    wr_limits lim;
    if (limits)
        lim = *limits;
    else
        wr_limits_default(&lim);
    if (lim.stack_slots < 16 || lim.call_depth < 1) return WR_ERR_ARG;
    wr_store *s = alloc->alloc(alloc->user, sizeof *s);
    if (!s) return WR_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->alloc = *alloc;
    s->limits = lim;
    s->vm.fuel = INT64_MAX;
    s->aot_stack_bytes = WR_AOT_STACK_BYTES;
    /* one guard slot below the base: the interpreter may reload its cached
   * top of stack from an empty stack (and then never use it) */
    /* the stacks need no zeroing: every slot is written before it is read */
    s->stack = wr__alloc_raw(s, ((size_t)lim.stack_slots + 1) * sizeof(wr_slot));
    if (s->stack) s->stack++;
    s->frames = s->stack ? wr__alloc_raw(s, (size_t)lim.call_depth * sizeof(wr_frame)) : NULL;
    if (!s->frames) {
        wr_store_delete(s);
        return WR_ERR_NOMEM;
    }
    s->stack_end = s->stack + lim.stack_slots;
    s->sp = s->stack;
    s->frames_end = s->frames + lim.call_depth;
    s->frame = s->frames;
    *out = s;
    return WR_OK;
}

void wr_store_delete(wr_store *s)
{
    if (!s) return;
    while (s->blocks) wr__free(s, (uint8_t *)s->blocks + HDR);
    wr_allocator a = s->alloc;
    if (a.free) a.free(a.user, s, sizeof *s);
}

/* Fuel is kept signed (a decrement and a sign test per unit); UINT64_MAX,
 * unlimited, is kept as INT64_MAX, which no run can use up. */
void wr_store_set_fuel(wr_store *s, uint64_t fuel)
{
    wr__aot_settle(s);
    s->vm.fuel = fuel >= (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)fuel;
}

uint64_t wr_store_fuel(const wr_store *s)
{
    int64_t fuel = s->aot_live ? wr__aot_fuel(s) : s->vm.fuel;
    return fuel == INT64_MAX ? UINT64_MAX : (uint64_t)fuel;
}

void wr_store_stats_get(const wr_store *s, wr_store_stats *out)
{
    out->bytes_allocated = s->allocated;
    out->peak_bytes = s->peak;
    out->value_stack_bytes = (size_t)s->limits.stack_slots * sizeof(wr_slot);
    out->call_stack_bytes = (size_t)s->limits.call_depth * sizeof(wr_frame);
}

wr_status wr_store_add_natives(wr_store *s, const wr_native *natives, size_t count)
{
    if (!s || (!natives && count)) return WR_ERR_ARG;
    for (size_t i = 0; i < count; i++) {
        wr_status st = wr__native_check(s, &natives[i]);
        if (st != WR_OK) return st;
    }
    wr_natives *n = wr__alloc(s, sizeof *n);
    if (!n) return WR_ERR_NOMEM;
    n->table = natives;
    n->count = count;
    /* later tables are searched first, so an embedder can override */
    n->next = s->natives;
    s->natives = n;
    return WR_OK;
}

wr_status wr_register(wr_store *s, const char *name, size_t len, wr_instance *inst)
{
    if (!s || !inst || (!name && len) || inst->store != s) return WR_ERR_ARG;
    wr_registered *r = wr__alloc(s, sizeof *r + len + 1);
    if (!r) return WR_ERR_NOMEM;
    r->name = (char *)(r + 1);
    memcpy(r->name, name, len);
    r->len = len;
    r->inst = inst;
    r->next = s->registered;
    s->registered = r;
    return WR_OK;
}

/* ------------------------------------------------------------ bump allocator */
static void *bump_alloc(void *user, size_t size)
{
    wr_bump *b = user;
    size = (size + 7u) & ~(size_t)7u;
    if (size > b->size - b->top) return NULL;
    void *p = b->base + b->top;
    b->top += size;
    if (b->top > b->peak) b->peak = b->top;
    return p;
}

static void bump_free(void *user, void *ptr, size_t size)
{
    wr_bump *b = user;
    size = (size + 7u) & ~(size_t)7u;
    if ((uint8_t *)ptr + size == b->base + b->top) b->top = (size_t)((uint8_t *)ptr - b->base);
}

void wr_bump_init(wr_bump *bump, wr_allocator *out, void *buffer, size_t size)
{
    /* align the start; the rest is usable */
    uintptr_t a = ((uintptr_t)buffer + 7u) & ~(uintptr_t)7u;
    size_t skip = (size_t)(a - (uintptr_t)buffer);
    bump->base = (uint8_t *)a;
    bump->size = size > skip ? size - skip : 0;
    bump->top = 0;
    bump->peak = 0;
    out->alloc = bump_alloc;
    out->free = bump_free;
    out->resize = NULL;
    out->user = bump;
}
