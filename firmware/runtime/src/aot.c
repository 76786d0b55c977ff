/* aot.c: ahead-of-time code (issue #20), the device side: checks a .waot image
 * (its layout: host-tools/src/aot/README.md), attaches its code to the module
 * and to each instance (the context the code reads: memory, globals, function
 * descriptors, tables, fuel, stack limit, helpers), calls into it through the
 * image's entry stub, and maps a trap site back to the wasm function and offset
 * the way the interpreter reports traps. The helpers the code calls, the
 * import call among them, are aot_helpers.c's. */
#include "aot.h"

bool wr_aot_is_image(const uint8_t *bytes, size_t len)
{
    return bytes && len >= 4 && memcmp(bytes, WR_AOT_MAGIC, 4) == 0;
}

bool wr_module_is_aot(const wr_module *m)
{
    return m && m->aot;
}

void wr_store_set_aot_stack(wr_store *s, uint32_t bytes)
{
    if (s) s->aot_stack_bytes = bytes;
}

#if !WR_AOT_RUNS
wr_status wr_aot_load(wr_store *s, const uint8_t *image, size_t len, wr_sha256_fn sha256, wr_module **out)
{
    (void)image, (void)len, (void)sha256;
    if (!out) return WR_ERR_ARG;
    *out = NULL;
    if (!s) return WR_ERR_ARG;
    return wr__fail(s, WR_ERR_UNSUPPORTED, "AOT code is ARMv6-M Thumb: not supported on this target");
}
wr_status wr__aot_attach(wr_store *s, wr_instance *inst)
{
    (void)inst;
    return wr__fail(s, WR_ERR_UNSUPPORTED, "AOT code is ARMv6-M Thumb: not supported on this target");
}
wr_status wr__aot_execute(wr_store *s, const wr_func *f, wr_slot *args)
{
    (void)f, (void)args;
    return wr__fail(s, WR_ERR_UNSUPPORTED, "AOT code is ARMv6-M Thumb: not supported on this target");
}
#else

_Static_assert(offsetof(wr_aot_ctx, mem_base) == WR_AOT_CTX_MEM_BASE, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, mem_size) == WR_AOT_CTX_MEM_SIZE, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, globals) == WR_AOT_CTX_GLOBALS, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, fuel) == WR_AOT_CTX_FUEL, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, stack_limit) == WR_AOT_CTX_STACK_LIMIT, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, saved_sp) == WR_AOT_CTX_SAVED_SP, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, results) == WR_AOT_CTX_RESULTS, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, trap_lr) == WR_AOT_CTX_TRAP_LR, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, helpers) == WR_AOT_CTX_HELPERS, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, table) == WR_AOT_CTX_TABLE, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, table_size) == WR_AOT_CTX_TABLE_SIZE, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, arg_words) == WR_AOT_CTX_ARG_WORDS, "ctx layout");
_Static_assert(offsetof(wr_aot_ctx, mem_pages) == WR_AOT_CTX_MEM_PAGES, "ctx layout");
_Static_assert(sizeof(wr_aot_ctx) == WR_AOT_CTX_SIZE, "ctx layout");

/* ------------------------------------------------------------ the image */
enum {
    HDR_BYTES = 112,
    FORMAT_VERSION = 1,
    TARGET_THUMBV6M = 1,
    H_VERSION = 4,
    H_TARGET = 6,
    H_ABI = 8,
    H_LENGTH = 12,
    H_SHA256 = 16,
    H_ENTRY = 48,
    H_NFUNCS = 52,
    H_NIMPORTS = 56,
    H_NTRAPS = 60,
    H_SECTIONS = 64,
    H_FLAGS = 104,
    H_TRAP_STUB = 108,
    FUNC_BYTES = 8,
    TRAP_BYTES = 12,
};
enum { S_FUNCS, S_IMPORTS, S_TRAPS, S_CODE, S_MODULE, S_COUNT };

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static wr_status bad(wr_store *s, const char *what, uint32_t at)
{
    return wr__fail(s, WR_ERR_MALFORMED, "AOT image: %s (at byte %u)", what, at);
}

