/* validate.c: the WebAssembly 2.0 validation rules, for the module's
 * sections and for every function body (the operand/control stack algorithm
 * of the spec's appendix). While checking a body it emits the side table
 * (sidetable.c) and measures the deepest operand stack, so a call can check
 * its whole frame fits once instead of on every push. */
#include "internal.h"

#define T_UNKNOWN 0 /* the bottom type of unreachable code */

static bool is_num(uint8_t t)
{
    return t >= WR_F64 && t <= WR_I32;
}
static bool is_ref(uint8_t t)
{
    return t == WR_FUNCREF || t == WR_EXTERNREF;
}

/* ------------------------------------------------------------ body state */
typedef struct vframe {
    uint8_t kind; /* OP_BLOCK, OP_LOOP, OP_IF, OP_ELSE (an if past its else), 0: the function */
    bool unreachable;
    uint16_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;
    uint32_t pending;  /* forward branches to this block's end */
    uint32_t if_entry; /* the if's own entry, until its else or end */
    const uint8_t *loop_ip;
    uint32_t loop_st;
} vframe;

typedef struct localrun {
    uint32_t end; /* locals [previous end, end) have this type */
    uint8_t type;
} localrun;

typedef struct vstate {
    wr_store *s;
    wr_module *m;
    wr_reader r;
    uint8_t *vals;
    uint32_t sp, cap, max;
    vframe *ctrl;
    uint32_t depth, ctrl_cap;
    wr_st_builder b;
    uint32_t func;     /* function index, for messages */
    const uint8_t *op; /* the instruction being checked */
    const wr_functype *type;
    localrun *runs;
    uint32_t nruns, nlocals; /* params + declared */
    bool wide;               /* a local/global index took more than one byte */
    wr_status err;
} vstate;

static bool vfail(vstate *v, wr_status st, const char *what)
{
    if (!v->err) {
        v->err = st;
        wr__fail(v->s, st, "%s in function %u at offset %x", what, v->func, (uint32_t)(v->op - v->m->bytes));
    }
    return false;
}
#define INVALID(v, what) vfail((v), WR_ERR_INVALID, (what))

static void push(vstate *v, uint8_t t)
{
    if (v->sp >= v->cap) {
        vfail(v, WR_ERR_LIMIT, "operand stack deeper than WR_VALIDATE_STACK");
        return;
    }
    v->vals[v->sp++] = t;
    if (v->sp > v->max) v->max = v->sp;
}

/* Pops a value of type `expect` (T_UNKNOWN: any); returns the actual type. */
static uint8_t pop(vstate *v, uint8_t expect)
{
    vframe *f = &v->ctrl[v->depth - 1];
    if (v->sp == f->height) {
        if (!f->unreachable) INVALID(v, "type mismatch: operand stack underflow");
        return expect;
    }
    uint8_t t = v->vals[--v->sp];
    if (expect != T_UNKNOWN && t != T_UNKNOWN && t != expect) INVALID(v, "type mismatch");
    return t == T_UNKNOWN ? expect : t;
}

static void pop_types(vstate *v, uint32_t n, const uint8_t *types)
{
    while (n--) pop(v, types[n]);
}
static void push_types(vstate *v, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++) push(v, types[i]);
}

static void set_unreachable(vstate *v)
{
    vframe *f = &v->ctrl[v->depth - 1];
    v->sp = f->height;
    f->unreachable = true;
}

static void push_ctrl(vstate *v, uint8_t kind, uint32_t np, const uint8_t *params, uint32_t nr, const uint8_t *results)
{
    if (v->depth >= v->ctrl_cap) {
        vfail(v, WR_ERR_LIMIT, "blocks nested deeper than WR_VALIDATE_BLOCKS");
        return;
    }
    vframe *f = &v->ctrl[v->depth++];
    f->kind = kind;
    f->unreachable = false;
    f->nparams = (uint16_t)np;
    f->params = params;
    f->nresults = (uint16_t)nr;
    f->results = results;
    f->height = v->sp;
    f->pending = WR_NONE;
    f->if_entry = WR_NONE;
    f->loop_ip = NULL;
    f->loop_st = 0;
    push_types(v, np, params);
}

/* The types a branch to label `l` carries. */
static uint32_t label_arity(const vframe *f)
{
    return f->kind == OP_LOOP ? f->nparams : f->nresults;
}
static const uint8_t *label_types(const vframe *f)
{
    return f->kind == OP_LOOP ? f->params : f->results;
}

