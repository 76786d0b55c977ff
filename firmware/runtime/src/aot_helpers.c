/* aot_helpers.c: the runtime functions AOT code calls through the context's
 * helper table (aot_abi.h; their contracts: host-tools/src/aot/abi.ts HELPER,
 * their semantics: soft-float.ts). The numerics are the interpreter's own
 * (numeric.h), so both engines give the same bits. */
#include <math.h>

#include "aot.h"
#include "numeric.h"

#if WR_AOT_RUNS
static int32_t memory_grow(wr_aot_ctx *c, uint32_t pages)
{
    wr_aot_inst *ai = (wr_aot_inst *)c;
    int32_t old = ai->inst->mem ? wr__memory_grow(ai->inst->mem, pages) : -1;
    wr__aot_memory_sync(ai);
    return old;
}

/* memory.fill and memory.copy: 0, or 1 when out of bounds (nothing written) */
static uint32_t memory_fill(wr_aot_ctx *c, uint32_t dest, uint32_t value, uint32_t n)
{
    if ((uint64_t)dest + n > c->mem_size) return 1;
    if (n) memset(c->mem_base + dest, (int)(value & 0xFFu), n);
    return 0;
}

static uint32_t memory_copy(wr_aot_ctx *c, uint32_t dest, uint32_t src, uint32_t n)
{
    if ((uint64_t)dest + n > c->mem_size || (uint64_t)src + n > c->mem_size) return 1;
    if (n) memmove(c->mem_base + dest, c->mem_base + src, n);
    return 0;
}

/* The code has trapped on a zero divisor and on INT_MIN / -1 already, and a
 * remainder by -1 never gets here; the guards keep C's behaviour defined. */
static uint32_t i32_div_s(wr_aot_ctx *c, uint32_t a, uint32_t b)
{
    (void)c;
    return b == 0 || (b == 0xFFFFFFFFu && a == 0x80000000u) ? a : (uint32_t)((int32_t)a / (int32_t)b);
}
static uint32_t i32_div_u(wr_aot_ctx *c, uint32_t a, uint32_t b)
{
    (void)c;
    return b ? a / b : 0;
}
static uint32_t i32_rem_s(wr_aot_ctx *c, uint32_t a, uint32_t b)
{
    (void)c;
    return b == 0 || b == 0xFFFFFFFFu ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
}
static uint32_t i32_rem_u(wr_aot_ctx *c, uint32_t a, uint32_t b)
{
    (void)c;
    return b ? a % b : 0;
}

static uint32_t i32_clz(wr_aot_ctx *c, uint32_t a)
{
    (void)c;
    return clz32(a);
}
static uint32_t i32_ctz(wr_aot_ctx *c, uint32_t a)
{
    (void)c;
    return ctz32(a);
}
static uint32_t i32_popcnt(wr_aot_ctx *c, uint32_t a)
{
    (void)c;
    return (uint32_t)__builtin_popcount(a);
}

/* A trapping truncation's status in the f32 helper's terms: 1 overflow, 2 NaN. */
static uint32_t f32_trunc_status(wr_status st)
{
    return st == WR_OK ? 0 : st == WR_TRAP_CONVERSION ? 2 : 1;
}

/* (a, b, wasm opcode) -> the result (bits) in r0, a trapping truncation's
 * status in r1 (0x100 + n for 0xfc n). */