/* The header and the sections' places: in order, 4-byte aligned, inside the image. */
static wr_status check_header(wr_store *s, const uint8_t *img, size_t len, uint32_t off[S_COUNT],
                              uint32_t size[S_COUNT])
{
    if (len < HDR_BYTES) return bad(s, "truncated", (uint32_t)len);
    /* the code's literal pools are word-aligned relative to the image start */
    if ((uintptr_t)img % 4) return bad(s, "not at a 4-byte aligned address", 0);
    if (memcmp(img, WR_AOT_MAGIC, 4) != 0) return bad(s, "bad magic", 0);
    if (rd16(img + H_VERSION) != FORMAT_VERSION) return bad(s, "format version", H_VERSION);
    if (rd16(img + H_TARGET) != TARGET_THUMBV6M) return bad(s, "target is not thumbv6m", H_TARGET);
    if (rd32(img + H_ABI) != WR_AOT_ABI_VERSION) return bad(s, "ABI version is not the runtime's", H_ABI);
    if (len > 0x7FFFFFFF || rd32(img + H_LENGTH) != len) return bad(s, "length field differs (truncated?)", H_LENGTH);
    if (rd32(img + H_FLAGS)) return bad(s, "flags", H_FLAGS);
    uint32_t floor = HDR_BYTES;
    for (uint32_t i = 0; i < S_COUNT; i++) {
        uint32_t at = H_SECTIONS + 8 * i, o = rd32(img + at), n = rd32(img + at + 4);
        if (o % 4 || o < floor || o > len || n > len - o) {
            return bad(s, "section out of range or order", at);
        }
        off[i] = o;
        size[i] = n;
        floor = o + n;
    }
    if (rd32(img + H_NFUNCS) != size[S_FUNCS] / FUNC_BYTES || size[S_FUNCS] % FUNC_BYTES)
        return bad(s, "function table size", H_NFUNCS);
    if (rd32(img + H_NTRAPS) != size[S_TRAPS] / TRAP_BYTES || size[S_TRAPS] % TRAP_BYTES)
        return bad(s, "trap map size", H_NTRAPS);
    uint32_t entry = rd32(img + H_ENTRY);
    if (entry % 2 || entry >= size[S_CODE]) return bad(s, "entry offset", H_ENTRY);
    uint32_t stub = rd32(img + H_TRAP_STUB);
    if (stub % 2 || stub >= size[S_CODE]) return bad(s, "trap stub offset", H_TRAP_STUB);
    return WR_OK;
}

/* Every entry of the function table and trap map points into the code; trap
 * sites are sorted (a binary search finds them) and of a known kind. */
static wr_status check_tables(wr_store *s, const uint8_t *img, const uint32_t off[S_COUNT],
                              const uint32_t size[S_COUNT])
{
    for (uint32_t at = off[S_FUNCS]; at < off[S_FUNCS] + size[S_FUNCS]; at += FUNC_BYTES) {
        uint32_t code = rd32(img + at);
        if (code % 2 || code >= size[S_CODE]) return bad(s, "function code offset", at);
    }
    uint32_t last = 0;
    for (uint32_t at = off[S_TRAPS]; at < off[S_TRAPS] + size[S_TRAPS]; at += TRAP_BYTES) {
        uint32_t ret = rd32(img + at), kind = rd32(img + at + 8) >> 24;
        if (ret > size[S_CODE] || (at > off[S_TRAPS] && ret <= last)) return bad(s, "trap site offset or order", at);
        if (kind < WR_AOT_TRAP_UNREACHABLE || kind > WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS)
            return bad(s, "trap kind", at + 8);
        last = ret;
    }
    return WR_OK;
}

