/* interp.c: the interpreter. It executes validated function bodies in place,
 * straight from the module's bytes: immediates are decoded as they are met
 * (one-byte LEB128 fast path), and the side table is read only where control
 * transfers. Wasm calls push frames on the store's own frame stack, never on
 * the C stack, so recursion depth is bounded by wr_limits alone and running
 * out of it is an ordinary trap.
 *
 * Values live in 64-bit slots; i32 and f32 are kept zero-extended so a slot
 * can be compared, copied and returned without knowing its type. */
#include "internal.h"

#include <math.h>

#if defined(__GNUC__)
#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NOINLINE    __attribute__((noinline))
#else
#define LIKELY(x)   (x)
#define UNLIKELY(x) (x)
#define NOINLINE
#endif

/* ------------------------------------------------------------ memory access */
/* WR_STRICT_ALIGN (wr_config.h): an aligned access is one instruction, the rest bytewise,
 * instead of a memcpy call whose address is not known to be aligned. */
static inline void bytes_get(void *dst, const uint8_t *src, size_t n)
{
#if WR_STRICT_ALIGN
    uint8_t *d = dst;
    if (n == 2 && ((uintptr_t)src & 1u) == 0) {
        memcpy(d, __builtin_assume_aligned(src, 2), 2);
    } else if (n >= 4 && ((uintptr_t)src & 3u) == 0) {
        memcpy(d, __builtin_assume_aligned(src, 4), 4);
        if (n == 8) memcpy(d + 4, __builtin_assume_aligned(src + 4, 4), 4);
    } else {
        for (size_t k = 0; k < n; k++) d[k] = src[k];
    }
#else
    memcpy(dst, src, n);
#endif
}

static inline void bytes_put(uint8_t *dst, const void *src, size_t n)
{
#if WR_STRICT_ALIGN
    const uint8_t *v = src;
    if (n == 2 && ((uintptr_t)dst & 1u) == 0) {
        memcpy(__builtin_assume_aligned(dst, 2), v, 2);
    } else if (n >= 4 && ((uintptr_t)dst & 3u) == 0) {
        memcpy(__builtin_assume_aligned(dst, 4), v, 4);
        if (n == 8) memcpy(__builtin_assume_aligned(dst + 4, 4), v + 4, 4);
    } else {
        for (size_t k = 0; k < n; k++) dst[k] = v[k];
    }
#else
    memcpy(dst, src, n);
#endif
}

#include "numeric.h"