static uint64_t f32_op(wr_aot_ctx *c, uint32_t a, uint32_t b, uint32_t op)
{
    (void)c;
    float x = f32_of(a), y = f32_of(b);
    uint32_t r = 0, status = 0;
    switch (op) {
    case 0x5B: r = x == y; break;
    case 0x5C: r = x != y; break;
    case 0x5D: r = x < y; break;
    case 0x5E: r = x > y; break;
    case 0x5F: r = x <= y; break;
    case 0x60: r = x >= y; break;
    case 0x8D: r = (uint32_t)of_f32(f32_round(x, 2)); break;
    case 0x8E: r = (uint32_t)of_f32(f32_round(x, 1)); break;
    case 0x8F: r = (uint32_t)of_f32(f32_round(x, 0)); break;
    case 0x90: r = (uint32_t)of_f32(f32_round(x, 3)); break;
    case 0x91: r = (uint32_t)of_f32(sqrtf(x)); break;
    case 0x92: r = (uint32_t)of_f32(x + y); break;
    case 0x93: r = (uint32_t)of_f32(x - y); break;
    case 0x94: r = (uint32_t)of_f32(x * y); break;
    case 0x95: r = (uint32_t)of_f32(x / y); break;
    case 0x96: r = (uint32_t)of_f32(f32_min(x, y)); break;
    case 0x97: r = (uint32_t)of_f32(f32_max(x, y)); break;
    case 0xA8:
        status = f32_trunc_status(trunc_i32_s(x));
        r = status ? 0 : (uint32_t)(int32_t)x;
        break;
    case 0xA9:
        status = f32_trunc_status(trunc_u32(x));
        r = status ? 0 : (uint32_t)x;
        break;
    case 0xB2: r = (uint32_t)of_f32((float)(int32_t)a); break;
    case 0xB3: r = (uint32_t)of_f32((float)a); break;
    case 0x100: r = (uint32_t)sat_i32(x); break;
    case 0x101: r = sat_u32(x); break;
    default: status = 2; break; /* no such operation: the code never asks */
    }
    return (uint64_t)status << 32 | r;
}

/* memory.init (dest, source, count, segment) and data.drop (segment). */
static uint32_t segment_op(wr_aot_inst *ai, uint32_t op, const uint32_t *w)
{
    wr_instance *inst = ai->inst;
    uint32_t seg = op == WR_AOT_WIDE_DATA_DROP ? w[0] : w[3];
    if (seg >= inst->mod->ndatas) return WR_AOT_TRAP_MEMORY_OUT_OF_BOUNDS;
    if (op == WR_AOT_WIDE_DATA_DROP) {
        inst->data_dropped[seg] = 1;
        return 0;
    }
    const wr_dataseg *d = &inst->mod->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : d->len;
    if ((uint64_t)w[1] + w[2] > len || (uint64_t)w[0] + w[2] > ai->ctx.mem_size)
        return WR_AOT_TRAP_MEMORY_OUT_OF_BOUNDS;
    if (w[2]) memcpy(ai->ctx.mem_base + w[0], d->data + w[1], w[2]);
    return 0;
}

/* A trap status of the numerics as the wide helper returns it (a TRAP kind). */
static uint32_t wide_status(wr_status st)
{
    switch (st) {
    case WR_OK: return 0;
    case WR_TRAP_DIV_ZERO: return WR_AOT_TRAP_DIVIDE_BY_ZERO;
    case WR_TRAP_CONVERSION: return WR_AOT_TRAP_INVALID_CONVERSION;
    default: return WR_AOT_TRAP_INTEGER_OVERFLOW;
    }
}

/* i64 division and remainder with their traps. */
static wr_status div64(uint32_t op, uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return WR_TRAP_DIV_ZERO;
    bool minus_one = b == UINT64_MAX, min = a == 0x8000000000000000ull;
    switch (op) {
    case 0x7F:
        if (min && minus_one) return WR_TRAP_INT_OVERFLOW;
        *r = (uint64_t)((int64_t)a / (int64_t)b);
        break;
    case 0x80: *r = a / b; break;
    case 0x81: *r = minus_one ? 0 : (uint64_t)((int64_t)a % (int64_t)b); break;
    default: *r = a % b; break;
    }
    return WR_OK;
}

/* A float-to-int conversion of the wide helper: the trapping ones check the
 * range first. */