/* The function table's type ids and the imports must be the embedded module's:
 * the code was compiled from it. */
static wr_status check_against_module(wr_store *s, const uint8_t *img, const uint32_t off[S_COUNT],
                                      const uint32_t size[S_COUNT], const wr_module *m)
{
    if (rd32(img + H_NFUNCS) != m->nfuncs - m->nfunc_imports)
        return bad(s, "function count differs from the module's", H_NFUNCS);
    for (uint32_t k = 0; k < m->nfuncs - m->nfunc_imports; k++) {
        uint32_t at = off[S_FUNCS] + FUNC_BYTES * k + 4;
        if (rd32(img + at) != m->types[m->func_type[m->nfunc_imports + k]].canon)
            return bad(s, "function type id differs from the module's", at);
    }
    if (rd32(img + H_NIMPORTS) != m->nfunc_imports) return bad(s, "import count differs from the module's", H_NIMPORTS);
    uint32_t p = off[S_IMPORTS], end = off[S_IMPORTS] + size[S_IMPORTS];
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wr_import *im = &m->imports[i];
        if (im->kind != EXT_FUNC) continue;
        const wr_functype *t = &m->types[m->func_type[im->index]];
        if (end - p < 8) return bad(s, "import past its section", p);
        uint32_t ml = rd16(img + p), nl = rd16(img + p + 2), np = img[p + 4], nr = img[p + 5];
        uint32_t n = (8 + ml + nl + np + nr + 3) & ~3u;
        const uint8_t *q = img + p + 8;
        if (n > end - p) return bad(s, "import past its section", p);
        bool same = ml == im->module_len && nl == im->name_len && np == t->nparams && nr == t->nresults &&
                    !memcmp(q, im->module, ml) && !memcmp(q + ml, im->name, nl) &&
                    !memcmp(q + ml + nl, t->params, np) && !memcmp(q + ml + nl + np, t->results, nr);
        if (!same) return bad(s, "import differs from the module's", p);
        p += n;
    }
    return p == end ? WR_OK : bad(s, "bytes after the imports", p);
}

wr_status wr_aot_load(wr_store *s, const uint8_t *img, size_t len, wr_sha256_fn sha256, wr_module **out)
{
    if (!out) return WR_ERR_ARG;
    *out = NULL;
    if (!s) return WR_ERR_ARG;
    if (!img || !sha256) return WR_ERR_ARG;
    uint32_t off[S_COUNT], size[S_COUNT];
    wr_status st = check_header(s, img, len, off, size);
    if (st == WR_OK) st = check_tables(s, img, off, size);
    if (st != WR_OK) return st;
    uint8_t digest[32];
    sha256(img + off[S_MODULE], size[S_MODULE], digest);
    if (memcmp(digest, img + H_SHA256, 32) != 0) return bad(s, "module SHA-256 differs", H_SHA256);
    wr_module *m;
    st = wr_module_load(s, img + off[S_MODULE], size[S_MODULE], &m);
    if (st != WR_OK) return st;
    st = check_against_module(s, img, off, size, m);
    wr_aot_image *a = st == WR_OK ? wr__alloc(s, sizeof *a) : NULL;
    if (!a) {
        wr__module_free(s, m);
        return st == WR_OK ? WR_ERR_NOMEM : st;
    }
    a->code = img + off[S_CODE];
    a->code_size = size[S_CODE];
    a->entry = rd32(img + H_ENTRY);
    a->trap_stub = rd32(img + H_TRAP_STUB);
    a->funcs = img + off[S_FUNCS];
    a->traps = img + off[S_TRAPS];
    a->ntraps = size[S_TRAPS] / TRAP_BYTES;
    m->aot = a;
    *out = m;
    return WR_OK;
}

/* ------------------------------------------------------------ instances */