static vframe *label(vstate *v, uint32_t l)
{
    if (l >= v->depth) {
        INVALID(v, "unknown label");
        return NULL;
    }
    return &v->ctrl[v->depth - 1 - l];
}

/* A branch entry for a branch to frame f taken at operand height `height`. */
static void emit_branch(vstate *v, vframe *f, const uint8_t *op, uint32_t height)
{
    uint32_t arity = label_arity(f);
    uint32_t drop = height >= f->height + arity ? height - f->height - arity : 0; /* unreachable code: never run */
    if (arity > 0xFFFF || drop > 0xFFFF) {
        vfail(v, WR_ERR_LIMIT, "branch carries or drops more than 65535 values");
        return;
    }
    uint32_t e = wr__st_emit(&v->b, op, arity, drop);
    if (f->kind == OP_LOOP)
        wr__st_set(&v->b, e, f->loop_ip, f->loop_st);
    else
        wr__st_chain(&v->b, e, &f->pending);
}

/* Block type: empty, one value type (the byte itself), or a type index. */
static bool blocktype(vstate *v, uint32_t *np, const uint8_t **params, uint32_t *nr, const uint8_t **results)
{
    const uint8_t *p = v->r.p;
    *np = *nr = 0;
    *params = *results = NULL;
    if (*p == 0x40) {
        v->r.p++;
        return true;
    }
    if (is_num(*p) || is_ref(*p)) {
        v->r.p++;
        *nr = 1;
        *results = p;
        return true;
    }
    int64_t idx = wr__rd_s33(&v->r);
    if (idx < 0 || (uint64_t)idx >= v->m->ntypes) return INVALID(v, "unknown type");
    const wr_functype *t = &v->m->types[idx];
    *np = t->nparams;
    *params = t->params;
    *nr = t->nresults;
    *results = t->results;
    return true;
}

static uint8_t local_type(vstate *v, uint32_t idx)
{
    if (idx >= v->nlocals) {
        INVALID(v, "unknown local");
        return T_UNKNOWN;
    }
    if (idx < v->type->nparams) return v->type->params[idx];
    uint32_t lo = 0, hi = v->nruns; /* first run whose end > idx */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (v->runs[mid].end > idx)
            hi = mid;
        else
            lo = mid + 1;
    }
    return v->runs[lo].type;
}

static bool has_memory(vstate *v)
{
    return v->m->nmems > 0 || INVALID(v, "unknown memory 0");
}

static const wr_tabletype *table(vstate *v, uint32_t idx)
{
    if (idx >= v->m->ntables) {
        INVALID(v, "unknown table");
        return NULL;
    }
    return &v->m->tables[idx];
}

/* Signature of the numeric opcodes 0x45..0xC4 and 0xFC 0..7: operands a, b
 * (0: none) and result r. */
static void numeric_sig(uint8_t op, uint8_t *a, uint8_t *b, uint8_t *r)
{
    enum { I = WR_I32, L = WR_I64, F = WR_F32, D = WR_F64 };
    static const struct {
        uint8_t lo, hi, a, b, r;
    } ranges[] = {
        { 0x45, 0x45, I, 0, I }, { 0x46, 0x4F, I, I, I }, { 0x50, 0x50, L, 0, I }, { 0x51, 0x5A, L, L, I },
        { 0x5B, 0x60, F, F, I }, { 0x61, 0x66, D, D, I }, { 0x67, 0x69, I, 0, I }, { 0x6A, 0x78, I, I, I },
        { 0x79, 0x7B, L, 0, L }, { 0x7C, 0x8A, L, L, L }, { 0x8B, 0x91, F, 0, F }, { 0x92, 0x98, F, F, F },
        { 0x99, 0x9F, D, 0, D }, { 0xA0, 0xA6, D, D, D }, { 0xA7, 0xA7, L, 0, I }, { 0xA8, 0xA9, F, 0, I },
        { 0xAA, 0xAB, D, 0, I }, { 0xAC, 0xAD, I, 0, L }, { 0xAE, 0xAF, F, 0, L }, { 0xB0, 0xB1, D, 0, L },
        { 0xB2, 0xB3, I, 0, F }, { 0xB4, 0xB5, L, 0, F }, { 0xB6, 0xB6, D, 0, F }, { 0xB7, 0xB8, I, 0, D },
        { 0xB9, 0xBA, L, 0, D }, { 0xBB, 0xBB, F, 0, D }, { 0xBC, 0xBC, F, 0, I }, { 0xBD, 0xBD, D, 0, L },
        { 0xBE, 0xBE, I, 0, F }, { 0xBF, 0xBF, L, 0, D }, { 0xC0, 0xC1, I, 0, I }, { 0xC2, 0xC4, L, 0, L },
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (op >= ranges[i].lo && op <= ranges[i].hi) {
            *a = ranges[i].a;
            *b = ranges[i].b;
            *r = ranges[i].r;
            return;
        }
    }
    *a = *b = *r = 0;
}

