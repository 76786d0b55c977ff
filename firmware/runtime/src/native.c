/* native.c: host functions. A native is registered with a signature string;
 * at link time the string is matched against the import's type, and at call
 * time (pointer, length) pairs are bounds-checked against the caller's linear
 * memory before the native sees them. */
#include "internal.h"

#ifndef WR_MAX_NATIVE_ARGS
#define WR_MAX_NATIVE_ARGS 16
#endif
#ifndef WR_MAX_NATIVE_RESULTS
#define WR_MAX_NATIVE_RESULTS 4
#endif

static uint8_t sig_type(char c)
{
    switch (c) {
    case 'i':
    case '*':
    case '~': return WR_I32;
    case 'I': return WR_I64;
    case 'f': return WR_F32;
    case 'F': return WR_F64;
    default: return 0;
    }
}

wr_status wr__native_check(wr_store *s, const wr_native *n)
{
    if (!n->module || !n->name || !n->signature || !n->fn) {
        return wr__fail(s, WR_ERR_ARG, "native with a NULL module, name, signature or function");
    }
    const char *p = n->signature;
    uint32_t args = 0, results = 0;
    bool ok = *p++ == '(';
    for (; ok && *p && *p != ')'; p++, args++) {
        if (*p == '*')
            ok = p[1] == '~';
        else if (*p == '~')
            ok = p[-1] == '*';
        else
            ok = sig_type(*p) != 0;
    }
    ok = ok && *p == ')';
    if (ok) {
        for (p++; ok && *p; p++, results++) ok = sig_type(*p) != 0 && *p != '*' && *p != '~';
    }
    if (!ok) return wr__fail(s, WR_ERR_ARG, "native %s.%s: bad signature \"%s\"", n->module, n->name, n->signature);
    if (args > WR_MAX_NATIVE_ARGS || results > WR_MAX_NATIVE_RESULTS) {
        return wr__fail(s, WR_ERR_LIMIT, "native %s.%s: more than %u params or %u results", n->module, n->name,
                        (uint32_t)WR_MAX_NATIVE_ARGS, (uint32_t)WR_MAX_NATIVE_RESULTS);
    }
    return WR_OK;
}

bool wr__native_matches(const wr_native *n, const wr_functype *t)
{
    const char *p = n->signature + 1;
    uint32_t i = 0;
    for (; *p != ')'; p++, i++) {
        if (i >= t->nparams || t->params[i] != sig_type(*p)) return false;
    }
    if (i != t->nparams) return false;
    i = 0;
    for (p++; *p; p++, i++) {
        if (i >= t->nresults || t->results[i] != sig_type(*p)) return false;
    }
    return i == t->nresults;
}

static bool name_is(const char *c, const uint8_t *name, uint32_t len)
{
    return strlen(c) == len && memcmp(c, name, len) == 0;
}

const wr_native *wr__find_native(const wr_store *s, const uint8_t *module, uint32_t module_len, const uint8_t *name,
                                 uint32_t name_len)
{
    for (const wr_natives *t = s->natives; t; t = t->next) {
        for (size_t i = 0; i < t->count; i++) {
            const wr_native *n = &t->table[i];
            if (name_is(n->module, module, module_len) && name_is(n->name, name, name_len)) return n;
        }
    }
    return NULL;
}

uint32_t wr__native_ptr_args(const wr_native *n)
{
    uint32_t bits = 0;
    for (uint32_t i = 0; n->signature[i + 1] != ')'; i++) {
        if (n->signature[i + 1] == '*') bits |= 1u << i;
    }
    return bits;
}

/* Wasm memory is little-endian and so is every target: a slot's low bytes already hold
 * an i32 or f32 as the wr_arg union does, so values move as whole 64-bit words and
 * only the pointer parameters (found once, at link) need work on each call. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the runtime assumes a little-endian target"
#endif

/* The native with its arguments in a (a pointer parameter's offset replaced by the host
 * pointer here), its results in r (zeroed whole by the caller, so an i32 or f32 result leaves
 * the slot's upper half zero; a constant count: a few stores, where a variable one, or one
 * here, becomes a memset call). Inlined in both callers below: the interpreter's call
 * pays for no extra call. */
static inline __attribute__((always_inline)) wr_status run_native(wr_store *s, const wr_func *f, wr_instance *caller,
                                                                  wr_arg *a, wr_arg *r)
{
    const wr_native *n = f->native;
    wr_native_ctx ctx = { n, caller ? caller : f->inst, false };
    for (uint32_t bits = f->ptr_args, i = 0; bits; bits >>= 1, i++) {
        if (!(bits & 1u)) continue;
        /* '*': checked with the length that follows */
        uint32_t off = (uint32_t)a[i].i32, len = (uint32_t)a[i + 1].i32;
        a[i].ptr = wr_memory_ptr(ctx.inst->mem, off, len);
        if (!a[i].ptr && len) {
            return wr__fail(s, WR_TRAP_MEMORY_OOB, "%s: native %s.%s argument %u (offset %u, length %u)",
                            wr_status_name(WR_TRAP_MEMORY_OOB), n->module, n->name, i, off, len);
        }
    }
    wr_status st = n->fn(&ctx, a, r);
    if (st != WR_OK) {
        if (ctx.trapped) return st;
        if (!wr_status_is_trap(st)) st = WR_TRAP_NATIVE;
        return wr__fail(s, st, "%s: native %s.%s failed", wr_status_name(st), n->module, n->name);
    }
    return WR_OK;
}

wr_status wr__call_native(wr_store *s, const wr_func *f, wr_instance *caller, wr_slot *args)
{
    wr_arg a[WR_MAX_NATIVE_ARGS], r[WR_MAX_NATIVE_RESULTS];
    const uint32_t np = f->type->nparams, nr = f->type->nresults;
    for (uint32_t i = 0; i < np; i++) a[i].i64 = (int64_t)args[i];
    for (uint32_t i = 0; i < WR_MAX_NATIVE_RESULTS; i++) r[i].i64 = 0;
    wr_status st = run_native(s, f, caller, a, r);
    if (st != WR_OK) return st;
    for (uint32_t i = 0; i < nr; i++) args[i] = (uint64_t)r[i].i64;
    return WR_OK;
}

wr_status wr__call_native_args(wr_store *s, const wr_func *f, wr_instance *caller, wr_arg *args)
{
    wr_arg r[WR_MAX_NATIVE_RESULTS];
    for (uint32_t i = 0; i < WR_MAX_NATIVE_RESULTS; i++) r[i].i64 = 0;
    wr_status st = run_native(s, f, caller, args, r);
    for (uint32_t i = 0; i < f->type->nresults && st == WR_OK; i++) args[i] = r[i];
    return st;
}

void *wr_native_user(const wr_native_ctx *ctx)
{
    return ctx->native->user;
}
wr_instance *wr_native_instance(const wr_native_ctx *ctx)
{
    return ctx->inst;
}

wr_status wr_native_trap(wr_native_ctx *ctx, const char *msg)
{
    ctx->trapped = true;
    wr_store *s = ctx->inst->store;
    return wr__fail(s, WR_TRAP_NATIVE, "%s (in native %s.%s)", msg ? msg : "trap", ctx->native->module,
                    ctx->native->name);
}