wr_status wr__aot_ref_out(wr_aot_inst *ai, uint8_t type, uintptr_t ref, uint32_t *word)
{
    const wr_func *f = (const wr_func *)ref;
    const wr_instance *inst = ai->inst;
    uint32_t i = 0;
    if (!ref || type == WR_EXTERNREF) {
        *word = (uint32_t)ref; /* a 32-bit target: the pointer is the word */
        return WR_OK;
    }
    if (f->inst == inst && f->def) {
        i = f->index;
    } else {
        while (i < inst->mod->nfunc_imports && inst->funcs[i] != f) i++;
        if (i == inst->mod->nfunc_imports)
            return wr__fail(inst->store, WR_ERR_UNSUPPORTED, "AOT code: function %u of another instance", f->index);
    }
    *word = (uint32_t)(uintptr_t)(ai->ctx.funcs + 2 * i);
    return WR_OK;
}

uintptr_t wr__aot_ref_in(const wr_aot_inst *ai, uint8_t type, uint32_t word)
{
    if (!word || type == WR_EXTERNREF) return word;
    return (uintptr_t)ai->inst->funcs[(word - (uint32_t)(uintptr_t)ai->ctx.funcs) / WR_AOT_FUNC_DESCRIPTOR_BYTES];
}

/* A global's value as the code keeps it (a reference as one word). */
static wr_status global_out(wr_aot_inst *ai, uint32_t g)
{
    const wr_global *gl = ai->inst->globals[g];
    if (!wr__aot_is_ref(gl->type)) {
        ai->ctx.globals[g] = gl->val;
        return WR_OK;
    }
    uint32_t w;
    wr_status st = wr__aot_ref_out(ai, gl->type, (uintptr_t)gl->val, &w);
    ai->ctx.globals[g] = w;
    return st;
}

wr_status wr__aot_attach(wr_store *s, wr_instance *inst)
{
    const wr_module *m = inst->mod;
    const wr_aot_image *img = m->aot;
    /* one block: the state, globals, descriptors, table pairs, the copies' pointers and room */
    size_t head = (sizeof(wr_aot_inst) + 7u) & ~(size_t)7u;
    size_t size = head + (size_t)m->nglobals * 8u + (size_t)m->nfuncs * 8u + (size_t)m->ntables * 16u;
    uint8_t *p = wr__alloc(s, size);
    if (!p) return WR_ERR_NOMEM;
    wr_aot_inst *ai = (wr_aot_inst *)p;
    ai->inst = inst;
    ai->ctx.globals = (uint64_t *)(p + head);
    ai->ctx.funcs = (uint32_t *)(ai->ctx.globals + m->nglobals);
    ai->ctx.tables = ai->ctx.funcs + 2 * m->nfuncs;
    ai->copies = (uint32_t **)(ai->ctx.tables + 2 * m->ntables);
    ai->caps = (uint32_t *)(ai->copies + m->ntables);
    ai->ctx.helpers = wr__aot_helpers;
    ai->table_seen = s->table_writes - 1u; /* copied at the first call */
    inst->aot = ai;
    /* descriptors: a defined function's code; an import's stub (past the stubs there are, the
   * image's trap stub, which a call reports as not supported) */
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const uint8_t *code = img->code + img->trap_stub;
        if (i >= m->nfunc_imports)
            code = img->code + rd32(img->funcs + FUNC_BYTES * (i - m->nfunc_imports));
        else if (i < WR_AOT_IMPORT_STUBS)
            code = (const uint8_t *)&wr__aot_import_stubs[2 * i];
        ai->ctx.funcs[2 * i] = (uint32_t)(uintptr_t)code | 1u;
        ai->ctx.funcs[2 * i + 1] = m->types[m->func_type[i]].canon;
    }
    /* each table's copy, as large as its reservation: calls allocate nothing (unless a table
   * grows past it, which needs a resize allocator anyway) */
    wr_status st = WR_OK;
    for (uint32_t i = 0; i < m->ntables && st == WR_OK; i++) {
        uint32_t cap = inst->tables[i]->capacity;
        ai->copies[i] = cap ? wr__alloc(s, (size_t)cap * 4u) : NULL;
        ai->caps[i] = ai->copies[i] ? cap : 0;
        if (cap && !ai->copies[i]) st = WR_ERR_NOMEM;
    }
    /* immutable globals once: only mutable ones are copied around calls */
    for (uint32_t g = 0; g < m->nglobals && st == WR_OK; g++) st = global_out(ai, g);
    if (st != WR_OK) {
        for (uint32_t i = m->ntables; i-- > 0;) wr__free(s, ai->copies[i]);
        wr__free(s, ai);
        inst->aot = NULL;
    }
    return st;
}