static wr_status convert(uint32_t op, uint64_t a, uint64_t *r)
{
    float x = f32_of(a);
    double d = f64_of(a);
    wr_status st = WR_OK;
    switch (op) {
    case 0xAA: *r = (st = trunc_i32_s(d)) ? 0 : (uint32_t)(int32_t)d; break;
    case 0xAB: *r = (st = trunc_u32(d)) ? 0 : (uint32_t)d; break;
    case 0xAE: *r = (st = trunc_i64_s(x)) ? 0 : (uint64_t)(int64_t)x; break;
    case 0xAF: *r = (st = trunc_u64(x)) ? 0 : (uint64_t)x; break;
    case 0xB0: *r = (st = trunc_i64_s(d)) ? 0 : (uint64_t)(int64_t)d; break;
    case 0xB1: *r = (st = trunc_u64(d)) ? 0 : (uint64_t)d; break;
    case 0x102: *r = (uint32_t)sat_i32(d); break;
    case 0x103: *r = sat_u32(d); break;
    case 0x104: *r = (uint64_t)sat_i64(x); break;
    case 0x105: *r = sat_u64(x); break;
    case 0x106: *r = (uint64_t)sat_i64(d); break;
    default: *r = sat_u64(d); break; /* 0x107 */
    }
    return st;
}

/* The i64/f64 operations with one result word (comparisons, eqz, narrowing
 * conversions), or -1 for one with two. */
static int64_t narrow(uint32_t op, uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);
    switch (op) {
    case 0x50: return a == 0;
    case 0x51: return a == b;
    case 0x52: return a != b;
    case 0x53: return (int64_t)a < (int64_t)b;
    case 0x54: return a < b;
    case 0x55: return (int64_t)a > (int64_t)b;
    case 0x56: return a > b;
    case 0x57: return (int64_t)a <= (int64_t)b;
    case 0x58: return a <= b;
    case 0x59: return (int64_t)a >= (int64_t)b;
    case 0x5A: return a >= b;
    case 0x61: return x == y;
    case 0x62: return x != y;
    case 0x63: return x < y;
    case 0x64: return x > y;
    case 0x65: return x <= y;
    case 0x66: return x >= y;
    case 0xB4: return (uint32_t)of_f32((float)(int64_t)a);
    case 0xB5: return (uint32_t)of_f32((float)a);
    case 0xB6: return (uint32_t)of_f32((float)x);
    default: return -1;
    }
}

/* The i64/f64 operations with two result words that cannot trap. */
static uint64_t wide_value(uint32_t op, uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);
    switch (op) {
    case 0x79: return clz64(a);
    case 0x7A: return ctz64(a);
    case 0x7B: return (uint64_t)__builtin_popcountll(a);
    case 0x7C: return a + b;
    case 0x7D: return a - b;
    case 0x7E: return a * b;
    case 0x83: return a & b;
    case 0x84: return a | b;
    case 0x85: return a ^ b;
    case 0x86: return a << (b & 63);
    case 0x87: return (uint64_t)((int64_t)a >> (b & 63));
    case 0x88: return a >> (b & 63);
    case 0x89: return rotl64(a, b);
    case 0x8A: return rotr64(a, b);
    case 0x9B: return of_f64(f64_round(x, 2));
    case 0x9C: return of_f64(f64_round(x, 1));
    case 0x9D: return of_f64(f64_round(x, 0));
    case 0x9E: return of_f64(f64_round(x, 3));
    case 0x9F: return of_f64(sqrt(x));
    case 0xA0: return of_f64(x + y);
    case 0xA1: return of_f64(x - y);
    case 0xA2: return of_f64(x * y);
    case 0xA3: return of_f64(x / y);
    case 0xA4: return of_f64(f64_min(x, y));
    case 0xA5: return of_f64(f64_max(x, y));
    case 0xAC: return (uint64_t)(int64_t)(int32_t)a;
    case 0xAD: return (uint32_t)a;
    case 0xB7: return of_f64((double)(int32_t)a);
    case 0xB8: return of_f64((double)(uint32_t)a);
    case 0xB9: return of_f64((double)(int64_t)a);
    case 0xBA: return of_f64((double)a);
    case 0xBB: return of_f64((double)f32_of(a));
    case 0xC2: return (uint64_t)(int64_t)(int8_t)a;
    case 0xC3: return (uint64_t)(int64_t)(int16_t)a;
    default: return (uint64_t)(int64_t)(int32_t)a; /* 0xc4 */
    }
}