static void memarg(vstate *v, uint32_t natural_log2)
{
    uint32_t align = wr__rd_u32(&v->r);
    wr__rd_u32(&v->r);
    has_memory(v);
    if (align > natural_log2) INVALID(v, "alignment must not be larger than natural");
}

/* Natural alignment (log2 bytes) of loads/stores 0x28..0x3E. */
static const uint8_t mem_align[23] = { 2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2 };
/* Value type they load or store. */
static const uint8_t mem_type[23] = {
    WR_I32, WR_I64, WR_F32, WR_F64, WR_I32, WR_I32, WR_I32, WR_I32, WR_I64, WR_I64, WR_I64, WR_I64,
    WR_I64, WR_I64, WR_I32, WR_I64, WR_F32, WR_F64, WR_I32, WR_I32, WR_I64, WR_I64, WR_I64,
};

static void check_end(vstate *v, vframe *f)
{
    pop_types(v, f->nresults, f->results);
    if (v->sp != f->height) INVALID(v, "type mismatch: values left at the end of a block");
}

static void op_fc(vstate *v)
{
    wr_module *m = v->m;
    uint32_t sub = wr__rd_u32(&v->r);
    if (sub <= 7) {
        static const uint8_t from[8] = { WR_F32, WR_F32, WR_F64, WR_F64, WR_F32, WR_F32, WR_F64, WR_F64 };
        pop(v, from[sub]);
        push(v, sub < 4 ? WR_I32 : WR_I64);
        return;
    }
    switch (sub) {
    case FC_MEMORY_INIT: {
        uint32_t d = wr__rd_u32(&v->r);
        v->r.p++; /* reserved zero byte */
        if (!has_memory(v)) return;
        if (d >= m->datacount) {
            INVALID(v, "unknown data segment");
            return;
        }
        pop(v, WR_I32);
        pop(v, WR_I32);
        pop(v, WR_I32);
        return;
    }
    case FC_DATA_DROP:
        if (wr__rd_u32(&v->r) >= m->datacount) INVALID(v, "unknown data segment");
        return;
    case FC_MEMORY_COPY:
    case FC_MEMORY_FILL:
        v->r.p += sub == FC_MEMORY_COPY ? 2 : 1;
        if (!has_memory(v)) return;
        pop(v, WR_I32);
        pop(v, WR_I32);
        pop(v, WR_I32);
        return;
    case FC_TABLE_INIT: {
        uint32_t e = wr__rd_u32(&v->r);
        const wr_tabletype *t = table(v, wr__rd_u32(&v->r));
        if (!t) return;
        if (e >= m->nelems) {
            INVALID(v, "unknown elem segment");
            return;
        }
        if (m->elems[e].elem != t->elem) INVALID(v, "type mismatch");
        pop(v, WR_I32);
        pop(v, WR_I32);
        pop(v, WR_I32);
        return;
    }
    case FC_ELEM_DROP:
        if (wr__rd_u32(&v->r) >= m->nelems) INVALID(v, "unknown elem segment");
        return;
    case FC_TABLE_COPY: {
        const wr_tabletype *dst = table(v, wr__rd_u32(&v->r));
        const wr_tabletype *src = dst ? table(v, wr__rd_u32(&v->r)) : NULL;
        if (!src) return;
        if (dst->elem != src->elem) INVALID(v, "type mismatch");
        pop(v, WR_I32);
        pop(v, WR_I32);
        pop(v, WR_I32);
        return;
    }
    case FC_TABLE_GROW: {
        const wr_tabletype *t = table(v, wr__rd_u32(&v->r));
        if (!t) return;
        pop(v, WR_I32);
        pop(v, t->elem);
        push(v, WR_I32);
        return;
    }
    case FC_TABLE_SIZE:
        if (table(v, wr__rd_u32(&v->r))) push(v, WR_I32);
        return;
    default: { /* FC_TABLE_FILL */
        const wr_tabletype *t = table(v, wr__rd_u32(&v->r));
        if (!t) return;
        pop(v, WR_I32);
        pop(v, t->elem);
        pop(v, WR_I32);
        return;
    }
    }
}