void wr__aot_memory_sync(wr_aot_inst *ai)
{
    const wr_memory *mem = ai->inst->mem;
    ai->ctx.mem_base = mem ? mem->data : NULL;
    ai->ctx.mem_size = mem ? (uint32_t)mem->bytes : 0; /* a 32-bit target holds less than 4 GiB */
    ai->ctx.mem_pages = mem ? mem->pages : 0;
}

/* The tables as the code reads them: rebuilt after any table was written (another instance
 * may share one). */
wr_status wr__aot_tables_sync(wr_store *s, wr_aot_inst *ai)
{
    const wr_instance *inst = ai->inst;
    if (ai->table_seen == s->table_writes) return WR_OK;
    for (uint32_t i = 0; i < inst->mod->ntables; i++) {
        const wr_table *t = inst->tables[i];
        ai->ctx.tables[2 * i + 1] = 0;
        if (t->size > ai->caps[i]) {
            wr__free(s, ai->copies[i]);
            ai->caps[i] = 0;
            ai->copies[i] = wr__alloc(s, (size_t)t->size * 4u);
            if (!ai->copies[i]) return WR_ERR_NOMEM;
            ai->caps[i] = t->size;
        }
        for (uint32_t k = 0; k < t->size; k++) {
            wr_status st = wr__aot_ref_out(ai, t->elem, t->elems[k], &ai->copies[i][k]);
            if (st != WR_OK) return st;
        }
        ai->ctx.tables[2 * i] = (uint32_t)(uintptr_t)ai->copies[i];
        ai->ctx.tables[2 * i + 1] = t->size;
    }
    ai->ctx.table = inst->mod->ntables ? ai->copies[0] : NULL;
    ai->ctx.table_size = inst->mod->ntables ? ai->ctx.tables[1] : 0;
    ai->table_seen = s->table_writes;
    return WR_OK;
}

/* Before AOT code runs (or runs on after an import returns): what it caches
 * from the instance and the store. */
wr_status wr__aot_enter(wr_store *s, wr_aot_inst *ai)
{
    wr__aot_memory_sync(ai);
    for (uint32_t g = 0; g < ai->inst->mod->nglobals; g++) {
        if (!ai->inst->globals[g]->mut) continue;
        wr_status st = global_out(ai, g);
        if (st != WR_OK) return st;
    }
    /* fuel counts loop heads down to 0; 0 at the start allows 2^32 */
    int64_t fuel = s->vm.fuel;
    ai->ctx.fuel = fuel == INT64_MAX || fuel >= 0xFFFFFFFF ? 0 : (uint32_t)fuel + 1u;
    ai->fuel_given = ai->ctx.fuel;
    ai->ctx.stack_limit = (uint32_t)s->aot_stack_limit;
    return wr__aot_tables_sync(s, ai);
}