/* signed LEB128 of validated code, with the one-byte fast path */
static inline int32_t leb_s32(const uint8_t **pp)
{
    /* unrolled: validated code has at most 5 bytes */
    const uint8_t *p = *pp;
    uint32_t v = p[0] & 0x7Fu;
    unsigned bits = 7;
    if (p[0] & 0x80) {
        v |= (p[1] & 0x7Fu) << 7;
        bits = 14;
        if (p[1] & 0x80) {
            v |= (p[2] & 0x7Fu) << 14;
            bits = 21;
            if (p[2] & 0x80) {
                v |= (p[3] & 0x7Fu) << 21;
                bits = 28;
                if (p[3] & 0x80) {
                    v |= (uint32_t)p[4] << 28;
                    bits = 32;
                }
            }
        }
    }
    *pp = p + (bits + 6) / 7;
    if (bits < 32) v = (uint32_t)((int32_t)(v << (32 - bits)) >> (32 - bits));
    return (int32_t)v;
}
static inline int64_t leb_s64(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0, b;
    unsigned shift = 0;
    do {
        b = *p++;
        v |= (b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    *pp = p;
    return (int64_t)v;
}
#define SKIP_LEB(ip)                                                                                                   \
    do {                                                                                                               \
        while (*(ip)++ & 0x80) {                                                                                       \
        }                                                                                                              \
    } while (0)

/* ------------------------------------------------------------ the loop */
/* Conventions: ip points at the current opcode until the handler consumes
 * it; a handler advances ip past its immediates before anything can trap,
 * so a trap's ip lies inside the trapping instruction. The top of the
 * operand stack lives in `tos`; sp points past the rest (sp[-1] is the
 * second value). The stack has one guard slot below its base, so reloading
 * tos from an empty operand stack reads harmless garbage. */
/* Labels made by macros: clang-format would join these lines. */
/* clang-format off */
#if WR_COMPUTED_GOTO
#define OP(code, name) op_##name:
#define ALIAS(code)
#define NEXT() goto *dt[*ip]
#else
#define OP(code, name) case code: op_##name:
#define ALIAS(code) case code:
#define NEXT() goto next
#endif
/* clang-format on */

/* only the switch needs telling that a handler runs on into the next */
#if !WR_COMPUTED_GOTO && defined(__GNUC__) && __GNUC__ >= 7
#define WR_FALLTHROUGH __attribute__((fallthrough))
#else
#define WR_FALLTHROUGH                                                                                                 \
    do {                                                                                                               \
    } while (0)
#endif

/* After a trap, never on the way to one: the wasm call stack of this level,
 * the function that trapped (or called the native that did) at ip, then the
 * callers saved in the frames below top, down to the host's (func NULL). */
static NOINLINE void trap_frames(wr_store *s, const wr_func *cur, const uint8_t *ip, const wr_frame *top)
{
    if (!cur || !cur->def) return; /* the host called a native directly */
    wr__trap_frame(s, cur, ip);
    for (const wr_frame *fr = top; fr > s->frames;) {
        fr--;
        if (!fr->func) break; /* the host's call into this level */
        wr__trap_frame(s, fr->func, fr->ip);
    }
}

#define TRAP(code)                                                                                                     \
    do {                                                                                                               \
        status = (code);                                                                                               \
        goto trap;                                                                                                     \
    } while (0)

/* reload what is cached from the current instance's memory */
#define LOAD_MEM()                                                                                                     \
    do {                                                                                                               \
        wr_memory *m_ = vm->inst->mem;                                                                                 \
        mem = m_ ? m_->data : NULL;                                                                                    \
        vm->mem_size = m_ ? m_->bytes : 0;                                                                             \
    } while (0)

#define I32(v) ((uint32_t)(v))
#define S32(v) ((int32_t)(uint32_t)(v))
#define S64(v) ((int64_t)(v))

/* an unsigned LEB128 immediate right after the opcode (one-byte fast path) */
#define IMM(var)                                                                                                       \
    uint32_t var = ip[1];                                                                                              \
    if (LIKELY(var < 0x80)) {                                                                                          \
        ip += 2;                                                                                                       \
    } else {                                                                                                           \
        ip++;                                                                                                          \
        var = wr__leb_u32(&ip);                                                                                        \
    }

/* WITH_IMM: the body runs on each path separately, so the one-byte case
 * needs no merge with the LEB128 decoder's result */
#define WITH_IMM(var, body)                                                                                            \
    do {                                                                                                               \
        uint32_t var = ip[1];                                                                                          \
        if (LIKELY(var < 0x80)) {                                                                                      \
            ip += 2;                                                                                                   \
            body                                                                                                       \
        } else {                                                                                                       \
            ip++;                                                                                                      \
            var = wr__leb_u32(&ip);                                                                                    \
            body                                                                                                       \
        }                                                                                                              \
    } while (0)

#define PUSH(v)                                                                                                        \
    do {                                                                                                               \
        *sp = tos;                                                                                                     \
        sp++;                                                                                                          \
        tos = (v);                                                                                                     \
    } while (0)
#define UNOP(expr)                                                                                                     \
    do {                                                                                                               \
        wr_slot a = tos;                                                                                               \
        tos = (expr);                                                                                                  \
        ip++;                                                                                                          \
        NEXT();                                                                                                        \
    } while (0)
#define BINOP(expr)                                                                                                    \
    do {                                                                                                               \
        wr_slot b = tos, a = *--sp;                                                                                    \
        tos = (expr);                                                                                                  \
        ip++;                                                                                                          \
        NEXT();                                                                                                        \
    } while (0)

/* memarg: alignment (ignored) and offset, both usually one byte */
#define MEMARG(off)                                                                                                    \
    uint32_t off;                                                                                                      \
    if (LIKELY(((ip[1] | ip[2]) & 0x80) == 0)) {                                                                       \
        off = ip[2];                                                                                                   \
        ip += 3;                                                                                                       \
    } else {                                                                                                           \
        ip++;                                                                                                          \
        SKIP_LEB(ip);                                                                                                  \
        off = wr__leb_u32(&ip);                                                                                        \
    }
/* effective addresses have 33 bits, so base + offset cannot wrap */
#define LOAD(T, conv)                                                                                                  \
    do {                                                                                                               \
        MEMARG(off_);                                                                                                  \
        uint64_t ea = (uint64_t)I32(tos) + off_;                                                                       \
        if (UNLIKELY(ea + sizeof(T) > vm->mem_size)) TRAP(WR_TRAP_MEMORY_OOB);                                         \
        T v_;                                                                                                          \
        bytes_get(&v_, mem + ea, sizeof(T));                                                                           \
        tos = (wr_slot)(conv)(v_);                                                                                     \
        NEXT();                                                                                                        \
    } while (0)
#define STORE(T)                                                                                                       \
    do {                                                                                                               \
        MEMARG(off_);                                                                                                  \
        uint64_t ea = (uint64_t)I32(sp[-1]) + off_;                                                                    \
        if (UNLIKELY(ea + sizeof(T) > vm->mem_size)) TRAP(WR_TRAP_MEMORY_OOB);                                         \
        T v_ = (T)tos;                                                                                                 \
        bytes_put(mem + ea, &v_, sizeof(T));                                                                           \
        tos = sp[-2];                                                                                                  \
        sp -= 2;                                                                                                       \
        NEXT();                                                                                                        \
    } while (0)

wr_status wr__execute(wr_store *s, const wr_func *f, wr_slot *args)
{
    wr__aot_settle(s); /* a native's callback: the globals and fuel of its AOT caller */
    if (f->inst->aot && f->def) return wr__aot_execute(s, f, args);
#if WR_SPECIALIZE
        /* Nine tables of 256 entries:
   *   [0] every opcode
   *   [1], [2] the opcode after an i32.const with a one- or two-byte
   *       immediate: handlers taking the constant as their right operand
   *   [3] every opcode, for a function whose local and global indices are
   *       all one byte ("narrow")
   *   [4] = [1], [5] = [2]
   *   [6] (narrow only) the opcode after a local.get: handlers taking the
   *       local as their right operand, or doing both instructions at once
   *   [7] (narrow only) the opcode after a local.set
   *   [8] (narrow only) the opcode after two local.gets
   * dt points at [0] or [3]; dt + 256 and dt + 512 are then the matching
   * constant tables and, for [3], dt + 768, + 1024 and + 1280 are [6], [7]
   * and [8].
   * Every such handler decodes its operands from ip itself, so no value is
   * live across the jump. Later entries override the range defaults. */
#define K_TABLE(w)                                                                                                     \
    [0 ... 255] = &&k##w##_push, [0x46] = &&k##w##_eq, [0x47] = &&k##w##_ne, [0x48] = &&k##w##_lt_s,                   \
           [0x49] = &&k##w##_lt_u, [0x4A] = &&k##w##_gt_s, [0x4B] = &&k##w##_gt_u, [0x4C] = &&k##w##_le_s,             \
           [0x4D] = &&k##w##_le_u, [0x4E] = &&k##w##_ge_s, [0x4F] = &&k##w##_ge_u, [0x6A] = &&k##w##_add,              \
           [0x6B] = &&k##w##_sub, [0x6C] = &&k##w##_mul, [0x71] = &&k##w##_and, [0x72] = &&k##w##_or,                  \
           [0x73] = &&k##w##_xor, [0x74] = &&k##w##_shl, [0x75] = &&k##w##_shr_s, [0x76] = &&k##w##_shr_u,             \
           [0x77] = &&k##w##_rotl, [0x78] = &&k##w##_rotr
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static const void *const tables[9][256] = {
        {
#include "interp_dispatch.h"
        },
        { K_TABLE(1) },
        { K_TABLE(2) },
        {
#include "interp_dispatch.h"
            [0x20] = &&op_local_get_1,
            [0x21] = &&op_local_set_1,
            [0x22] = &&op_local_tee_1,
            [0x23] = &&op_global_get_1,
            [0x24] = &&op_global_set_1,
        },
        { K_TABLE(1) },
        { K_TABLE(2) },
        {
            [0 ... 255] = &&l_push, [0x20] = &&l_local_get, [0x21] = &&l_local_set, [0x41] = &&l_i32_const,
            [0x46] = &&l_eq,        [0x47] = &&l_ne,        [0x48] = &&l_lt_s,      [0x49] = &&l_lt_u,
            [0x4A] = &&l_gt_s,      [0x4B] = &&l_gt_u,      [0x4C] = &&l_le_s,      [0x4D] = &&l_le_u,
            [0x4E] = &&l_ge_s,      [0x4F] = &&l_ge_u,      [0x6A] = &&l_add,       [0x6B] = &&l_sub,
            [0x6C] = &&l_mul,       [0x71] = &&l_and,       [0x72] = &&l_or,        [0x73] = &&l_xor,
            [0x74] = &&l_shl,       [0x75] = &&l_shr_s,     [0x76] = &&l_shr_u,     [0x77] = &&l_rotl,
            [0x78] = &&l_rotr,      [0x7C] = &&l_i64_add,   [0x7D] = &&l_i64_sub,   [0x7E] = &&l_i64_mul,
            [0x83] = &&l_i64_and,   [0x84] = &&l_i64_or,    [0x85] = &&l_i64_xor,   [0x92] = &&l_f32_add,
            [0x93] = &&l_f32_sub,   [0x94] = &&l_f32_mul,   [0x95] = &&l_f32_div,   [0xA0] = &&l_f64_add,
            [0xA1] = &&l_f64_sub,   [0xA2] = &&l_f64_mul,   [0xA3] = &&l_f64_div,
        },
        { [0 ... 255] = &&s_pop, [0x20] = &&s_local_get },
        {
            [0 ... 255] = &&ll_push, [0x46] = &&ll_eq,      [0x47] = &&ll_ne,      [0x48] = &&ll_lt_s,
            [0x49] = &&ll_lt_u,      [0x4A] = &&ll_gt_s,    [0x4B] = &&ll_gt_u,    [0x4C] = &&ll_le_s,
            [0x4D] = &&ll_le_u,      [0x4E] = &&ll_ge_s,    [0x4F] = &&ll_ge_u,    [0x6A] = &&ll_add,
            [0x6B] = &&ll_sub,       [0x6C] = &&ll_mul,     [0x71] = &&ll_and,     [0x72] = &&ll_or,
            [0x73] = &&ll_xor,       [0x74] = &&ll_shl,     [0x75] = &&ll_shr_s,   [0x76] = &&ll_shr_u,
            [0x92] = &&ll_f32_add,   [0x93] = &&ll_f32_sub, [0x94] = &&ll_f32_mul, [0xA0] = &&ll_f64_add,
            [0xA1] = &&ll_f64_sub,   [0xA2] = &&ll_f64_mul,
        },
    };
#pragma GCC diagnostic pop
#undef K_TABLE
    const void *const *dt = tables[0];
#define SET_DT(def) (dt = tables[(def)->narrow ? 3 : 0])
#elif WR_COMPUTED_GOTO
    static const void *const dt[256] = {
#include "interp_dispatch.h"
    };
#define SET_DT(def) ((void)0)
#else
#define SET_DT(def) ((void)0)
#endif
    wr_status status = WR_OK;
    wr_vm *const vm = &s->vm;
    const wr_vm saved = *vm; /* a native may have called us: restore on exit */
    wr_slot *const sp0 = s->sp;
    wr_frame *const frame0 = s->frame;
    const uint8_t *ip = NULL;
    wr_slot *sp = args + f->type->nparams, *fp = args;
    wr_slot tos = 0;
    uint8_t *mem;
    const wr_func *callee = f;
    /* fuel is shared with any call that is already running (vm->fuel) */
    const bool metered = vm->fuel != INT64_MAX;
    vm->cur = NULL;
    vm->inst = f->inst;
    vm->frame = s->frame;
    LOAD_MEM();
    /* do_call saves cur (NULL) in the first frame: returning to it returns to
   * the host. The arguments are all in memory already. */
    goto do_call;

#if !WR_COMPUTED_GOTO
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-label"
#endif
next:
    switch (*ip) {
#endif

        OP(0x00, unreachable)
        ip++;
        TRAP(WR_TRAP_UNREACHABLE);
        ALIAS(0xBC)
        ALIAS(0xBD)
        ALIAS(0xBE)
        ALIAS(0xBF) /* reinterpretations: same bits */
        OP(0x01, nop)
        ip++;
        NEXT();
        OP(0x02, block)
        OP(0x03, loop)
        /* the block type: one byte, or a type index */
        if (LIKELY(ip[1] < 0x80)) {
            ip += 2;
        } else {
            ip++;
            SKIP_LEB(ip);
        }
        NEXT();
        OP(0x04, if)
        {
            uint32_t c = I32(tos);
            tos = *--sp;
            if (c) {
                if (LIKELY(ip[1] < 0x80)) {
                    ip += 2;
                } else {
                    ip++;
                    SKIP_LEB(ip);
                }
                vm->stp++;
                NEXT();
            }
            /* false: the entry jumps to the else branch or past the end */
        }
        WR_FALLTHROUGH;
        OP(0x05, else)
        {
            const wr_ste *e = vm->stp;
            ip += e->ip;
            vm->stp = (const wr_ste *)((const uint8_t *)e + e->st);
            NEXT();
        }
        OP(0x0B, end)
        if (LIKELY(ip != vm->fend)) {
            ip++;
            NEXT();
        }
        goto do_return;

        OP(0x0C, br)
    take : {
        const wr_ste *e = vm->stp;
        if (UNLIKELY(e->drop)) {
            uint32_t n = e->arity;
            *sp++ = tos;
            wr_slot *dst = sp - n - e->drop;
            for (uint32_t k = 0; k < n; k++) dst[k] = sp[(int32_t)k - (int32_t)n];
            sp = dst + n;
            tos = *--sp;
        }
#if WR_FUEL
        /* backward (a loop's own br has delta 0; forward ones are positive) */
        if (e->ip <= 0 && UNLIKELY(--vm->fuel < 0)) {
            vm->fuel = 0;
            ip++;
            TRAP(WR_TRAP_FUEL);
        }
#endif
        ip += e->ip;
        vm->stp = (const wr_ste *)((const uint8_t *)e + e->st);
        NEXT();
    }
        OP(0x0D, br_if)
        {
            uint32_t c = I32(tos);
            tos = *--sp;
            if (c) goto take;
            if (LIKELY(ip[1] < 0x80)) {
                ip += 2;
            } else {
                ip++;
                SKIP_LEB(ip);
            }
            vm->stp++;
            NEXT();
        }
        OP(0x0E, br_table)
        {
            const uint8_t *p = ip + 1;
            uint32_t n = wr__leb_u32(&p);
            uint32_t i = I32(tos);
            tos = *--sp;
            vm->stp += i < n ? i : n;
            goto take;
        }
        OP(0x0F, return )
        goto do_return;

        OP(0x10, call)
        {
            IMM(fi);
            callee = vm->inst->funcs[fi];
            *sp++ = tos;
            goto do_call;
        }
        OP(0x11, call_indirect)
        {
            IMM(ti);
            uint32_t tab = wr__leb_u32(&ip);
            const wr_table *t = vm->inst->tables[tab];
            uint32_t i = I32(tos);
            tos = *--sp;
            if (UNLIKELY(i >= t->size)) TRAP(WR_TRAP_UNDEFINED_ELEMENT);
            callee = (const wr_func *)t->elems[i];
            if (UNLIKELY(!callee)) TRAP(WR_TRAP_UNINITIALIZED_ELEMENT);
            const wr_functype *want = &vm->inst->mod->types[vm->inst->mod->types[ti].canon];
            if (UNLIKELY(callee->type != want && !wr__functype_eq(callee->type, want))) TRAP(WR_TRAP_INDIRECT_TYPE);
            *sp++ = tos;
            goto do_call;
        }

        OP(0x1A, drop)
        tos = *--sp;
        ip++;
        NEXT();
        OP(0x1B, select)
        {
            uint32_t c = I32(tos);
            wr_slot b = sp[-1];
            tos = sp[-2];
            sp -= 2;
            if (!c) tos = b;
            ip++;
            NEXT();
        }
        OP(0x1C, select_t)
        /* count (always 1) and the type: select does the rest */
        ip++;
        SKIP_LEB(ip);
        goto op_select;

        OP(0x20, local_get)
        WITH_IMM(i, PUSH(fp[i]); NEXT(););
        OP(0x21, local_set)
        WITH_IMM(i, fp[i] = tos; tos = *--sp; NEXT(););
        OP(0x22, local_tee)
        WITH_IMM(i, fp[i] = tos; NEXT(););
        OP(0x23, global_get)
        {
            IMM(i);
            PUSH(vm->inst->globals[i]->val);
            NEXT();
        }
        OP(0x24, global_set)
        {
            IMM(i);
            vm->inst->globals[i]->val = tos;
            tos = *--sp;
            NEXT();
        }
        OP(0x25, table_get)
        {
            IMM(ti);
            const wr_table *t = vm->inst->tables[ti];
            uint32_t i = I32(tos);
            if (UNLIKELY(i >= t->size)) TRAP(WR_TRAP_TABLE_OOB);
            tos = t->elems[i];
            NEXT();
        }
        OP(0x26, table_set)
        {
            IMM(ti);
            wr_table *t = vm->inst->tables[ti];
            uint32_t i = I32(sp[-1]);
            if (UNLIKELY(i >= t->size)) TRAP(WR_TRAP_TABLE_OOB);
            t->elems[i] = (uintptr_t)tos;
            s->table_writes++;
            tos = sp[-2];
            sp -= 2;
            NEXT();
        }

#if WR_COMPACT_MEMOPS
        /* one handler for the other loads: width and sign from tables */
        OP(0x29, i64_load)
        OP(0x2A, f32_load)
        OP(0x2B, f64_load)
        OP(0x2C, i32_load8_s)
        OP(0x2D, i32_load8_u)
        OP(0x2E, i32_load16_s)
        OP(0x2F, i32_load16_u)
        OP(0x30, i64_load8_s)
        OP(0x31, i64_load8_u)
        OP(0x32, i64_load16_s)
        OP(0x33, i64_load16_u)
        OP(0x34, i64_load32_s)
        OP(0x35, i64_load32_u)
        {
            static const uint8_t width[14] = { 4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4 };
            static const uint8_t sign[14] = { 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0 }; /* sign-extend */
            static const uint8_t to32[14] = { 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 }; /* i32 result */
            unsigned kind = *ip - 0x28u, n = width[kind];
            MEMARG(off);
            uint64_t ea = (uint64_t)I32(tos) + off;
            if (UNLIKELY(ea + n > vm->mem_size)) TRAP(WR_TRAP_MEMORY_OOB);
            uint64_t v = 0;
            for (unsigned b = n; b--;) v = v << 8 | mem[ea + b];
            if (sign[kind] && (v >> (8 * n - 1) & 1)) v |= ~(uint64_t)0 << (8 * n);
            tos = to32[kind] ? (uint32_t)v : v;
            NEXT();
        }
        OP(0x37, i64_store)
        OP(0x38, f32_store)
        OP(0x39, f64_store)
        OP(0x3A, i32_store8)
        OP(0x3B, i32_store16)
        OP(0x3C, i64_store8)
        OP(0x3D, i64_store16)
        OP(0x3E, i64_store32)
        {
            static const uint8_t width[9] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
            unsigned n = width[*ip - 0x36u];
            MEMARG(off);
            uint64_t ea = (uint64_t)I32(sp[-1]) + off;
            if (UNLIKELY(ea + n > vm->mem_size)) TRAP(WR_TRAP_MEMORY_OOB);
            uint64_t v = tos;
            for (unsigned b = 0; b < n; b++, v >>= 8) mem[ea + b] = (uint8_t)v;
            tos = sp[-2];
            sp -= 2;
            NEXT();
        }
        OP(0x28, i32_load)
        LOAD(uint32_t, uint32_t);
        OP(0x36, i32_store)
        STORE(uint32_t);
#else
    OP(0x28, i32_load)
    LOAD(uint32_t, uint32_t);
    OP(0x29, i64_load)
    LOAD(uint64_t, uint64_t);
    OP(0x2A, f32_load)
    LOAD(uint32_t, uint32_t);
    OP(0x2B, f64_load)
    LOAD(uint64_t, uint64_t);
    OP(0x2C, i32_load8_s)
    LOAD(int8_t, uint32_t);
    OP(0x2D, i32_load8_u)
    LOAD(uint8_t, uint32_t);
    OP(0x2E, i32_load16_s)
    LOAD(int16_t, uint32_t);
    OP(0x2F, i32_load16_u)
    LOAD(uint16_t, uint32_t);
    OP(0x30, i64_load8_s)
    LOAD(int8_t, int64_t);
    OP(0x31, i64_load8_u)
    LOAD(uint8_t, uint64_t);
    OP(0x32, i64_load16_s)
    LOAD(int16_t, int64_t);
    OP(0x33, i64_load16_u)
    LOAD(uint16_t, uint64_t);
    OP(0x34, i64_load32_s)
    LOAD(int32_t, int64_t);
    OP(0x35, i64_load32_u)
    LOAD(uint32_t, uint64_t);
    OP(0x36, i32_store)
    STORE(uint32_t);
    OP(0x37, i64_store)
    STORE(uint64_t);
    OP(0x38, f32_store)
    STORE(uint32_t);
    OP(0x39, f64_store)
    STORE(uint64_t);
    OP(0x3A, i32_store8)
    STORE(uint8_t);
    OP(0x3B, i32_store16)
    STORE(uint16_t);
    OP(0x3C, i64_store8)
    STORE(uint8_t);
    OP(0x3D, i64_store16)
    STORE(uint16_t);
    OP(0x3E, i64_store32)
    STORE(uint32_t);
#endif
        OP(0x3F, memory_size)
        ip += 2;
        PUSH(vm->inst->mem->pages);
        NEXT();
        OP(0x40, memory_grow)
        ip += 2;
        tos = (uint32_t)wr__memory_grow(vm->inst->mem, I32(tos));
        LOAD_MEM();
        NEXT();

        OP(0x41, i32_const)
        {
#if WR_SPECIALIZE
            /* one- and two-byte constants go to the handler of the next opcode */
            if (LIKELY(ip[1] < 0x80)) goto *dt[256 + ip[2]];
            if (LIKELY(ip[2] < 0x80)) goto *dt[512 + ip[3]];
            ip++;
            PUSH((uint32_t)leb_s32(&ip));
            NEXT();
#else
        uint32_t b = ip[1];
        int32_t v;
        if (LIKELY(b < 0x80)) {
            v = (int32_t)(b << 25) >> 25;
            ip += 2;
        } else if (LIKELY(ip[2] < 0x80)) {
            v = (int32_t)(((b & 0x7F) | (uint32_t)ip[2] << 7) << 18) >> 18;
            ip += 3;
        } else {
            ip++;
            v = leb_s32(&ip);
        }
        PUSH((uint32_t)v);
        NEXT();
#endif
        }
        OP(0x42, i64_const)
        {
            ip++;
            int64_t v = leb_s64(&ip);
            PUSH((uint64_t)v);
            NEXT();
        }
        OP(0x43, f32_const)
        {
            uint32_t v;
            bytes_get(&v, ip + 1, 4);
            ip += 5;
            PUSH(v);
            NEXT();
        }
        OP(0x44, f64_const)
        {
            uint64_t v;
            bytes_get(&v, ip + 1, 8);
            ip += 9;
            PUSH(v);
            NEXT();
        }

        OP(0x45, i32_eqz)
        UNOP(I32(a) == 0);
        OP(0x46, i32_eq)
        BINOP(I32(a) == I32(b));
        OP(0x47, i32_ne)
        BINOP(I32(a) != I32(b));
        OP(0x48, i32_lt_s)
        BINOP(S32(a) < S32(b));
        OP(0x49, i32_lt_u)
        BINOP(I32(a) < I32(b));
        OP(0x4A, i32_gt_s)
        BINOP(S32(a) > S32(b));
        OP(0x4B, i32_gt_u)
        BINOP(I32(a) > I32(b));
        OP(0x4C, i32_le_s)
        BINOP(S32(a) <= S32(b));
        OP(0x4D, i32_le_u)
        BINOP(I32(a) <= I32(b));
        OP(0x4E, i32_ge_s)
        BINOP(S32(a) >= S32(b));
        OP(0x4F, i32_ge_u)
        BINOP(I32(a) >= I32(b));
        OP(0x50, i64_eqz)
        UNOP(a == 0);
        OP(0x51, i64_eq)
        BINOP(a == b);
        OP(0x52, i64_ne)
        BINOP(a != b);
        OP(0x53, i64_lt_s)
        BINOP(S64(a) < S64(b));
        OP(0x54, i64_lt_u)
        BINOP(a < b);
        OP(0x55, i64_gt_s)
        BINOP(S64(a) > S64(b));
        OP(0x56, i64_gt_u)
        BINOP(a > b);
        OP(0x57, i64_le_s)
        BINOP(S64(a) <= S64(b));
        OP(0x58, i64_le_u)
        BINOP(a <= b);
        OP(0x59, i64_ge_s)
        BINOP(S64(a) >= S64(b));
        OP(0x5A, i64_ge_u)
        BINOP(a >= b);
        OP(0x5B, f32_eq)
        BINOP(f32_of(a) == f32_of(b));
        OP(0x5C, f32_ne)
        BINOP(f32_of(a) != f32_of(b));
        OP(0x5D, f32_lt)
        BINOP(f32_of(a) < f32_of(b));
        OP(0x5E, f32_gt)
        BINOP(f32_of(a) > f32_of(b));
        OP(0x5F, f32_le)
        BINOP(f32_of(a) <= f32_of(b));
        OP(0x60, f32_ge)
        BINOP(f32_of(a) >= f32_of(b));
        OP(0x61, f64_eq)
        BINOP(f64_of(a) == f64_of(b));
        OP(0x62, f64_ne)
        BINOP(f64_of(a) != f64_of(b));
        OP(0x63, f64_lt)
        BINOP(f64_of(a) < f64_of(b));
        OP(0x64, f64_gt)
        BINOP(f64_of(a) > f64_of(b));
        OP(0x65, f64_le)
        BINOP(f64_of(a) <= f64_of(b));
        OP(0x66, f64_ge)
        BINOP(f64_of(a) >= f64_of(b));

        OP(0x67, i32_clz)
        UNOP(clz32(I32(a)));
        OP(0x68, i32_ctz)
        UNOP(ctz32(I32(a)));
        OP(0x69, i32_popcnt)
        UNOP((uint32_t)__builtin_popcount(I32(a)));
        OP(0x6A, i32_add)
        BINOP(I32(a + b));
        OP(0x6B, i32_sub)
        BINOP(I32(a - b));
        OP(0x6C, i32_mul)
        BINOP(I32(a) * I32(b));
        OP(0x6D, i32_div_s)
        {
            int32_t b = S32(tos), a = S32(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP(WR_TRAP_INT_OVERFLOW);
            sp--;
            tos = (uint32_t)(a / b);
            NEXT();
        }
        OP(0x6E, i32_div_u)
        {
            uint32_t b = I32(tos), a = I32(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = a / b;
            NEXT();
        }
        OP(0x6F, i32_rem_s)
        {
            int32_t b = S32(tos), a = S32(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = b == -1 ? 0 : (uint32_t)(a % b);
            NEXT();
        }
        OP(0x70, i32_rem_u)
        {
            uint32_t b = I32(tos), a = I32(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = a % b;
            NEXT();
        }
        OP(0x71, i32_and)
        BINOP(a & b);
        OP(0x72, i32_or)
        BINOP(a | b);
        OP(0x73, i32_xor)
        BINOP(a ^ b);
        OP(0x74, i32_shl)
        BINOP(I32(a << (b & 31)));
        OP(0x75, i32_shr_s)
        BINOP((uint32_t)(S32(a) >> (b & 31)));
        OP(0x76, i32_shr_u)
        BINOP(I32(a) >> (b & 31));
        OP(0x77, i32_rotl)
        BINOP(rotl32(I32(a), I32(b)));
        OP(0x78, i32_rotr)
        BINOP(rotr32(I32(a), I32(b)));

        OP(0x79, i64_clz)
        UNOP(clz64(a));
        OP(0x7A, i64_ctz)
        UNOP(ctz64(a));
        OP(0x7B, i64_popcnt)
        UNOP((uint64_t)__builtin_popcountll(a));
        OP(0x7C, i64_add)
        BINOP(a + b);
        OP(0x7D, i64_sub)
        BINOP(a - b);
        OP(0x7E, i64_mul)
        BINOP(a * b);
        OP(0x7F, i64_div_s)
        {
            int64_t b = S64(tos), a = S64(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP(WR_TRAP_INT_OVERFLOW);
            sp--;
            tos = (uint64_t)(a / b);
            NEXT();
        }
        OP(0x80, i64_div_u)
        {
            uint64_t b = tos, a = sp[-1];
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = a / b;
            NEXT();
        }
        OP(0x81, i64_rem_s)
        {
            int64_t b = S64(tos), a = S64(sp[-1]);
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = b == -1 ? 0 : (uint64_t)(a % b);
            NEXT();
        }
        OP(0x82, i64_rem_u)
        {
            uint64_t b = tos, a = sp[-1];
            ip++;
            if (UNLIKELY(b == 0)) TRAP(WR_TRAP_DIV_ZERO);
            sp--;
            tos = a % b;
            NEXT();
        }
        OP(0x83, i64_and)
        BINOP(a & b);
        OP(0x84, i64_or)
        BINOP(a | b);
        OP(0x85, i64_xor)
        BINOP(a ^ b);
        OP(0x86, i64_shl)
        BINOP(a << (b & 63));
        OP(0x87, i64_shr_s)
        BINOP((uint64_t)(S64(a) >> (b & 63)));
        OP(0x88, i64_shr_u)
        BINOP(a >> (b & 63));
        OP(0x89, i64_rotl)
        BINOP(rotl64(a, b));
        OP(0x8A, i64_rotr)
        BINOP(rotr64(a, b));

        OP(0x8B, f32_abs)
        UNOP(I32(a) & 0x7FFFFFFFu);
        OP(0x8C, f32_neg)
        UNOP(I32(a) ^ 0x80000000u);
        OP(0x8D, f32_ceil)
        UNOP(of_f32(f32_round(f32_of(a), 2)));
        OP(0x8E, f32_floor)
        UNOP(of_f32(f32_round(f32_of(a), 1)));
        OP(0x8F, f32_trunc)
        UNOP(of_f32(f32_round(f32_of(a), 0)));
        OP(0x90, f32_nearest)
        UNOP(of_f32(f32_round(f32_of(a), 3)));
        OP(0x91, f32_sqrt)
        UNOP(of_f32(sqrtf(f32_of(a))));
        OP(0x92, f32_add)
        BINOP(of_f32(f32_of(a) + f32_of(b)));
        OP(0x93, f32_sub)
        BINOP(of_f32(f32_of(a) - f32_of(b)));
        OP(0x94, f32_mul)
        BINOP(of_f32(f32_of(a) * f32_of(b)));
        OP(0x95, f32_div)
        BINOP(of_f32(f32_of(a) / f32_of(b)));
        OP(0x96, f32_min)
        BINOP(of_f32(f32_min(f32_of(a), f32_of(b))));
        OP(0x97, f32_max)
        BINOP(of_f32(f32_max(f32_of(a), f32_of(b))));
        OP(0x98, f32_copysign)
        BINOP((I32(a) & 0x7FFFFFFFu) | (I32(b) & 0x80000000u));
        OP(0x99, f64_abs)
        UNOP(a & 0x7FFFFFFFFFFFFFFFull);
        OP(0x9A, f64_neg)
        UNOP(a ^ 0x8000000000000000ull);
        OP(0x9B, f64_ceil)
        UNOP(of_f64(f64_round(f64_of(a), 2)));
        OP(0x9C, f64_floor)
        UNOP(of_f64(f64_round(f64_of(a), 1)));
        OP(0x9D, f64_trunc)
        UNOP(of_f64(f64_round(f64_of(a), 0)));
        OP(0x9E, f64_nearest)
        UNOP(of_f64(f64_round(f64_of(a), 3)));
        OP(0x9F, f64_sqrt)
        UNOP(of_f64(sqrt(f64_of(a))));
        OP(0xA0, f64_add)
        BINOP(of_f64(f64_of(a) + f64_of(b)));
        OP(0xA1, f64_sub)
        BINOP(of_f64(f64_of(a) - f64_of(b)));
        OP(0xA2, f64_mul)
        BINOP(of_f64(f64_of(a) * f64_of(b)));
        OP(0xA3, f64_div)
        BINOP(of_f64(f64_of(a) / f64_of(b)));
        OP(0xA4, f64_min)
        BINOP(of_f64(f64_min(f64_of(a), f64_of(b))));
        OP(0xA5, f64_max)
        BINOP(of_f64(f64_max(f64_of(a), f64_of(b))));
        OP(0xA6, f64_copysign)
        BINOP((a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull));

        OP(0xA7, i32_wrap_i64)
        UNOP(I32(a));
#define TRUNC(get, check, conv)                                                                                        \
    do {                                                                                                               \
        double x = get(tos);                                                                                           \
        ip++;                                                                                                          \
        if (UNLIKELY((status = check(x)))) goto trap;                                                                  \
        tos = conv;                                                                                                    \
        NEXT();                                                                                                        \
    } while (0)
        OP(0xA8, i32_trunc_f32_s)
        TRUNC(f32_of, trunc_i32_s, (uint32_t)(int32_t)x);
        OP(0xA9, i32_trunc_f32_u)
        TRUNC(f32_of, trunc_u32, (uint32_t)x);
        OP(0xAA, i32_trunc_f64_s)
        TRUNC(f64_of, trunc_i32_s, (uint32_t)(int32_t)x);
        OP(0xAB, i32_trunc_f64_u)
        TRUNC(f64_of, trunc_u32, (uint32_t)x);
        OP(0xAC, i64_extend_i32_s)
        UNOP((uint64_t)(int64_t)S32(a));
        OP(0xAD, i64_extend_i32_u)
        UNOP(I32(a));
        OP(0xAE, i64_trunc_f32_s)
        TRUNC(f32_of, trunc_i64_s, (uint64_t)(int64_t)x);
        OP(0xAF, i64_trunc_f32_u)
        TRUNC(f32_of, trunc_u64, (uint64_t)x);
        OP(0xB0, i64_trunc_f64_s)
        TRUNC(f64_of, trunc_i64_s, (uint64_t)(int64_t)x);
        OP(0xB1, i64_trunc_f64_u)
        TRUNC(f64_of, trunc_u64, (uint64_t)x);
        OP(0xB2, f32_convert_i32_s)
        UNOP(of_f32((float)S32(a)));
        OP(0xB3, f32_convert_i32_u)
        UNOP(of_f32((float)I32(a)));
        OP(0xB4, f32_convert_i64_s)
        UNOP(of_f32((float)S64(a)));
        OP(0xB5, f32_convert_i64_u)
        UNOP(of_f32((float)a));
        OP(0xB6, f32_demote_f64)
        UNOP(of_f32((float)f64_of(a)));
        OP(0xB7, f64_convert_i32_s)
        UNOP(of_f64((double)S32(a)));
        OP(0xB8, f64_convert_i32_u)
        UNOP(of_f64((double)I32(a)));
        OP(0xB9, f64_convert_i64_s)
        UNOP(of_f64((double)S64(a)));
        OP(0xBA, f64_convert_i64_u)
        UNOP(of_f64((double)a));
        OP(0xBB, f64_promote_f32)
        UNOP(of_f64((double)f32_of(a)));
        OP(0xC0, i32_extend8_s)
        UNOP((uint32_t)(int32_t)(int8_t)a);
        OP(0xC1, i32_extend16_s)
        UNOP((uint32_t)(int32_t)(int16_t)a);
        OP(0xC2, i64_extend8_s)
        UNOP((uint64_t)(int64_t)(int8_t)a);
        OP(0xC3, i64_extend16_s)
        UNOP((uint64_t)(int64_t)(int16_t)a);
        OP(0xC4, i64_extend32_s)
        UNOP((uint64_t)(int64_t)(int32_t)a);

        OP(0xD0, ref_null)
        ip += 2;
        PUSH(0);
        NEXT();
        OP(0xD1, ref_is_null)
        UNOP(a == 0);
        OP(0xD2, ref_func)
        {
            IMM(fi);
            PUSH((uintptr_t)vm->inst->funcs[fi]);
            NEXT();
        }

        OP(0xFC, prefix_fc)
        {
            IMM(sub);
            switch (sub) {
            case 0: tos = (uint32_t)sat_i32(f32_of(tos)); NEXT();
            case 1: tos = sat_u32(f32_of(tos)); NEXT();
            case 2: tos = (uint32_t)sat_i32(f64_of(tos)); NEXT();
            case 3: tos = sat_u32(f64_of(tos)); NEXT();
            case 4: tos = (uint64_t)sat_i64(f32_of(tos)); NEXT();
            case 5: tos = sat_u64(f32_of(tos)); NEXT();
            case 6: tos = (uint64_t)sat_i64(f64_of(tos)); NEXT();
            case 7: tos = sat_u64(f64_of(tos)); NEXT();
            }
            /* most of the rest take three i32 operands: a, b, n (n in tos) */
            uint64_t n, b, a;
#define OPERANDS3() (n = I32(tos), b = I32(sp[-1]), a = I32(sp[-2]))
            switch (sub) {
            case FC_MEMORY_INIT: {
                OPERANDS3();
                uint32_t d = wr__leb_u32(&ip);
                ip++;
                const wr_dataseg *seg = &vm->inst->mod->datas[d];
                uint64_t len = vm->inst->data_dropped[d] ? 0 : seg->len;
                if (b + n > len || a + n > vm->mem_size) TRAP(WR_TRAP_MEMORY_OOB);
                if (n) memcpy(mem + a, seg->data + b, (size_t)n);
                break;
            }
            case FC_DATA_DROP: vm->inst->data_dropped[wr__leb_u32(&ip)] = 1; NEXT();
            case FC_MEMORY_COPY:
                OPERANDS3();
                ip += 2;
                if (b + n > vm->mem_size || a + n > vm->mem_size) TRAP(WR_TRAP_MEMORY_OOB);
                if (n) memmove(mem + a, mem + b, (size_t)n);
                break;
            case FC_MEMORY_FILL:
                OPERANDS3();
                ip++;
                if (a + n > vm->mem_size) TRAP(WR_TRAP_MEMORY_OOB);
                if (n) memset(mem + a, (int)(uint8_t)b, (size_t)n);
                break;
            case FC_TABLE_INIT: {
                OPERANDS3();
                const wr_elemrt *seg = &vm->inst->elems[wr__leb_u32(&ip)];
                wr_table *t = vm->inst->tables[wr__leb_u32(&ip)];
                if (b + n > seg->count || a + n > t->size) TRAP(WR_TRAP_TABLE_OOB);
                if (n) memcpy(t->elems + a, seg->refs + b, (size_t)n * sizeof(uintptr_t));
                s->table_writes++;
                break;
            }
            case FC_ELEM_DROP: vm->inst->elems[wr__leb_u32(&ip)].count = 0; NEXT();
            case FC_TABLE_COPY: {
                OPERANDS3();
                wr_table *dt = vm->inst->tables[wr__leb_u32(&ip)];
                const wr_table *st = vm->inst->tables[wr__leb_u32(&ip)];
                if (b + n > st->size || a + n > dt->size) TRAP(WR_TRAP_TABLE_OOB);
                if (n) memmove(dt->elems + a, st->elems + b, (size_t)n * sizeof(uintptr_t));
                s->table_writes++;
                break;
            }
            case FC_TABLE_GROW: {
                wr_table *t = vm->inst->tables[wr__leb_u32(&ip)];
                uint32_t old;
                bool ok = wr__table_grow(t, I32(tos), (uintptr_t)sp[-1], &old);
                sp--;
                tos = ok ? old : UINT32_MAX;
                NEXT();
            }
            case FC_TABLE_SIZE: PUSH(vm->inst->tables[wr__leb_u32(&ip)]->size); NEXT();
            case FC_TABLE_FILL: {
                n = I32(tos), a = I32(sp[-2]);
                wr_table *t = vm->inst->tables[wr__leb_u32(&ip)];
                uintptr_t v = (uintptr_t)sp[-1]; /* a reference: all 64 bits */
                if (a + n > t->size) TRAP(WR_TRAP_TABLE_OOB);
                for (uint64_t k = 0; k < n; k++) t->elems[a + k] = v;
                s->table_writes++;
                break;
            }
            default: goto op_illegal;
            }
#undef OPERANDS3
            tos = sp[-3];
            sp -= 3;
            NEXT();
        }

#if WR_SPECIALIZE
        /* ip is at an i32.const whose one-byte (K1) or two-byte (K2) immediate
   * is the right operand of the operator after it */
#define K1 ((uint32_t)((int32_t)((uint32_t)ip[1] << 25) >> 25))
#define K2 ((uint32_t)((int32_t)((((uint32_t)ip[1] & 0x7F) | (uint32_t)ip[2] << 7) << 18) >> 18))
#define KOPS(X)                                                                                                        \
    X(eq, I32(tos) == k)                                                                                               \
    X(ne, I32(tos) != k)                                                                                               \
    X(lt_s, S32(tos) < (int32_t)k)                                                                                     \
    X(lt_u, I32(tos) < k)                                                                                              \
    X(gt_s, S32(tos) > (int32_t)k)                                                                                     \
    X(gt_u, I32(tos) > k)                                                                                              \
    X(le_s, S32(tos) <= (int32_t)k)                                                                                    \
    X(le_u, I32(tos) <= k)                                                                                             \
    X(ge_s, S32(tos) >= (int32_t)k)                                                                                    \
    X(ge_u, I32(tos) >= k)                                                                                             \
    X(add, I32(tos + k))                                                                                               \
    X(sub, I32(tos - k))                                                                                               \
    X(mul, I32(tos) * k)                                                                                               \
    X(and, tos &k)                                                                                                     \
    X(or, I32(tos) | k)                                                                                                \
    X(xor, I32(tos) ^ k)                                                                                               \
    X(shl, I32(tos) << (k & 31))                                                                                       \
    X(shr_s, (uint32_t)(S32(tos) >> (k & 31)))                                                                         \
    X(shr_u, I32(tos) >> (k & 31))                                                                                     \
    X(rotl, rotl32(I32(tos), k))                                                                                       \
    X(rotr, rotr32(I32(tos), k))
#define KOP1(name, expr)                                                                                               \
    k1_##name:                                                                                                         \
    {                                                                                                                  \
        uint32_t k = K1;                                                                                               \
        ip += 3;                                                                                                       \
        tos = (expr);                                                                                                  \
        NEXT();                                                                                                        \
    }
#define KOP2(name, expr)                                                                                               \
    k2_##name:                                                                                                         \
    {                                                                                                                  \
        uint32_t k = K2;                                                                                               \
        ip += 4;                                                                                                       \
        tos = (expr);                                                                                                  \
        NEXT();                                                                                                        \
    }
        KOPS(KOP1)
        KOPS(KOP2)
    k1_push:
        PUSH(K1);
        ip += 2;
        NEXT();
    k2_push:
        PUSH(K2);
        ip += 3;
        NEXT();
#undef KOP1
#undef KOP2
#undef KOPS
#undef K1
#undef K2
    /* one-byte indices, checked by the validator for the whole function */
    /* local.get and local.set look at the next opcode first (table [6], [7]) */
    op_local_get_1:
        goto *dt[768 + ip[2]];
    op_local_set_1:
        goto *dt[1024 + ip[2]];
    /* ip is at a local.get x (x = ip[1]); ip[2] is the next opcode */
    l_push:
        PUSH(fp[ip[1]]);
        ip += 2;
        NEXT();
    l_local_get:
        goto *dt[1280 + ip[4]]; /* two local.gets: what comes next? */
    /* ip is at local.get a (ip[1]), local.get b (ip[3]); ip[4] is the opcode after */
    ll_push: /* two locals pushed at once */
        sp[0] = tos;
        sp[1] = fp[ip[1]];
        sp += 2;
        tos = fp[ip[3]];
        ip += 4;
        NEXT();
#define LLOP(name, expr)                                                                                               \
    ll_##name:                                                                                                         \
    {                                                                                                                  \
        wr_slot a = fp[ip[1]], b = fp[ip[3]];                                                                          \
        *sp++ = tos;                                                                                                   \
        ip += 5;                                                                                                       \
        tos = (expr);                                                                                                  \
        NEXT();                                                                                                        \
    }
        LLOP(eq, I32(a) == I32(b))
        LLOP(ne, I32(a) != I32(b))
        LLOP(lt_s, S32(a) < S32(b))
        LLOP(lt_u, I32(a) < I32(b))
        LLOP(gt_s, S32(a) > S32(b))
        LLOP(gt_u, I32(a) > I32(b))
        LLOP(le_s, S32(a) <= S32(b))
        LLOP(le_u, I32(a) <= I32(b))
        LLOP(ge_s, S32(a) >= S32(b))
        LLOP(ge_u, I32(a) >= I32(b))
        LLOP(add, I32(a + b))
        LLOP(sub, I32(a - b))
        LLOP(mul, I32(a) * I32(b))
        LLOP(and, a & b)
        LLOP(or, a | b)
        LLOP(xor, a ^ b)
        LLOP(shl, I32(a << (b & 31)))
        LLOP(shr_s, (uint32_t)(S32(a) >> (b & 31)))
        LLOP(shr_u, I32(a) >> (b & 31))
        LLOP(f32_add, of_f32(f32_of(a) + f32_of(b)))
        LLOP(f32_sub, of_f32(f32_of(a) - f32_of(b)))
        LLOP(f32_mul, of_f32(f32_of(a) * f32_of(b)))
        LLOP(f64_add, of_f64(f64_of(a) + f64_of(b)))
        LLOP(f64_sub, of_f64(f64_of(a) - f64_of(b)))
        LLOP(f64_mul, of_f64(f64_of(a) * f64_of(b)))
#undef LLOP
    l_local_set:
        fp[ip[3]] = fp[ip[1]];
        ip += 4;
        NEXT();  /* a copy */
    l_i32_const: /* push the local, go on with the constant's own fusions */
        PUSH(fp[ip[1]]);
        ip += 2;
        if (LIKELY(ip[1] < 0x80)) goto *dt[256 + ip[2]];
        if (LIKELY(ip[2] < 0x80)) goto *dt[512 + ip[3]];
        NEXT();
#define LOP(name, expr)                                                                                                \
    l_##name:                                                                                                          \
    {                                                                                                                  \
        wr_slot a = tos, b = fp[ip[1]];                                                                                \
        ip += 3;                                                                                                       \
        tos = (expr);                                                                                                  \
        NEXT();                                                                                                        \
    }
        LOP(eq, I32(a) == I32(b))
        LOP(ne, I32(a) != I32(b))
        LOP(lt_s, S32(a) < S32(b))
        LOP(lt_u, I32(a) < I32(b))
        LOP(gt_s, S32(a) > S32(b))
        LOP(gt_u, I32(a) > I32(b))
        LOP(le_s, S32(a) <= S32(b))
        LOP(le_u, I32(a) <= I32(b))
        LOP(ge_s, S32(a) >= S32(b))
        LOP(ge_u, I32(a) >= I32(b))
        LOP(add, I32(a + b))
        LOP(sub, I32(a - b))
        LOP(mul, I32(a) * I32(b))
        LOP(and, a & b)
        LOP(or, a | b)
        LOP(xor, a ^ b)
        LOP(shl, I32(a << (b & 31)))
        LOP(shr_s, (uint32_t)(S32(a) >> (b & 31)))
        LOP(shr_u, I32(a) >> (b & 31))
        LOP(rotl, rotl32(I32(a), I32(b)))
        LOP(rotr, rotr32(I32(a), I32(b)))
        LOP(i64_add, a + b)
        LOP(i64_sub, a - b)
        LOP(i64_mul, a * b)
        LOP(i64_and, a & b)
        LOP(i64_or, a | b)
        LOP(i64_xor, a ^ b)
        LOP(f32_add, of_f32(f32_of(a) + f32_of(b)))
        LOP(f32_sub, of_f32(f32_of(a) - f32_of(b)))
        LOP(f32_mul, of_f32(f32_of(a) * f32_of(b)))
        LOP(f32_div, of_f32(f32_of(a) / f32_of(b)))
        LOP(f64_add, of_f64(f64_of(a) + f64_of(b)))
        LOP(f64_sub, of_f64(f64_of(a) - f64_of(b)))
        LOP(f64_mul, of_f64(f64_of(a) * f64_of(b)))
        LOP(f64_div, of_f64(f64_of(a) / f64_of(b)))
#undef LOP
    /* ip is at a local.set x; ip[2] is the next opcode */
    s_pop:
        fp[ip[1]] = tos;
        tos = *--sp;
        ip += 2;
        NEXT();
    s_local_get:
        fp[ip[1]] = tos;
        tos = fp[ip[3]];
        ip += 4;
        NEXT(); /* the stack depth stays */
    op_local_tee_1:
        ip += 2;
        fp[ip[-1]] = tos;
        NEXT();
    op_global_get_1:
        ip += 2;
        PUSH(vm->inst->globals[ip[-1]]->val);
        NEXT();
    op_global_set_1:
        ip += 2;
        vm->inst->globals[ip[-1]]->val = tos;
        tos = *--sp;
        NEXT();
#endif

        OP(0xFF, illegal)
        /* validation lets no other opcode through */
        ip++;
        TRAP(WR_TRAP_UNREACHABLE);

#if !WR_COMPUTED_GOTO
    default: goto op_illegal;
    }
#endif

do_call : {
    /* callee: the function to enter; its arguments are the top of the
     * in-memory stack (tos was flushed) */
    const wr_functype *t = callee->type;
    wr_slot *nfp = sp - t->nparams;
    if (UNLIKELY(!callee->def)) {
        /* a native runs on the C stack and returns at once; it may call back
       * into wasm, which continues above the current stack */
        s->sp = sp;
        s->frame = vm->frame;
        wr_status st = wr__call_native(s, callee, vm->inst, nfp);
        if (st != WR_OK) {
            status = st;
            goto trap_set;
        }
        sp = nfp + t->nresults;
        LOAD_MEM();
        if (!vm->cur) goto done; /* the host called a native directly */
        tos = *--sp;
        NEXT();
    }
#if WR_FUEL
    if (UNLIKELY(--vm->fuel < 0)) {
        vm->fuel = 0;
        TRAP(WR_TRAP_FUEL);
    }
#endif
    const wr_funcdef *d = callee->def;
    wr_frame *fr = vm->frame;
    if (UNLIKELY(fr >= s->frames_end)) TRAP(WR_TRAP_STACK_EXHAUSTED);
    if (UNLIKELY(d->frame_slots > (size_t)(s->stack_end - nfp))) TRAP(WR_TRAP_STACK_EXHAUSTED);
    fr->ip = ip;
    fr->stp = vm->stp;
    fr->fp = fp;
    fr->func = vm->cur;
#if WR_SPECIALIZE
    fr->dt = dt;
#endif
    vm->frame = fr + 1;
    fp = nfp;
    sp = nfp + t->nparams;
    for (uint32_t k = d->nlocals; k; k--) *sp++ = 0;
    vm->cur = callee;
    ip = d->code;
    SET_DT(d);
    vm->fend = d->end;
    vm->stp = callee->st;
    if (callee->inst != vm->inst) {
        vm->inst = callee->inst;
        LOAD_MEM();
    }
    NEXT();
}

do_return : {
    uint32_t n = vm->cur->type->nresults;
    wr_frame *fr = --vm->frame;
    const wr_func *c = fr->func;
    if (LIKELY(n == 1)) {
        /* the result is tos: it stays there, as the caller's new top */
        sp = fp;
        if (UNLIKELY(!c)) {
            fp[0] = tos;
            goto done;
        }
    } else {
        *sp++ = tos;
        wr_slot *src = sp - n;
        for (uint32_t i = 0; i < n; i++) fp[i] = src[i];
        sp = fp + n;
        if (!c) goto done;
        tos = *--sp;
    }
    vm->cur = c;
    ip = fr->ip;
    vm->stp = fr->stp;
    fp = fr->fp;
    vm->fend = c->def->end;
#if WR_SPECIALIZE
    dt = fr->dt;
#endif
    if (c->inst != vm->inst) {
        /* a memory grown by the callee's instance is reloaded here; one grown
       * in ours was reloaded by memory.grow itself */
        vm->inst = c->inst;
        LOAD_MEM();
    }
    NEXT();
}

trap:
    wr__trap(s, status, vm->cur, ip, NULL);
trap_set:
    trap_frames(s, vm->cur, ip, vm->frame);
done : {
    int64_t fuel = vm->fuel;
    s->sp = sp0;
    s->frame = frame0;
    *vm = saved;
    vm->fuel = metered ? fuel : INT64_MAX;
    return status;
}
}