/* One instruction. Returns false when the body's final end was reached or an
 * error was found. */
static bool step(vstate *v)
{
    wr_module *m = v->m;
    wr_reader *r = &v->r;
    v->op = r->p;
    uint8_t op = *r->p++;
    switch (op) {
    case OP_UNREACHABLE: set_unreachable(v); break;
    case OP_NOP: break;
    case OP_BLOCK:
    case OP_LOOP:
    case OP_IF: {
        uint32_t np, nr;
        const uint8_t *params, *results;
        if (!blocktype(v, &np, &params, &nr, &results)) return false;
        if (op == OP_IF) pop(v, WR_I32);
        pop_types(v, np, params);
        push_ctrl(v, op, np, params, nr, results);
        if (v->err) return false;
        vframe *f = &v->ctrl[v->depth - 1];
        if (op == OP_LOOP) {
            f->loop_ip = r->p;
            f->loop_st = v->b.next;
        } else if (op == OP_IF) {
            f->if_entry = wr__st_emit(&v->b, v->op, 0, 0);
        }
        break;
    }
    case OP_ELSE: {
        vframe *f = &v->ctrl[v->depth - 1];
        if (f->kind != OP_IF) return vfail(v, WR_ERR_MALFORMED, "else without matching if");
        check_end(v, f);
        uint32_t e = wr__st_emit(&v->b, v->op, 0, 0);
        wr__st_chain(&v->b, e, &f->pending);
        wr__st_set(&v->b, f->if_entry, r->p, v->b.next);
        f->if_entry = WR_NONE;
        f->kind = OP_ELSE;
        f->unreachable = false;
        v->sp = f->height;
        push_types(v, f->nparams, f->params);
        break;
    }
    case OP_END: {
        vframe *f = &v->ctrl[v->depth - 1];
        check_end(v, f);
        if (f->kind == OP_IF) {
            /* no else: the false branch passes the params through */
            if (f->nparams != f->nresults || (f->nparams && memcmp(f->params, f->results, f->nparams) != 0)) {
                return INVALID(v, "type mismatch: if without else must not change the stack");
            }
            wr__st_set(&v->b, f->if_entry, r->p, v->b.next);
        }
        /* the function's label is its final end (a branch there returns) */
        wr__st_resolve(&v->b, f->pending, f->kind == 0 ? v->op : r->p, v->b.next);
        v->depth--;
        if (v->depth == 0) return false;
        push_types(v, f->nresults, f->results);
        break;
    }
    case OP_BR: {
        vframe *f = label(v, wr__rd_u32(r));
        if (!f) return false;
        uint32_t height = v->sp;
        pop_types(v, label_arity(f), label_types(f));
        emit_branch(v, f, v->op, height);
        set_unreachable(v);
        break;
    }
    case OP_BR_IF: {
        vframe *f = label(v, wr__rd_u32(r));
        if (!f) return false;
        pop(v, WR_I32);
        uint32_t height = v->sp;
        pop_types(v, label_arity(f), label_types(f));
        push_types(v, label_arity(f), label_types(f));
        emit_branch(v, f, v->op, height);
        break;
    }
    case OP_BR_TABLE: {
        uint32_t n = wr__rd_u32(r);
        const uint8_t *labels = r->p;
        pop(v, WR_I32);
        uint32_t height = v->sp;
        /* the default label decides the arity; every target must agree */
        for (uint32_t i = 0; i < n; i++) wr__rd_u32(r);
        vframe *def = label(v, wr__rd_u32(r));
        if (!def) return false;
        uint32_t arity = label_arity(def);
        const uint8_t *after = r->p;
        r->p = labels;
        for (uint32_t i = 0; i <= n && !v->err; i++) {
            vframe *f = label(v, wr__rd_u32(r));
            if (!f) return false;
            if (label_arity(f) != arity) return INVALID(v, "type mismatch: br_table targets differ in arity");
            /* the operands must suit every target; the stack is left as it
         * was (popping below an unreachable frame's base pops nothing) */
            uint32_t save_sp = v->sp;
            pop_types(v, arity, label_types(f));
            v->sp = save_sp;
            emit_branch(v, f, v->op, height);
        }
        r->p = after;
        pop_types(v, arity, label_types(def));
        set_unreachable(v);
        break;
    }
    case OP_RETURN:
        pop_types(v, v->type->nresults, v->type->results);
        set_unreachable(v);
        break;
    case OP_CALL: {
        uint32_t f = wr__rd_u32(r);
        if (f >= m->nfuncs) return INVALID(v, "unknown function");
        const wr_functype *t = &m->types[m->func_type[f]];
        pop_types(v, t->nparams, t->params);
        push_types(v, t->nresults, t->results);
        break;
    }
    case OP_CALL_INDIRECT: {
        uint32_t ti = wr__rd_u32(r);
        const wr_tabletype *tt = table(v, wr__rd_u32(r));
        if (!tt) return false;
        if (tt->elem != WR_FUNCREF) return INVALID(v, "type mismatch: call_indirect needs a funcref table");
        if (ti >= m->ntypes) return INVALID(v, "unknown type");
        const wr_functype *t = &m->types[ti];
        pop(v, WR_I32);
        pop_types(v, t->nparams, t->params);
        push_types(v, t->nresults, t->results);
        break;
    }
    case OP_DROP: pop(v, T_UNKNOWN); break;
    case OP_SELECT: {
        pop(v, WR_I32);
        uint8_t t1 = pop(v, T_UNKNOWN);
        uint8_t t2 = pop(v, T_UNKNOWN);
        if ((t1 != T_UNKNOWN && !is_num(t1)) || (t2 != T_UNKNOWN && !is_num(t2))) {
            return INVALID(v, "type mismatch: select without a type needs numeric operands");
        }
        if (t1 != T_UNKNOWN && t2 != T_UNKNOWN && t1 != t2) return INVALID(v, "type mismatch");
        push(v, t1 == T_UNKNOWN ? t2 : t1);
        break;
    }
    case OP_SELECT_T: {
        uint32_t n = wr__rd_u32(r);
        if (n != 1) return INVALID(v, "invalid result arity");
        uint8_t t = *r->p++;
        pop(v, WR_I32);
        pop(v, t);
        pop(v, t);
        push(v, t);
        break;
    }
    case OP_LOCAL_GET:
        push(v, local_type(v, wr__rd_u32(r)));
        v->wide |= r->p - v->op > 2;
        break;
    case OP_LOCAL_SET:
        pop(v, local_type(v, wr__rd_u32(r)));
        v->wide |= r->p - v->op > 2;
        break;
    case OP_LOCAL_TEE: {
        uint8_t t = local_type(v, wr__rd_u32(r));
        v->wide |= r->p - v->op > 2;
        pop(v, t);
        push(v, t);
        break;
    }
    case OP_GLOBAL_GET:
    case OP_GLOBAL_SET: {
        uint32_t g = wr__rd_u32(r);
        v->wide |= r->p - v->op > 2;
        if (g >= m->nglobals) return INVALID(v, "unknown global");
        if (op == OP_GLOBAL_GET) {
            push(v, m->globals[g].type);
        } else {
            if (!m->globals[g].mut) return INVALID(v, "global is immutable");
            pop(v, m->globals[g].type);
        }
        break;
    }
    case OP_TABLE_GET:
    case OP_TABLE_SET: {
        const wr_tabletype *t = table(v, wr__rd_u32(r));
        if (!t) return false;
        if (op == OP_TABLE_GET) {
            pop(v, WR_I32);
            push(v, t->elem);
        } else {
            pop(v, t->elem);
            pop(v, WR_I32);
        }
        break;
    }
    case OP_MEMORY_SIZE:
        r->p++;
        if (has_memory(v)) push(v, WR_I32);
        break;
    case OP_MEMORY_GROW:
        r->p++;
        if (has_memory(v)) {
            pop(v, WR_I32);
            push(v, WR_I32);
        }
        break;
    case OP_I32_CONST:
        wr__rd_s32(r);
        push(v, WR_I32);
        break;
    case OP_I64_CONST:
        wr__rd_s64(r);
        push(v, WR_I64);
        break;
    case OP_F32_CONST:
        r->p += 4;
        push(v, WR_F32);
        break;
    case OP_F64_CONST:
        r->p += 8;
        push(v, WR_F64);
        break;
    case OP_REF_NULL: push(v, *r->p++); break;
    case OP_REF_IS_NULL: {
        uint8_t t = pop(v, T_UNKNOWN);
        if (t != T_UNKNOWN && !is_ref(t)) return INVALID(v, "type mismatch: ref.is_null needs a reference");
        push(v, WR_I32);
        break;
    }
    case OP_REF_FUNC: {
        uint32_t f = wr__rd_u32(r);
        if (f >= m->nfuncs) return INVALID(v, "unknown function");
        if (!(m->declared[f / 8] & (1u << (f % 8)))) return INVALID(v, "undeclared function reference");
        push(v, WR_FUNCREF);
        break;
    }
    case OP_PREFIX_FC: op_fc(v); break;
    default:
        if (op >= OP_I32_LOAD && op <= OP_I64_STORE32) {
            unsigned k = op - OP_I32_LOAD;
            memarg(v, mem_align[k]);
            if (op < 0x36) { /* loads */
                pop(v, WR_I32);
                push(v, mem_type[k]);
            } else {
                pop(v, mem_type[k]);
                pop(v, WR_I32);
            }
        } else {
            uint8_t a, b, res;
            numeric_sig(op, &a, &b, &res);
            if (b) pop(v, b);
            pop(v, a);
            push(v, res);
        }
    }
    return !v->err && !v->r.err;
}