/* After AOT code returns or traps (or before it calls an import). */
void wr__aot_leave(wr_store *s, wr_aot_inst *ai)
{
    for (uint32_t g = 0; g < ai->inst->mod->nglobals; g++) {
        wr_global *gl = ai->inst->globals[g];
        if (!gl->mut) continue;
        gl->val =
            wr__aot_is_ref(gl->type) ? wr__aot_ref_in(ai, gl->type, (uint32_t)ai->ctx.globals[g]) : ai->ctx.globals[g];
    }
    if (s->vm.fuel != INT64_MAX) {
        s->vm.fuel -= (int64_t)(uint32_t)(ai->fuel_given - ai->ctx.fuel);
        if (s->vm.fuel < 0) s->vm.fuel = 0;
    }
}

/* ------------------------------------------------------------ calls and traps */
static const uint8_t trap_status[] = {
    [WR_AOT_TRAP_UNREACHABLE] = WR_TRAP_UNREACHABLE,
    [WR_AOT_TRAP_MEMORY_OUT_OF_BOUNDS] = WR_TRAP_MEMORY_OOB,
    [WR_AOT_TRAP_DIVIDE_BY_ZERO] = WR_TRAP_DIV_ZERO,
    [WR_AOT_TRAP_INTEGER_OVERFLOW] = WR_TRAP_INT_OVERFLOW,
    [WR_AOT_TRAP_INVALID_CONVERSION] = WR_TRAP_CONVERSION,
    [WR_AOT_TRAP_STACK_EXHAUSTED] = WR_TRAP_STACK_EXHAUSTED,
    [WR_AOT_TRAP_FUEL_EXHAUSTED] = WR_TRAP_FUEL,
    [WR_AOT_TRAP_INDIRECT_CALL_TYPE] = WR_TRAP_INDIRECT_TYPE,
    [WR_AOT_TRAP_UNDEFINED_ELEMENT] = WR_TRAP_UNDEFINED_ELEMENT,
    [WR_AOT_TRAP_NATIVE] = WR_TRAP_NATIVE,
    [WR_AOT_TRAP_UNINITIALIZED_ELEMENT] = WR_TRAP_UNINITIALIZED_ELEMENT,
    [WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS] = WR_TRAP_TABLE_OOB,
};

/* The trap site the code stopped at (its BL's return address), as the
 * interpreter reports a trap: the status, the message naming the function and
 * offset, and the innermost frame. */
static wr_status aot_trap(wr_store *s, wr_aot_inst *ai)
{
    const wr_module *m = ai->inst->mod;
    const wr_aot_image *img = m->aot;
    uint32_t ret = (uint32_t)((ai->ctx.trap_lr & ~1u) - (uintptr_t)img->code);
    uint32_t lo = 0, hi = img->ntraps;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, at = rd32(img->traps + TRAP_BYTES * mid);
        if (at == ret) {
            lo = mid;
            break;
        }
        if (at < ret)
            lo = mid + 1;
        else
            hi = mid;
    }
    const uint8_t *e = img->traps + TRAP_BYTES * lo;
    uint32_t func = lo < img->ntraps ? rd32(e + 8) & 0xFFFFFFu : 0, kind = lo < img->ntraps ? rd32(e + 8) >> 24 : 0;
    uint32_t offset = lo < img->ntraps ? rd32(e + 4) : 0;
    if (lo >= img->ntraps || rd32(e) != ret || func >= m->nfuncs || func < m->nfunc_imports || offset >= m->len) {
        /* no trap site: an import called through a reference failed (its reason kept), or the
       * code called an import past the stubs there are */
        if (ai->ctx.ref_trap) {
            ai->ctx.ref_trap = 0;
            return ai->pending;
        }
        return wr__fail(s, WR_ERR_UNSUPPORTED, "AOT code: no trap site at %u", ret);
    }
    const wr_func *f = ai->inst->funcs[func];
    wr_status st = (wr_status)trap_status[kind];
    if (kind == WR_AOT_TRAP_NATIVE) {
        st = ai->pending; /* the import's own message stays */
    } else if (kind == WR_AOT_TRAP_STACK_EXHAUSTED) {
        wr__fail(s, st, "%s in function %u at offset %x (limit: %u bytes of native stack)", wr_status_name(st), func,
                 offset, s->aot_stack_bytes);
    } else {
        wr__fail(s, st, "%s in function %u at offset %x", wr_status_name(st), func, offset);
    }
    wr__trap_frame(s, f, m->bytes + offset + 1);
    return st;
}

