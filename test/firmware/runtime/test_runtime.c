/* test_runtime.c: unit tests of the runtime's embedding API (wr.h).
 *
 *   wr-unit-tests            run every test
 *   wr-unit-tests --list     print the test names
 *   wr-unit-tests NAME...    run the named tests
 *
 * The modules come from test/firmware/runtime/wat/, assembled at build time
 * into WR_TEST_WASM_DIR. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wr.h"
#include "wr_config.h"

#ifndef WR_TEST_WASM_DIR
#error "WR_TEST_WASM_DIR must name the directory of the assembled test modules"
#endif

static int failed;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                                 \
            failed = 1;                                                                                                \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)
#define CHECK_ST(expr, want)                                                                                           \
    do {                                                                                                               \
        wr_status st_ = (expr);                                                                                        \
        if (st_ != (want)) {                                                                                           \
            fprintf(stderr, "  %s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #expr, wr_status_name(st_),      \
                    wr_status_name(want));                                                                             \
            failed = 1;                                                                                                \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

/* ------------------------------------------------------------ helpers */
static void *m_alloc(void *u, size_t n)
{
    (void)u;
    return malloc(n);
}
static void m_free(void *u, void *p, size_t n)
{
    (void)u;
    (void)n;
    free(p);
}
static void *m_resize(void *u, void *p, size_t o, size_t n)
{
    (void)u;
    (void)o;
    return realloc(p, n);
}
static const wr_allocator heap = { m_alloc, m_free, m_resize, NULL };

typedef struct {
    unsigned char *bytes;
    size_t len;
} blob;

static blob wasm(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", WR_TEST_WASM_DIR, name);
    blob b = { NULL, 0 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    b.len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    b.bytes = malloc(b.len);
    if (!b.bytes || fread(b.bytes, 1, b.len, f) != b.len) exit(2);
    fclose(f);
    return b;
}

/* A store with the given limits (0: default) and a loaded, instantiated module. */
typedef struct {
    wr_store *s;
    wr_module *m;
    wr_instance *i;
    blob b;
} fixture;

static wr_status setup(fixture *fx, const char *name, uint64_t mem_bytes, uint32_t slots, uint32_t depth,
                       const wr_native *natives, size_t nnatives)
{
    wr_limits l;
    wr_limits_default(&l);
    if (mem_bytes) l.max_memory_bytes = mem_bytes;
    if (slots) l.stack_slots = slots;
    if (depth) l.call_depth = depth;
    memset(fx, 0, sizeof *fx);
    fx->b = wasm(name);
    wr_status st = wr_store_new(&heap, &l, &fx->s);
    if (st == WR_OK && nnatives) st = wr_store_add_natives(fx->s, natives, nnatives);
    if (st == WR_OK) st = wr_module_load(fx->s, fx->b.bytes, fx->b.len, &fx->m);
    if (st == WR_OK) st = wr_instantiate(fx->s, fx->m, &fx->i);
    if (st != WR_OK)
        fprintf(stderr, "  setup(%s): %s: %s\n", name, wr_status_name(st), fx->s ? wr_store_error(fx->s) : "");
    return st;
}

static void teardown(fixture *fx)
{
    wr_store_delete(fx->s);
    free(fx->b.bytes);
}

static wr_value i32v(int32_t v)
{
    wr_value x;
    x.type = WR_I32;
    x.of.u64 = 0;
    x.of.i32 = v;
    return x;
}

/* Calls an export taking and returning i32s (up to 3 args, 0 or 1 result). */
static wr_status call_i32(fixture *fx, const char *name, int nargs, int32_t a, int32_t b, int32_t c, int32_t *out)
{
    wr_func *f = wr_instance_func(fx->i, name);
    if (!f) return WR_ERR_NOT_FOUND;
    wr_value args[3] = { i32v(a), i32v(b), i32v(c) }, res;
    uint32_t nres = wr_func_result_count(f);
    wr_status st = wr_call(f, args, (uint32_t)nargs, &res, nres);
    if (st == WR_OK && nres && out) *out = res.of.i32;
    return st;
}

static bool contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

/* ------------------------------------------------------------ loading */
static void test_load_does_not_copy_code(void)
{
    /* one function of 20000 nops: the module object must stay small */
    enum { NOPS = 20000 };
    static unsigned char mod[NOPS + 64];
    size_t n = 0;
    const unsigned char head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0 };
    memcpy(mod, head, sizeof head);
    n = sizeof head;
    uint32_t body = NOPS + 2;    /* no locals, nops, end */
    uint32_t sec = body + 3 + 1; /* count + body size (3 bytes) */
    mod[n++] = 10;
    mod[n++] = (unsigned char)(0x80 | (sec & 0x7F));
    mod[n++] = (unsigned char)(0x80 | ((sec >> 7) & 0x7F));
    mod[n++] = (unsigned char)(sec >> 14);
    mod[n++] = 1;
    mod[n++] = (unsigned char)(0x80 | (body & 0x7F));
    mod[n++] = (unsigned char)(0x80 | ((body >> 7) & 0x7F));
    mod[n++] = (unsigned char)(body >> 14);
    mod[n++] = 0;
    memset(mod + n, 0x01, NOPS);
    n += NOPS;
    mod[n++] = 0x0B;
    wr_store *s;
    CHECK_ST(wr_store_new(&heap, NULL, &s), WR_OK);
    wr_store_stats before, after;
    wr_store_stats_get(s, &before);
    wr_module *m;
    CHECK_ST(wr_module_load(s, mod, n, &m), WR_OK);
    wr_store_stats_get(s, &after);
    wr_module_info info;
    wr_module_info_get(m, &info);
    CHECK(after.bytes_allocated - before.bytes_allocated < 1024);
    CHECK(info.metadata_bytes < 1024);
    CHECK(info.side_table_entries == 0);
    wr_store_delete(s);
}