static wr_status validate_body(vstate *v, uint32_t def_index)
{
    wr_module *m = v->m;
    wr_funcdef *d = &m->defs[def_index];
    v->func = m->nfunc_imports + def_index;
    v->type = &m->types[d->type];
    v->r.p = d->locals;
    v->r.end = d->end + 1;
    v->op = d->locals;
    /* local declarations as runs, for binary search by index */
    uint32_t groups = wr__rd_u32(&v->r);
    v->runs = groups ? wr__alloc(v->s, (size_t)groups * sizeof *v->runs) : NULL;
    if (groups && !v->runs) return WR_ERR_NOMEM;
    uint32_t n = v->type->nparams;
    for (uint32_t g = 0; g < groups; g++) {
        n += wr__rd_u32(&v->r);
        v->runs[g].end = n;
        v->runs[g].type = *v->r.p++;
    }
    v->nruns = groups;
    v->nlocals = n;
    if (n > WR_MAX_LOCALS) {
        wr__free(v->s, v->runs);
        vfail(v, WR_ERR_LIMIT, "too many locals (WR_MAX_LOCALS)");
        return v->err;
    }
    v->sp = 0;
    v->max = 0;
    v->depth = 0;
    v->wide = false;
    d->st = v->b.next;
    push_ctrl(v, 0, 0, NULL, v->type->nresults, v->type->results);
    while (step(v)) {
    }
    wr__free(v->s, v->runs);
    if (v->r.err) return v->r.err;
    if (v->err) return v->err;
    d->frame_slots = n + v->max; /* n <= WR_MAX_LOCALS, max <= WR_VALIDATE_STACK: no overflow */
    d->narrow = !v->wide;
    return WR_OK;
}