/* (words, opcode) -> 0 or a TRAP kind: the operation on the operand words
 * (low word first), its result words written over them. */
static uint32_t wide_op(wr_aot_ctx *c, uint32_t *w, uint32_t op)
{
    if (op == WR_AOT_WIDE_MEMORY_INIT || op == WR_AOT_WIDE_DATA_DROP) return segment_op((wr_aot_inst *)c, op, w);
    uint64_t a = w[0] | (uint64_t)w[1] << 32, b = w[2] | (uint64_t)w[3] << 32, r;
    wr_status st = WR_OK;
    int64_t one = narrow(op, a, b);
    if (one >= 0) {
        w[0] = (uint32_t)one;
        return 0;
    }
    if (op >= 0x7F && op <= 0x82)
        st = div64(op, a, b, &r);
    else if ((op >= 0xAA && op <= 0xB1 && op != 0xAC && op != 0xAD) || (op >= 0x102 && op <= 0x107))
        st = convert(op, a, &r);
    else
        r = wide_value(op, a, b);
    if (st != WR_OK) return wide_status(st);
    w[0] = (uint32_t)r;
    /* a conversion to i32 has one result word */
    if (op != 0xAA && op != 0xAB && op != 0x102 && op != 0x103) w[1] = (uint32_t)(r >> 32);
    return 0;
}

/* f64 add/sub/mul/div (abi.ts HELPER.f64Add..f64Div): the operands' words in
 * r0:r1 and r2:r3, the result in r0:r1, no context, no trap. That is the ARM
 * run-time ABI's __aeabi_dadd/dsub/dmul/ddiv (always the base, core-register
 * calling standard, whatever the float ABI). Add, sub and mul are our ARMv6-M
 * routines (f64_armv6m.S: a fast path for ordinary operands, libgcc's routine
 * for the rest, so the bits are the interpreter's); div is libgcc's, the
 * routine the interpreter's f64 division compiles to. */
uint64_t wr__f64_add(uint64_t a, uint64_t b);
uint64_t wr__f64_sub(uint64_t a, uint64_t b);
uint64_t wr__f64_mul(uint64_t a, uint64_t b);
uint64_t __aeabi_ddiv(uint64_t a, uint64_t b);

void wr__aot_flush(wr_store *s)
{
    wr_aot_inst *ai = s->aot_live;
    s->aot_live = NULL;
    wr__aot_leave(s, ai);
}

int64_t wr__aot_fuel(const wr_store *s)
{
    const wr_aot_inst *ai = s->aot_live;
    int64_t fuel = s->vm.fuel - (int64_t)(uint32_t)(ai->fuel_given - ai->ctx.fuel);
    return s->vm.fuel == INT64_MAX ? INT64_MAX : fuel < 0 ? 0 : fuel;
}

/* Import f with its arguments in the store's slots, or a native's as wr_args if args is not
 * NULL (results over them). Another instance's function gets the code's cached state
 * (mutable globals, fuel) handed back first, and the code takes it again after, as it may
 * run any code of the store. A native gets the state left where it is, handed back only if
 * the native reads or writes a global or the fuel, or calls wasm code (wr__aot_settle):
 * then the code takes it again as after a function. What it cannot change (the memory's
 * size, the tables) without calling wasm code is checked all the same. */
static wr_status call_out(wr_aot_inst *ai, const wr_func *f, wr_slot *slots, wr_arg *args)
{
    wr_store *s = ai->inst->store;
    wr_status st;
    if (f->native) {
        s->aot_live = ai;
        st = args ? wr__call_native_args(s, f, ai->inst, args) : wr__call_native(s, f, ai->inst, slots);
        if (s->aot_live == ai) {
            s->aot_live = NULL;
            wr__aot_memory_sync(ai);
            wr_status back = ai->table_seen == s->table_writes ? WR_OK : wr__aot_tables_sync(s, ai);
            return st != WR_OK ? st : back;
        }
    } else {
        wr__aot_leave(s, ai);
        st = wr__execute(s, f, slots);
    }
    wr_status back = wr__aot_enter(s, ai);
    return st != WR_OK ? st : back;
}