static void test_malformed_module_error_names_offset(void)
{
    blob b = wasm("memory");
    wr_store *s;
    wr_module *m;
    CHECK_ST(wr_store_new(&heap, NULL, &s), WR_OK);
    CHECK_ST(wr_module_load(s, b.bytes, b.len - 3, &m), WR_ERR_MALFORMED);
    CHECK(contains(wr_store_error(s), "at offset 0x"));
    static const unsigned char bad_magic[] = { 0, 'a', 's', 'x', 1, 0, 0, 0 };
    CHECK_ST(wr_module_load(s, bad_magic, sizeof bad_magic, &m), WR_ERR_MALFORMED);
    CHECK(contains(wr_store_error(s), "magic"));
    wr_store_delete(s);
    free(b.bytes);
}

static void test_invalid_module_error_names_function_and_offset(void)
{
    /* (func (result i32) (f32.const 0)): function 0 returns the wrong type */
    static const unsigned char mod[] = { 0, 'a', 's', 'm', 1,  0, 0, 0, 1, 5,    1, 0x60, 0, 1, 0x7F,
                                         3, 2,   1,   0,   10, 9, 1, 7, 0, 0x43, 0, 0,    0, 0, 0x0B };
    wr_store *s;
    wr_module *m;
    CHECK_ST(wr_store_new(&heap, NULL, &s), WR_OK);
    CHECK_ST(wr_module_load(s, mod, sizeof mod, &m), WR_ERR_INVALID);
    CHECK(contains(wr_store_error(s), "type mismatch"));
    /* the offending instruction is the final end, at byte 29 */
    CHECK(contains(wr_store_error(s), "in function 0 at offset 0x1d"));
    wr_store_delete(s);
}

static void test_side_table_has_one_entry_per_branch_site(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "branches", 0, 0, 0, NULL, 0), WR_OK);
    wr_module_info info;
    wr_module_info_get(fx.m, &info);
    CHECK(info.side_table_entries == 6);
    CHECK(info.side_table_bytes == 6 * 12);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "pick", 1, 0, 0, 0, &r), WR_OK);
    CHECK(r == 2);
    CHECK_ST(call_i32(&fx, "pick", 1, 1, 0, 0, &r), WR_OK);
    CHECK(r == 1);
    CHECK_ST(call_i32(&fx, "pick", 1, 7, 0, 0, &r), WR_OK);
    CHECK(r == 1);
    teardown(&fx);
}