/* ------------------------------------------------------------ module */
typedef struct cstate {
    wr_store *s;
    wr_module *m;
    const char *where;
    uint32_t index;
} cstate;

static wr_status cfail(const cstate *c, wr_status st, const char *what, const uint8_t *at)
{
    return wr__fail(c->s, st, "%s in %s %u at offset %x", what, c->where, c->index, (uint32_t)(at - c->m->bytes));
}

static void declare(wr_module *m, uint32_t f)
{
    if (f < m->nfuncs) m->declared[f / 8] |= (uint8_t)(1u << (f % 8));
}

/* A constant expression producing one value of type `want`. In 2.0 it may
 * read only imported globals (nglobals = their count), and only immutable ones. */
static wr_status const_expr(const cstate *c, const uint8_t *p, uint8_t want, uint32_t nglobals)
{
    wr_module *m = c->m;
    wr_reader r = { p, m->bytes + m->len, m->bytes, c->s, WR_OK };
    uint8_t stack[4];
    uint32_t sp = 0;
    for (;;) {
        const uint8_t *at = r.p;
        uint8_t op = *r.p++;
        uint8_t t;
        switch (op) {
        case OP_END:
            if (sp != 1 || stack[0] != want)
                return cfail(c, WR_ERR_INVALID, "type mismatch in constant expression", at);
            return WR_OK;
        case OP_I32_CONST:
            wr__rd_s32(&r);
            t = WR_I32;
            break;
        case OP_I64_CONST:
            wr__rd_s64(&r);
            t = WR_I64;
            break;
        case OP_F32_CONST:
            r.p += 4;
            t = WR_F32;
            break;
        case OP_F64_CONST:
            r.p += 8;
            t = WR_F64;
            break;
        case OP_REF_NULL: t = *r.p++; break;
        case OP_REF_FUNC: {
            uint32_t f = wr__rd_u32(&r);
            if (f >= m->nfuncs) return cfail(c, WR_ERR_INVALID, "unknown function", at);
            declare(m, f);
            t = WR_FUNCREF;
            break;
        }
        case OP_GLOBAL_GET: {
            uint32_t g = wr__rd_u32(&r);
            if (g >= nglobals) return cfail(c, WR_ERR_INVALID, "unknown global", at);
            if (m->globals[g].mut) return cfail(c, WR_ERR_INVALID, "constant expression required", at);
            t = m->globals[g].type;
            break;
        }
        default: return cfail(c, WR_ERR_INVALID, "constant expression required", at);
        }
        if (sp >= sizeof stack) return cfail(c, WR_ERR_INVALID, "type mismatch in constant expression", at);
        stack[sp++] = t;
    }
}