typedef uint32_t (*wr_aot_entry)(wr_aot_ctx *ctx, uint32_t code, uint32_t *words, uint32_t nwords);

static uint32_t words_of(const uint8_t *types, uint32_t n)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++) w += wr__aot_wide(types[i]) ? 2 : 1;
    return w;
}

wr_status wr__aot_execute(wr_store *s, const wr_func *f, wr_slot *args)
{
    wr_aot_inst *ai = f->inst->aot;
    const wr_aot_image *img = f->inst->mod->aot;
    const wr_functype *t = f->type;
    /* the argument words (and room for the result words) above the slots */
    uint32_t nslots = t->nparams > t->nresults ? t->nparams : t->nresults;
    uint32_t nin = words_of(t->params, t->nparams), nout = words_of(t->results, t->nresults);
    uint32_t nwords = nin > nout ? nin : nout;
    /* the entry stub stores r0:r1 over the first two words whatever the count */
    uint32_t room = (nwords < 2 ? 2 : nwords + 1) / 2;
    if ((size_t)nslots + room > (size_t)(s->stack_end - args))
        return wr__trap(s, WR_TRAP_STACK_EXHAUSTED, NULL, NULL, "call arguments");
    uint32_t *words = (uint32_t *)(args + nslots);
    for (uint32_t i = 0, w = 0; i < t->nparams; i++) {
        words[w++] = (uint32_t)args[i];
        if (wr__aot_wide(t->params[i])) words[w++] = (uint32_t)(args[i] >> 32);
        if (wr__aot_is_ref(t->params[i]) &&
            wr__aot_ref_out(ai, t->params[i], (uintptr_t)args[i], &words[w - 1]) != WR_OK)
            return WR_ERR_UNSUPPORTED;
    }
    wr_slot *const sp0 = s->sp;
    s->sp = args + nslots + room;
    if (s->aot_depth++ == 0) {
        uintptr_t here = (uintptr_t)__builtin_frame_address(0);
        s->aot_stack_limit = here > s->aot_stack_bytes ? here - s->aot_stack_bytes : 0;
    }
    /* a native may have called back into this instance: its call's fields come back after */
    const uint32_t saved_sp = ai->ctx.saved_sp, arg_words = ai->ctx.arg_words;
    uint32_t *const results = ai->ctx.results;
    wr_status st = wr__aot_enter(s, ai);
    if (st == WR_OK) {
        const uint8_t *fe = img->funcs + FUNC_BYTES * (f->index - f->inst->mod->nfunc_imports);
        wr_aot_entry entry = (wr_aot_entry)((uintptr_t)(img->code + img->entry) | 1u);
        uint32_t code = (uint32_t)(uintptr_t)(img->code + rd32(fe)) | 1u;
        if (entry(&ai->ctx, code, words, nwords) != 0) st = aot_trap(s, ai);
        wr__aot_leave(s, ai);
    }
    ai->ctx.saved_sp = saved_sp;
    ai->ctx.results = results;
    ai->ctx.arg_words = arg_words;
    s->aot_depth--;
    s->sp = sp0;
    if (st != WR_OK) return st;
    for (uint32_t i = 0, w = 0; i < t->nresults; i++) {
        args[i] = words[w++];
        if (wr__aot_wide(t->results[i])) args[i] |= (uint64_t)words[w++] << 32;
        if (wr__aot_is_ref(t->results[i])) args[i] = wr__aot_ref_in(ai, t->results[i], (uint32_t)args[i]);
    }
    return WR_OK;
}
#endif /* WR_AOT_RUNS */