/* ------------------------------------------------------------ memory */
static void test_memory_below_one_page_traps_past_the_limit(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "memory", 16384, 0, 0, NULL, 0), WR_OK);
    wr_memory *mem = wr_instance_memory(fx.i);
    CHECK(wr_memory_bytes(mem) == 16384);
    CHECK(wr_memory_pages(mem) == 1);
    int32_t r = -1;
    CHECK_ST(call_i32(&fx, "size", 0, 0, 0, 0, &r), WR_OK);
    CHECK(r == 1); /* memory.size still counts the page */
    CHECK_ST(call_i32(&fx, "store", 2, 16383, 9, 0, NULL), WR_OK);
    CHECK_ST(call_i32(&fx, "load", 1, 16383, 0, 0, &r), WR_OK);
    CHECK(r == 9);
    CHECK_ST(call_i32(&fx, "load", 1, 16384, 0, 0, &r), WR_TRAP_MEMORY_OOB);
    CHECK_ST(call_i32(&fx, "store", 2, 65535, 1, 0, NULL), WR_TRAP_MEMORY_OOB);
    CHECK_ST(call_i32(&fx, "grow", 1, 1, 0, 0, &r), WR_OK);
    CHECK(r == -1);
    CHECK_ST(call_i32(&fx, "grow", 1, 0, 0, 0, &r), WR_OK);
    CHECK(r == 1);
    teardown(&fx);
}

static void test_memory_grow_stops_at_the_limit(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "memory", 3 * 65536, 0, 0, NULL, 0), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "grow", 1, 2, 0, 0, &r), WR_OK);
    CHECK(r == 1);
    CHECK_ST(call_i32(&fx, "grow", 1, 1, 0, 0, &r), WR_OK);
    CHECK(r == -1);
    CHECK_ST(call_i32(&fx, "store", 2, 3 * 65536 - 1, 5, 0, NULL), WR_OK);
    CHECK(wr_memory_bytes(wr_instance_memory(fx.i)) == 3 * 65536);
    teardown(&fx);
}

static void test_memory_larger_than_the_limit_is_not_instantiated(void)
{
    fixture fx;
    wr_limits l;
    wr_limits_default(&l);
    l.max_memory_bytes = 0; /* no memory at all */
    fx.b = wasm("memory");
    CHECK_ST(wr_store_new(&heap, &l, &fx.s), WR_OK);
    CHECK_ST(wr_module_load(fx.s, fx.b.bytes, fx.b.len, &fx.m), WR_OK);
    CHECK_ST(wr_instantiate(fx.s, fx.m, &fx.i), WR_ERR_LIMIT);
    CHECK(contains(wr_store_error(fx.s), "limit"));
    teardown(&fx);
}

static void test_memory_api_checks_bounds(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "memory", 65536, 0, 0, NULL, 0), WR_OK);
    wr_memory *mem = wr_instance_memory(fx.i);
    CHECK_ST(wr_memory_write(mem, 100, "hi", 2), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "load", 1, 101, 0, 0, &r), WR_OK);
    CHECK(r == 'i');
    char buf[4];
    CHECK_ST(wr_memory_read(mem, 65534, buf, 4), WR_TRAP_MEMORY_OOB);
    CHECK(wr_memory_ptr(mem, 65536, 0) != NULL);
    CHECK(wr_memory_ptr(mem, 65536, 1) == NULL);
    CHECK(wr_memory_ptr(mem, UINT64_MAX, 2) == NULL);
    teardown(&fx);
}

/* ------------------------------------------------------------ limits and fuel */
static void test_fuel_stops_a_runaway_loop(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "loops", 0, 0, 0, NULL, 0), WR_OK);
    wr_store_set_fuel(fx.s, 1000);
    CHECK_ST(call_i32(&fx, "forever", 0, 0, 0, 0, NULL), WR_TRAP_FUEL);
    CHECK(wr_store_fuel(fx.s) == 0);
    CHECK(contains(wr_store_error(fx.s), "out of fuel"));
    wr_store_set_fuel(fx.s, UINT64_MAX);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "count", 1, 10, 0, 0, &r), WR_OK);
    CHECK(r == 10);
    teardown(&fx);
}

static void test_fuel_counts_calls_and_backward_branches(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "loops", 0, 0, 0, NULL, 0), WR_OK);
    wr_store_set_fuel(fx.s, 100);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "count", 1, 10, 0, 0, &r), WR_OK);
    CHECK(r == 10);
    CHECK(wr_store_fuel(fx.s) == 100 - 11); /* 1 call + 10 backward branches */
    wr_store_set_fuel(fx.s, 10);
    CHECK_ST(call_i32(&fx, "count", 1, 10, 0, 0, &r), WR_TRAP_FUEL);
    teardown(&fx);
}