static wr_status check_limits(const cstate *c, const wr_limits32 *l, uint64_t max, const char *too_big,
                              const uint8_t *at)
{
    if (l->min > max || (l->has_max && l->max > max)) return cfail(c, WR_ERR_INVALID, too_big, at);
    if (l->has_max && l->min > l->max) {
        return cfail(c, WR_ERR_INVALID, "size minimum must not be greater than maximum", at);
    }
    return WR_OK;
}

static uint32_t name_hash(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    while (n--) h = (h ^ *p++) * 16777619u;
    return h;
}

/* Duplicate export names, with a scratch hash table (LIFO-freed). */
static wr_status check_export_names(const cstate *c)
{
    wr_module *m = c->m;
    if (m->nexports < 2) return WR_OK;
    uint32_t cap = 4;
    while (cap < m->nexports * 2u) cap *= 2;
    uint32_t *slots = wr__alloc(c->s, (size_t)cap * sizeof *slots);
    if (!slots) return WR_ERR_NOMEM;
    wr_status st = WR_OK;
    for (uint32_t i = 0; i < m->nexports && st == WR_OK; i++) {
        const wr_export *e = &m->exports[i];
        uint32_t h = name_hash(e->name, e->name_len) & (cap - 1);
        while (slots[h]) {
            const wr_export *o = &m->exports[slots[h] - 1];
            if (o->name_len == e->name_len && memcmp(o->name, e->name, e->name_len) == 0) {
                cstate cc = { c->s, m, "export", i };
                st = cfail(&cc, WR_ERR_INVALID, "duplicate export name", e->name);
                break;
            }
            h = (h + 1) & (cap - 1);
        }
        slots[h] = i + 1;
    }
    wr__free(c->s, slots);
    return st;
}