/* An import (a native, or another instance's function) with its wr_arg slots at args;
 * results over them. 0, or 1 with the reason kept for the trap site. */
static uint32_t call_import(wr_aot_ctx *ctx, uint32_t index, uint8_t *args, uint8_t *results)
{
    wr_aot_inst *ai = (wr_aot_inst *)ctx;
    wr_instance *inst = ai->inst;
    wr_store *s = inst->store;
    /* the index is the code's (a signed image's: see the README's trust) */
    const wr_func *f = inst->funcs[index];
    const wr_functype *t = f->type;
    if (f->native) {
        /* a native takes no references: the code's wr_arg slots are its arguments as they
         * are, once an i32's or f32's upper half is zero, as the interpreter's are */
        wr_arg *a = (wr_arg *)(void *)args;
        for (uint32_t i = 0; i < t->nparams; i++)
            if (!wr__aot_wide(t->params[i])) a[i].i64 = (uint32_t)a[i].i32;
        wr_status st = call_out(ai, f, NULL, a);
        if (st != WR_OK) {
            ai->pending = st;
            return 1;
        }
        if (results != args) memmove(results, args, (size_t)WR_AOT_WR_ARG_BYTES * t->nresults);
        return 0;
    }
    uint32_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (n > (size_t)(s->stack_end - s->sp)) {
        ai->pending = wr__trap(s, WR_TRAP_STACK_EXHAUSTED, NULL, NULL, "an import's arguments");
        return 1;
    }
    /* the code writes an i32 or f32 argument's first word only */
    wr_slot *slots = s->sp;
    for (uint32_t i = 0; i < t->nparams; i++) {
        memcpy(&slots[i], args + WR_AOT_WR_ARG_BYTES * i, 8);
        if (!wr__aot_wide(t->params[i])) slots[i] &= 0xFFFFFFFFu;
        if (wr__aot_is_ref(t->params[i])) slots[i] = wr__aot_ref_in(ai, t->params[i], (uint32_t)slots[i]);
    }
    wr_status st = call_out(ai, f, slots, NULL);
    if (st != WR_OK) {
        ai->pending = st;
        return 1;
    }
    for (uint32_t i = 0; i < t->nresults; i++) {
        if (wr__aot_is_ref(t->results[i])) {
            uint32_t w;
            if ((st = wr__aot_ref_out(ai, t->results[i], (uintptr_t)slots[i], &w)) != WR_OK) {
                ai->pending = st;
                return 1;
            }
            slots[i] = w;
        }
        memcpy(results + WR_AOT_WR_ARG_BYTES * i, &slots[i], 8);
    }
    return 0;
}

/* table.* and elem.drop (abi.ts HELPER.table): done on the runtime's tables (what the
 * interpreter and the host see), then the code's copies of them rebuilt. [operands...,
 * immediates...] in w; the result over w[0]; 0, or TRAP.tableOutOfBounds (nothing changed). */