static void test_call_depth_limit_traps_cleanly(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "loops", 0, 0, 50, NULL, 0), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "recurse", 1, 0, 0, 0, &r), WR_TRAP_STACK_EXHAUSTED);
    CHECK(contains(wr_store_error(fx.s), "call stack exhausted"));
    CHECK(contains(wr_store_error(fx.s), "call depth 50"));
    /* the store is usable afterwards, again and again */
    for (int k = 0; k < 1000; k++) CHECK_ST(call_i32(&fx, "recurse", 1, 0, 0, 0, &r), WR_TRAP_STACK_EXHAUSTED);
    CHECK_ST(call_i32(&fx, "fib", 1, 20, 0, 0, &r), WR_OK);
    CHECK(r == 6765);
    teardown(&fx);
}

static void test_value_stack_limit_traps_cleanly(void)
{
    fixture fx;
    /* 64 i64 locals need more than 40 slots */
    CHECK_ST(setup(&fx, "loops", 0, 40, 0, NULL, 0), WR_OK);
    wr_func *f = wr_instance_func(fx.i, "many_locals");
    wr_value res;
    CHECK_ST(wr_call(f, NULL, 0, &res, 1), WR_TRAP_STACK_EXHAUSTED);
    CHECK(contains(wr_store_error(fx.s), "value stack 40 slots"));
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "fib", 1, 5, 0, 0, &r), WR_OK);
    CHECK(r == 5);
    teardown(&fx);
}

/* ------------------------------------------------------------ traps */
/* The message's offset, parsed back out of "... at offset 0x..". */
static long trap_offset(const char *msg)
{
    const char *p = strstr(msg, "at offset 0x");
    return p ? strtol(p + 12, NULL, 16) : -1;
}

static void test_trap_message_names_function_and_instruction(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "traps", 0, 0, 0, NULL, 0), WR_OK);
    CHECK_ST(call_i32(&fx, "boom", 0, 0, 0, 0, NULL), WR_TRAP_UNREACHABLE);
    const char *msg = wr_store_error(fx.s);
    CHECK(contains(msg, "unreachable in function 1 at offset 0x"));
    long off = trap_offset(msg);
    CHECK(off > 0 && (size_t)off < fx.b.len);
    CHECK(fx.b.bytes[off] == 0x00 && fx.b.bytes[off - 1] == 0x01); /* unreachable after a nop */
    CHECK_ST(call_i32(&fx, "div", 2, 1, 0, 0, NULL), WR_TRAP_DIV_ZERO);
    msg = wr_store_error(fx.s);
    CHECK(contains(msg, "integer divide by zero in function 2"));
    CHECK(fx.b.bytes[trap_offset(msg)] == 0x6D); /* i32.div_s */
    CHECK_ST(call_i32(&fx, "div", 2, INT32_MIN, -1, 0, NULL), WR_TRAP_INT_OVERFLOW);
    CHECK_ST(call_i32(&fx, "oob", 1, 65532, 0, 0, NULL), WR_TRAP_MEMORY_OOB);
    msg = wr_store_error(fx.s);
    CHECK(contains(msg, "out of bounds memory access in function 3"));
    CHECK(fx.b.bytes[trap_offset(msg)] == 0x28); /* i32.load */
    teardown(&fx);
}

/* ------------------------------------------------------------ natives */
static int fill_calls;
static wr_status n_fail(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r);

static wr_status n_sum(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    const unsigned char *p = a[0].ptr;
    int32_t sum = 0;
    for (int32_t k = 0; k < a[1].i32; k++) sum += p[k];
    r[0].i32 = sum;
    return WR_OK;
}

static wr_status n_fail(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    if (a[0].i32 == 1) return wr_native_trap(ctx, "sensor unplugged");
    if (a[0].i32 == 2) return WR_ERR_ARG; /* a plain error becomes a trap too */
    return WR_OK;
}

static wr_status n_fill(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    fill_calls++;
    /* through the API, not a checked pointer: the native writes the caller's memory */
    wr_memory *mem = wr_instance_memory(wr_native_instance(ctx));
    unsigned char *p = wr_memory_ptr(mem, (uint32_t)a[0].i32, (uint32_t)a[1].i32);
    if (!p) return wr_native_trap(ctx, "fill out of range");
    memset(p, a[2].i32, (size_t)a[1].i32);
    return WR_OK;
}