static wr_status validate_module(wr_store *s, wr_module *m)
{
    cstate c = { s, m, "import", 0 };
    wr_status st;
    const uint8_t *at = m->bytes;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wr_import *im = &m->imports[i];
        c.index = i;
        at = im->name;
        if (im->kind == EXT_FUNC && m->func_type[im->index] >= m->ntypes)
            return cfail(&c, WR_ERR_INVALID, "unknown type", at);
    }
    c.where = "function";
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        c.index = i;
        if (m->func_type[i] >= m->ntypes)
            return cfail(&c, WR_ERR_INVALID, "unknown type", m->defs[i - m->nfunc_imports].locals);
    }
    c.where = "table";
    for (uint32_t i = 0; i < m->ntables; i++) {
        c.index = i;
        if ((st = check_limits(&c, &m->tables[i].lim, UINT32_MAX, "table size", m->bytes))) return st;
    }
    c.where = "memory";
    if (m->nmems > 1) return cfail(&c, WR_ERR_INVALID, "multiple memories", m->bytes);
    for (uint32_t i = 0; i < m->nmems; i++) {
        c.index = i;
        st = check_limits(&c, &m->mems[i], WR_MAX_PAGES, "memory size must be at most 65536 pages (4GiB)", m->bytes);
        if (st) return st;
    }
    /* exports, elements and global initialisers declare ref.func targets */
    c.where = "export";
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wr_export *e = &m->exports[i];
        static const char *const unknown[4] = { "unknown function", "unknown table", "unknown memory",
                                                "unknown global" };
        const uint32_t counts[4] = { m->nfuncs, m->ntables, m->nmems, m->nglobals };
        uint32_t limit = counts[e->kind];
        c.index = i;
        if (e->index >= limit) return cfail(&c, WR_ERR_INVALID, unknown[e->kind], e->name);
        if (e->kind == EXT_FUNC) declare(m, e->index);
    }
    if ((st = check_export_names(&c))) return st;
    c.where = "global";
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        c.index = i;
        if ((st = const_expr(&c, m->globals[i].init, m->globals[i].type, m->nglobal_imports))) return st;
    }
    c.where = "element segment";
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wr_elemseg *e = &m->elems[i];
        c.index = i;
        if (e->mode == SEG_ACTIVE) {
            if (e->table >= m->ntables) return cfail(&c, WR_ERR_INVALID, "unknown table", e->offset);
            if (m->tables[e->table].elem != e->elem)
                return cfail(&c, WR_ERR_INVALID, "type mismatch: element type", e->offset);
            if ((st = const_expr(&c, e->offset, WR_I32, m->nglobal_imports))) return st;
        }
        wr_reader r = { e->items, m->bytes + m->len, m->bytes, s, WR_OK };
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->exprs) {
                const uint8_t *p = r.p;
                if ((st = const_expr(&c, p, e->elem, m->nglobal_imports))) return st;
                uint32_t depth = 1;
                while (depth && wr__skip_instr(&r, m, &depth, NULL)) {
                }
            } else {
                const uint8_t *p = r.p;
                uint32_t f = wr__rd_u32(&r);
                if (f >= m->nfuncs) return cfail(&c, WR_ERR_INVALID, "unknown function", p);
                declare(m, f);
            }
        }
    }
    c.where = "data segment";
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wr_dataseg *d = &m->datas[i];
        c.index = i;
        if (d->mode != SEG_ACTIVE) continue;
        if (d->mem >= m->nmems) return cfail(&c, WR_ERR_INVALID, "unknown memory", d->offset);
        if ((st = const_expr(&c, d->offset, WR_I32, m->nglobal_imports))) return st;
    }
    if (m->has_start) {
        c.where = "start function";
        c.index = m->start;
        if (m->start >= m->nfuncs) return cfail(&c, WR_ERR_INVALID, "unknown function", m->bytes);
        const wr_functype *t = &m->types[m->func_type[m->start]];
        if (t->nparams || t->nresults)
            return cfail(&c, WR_ERR_INVALID, "start function must have type [] -> []", m->bytes);
    }
    return WR_OK;
}

wr_status wr__validate(wr_store *s, wr_module *m, uint32_t max_depth)
{
    wr_status st;
    if (m->nfuncs) {
        m->declared = wr__alloc(s, (m->nfuncs + 7u) / 8u);
        if (!m->declared) return WR_ERR_NOMEM;
        m->ram_bytes += (m->nfuncs + 7u) / 8u;
    }
    if ((st = validate_module(s, m))) return st;
    if (m->nst) {
        m->st = wr__alloc(s, (size_t)m->nst * sizeof *m->st);
        if (!m->st) return WR_ERR_NOMEM;
        m->ram_bytes += m->nst * (uint32_t)sizeof *m->st;
    }
    if (m->nfuncs == m->nfunc_imports) return WR_OK;
    if (max_depth > WR_VALIDATE_BLOCKS) {
        return wr__fail(s, WR_ERR_LIMIT, "blocks nested %u deep, more than WR_VALIDATE_BLOCKS (%u)", max_depth,
                        (uint32_t)WR_VALIDATE_BLOCKS);
    }
    /* scratch, freed in reverse order so a bump allocator takes it back */
    vstate v;
    memset(&v, 0, sizeof v);
    v.s = s;
    v.m = m;
    v.r.base = m->bytes;
    v.r.s = s;
    v.cap = WR_VALIDATE_STACK;
    v.ctrl_cap = max_depth;
    v.b.st = m->st;
    v.b.cap = m->nst;
    v.b.fbase = m->bytes;
    v.vals = wr__alloc(s, v.cap);
    v.ctrl = v.vals ? wr__alloc(s, (size_t)v.ctrl_cap * sizeof *v.ctrl) : NULL;
    st = v.ctrl ? WR_OK : WR_ERR_NOMEM;
    for (uint32_t i = 0; i < m->ncodes && st == WR_OK; i++) st = validate_body(&v, i);
    if (st == WR_OK && v.b.next != m->nst) st = wr__fail(s, WR_ERR_INVALID, "internal: side table count differs");
    wr__free(s, v.ctrl);
    wr__free(s, v.vals);
    return st;
}