static uint32_t table_op(wr_aot_ctx *c, uint32_t *w, uint32_t op)
{
    wr_aot_inst *ai = (wr_aot_inst *)c;
    wr_instance *inst = ai->inst;
    wr_store *s = inst->store;
    uint32_t ti = op == WR_AOT_TABLE_GET || op == WR_AOT_TABLE_SIZE   ? w[op == WR_AOT_TABLE_GET]
                  : op == WR_AOT_TABLE_SET || op == WR_AOT_TABLE_GROW ? w[2]
                  : op == WR_AOT_TABLE_FILL                           ? w[3]
                                                                      : w[4];
    wr_table *t = op == WR_AOT_ELEM_DROP ? NULL : inst->tables[ti];
    uint64_t a = w[0], b = w[1], n = w[2];
    switch (op) {
    case WR_AOT_TABLE_GET:
        if (a >= t->size) return WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS;
        w[0] = ai->copies[ti][a]; /* the copies are current while the code runs */
        return 0;
    case WR_AOT_TABLE_SIZE: w[0] = t->size; return 0;
    case WR_AOT_ELEM_DROP: inst->elems[w[0]].count = 0; return 0;
    case WR_AOT_TABLE_SET:
        if (a >= t->size) return WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS;
        t->elems[a] = wr__aot_ref_in(ai, t->elem, w[1]);
        break;
    case WR_AOT_TABLE_FILL:
        if (a + n > t->size) return WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS;
        for (uint64_t k = 0; k < n; k++) t->elems[a + k] = wr__aot_ref_in(ai, t->elem, w[1]);
        break;
    case WR_AOT_TABLE_GROW: {
        uint32_t old;
        w[0] = wr__table_grow(t, w[1], wr__aot_ref_in(ai, t->elem, w[0]), &old) ? old : UINT32_MAX;
        break;
    }
    case WR_AOT_TABLE_INIT: {
        const wr_elemrt *seg = &inst->elems[w[3]];
        if (b + n > seg->count || a + n > t->size) return WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS;
        if (n) memcpy(t->elems + a, seg->refs + b, (size_t)n * sizeof(uintptr_t));
        break;
    }
    default: { /* WR_AOT_TABLE_COPY */
        const wr_table *from = inst->tables[w[4]];
        t = inst->tables[w[3]];
        if (b + n > from->size || a + n > t->size) return WR_AOT_TRAP_TABLE_OUT_OF_BOUNDS;
        if (n) memmove(t->elems + a, from->elems + b, (size_t)n * sizeof(uintptr_t));
        break;
    }
    }
    s->table_writes++;
    /* every entry came from this instance's references, so only room can fail (a grown table
   * past its copy with the allocator refusing): that copy's size is then 0, never stale */
    (void)wr__aot_tables_sync(s, ai);
    return 0;
}

/* An import called through a reference (its descriptor's code is import k's stub below): the
 * code's calling convention (argument words at `args`, results in r0:r1 and, past two words,
 * over the arguments). A failure sets ctx.ref_trap to where the stub goes instead of
 * returning: the image's trap stub, which unwinds to the entry. */
uint64_t wr__aot_call_by_ref(wr_aot_ctx *c, uint32_t k, uint32_t *args)
{
    wr_aot_inst *ai = (wr_aot_inst *)c;
    wr_instance *inst = ai->inst;
    wr_store *s = inst->store;
    const wr_func *f = inst->funcs[k];
    const wr_functype *t = f->type;
    uint32_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    wr_status st = WR_OK;
    wr_slot *slots = s->sp;
    if (n > (size_t)(s->stack_end - s->sp))
        st = wr__trap(s, WR_TRAP_STACK_EXHAUSTED, NULL, NULL, "an import's arguments");
    for (uint32_t i = 0, w = 0; i < t->nparams && st == WR_OK; i++) {
        slots[i] = args[w++];
        if (wr__aot_wide(t->params[i])) slots[i] |= (uint64_t)args[w++] << 32;
        if (wr__aot_is_ref(t->params[i])) slots[i] = wr__aot_ref_in(ai, t->params[i], (uint32_t)slots[i]);
    }
    if (st == WR_OK) st = call_out(ai, f, slots, NULL);
    for (uint32_t i = 0, w = 0; i < t->nresults && st == WR_OK; i++) {
        uint32_t ref = 0;
        if (wr__aot_is_ref(t->results[i])) st = wr__aot_ref_out(ai, t->results[i], (uintptr_t)slots[i], &ref);
        args[w++] = wr__aot_is_ref(t->results[i]) ? ref : (uint32_t)slots[i];
        if (wr__aot_wide(t->results[i])) args[w++] = (uint32_t)(slots[i] >> 32);
    }
    c->ref_trap = 0;
    if (st != WR_OK) {
        ai->pending = st;
        c->ref_trap = (uint32_t)(uintptr_t)(inst->mod->aot->code + inst->mod->aot->trap_stub) | 1u;
        return 0;
    }
    return args[0] | (uint64_t)args[1] << 32;
}