static wr_status n_twice(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    /* calls back into wasm: inc(inc(x)) */
    wr_func *inc = wr_instance_func(wr_native_instance(ctx), "inc");
    wr_value v = i32v(a[0].i32), out;
    for (int k = 0; k < 2; k++) {
        wr_status st = wr_call(inc, &v, 1, &out, 1);
        if (st != WR_OK) return st;
        v = out;
    }
    r[0].i32 = v.of.i32 * (int32_t)(uintptr_t)wr_native_user(ctx);
    return WR_OK;
}

static const wr_native natives[] = {
    { "env", "sum_bytes", "(*~)i", n_sum, NULL },
    { "env", "fail", "(i)", n_fail, NULL },
    { "env", "fill", "(iii)", n_fill, NULL },
    { "env", "twice", "(i)i", n_twice, (void *)(uintptr_t)10 },
};

static void test_native_gets_checked_pointer_and_length(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, natives, 4), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "sum", 2, 16, 5, 0, &r), WR_OK);
    CHECK(r == 15);
    CHECK_ST(call_i32(&fx, "sum", 2, 65536, 0, 0, &r), WR_OK);
    CHECK(r == 0);
    CHECK_ST(call_i32(&fx, "sum", 2, 65530, 7, 0, &r), WR_TRAP_MEMORY_OOB);
    CHECK(contains(wr_store_error(fx.s), "native env.sum_bytes"));
    CHECK_ST(call_i32(&fx, "sum", 2, -1, 2, 0, &r), WR_TRAP_MEMORY_OOB);
    teardown(&fx);
}

static void test_native_trap_carries_its_message(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, natives, 4), WR_OK);
    CHECK_ST(call_i32(&fx, "fail", 1, 0, 0, 0, NULL), WR_OK);
    CHECK_ST(call_i32(&fx, "fail", 1, 1, 0, 0, NULL), WR_TRAP_NATIVE);
    CHECK(contains(wr_store_error(fx.s), "sensor unplugged"));
    CHECK(contains(wr_store_error(fx.s), "env.fail"));
    CHECK_ST(call_i32(&fx, "fail", 1, 2, 0, 0, NULL), WR_TRAP_NATIVE);
    teardown(&fx);
}

static void test_native_writes_the_caller_memory(void)
{
    fixture fx;
    fill_calls = 0;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, natives, 4), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "fill_then_load", 3, 300, 4, 0x5A, &r), WR_OK);
    CHECK(r == 0x5A);
    CHECK(fill_calls == 1);
    CHECK_ST(call_i32(&fx, "fill_then_load", 3, 65535, 4, 1, &r), WR_TRAP_NATIVE);
    teardown(&fx);
}

static void test_native_can_call_back_into_wasm(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, natives, 4), WR_OK);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "twice", 1, 5, 0, 0, &r), WR_OK);
    CHECK(r == 70); /* (5 + 2) * user 10 */
    teardown(&fx);
}

/* The byte at a frame's offset, and the function a call there calls. */
static bool is_call_to(const blob *b, const wr_trap_frame *f, uint32_t callee)
{
    return f->offset + 1 < b->len && b->bytes[f->offset] == 0x10 && b->bytes[f->offset + 1] == callee;
}

static void test_trap_frames_are_the_wasm_call_stack(void)
{
    static const wr_native fail_only[] = { { "env", "fail", "(i)", n_fail, NULL } };
    fixture fx;
    CHECK_ST(setup(&fx, "backtrace", 0, 0, 0, fail_only, 1), WR_OK);
    const wr_trap_frame *f = NULL;
    uint32_t depth = 99;
    CHECK(wr_store_trap_frames(fx.s, &f, &depth) == 0 && depth == 0);
    /* deep -> middle -> leaf: i32.div_s, innermost first, callers at their calls */
    CHECK_ST(call_i32(&fx, "deep", 1, 0, 0, 0, NULL), WR_TRAP_DIV_ZERO);
    CHECK(wr_store_trap_frames(fx.s, &f, &depth) == 3 && depth == 3);
    CHECK(f[0].func == 1 && fx.b.bytes[f[0].offset] == 0x6D);
    CHECK(f[0].offset == (uint32_t)trap_offset(wr_store_error(fx.s))); /* the message's own offset */
    CHECK(f[1].func == 2 && is_call_to(&fx.b, &f[1], 1));
    CHECK(f[2].func == 3 && is_call_to(&fx.b, &f[2], 2));
    /* deeper than WR_TRAP_FRAMES: the innermost are kept, the depth is the whole */
    CHECK_ST(call_i32(&fx, "down", 1, 40, 0, 0, NULL), WR_TRAP_UNREACHABLE);
    CHECK(wr_store_trap_frames(fx.s, &f, &depth) == WR_TRAP_FRAMES && depth == 41);
    CHECK(f[0].func == 4 && fx.b.bytes[f[0].offset] == 0x00);
    for (uint32_t k = 1; k < WR_TRAP_FRAMES; k++) CHECK(f[k].func == 4 && is_call_to(&fx.b, &f[k], 4));
    /* a trapping native: the frame is the wasm call to it */
    CHECK_ST(call_i32(&fx, "native", 1, 1, 0, 0, NULL), WR_TRAP_NATIVE);
    CHECK(wr_store_trap_frames(fx.s, &f, &depth) == 1 && depth == 1);
    CHECK(f[0].func == 5 && is_call_to(&fx.b, &f[0], 0));
    /* an error that is not a trap in wasm code has no frames */
    CHECK_ST(call_i32(&fx, "deep", 0, 0, 0, 0, NULL), WR_ERR_TYPE);
    CHECK(wr_store_trap_frames(fx.s, &f, &depth) == 0 && depth == 0);
    /* and a call that returns leaves the last trap's frames alone */
    CHECK_ST(call_i32(&fx, "deep", 1, 0, 0, 0, NULL), WR_TRAP_DIV_ZERO);
    int32_t r = 0;
    CHECK_ST(call_i32(&fx, "deep", 1, 1, 0, 0, &r), WR_OK);
    CHECK(r == 1 && wr_store_trap_frames(fx.s, &f, NULL) == 3);
    teardown(&fx);
}

static void test_import_must_match_native_signature(void)
{
    static const wr_native wrong[] = {
        { "env", "sum_bytes", "(ii)", n_sum, NULL }, /* no result */
        { "env", "fail", "(i)", n_fail, NULL },
        { "env", "fill", "(iii)", n_fill, NULL },
        { "env", "twice", "(i)i", n_twice, NULL },
    };
    fixture fx;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, wrong, 4), WR_ERR_UNLINKABLE);
    CHECK(contains(wr_store_error(fx.s), "incompatible import type"));
    CHECK(contains(wr_store_error(fx.s), "env.sum_bytes"));
    teardown(&fx);
}

static void test_missing_import_is_unlinkable_and_named(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "natives", 0, 0, 0, natives, 2), WR_ERR_UNLINKABLE);
    CHECK(contains(wr_store_error(fx.s), "unknown import env.fill"));
    teardown(&fx);
}

static void test_bad_native_signature_is_refused(void)
{
    static const wr_native bad[] = { { "env", "x", "(*i)", n_sum, NULL } };
    wr_store *s;
    CHECK_ST(wr_store_new(&heap, NULL, &s), WR_OK);
    CHECK_ST(wr_store_add_natives(s, bad, 1), WR_ERR_ARG);
    CHECK(contains(wr_store_error(s), "bad signature"));
    wr_store_delete(s);
}

/* ------------------------------------------------------------ values, globals */
static void test_call_checks_argument_types_and_counts(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "values", 0, 0, 0, NULL, 0), WR_OK);
    wr_func *mix = wr_instance_func(fx.i, "mix");
    CHECK(wr_func_param_count(mix) == 4 && wr_func_param_type(mix, 2) == WR_F32);
    wr_value args[4], res;
    args[0] = i32v(1);
    args[1].type = WR_I64;
    args[1].of.i64 = -3;
    args[2].type = WR_F32;
    args[2].of.f32 = 0.5f;
    args[3].type = WR_F64;
    args[3].of.f64 = 0.25;
    CHECK_ST(wr_call(mix, args, 4, &res, 1), WR_OK);
    CHECK(res.type == WR_F64 && res.of.f64 == -1.25);
    CHECK_ST(wr_call(mix, args, 3, &res, 1), WR_ERR_TYPE);
    args[2].type = WR_F64;
    CHECK_ST(wr_call(mix, args, 4, &res, 1), WR_ERR_TYPE);
    wr_func *swap = wr_instance_func(fx.i, "swap");
    wr_value two[2] = { i32v(7), { WR_I64, { .i64 = 1LL << 40 } } }, out[2];
    CHECK_ST(wr_call(swap, two, 2, out, 2), WR_OK);
    CHECK(out[0].type == WR_I64 && out[0].of.i64 == 1LL << 40 && out[1].type == WR_I32 && out[1].of.i32 == 7);
    teardown(&fx);
}