/* Import k's stub, 4 bytes each: r1 = k, then the common part, which calls the function above
 * with the context (r7) and the caller's argument words (its SP), and returns its r0:r1 with r9
 * and r10 reloaded from the context (the import may have grown the memory), or goes to the trap
 * stub with the caller's return address in LR. */
__asm__("  .pushsection .text.wr__aot_import_stubs, \"ax\", %progbits\n"
        "  .syntax unified\n"
        "  .thumb\n"
        "  .balign 4\n"
        "  .global wr__aot_import_stubs\n"
        "wr__aot_import_stubs:\n"
        "  .set wr__aot_k, 0\n"
        "  .rept 64\n" /* WR_AOT_IMPORT_STUBS */
        "  movs r1, #wr__aot_k\n"
        "  b 9f\n"
        "  .set wr__aot_k, wr__aot_k + 1\n"
        "  .endr\n"
        "9:\n"
        "  push {r4, lr}\n"
        "  mov r0, r7\n"
        "  add r2, sp, #8\n"
        "  bl wr__aot_call_by_ref\n"
        "  ldr r2, [r7, #60]\n" /* ctx.ref_trap */
        "  cmp r2, #0\n"
        "  bne 2f\n"
        "  ldr r2, [r7, #4]\n" /* memory registers as the entry stub sets them */
        "  subs r2, #8\n"
        "  bhs 1f\n"
        "  movs r2, #0\n"
        "1:\n"
        "  mov r9, r2\n"
        "  ldr r2, [r7, #0]\n"
        "  mov r10, r2\n"
        "  pop {r4, pc}\n"
        "2:\n"
        "  pop {r4}\n"
        "  pop {r3}\n"
        "  mov lr, r3\n"
        "  bx r2\n"
        "  .popsection\n");
_Static_assert(offsetof(wr_aot_ctx, ref_trap) == 60 && WR_AOT_CTX_MEM_SIZE == 4 && WR_AOT_CTX_MEM_BASE == 0,
               "the import stub's context offsets");

#define HELPER(fn) ((void (*)(void))(fn))
void (*const wr__aot_helpers[WR_AOT_HELPER_COUNT])(void) = {
    [WR_AOT_HELPER_MEMORY_GROW] = HELPER(memory_grow),
    [WR_AOT_HELPER_MEMORY_FILL] = HELPER(memory_fill),
    [WR_AOT_HELPER_MEMORY_COPY] = HELPER(memory_copy),
    [WR_AOT_HELPER_I32_DIV_S] = HELPER(i32_div_s),
    [WR_AOT_HELPER_I32_DIV_U] = HELPER(i32_div_u),
    [WR_AOT_HELPER_I32_REM_S] = HELPER(i32_rem_s),
    [WR_AOT_HELPER_I32_REM_U] = HELPER(i32_rem_u),
    [WR_AOT_HELPER_CALL_IMPORT] = HELPER(call_import),
    [WR_AOT_HELPER_I32_CLZ] = HELPER(i32_clz),
    [WR_AOT_HELPER_I32_CTZ] = HELPER(i32_ctz),
    [WR_AOT_HELPER_I32_POPCNT] = HELPER(i32_popcnt),
    [WR_AOT_HELPER_F32] = HELPER(f32_op),
    [WR_AOT_HELPER_WIDE] = HELPER(wide_op),
    [WR_AOT_HELPER_TABLE] = HELPER(table_op),
    [WR_AOT_HELPER_F64_ADD] = HELPER(wr__f64_add),
    [WR_AOT_HELPER_F64_SUB] = HELPER(wr__f64_sub),
    [WR_AOT_HELPER_F64_MUL] = HELPER(wr__f64_mul),
    [WR_AOT_HELPER_F64_DIV] = HELPER(__aeabi_ddiv),
};
#else
/* AOT code does not run on this target (aot.h): nothing to call, no state to hand back. */
void wr__aot_flush(wr_store *s)
{
    s->aot_live = NULL;
}
int64_t wr__aot_fuel(const wr_store *s)
{
    return s->vm.fuel;
}
#endif