static void test_externref_comes_back_unchanged(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "values", 0, 0, 0, NULL, 0), WR_OK);
    int token;
    wr_value arg = { WR_EXTERNREF, { .ref = &token } }, res;
    CHECK_ST(wr_call(wr_instance_func(fx.i, "ext"), &arg, 1, &res, 1), WR_OK);
    CHECK(res.type == WR_EXTERNREF && res.of.ref == &token);
    CHECK_ST(wr_call(wr_instance_func(fx.i, "is_null"), &arg, 1, &res, 1), WR_OK);
    CHECK(res.of.i32 == 0);
    arg.of.ref = NULL;
    CHECK_ST(wr_call(wr_instance_func(fx.i, "is_null"), &arg, 1, &res, 1), WR_OK);
    CHECK(res.of.i32 == 1);
    teardown(&fx);
}

static void test_globals_read_and_write_with_type_checks(void)
{
    fixture fx;
    CHECK_ST(setup(&fx, "values", 0, 0, 0, NULL, 0), WR_OK);
    wr_global *g = wr_instance_global(fx.i, "g64");
    CHECK(g && wr_global_type(g) == WR_I64 && wr_global_mutable(g));
    wr_value v;
    wr_global_get(g, &v);
    CHECK(v.of.i64 == -5);
    v.of.i64 = 99;
    CHECK_ST(wr_global_set(g, &v), WR_OK);
    wr_global_get(g, &v);
    CHECK(v.of.i64 == 99);
    v.type = WR_I32;
    CHECK_ST(wr_global_set(g, &v), WR_ERR_TYPE);
    wr_global *gf = wr_instance_global(fx.i, "gf");
    wr_global_get(gf, &v);
    CHECK(v.type == WR_F32 && v.of.f32 == 1.5f);
    CHECK_ST(wr_global_set(gf, &v), WR_ERR_TYPE); /* immutable */
    CHECK(wr_instance_global(fx.i, "mix") == NULL);
    CHECK(wr_instance_func(fx.i, "nothing") == NULL);
    teardown(&fx);
}

/* ------------------------------------------------------------ linking */
static void test_instances_share_imported_objects(void)
{
    wr_store *s;
    wr_module *lib_m, *imp_m;
    wr_instance *lib, *imp;
    blob a = wasm("linking"), b = wasm("importer");
    CHECK_ST(wr_store_new(&heap, NULL, &s), WR_OK);
    CHECK_ST(wr_module_load(s, a.bytes, a.len, &lib_m), WR_OK);
    CHECK_ST(wr_instantiate(s, lib_m, &lib), WR_OK);
    CHECK_ST(wr_module_load(s, b.bytes, b.len, &imp_m), WR_OK);
    CHECK_ST(wr_instantiate(s, imp_m, &imp), WR_ERR_UNLINKABLE); /* nothing registered yet */
    CHECK_ST(wr_register(s, "lib", 3, lib), WR_OK);
    CHECK_ST(wr_instantiate(s, imp_m, &imp), WR_OK);
    wr_value res, arg = i32v(8);
    CHECK_ST(wr_call(wr_instance_func(imp, "use_all"), NULL, 0, &res, 1), WR_OK);
    CHECK(res.of.i32 == 43 + 0); /* call_indirect add(43, 0) through lib's table */
    CHECK_ST(wr_call(wr_instance_func(lib, "peek"), &arg, 1, &res, 1), WR_OK);
    CHECK(res.of.i32 == 7); /* imp stored into lib's memory */
    wr_value c;
    wr_global_get(wr_instance_global(lib, "counter"), &c);
    CHECK(c.of.i32 == 101);
    wr_store_delete(s);
    free(a.bytes);
    free(b.bytes);
}

/* ------------------------------------------------------------ allocation */
static void test_bump_allocator_takes_back_load_scratch(void)
{
    static uint8_t arena[256 * 1024];
    wr_bump bump;
    wr_allocator alloc;
    wr_bump_init(&bump, &alloc, arena, sizeof arena);
    wr_limits l;
    wr_limits_default(&l);
    l.max_memory_bytes = 4096;
    wr_store *s;
    wr_module *m;
    wr_instance *i;
    blob b = wasm("loops");
    CHECK_ST(wr_store_new(&alloc, &l, &s), WR_OK);
    CHECK_ST(wr_module_load(s, b.bytes, b.len, &m), WR_OK);
    CHECK(bump.peak > bump.top); /* the validator's scratch was given back */
    wr_store_stats st;
    wr_store_stats_get(s, &st);
    CHECK(st.peak_bytes > st.bytes_allocated);
    CHECK_ST(wr_instantiate(s, m, &i), WR_OK);
    int32_t r = 0;
    fixture fx = { s, m, i, b };
    CHECK_ST(call_i32(&fx, "fib", 1, 15, 0, 0, &r), WR_OK);
    CHECK(r == 610);
    wr_store_stats_get(s, &st);
    CHECK(st.value_stack_bytes == (size_t)l.stack_slots * 8);
    CHECK(st.bytes_allocated <= bump.top);
    wr_store_delete(s);
    free(b.bytes);
}

static void test_too_small_arena_is_an_out_of_memory_error(void)
{
    static uint8_t arena[12 * 1024];
    wr_bump bump;
    wr_allocator alloc;
    wr_bump_init(&bump, &alloc, arena, sizeof arena);
    wr_limits l;
    wr_limits_default(&l);
    l.stack_slots = 64;
    l.call_depth = 8;
    wr_store *s;
    wr_module *m;
    wr_instance *i;
    blob b = wasm("memory");
    CHECK_ST(wr_store_new(&alloc, &l, &s), WR_OK);
    CHECK_ST(wr_module_load(s, b.bytes, b.len, &m), WR_OK);
    CHECK_ST(wr_instantiate(s, m, &i), WR_ERR_NOMEM); /* 64 KiB of memory does not fit */
    CHECK(contains(wr_store_error(s), "out of memory"));
    wr_store_delete(s);
    free(b.bytes);
}

/* ------------------------------------------------------------ runner */
#define T(name)                                                                                                        \
    {                                                                                                                  \
#name, test_##name                                                                                             \
    }
static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    T(load_does_not_copy_code),
    T(malformed_module_error_names_offset),
    T(invalid_module_error_names_function_and_offset),
    T(side_table_has_one_entry_per_branch_site),
    T(memory_below_one_page_traps_past_the_limit),
    T(memory_grow_stops_at_the_limit),
    T(memory_larger_than_the_limit_is_not_instantiated),
    T(memory_api_checks_bounds),
    T(fuel_stops_a_runaway_loop),
    T(fuel_counts_calls_and_backward_branches),
    T(call_depth_limit_traps_cleanly),
    T(value_stack_limit_traps_cleanly),
    T(trap_message_names_function_and_instruction),
    T(native_gets_checked_pointer_and_length),
    T(native_trap_carries_its_message),
    T(native_writes_the_caller_memory),
    T(native_can_call_back_into_wasm),
    T(trap_frames_are_the_wasm_call_stack),
    T(import_must_match_native_signature),
    T(missing_import_is_unlinkable_and_named),
    T(bad_native_signature_is_refused),
    T(call_checks_argument_types_and_counts),
    T(externref_comes_back_unchanged),
    T(globals_read_and_write_with_type_checks),
    T(instances_share_imported_objects),
    T(bump_allocator_takes_back_load_scratch),
    T(too_small_arena_is_an_out_of_memory_error),
};

int main(int argc, char **argv)
{
    size_t n = sizeof tests / sizeof tests[0];
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t i = 0; i < n; i++) printf("%s\n", tests[i].name);
        return 0;
    }
    int bad = 0, ran = 0;
    for (size_t i = 0; i < n; i++) {
        bool wanted = argc == 1;
        for (int a = 1; a < argc; a++) wanted |= !strcmp(argv[a], tests[i].name);
        if (!wanted) continue;
        failed = 0;
        tests[i].fn();
        ran++;
        printf("%s %s\n", failed ? "FAIL" : "ok  ", tests[i].name);
        bad += failed;
    }
    if (ran == 0) {
        fprintf(stderr, "no such test\n");
        return 2;
    }
    printf("%d of %d passed\n", ran - bad, ran);
    return bad ? 1 : 0;
}
