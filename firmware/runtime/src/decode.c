/* decode.c: the binary format. Reads sections into a wr_module, pointing into
 * the caller's bytes (nothing is copied), and scans every function body and
 * constant expression once for well-formedness (opcodes, immediates, LEB128
 * encodings), counting the side-table entries the validator will emit.
 * Only syntax is checked here; types and indices are validate.c's job. */
#include "internal.h"

/* ------------------------------------------------------------ reading */
bool wr__rd_fail(wr_reader *r, wr_status st, const char *what)
{
    if (!r->err) {
        r->err = st;
        wr__fail(r->s, st, "%s at offset %x", what, (uint32_t)(r->p - r->base));
    }
    r->p = r->end;
    return false;
}

static bool malformed(wr_reader *r, const char *what)
{
    return wr__rd_fail(r, WR_ERR_MALFORMED, what);
}

uint8_t wr__rd_byte(wr_reader *r)
{
    if (r->p >= r->end) {
        malformed(r, "unexpected end");
        return 0;
    }
    return *r->p++;
}

/* LEB128 with the spec's limits: at most ceil(N/7) bytes, and the unused bits
 * of the last byte must be zero (unsigned) or copies of the sign (signed). */
static uint64_t rd_leb(wr_reader *r, unsigned bits, bool sign)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) {
            malformed(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        unsigned left = bits - shift; /* value bits this byte may carry */
        if (left < 7) {
            if (b & 0x80) {
                malformed(r, "integer representation too long");
                return 0;
            }
            /* bits above `left` must be zero, or (signed) equal the sign bit */
            uint8_t extra = (uint8_t)(b & 0x7F) >> (sign ? left - 1 : left);
            uint8_t all = (uint8_t)(0x7F >> (sign ? left - 1 : left));
            if (extra != 0 && !(sign && extra == all)) {
                malformed(r, "integer too large");
                return 0;
            }
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (sign && shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
            return v;
        }
        if (shift >= bits) {
            malformed(r, "integer representation too long");
            return 0;
        }
    }
}

uint32_t wr__rd_u32(wr_reader *r)
{
    return (uint32_t)rd_leb(r, 32, false);
}
int32_t wr__rd_s32(wr_reader *r)
{
    return (int32_t)(uint32_t)rd_leb(r, 32, true);
}
int64_t wr__rd_s64(wr_reader *r)
{
    return (int64_t)rd_leb(r, 64, true);
}
int64_t wr__rd_s33(wr_reader *r)
{
    return (int64_t)rd_leb(r, 33, true);
}

static bool is_valtype(uint8_t t)
{
    return (t >= WR_F64 && t <= WR_I32) || t == WR_FUNCREF || t == WR_EXTERNREF;
}

static uint8_t rd_valtype(wr_reader *r)
{
    uint8_t t = wr__rd_byte(r);
    if (!r->err && !is_valtype(t)) {
        r->p--;
        malformed(r, "malformed value type");
        return 0;
    }
    return t;
}

static uint8_t rd_reftype(wr_reader *r)
{
    uint8_t t = wr__rd_byte(r);
    if (!r->err && t != WR_FUNCREF && t != WR_EXTERNREF) {
        r->p--;
        malformed(r, "malformed reference type");
        return 0;
    }
    return t;
}

/* A vector length: each item takes at least min_bytes, so a count the
 * remaining bytes cannot hold is malformed (and never allocated). */
static uint32_t rd_count(wr_reader *r, uint32_t min_bytes, uint32_t limit, const char *what)
{
    uint32_t n = wr__rd_u32(r);
    if (r->err) return 0;
    if ((uint64_t)n * min_bytes > (uint64_t)(r->end - r->p)) {
        malformed(r, "unexpected end: length out of bounds");
        return 0;
    }
    if (n > limit) {
        wr__rd_fail(r, WR_ERR_LIMIT, what);
        return 0;
    }
    return n;
}

static bool utf8_ok(const uint8_t *p, uint32_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        uint8_t c = *p++;
        if (c < 0x80) continue;
        uint32_t need, cp, min;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, cp = c & 0x1Fu, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, cp = c & 0x0Fu, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, cp = c & 0x07u, min = 0x10000;
        else
            return false;
        if ((uint32_t)(end - p) < need) return false;
        for (uint32_t i = 0; i < need; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        p += need;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    }
    return true;
}

static const uint8_t *rd_name(wr_reader *r, uint32_t *len)
{
    uint32_t n = wr__rd_u32(r);
    if (r->err) return NULL;
    if (n > (uint64_t)(r->end - r->p)) {
        malformed(r, "unexpected end: length out of bounds");
        return NULL;
    }
    const uint8_t *p = r->p;
    if (!utf8_ok(p, n)) {
        malformed(r, "malformed UTF-8 encoding");
        return NULL;
    }
    r->p += n;
    *len = n;
    return p;
}

static void rd_limits(wr_reader *r, wr_limits32 *l)
{
    uint8_t flag = wr__rd_byte(r);
    if (r->err) return;
    if (flag > 1) {
        r->p--;
        malformed(r, "integer too large: malformed limits flags");
        return;
    }
    l->min = wr__rd_u32(r);
    l->has_max = flag == 1;
    l->max = l->has_max ? wr__rd_u32(r) : 0;
}

/* ------------------------------------------------------------ instructions */
static void rd_blocktype(wr_reader *r)
{
    if (r->p < r->end && (*r->p == 0x40 || is_valtype(*r->p))) {
        r->p++;
        return;
    }
    int64_t t = wr__rd_s33(r);
    if (!r->err && t < 0) malformed(r, "malformed block type");
}

static void rd_zero(wr_reader *r)
{
    uint8_t b = wr__rd_byte(r);
    if (!r->err && b != 0) {
        r->p--;
        malformed(r, "zero byte expected");
    }
}

bool wr__skip_instr(wr_reader *r, const wr_module *m, uint32_t *depth, uint32_t *entries)
{
    uint32_t n = 0; /* side-table entries of this instruction */
    uint8_t op = wr__rd_byte(r);
    if (r->err) return false;
    switch (op) {
    case OP_UNREACHABLE:
    case OP_NOP:
    case OP_RETURN:
    case OP_DROP:
    case OP_SELECT:
    case OP_REF_IS_NULL: break;
    case OP_BLOCK:
    case OP_LOOP:
        rd_blocktype(r);
        ++*depth;
        break;
    case OP_IF:
        rd_blocktype(r);
        ++*depth;
        n = 1;
        break;
    case OP_ELSE: n = 1; break;
    case OP_END: --*depth; break;
    case OP_BR:
    case OP_BR_IF:
        wr__rd_u32(r);
        n = 1;
        break;
    case OP_BR_TABLE: {
        uint32_t count = rd_count(r, 1, UINT32_MAX - 1, "br_table too large");
        for (uint32_t i = 0; i <= count && !r->err; i++) wr__rd_u32(r);
        n = count + 1;
        break;
    }
    case OP_CALL:
    case OP_LOCAL_GET:
    case OP_LOCAL_SET:
    case OP_LOCAL_TEE:
    case OP_GLOBAL_GET:
    case OP_GLOBAL_SET:
    case OP_TABLE_GET:
    case OP_TABLE_SET:
    case OP_REF_FUNC: wr__rd_u32(r); break;
    case OP_CALL_INDIRECT:
        wr__rd_u32(r);
        wr__rd_u32(r);
        break;
    case OP_SELECT_T: {
        uint32_t count = rd_count(r, 1, UINT32_MAX, "select");
        for (uint32_t i = 0; i < count && !r->err; i++) rd_valtype(r);
        break;
    }
    case OP_MEMORY_SIZE:
    case OP_MEMORY_GROW: rd_zero(r); break;
    case OP_I32_CONST: wr__rd_s32(r); break;
    case OP_I64_CONST: wr__rd_s64(r); break;
    case OP_F32_CONST:
    case OP_F64_CONST: {
        size_t len = op == OP_F32_CONST ? 4 : 8;
        if ((size_t)(r->end - r->p) < len) return malformed(r, "unexpected end");
        r->p += len;
        break;
    }
    case OP_REF_NULL: rd_reftype(r); break;
    case OP_PREFIX_FC: {
        uint32_t sub = wr__rd_u32(r);
        if (r->err) return false;
        if (sub > FC_LAST) return malformed(r, "illegal opcode");
        switch (sub) {
        case FC_MEMORY_INIT:
        case FC_DATA_DROP:
            if (!m->has_datacount) return malformed(r, "data count section required");
            wr__rd_u32(r);
            if (sub == FC_MEMORY_INIT) rd_zero(r);
            break;
        case FC_MEMORY_COPY:
            rd_zero(r);
            rd_zero(r);
            break;
        case FC_MEMORY_FILL: rd_zero(r); break;
        case FC_TABLE_INIT:
        case FC_TABLE_COPY:
            wr__rd_u32(r);
            wr__rd_u32(r);
            break;
        case FC_ELEM_DROP:
        case FC_TABLE_GROW:
        case FC_TABLE_SIZE:
        case FC_TABLE_FILL: wr__rd_u32(r); break;
        default: break; /* 0..7: saturating truncations */
        }
        break;
    }
    default:
        if (op >= OP_I32_LOAD && op <= OP_I64_STORE32) {
            uint32_t align = wr__rd_u32(r);
            if (!r->err && align >= 32) return malformed(r, "malformed memop flags");
            wr__rd_u32(r);
        } else if (op >= 0x45 && op <= 0xC4) {
            /* numeric: no immediates */
        } else {
            r->p--;
            return malformed(r, "illegal opcode");
        }
    }
    if (entries) *entries += n;
    return !r->err;
}

/* Skips a constant expression (any instructions, up to the matching end). */
static const uint8_t *skip_expr(wr_reader *r, const wr_module *m)
{
    const uint8_t *start = r->p;
    uint32_t depth = 1;
    while (depth && wr__skip_instr(r, m, &depth, NULL)) {
    }
    return r->err ? NULL : start;
}

/* ------------------------------------------------------------ sections */
enum {
    SEC_CUSTOM,
    SEC_TYPE,
    SEC_IMPORT,
    SEC_FUNC,
    SEC_TABLE,
    SEC_MEM,
    SEC_GLOBAL,
    SEC_EXPORT,
    SEC_START,
    SEC_ELEM,
    SEC_CODE,
    SEC_DATA,
    SEC_DATACOUNT,
    SEC_COUNT
};

/* Where each section's position in the required order. */
static const uint8_t sec_rank[SEC_COUNT] = {
    [SEC_TYPE] = 1,   [SEC_IMPORT] = 2, [SEC_FUNC] = 3, [SEC_TABLE] = 4,      [SEC_MEM] = 5,   [SEC_GLOBAL] = 6,
    [SEC_EXPORT] = 7, [SEC_START] = 8,  [SEC_ELEM] = 9, [SEC_DATACOUNT] = 10, [SEC_CODE] = 11, [SEC_DATA] = 12,
};

typedef struct {
    const uint8_t *start[SEC_COUNT], *end[SEC_COUNT];
} sections;

static void *alloc_array(wr_module *m, wr_reader *r, uint32_t n, size_t size)
{
    if (!n) return NULL;
    void *p = wr__alloc(m->store, (size_t)n * size);
    if (!p) {
        r->err = WR_ERR_NOMEM;
        r->p = r->end;
    } else {
        m->ram_bytes += (uint32_t)((size_t)n * size);
    }
    return p;
}

/* n value types equal (n may be 0 with NULL pointers) */
static bool types_eq(uint32_t n, const uint8_t *a, const uint8_t *b)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

/* Function types are defined here (the type section), so they are compared
 * here: for the canonical index below, and by the later stages (import
 * matching in instance.c, call_indirect in interp.c). */
bool wr__functype_eq(const wr_functype *a, const wr_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults && types_eq(a->nparams, a->params, b->params) &&
           types_eq(a->nresults, a->results, b->results);
}

static void dec_types(wr_reader *r, wr_module *m)
{
    m->ntypes = rd_count(r, 3, WR_MAX_TYPES, "too many types (WR_MAX_TYPES)");
    m->types = alloc_array(m, r, m->ntypes, sizeof *m->types);
    for (uint32_t i = 0; i < m->ntypes && !r->err; i++) {
        wr_functype *t = &m->types[i];
        uint8_t form = wr__rd_byte(r);
        if (!r->err && form != 0x60) {
            r->p--;
            malformed(r, "integer representation too long: malformed function type");
            return;
        }
        for (int part = 0; part < 2; part++) {
            uint32_t n = rd_count(r, 1, WR_MAX_FUNC_PARAMS, "too many params or results (WR_MAX_FUNC_PARAMS)");
            const uint8_t *p = r->p;
            for (uint32_t k = 0; k < n && !r->err; k++) rd_valtype(r);
            if (part == 0)
                t->nparams = (uint16_t)n, t->params = p;
            else
                t->nresults = (uint16_t)n, t->results = p;
        }
        t->canon = i;
        for (uint32_t k = 0; k < i && !r->err; k++) {
            if (wr__functype_eq(&m->types[k], t)) {
                t->canon = k;
                break;
            }
        }
    }
}

static void dec_globaltype(wr_reader *r, wr_globaltype *g)
{
    g->type = rd_valtype(r);
    uint8_t mut = wr__rd_byte(r);
    if (!r->err && mut > 1) {
        r->p--;
        malformed(r, "malformed mutability");
    }
    g->mut = mut == 1;
}

/* Two passes: the first counts imports of each kind (so the index spaces can
 * be allocated at their full size), the second fills them. */
static void dec_imports(wr_reader *r, wr_module *m, bool fill)
{
    uint32_t n = rd_count(r, 4, WR_MAX_IMPORTS, "too many imports (WR_MAX_IMPORTS)");
    if (fill) {
        m->nimports = n;
        m->imports = alloc_array(m, r, n, sizeof *m->imports);
    }
    uint32_t counts[4] = { 0, 0, 0, 0 };
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wr_import im;
        im.module = rd_name(r, &im.module_len);
        im.name = rd_name(r, &im.name_len);
        im.kind = wr__rd_byte(r);
        if (r->err) return;
        if (im.kind > EXT_GLOBAL) {
            r->p--;
            malformed(r, "malformed import kind");
            return;
        }
        im.index = counts[im.kind]++;
        switch (im.kind) {
        case EXT_FUNC: {
            uint32_t t = wr__rd_u32(r);
            if (fill) m->func_type[im.index] = t;
            break;
        }
        case EXT_TABLE: {
            wr_tabletype tt;
            tt.elem = rd_reftype(r);
            rd_limits(r, &tt.lim);
            if (fill) m->tables[im.index] = tt;
            break;
        }
        case EXT_MEMORY: {
            wr_limits32 l;
            rd_limits(r, &l);
            if (fill) m->mems[im.index] = l;
            break;
        }
        default: {
            wr_globaltype g = { 0, false, NULL };
            dec_globaltype(r, &g);
            if (fill) m->globals[im.index] = g;
            break;
        }
        }
        if (fill) m->imports[i] = im;
    }
    m->nfunc_imports = counts[EXT_FUNC];
    m->ntable_imports = counts[EXT_TABLE];
    m->nmem_imports = counts[EXT_MEMORY];
    m->nglobal_imports = counts[EXT_GLOBAL];
}

/* Count of a section's vector without consuming it (0 if absent). */
static uint32_t peek_count(wr_reader *r, const sections *sec, int id, uint32_t limit, const char *what)
{
    if (!sec->start[id]) return 0;
    wr_reader sub = *r;
    sub.p = sec->start[id];
    sub.end = sec->end[id];
    uint32_t n = rd_count(&sub, 1, limit, what);
    if (sub.err) {
        r->err = sub.err;
        r->p = r->end;
    }
    return n;
}

static uint32_t add_count(wr_reader *r, uint32_t a, uint32_t b, uint32_t limit, const char *what)
{
    if ((uint64_t)a + b > limit) {
        wr__rd_fail(r, WR_ERR_LIMIT, what);
        return 0;
    }
    return a + b;
}

static void dec_elem(wr_reader *r, wr_module *m)
{
    m->nelems = rd_count(r, 1, WR_MAX_SEGMENTS, "too many element segments (WR_MAX_SEGMENTS)");
    m->elems = alloc_array(m, r, m->nelems, sizeof *m->elems);
    for (uint32_t i = 0; i < m->nelems && !r->err; i++) {
        wr_elemseg *e = &m->elems[i];
        uint32_t flags = wr__rd_u32(r);
        if (r->err) return;
        if (flags > 7) {
            malformed(r, "malformed elements segment kind");
            return;
        }
        /* bit 0: passive/declarative (else active); bit 1: explicit table (active)
     * or declarative (otherwise); bit 2: items are expressions */
        e->mode = (flags & 1) ? ((flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE) : SEG_ACTIVE;
        e->exprs = (flags & 4) != 0;
        e->table = 0;
        e->elem = WR_FUNCREF;
        if (e->mode == SEG_ACTIVE) {
            if (flags & 2) e->table = wr__rd_u32(r);
            e->offset = skip_expr(r, m);
        }
        if (e->mode != SEG_ACTIVE || (flags & 2)) {
            if (e->exprs) {
                e->elem = rd_reftype(r);
            } else {
                uint8_t kind = wr__rd_byte(r);
                if (!r->err && kind != 0) {
                    r->p--;
                    malformed(r, "malformed element kind");
                    return;
                }
            }
        }
        e->count = rd_count(r, 1, UINT32_MAX, "element segment");
        e->items = r->p;
        for (uint32_t k = 0; k < e->count && !r->err; k++) {
            if (e->exprs)
                skip_expr(r, m);
            else
                wr__rd_u32(r);
        }
    }
}

static void dec_data(wr_reader *r, wr_module *m)
{
    m->ndatas = rd_count(r, 1, WR_MAX_SEGMENTS, "too many data segments (WR_MAX_SEGMENTS)");
    if (r->err) return;
    if (m->has_datacount && m->datacount != m->ndatas) {
        malformed(r, "data count and data section have inconsistent lengths");
        return;
    }
    m->datas = alloc_array(m, r, m->ndatas, sizeof *m->datas);
    for (uint32_t i = 0; i < m->ndatas && !r->err; i++) {
        wr_dataseg *d = &m->datas[i];
        uint32_t flags = wr__rd_u32(r);
        if (r->err) return;
        if (flags > 2) {
            malformed(r, "malformed data segment kind");
            return;
        }
        d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        d->mem = flags == 2 ? wr__rd_u32(r) : 0;
        if (d->mode == SEG_ACTIVE) d->offset = skip_expr(r, m);
        d->len = wr__rd_u32(r);
        if (!r->err && d->len > (uint64_t)(r->end - r->p)) {
            malformed(r, "unexpected end of section or function: length out of bounds");
            return;
        }
        d->data = r->p;
        r->p += d->len;
    }
}

static void dec_code(wr_reader *r, wr_module *m, uint32_t *max_depth)
{
    uint32_t n = rd_count(r, 2, WR_MAX_FUNCS, "too many functions (WR_MAX_FUNCS)");
    if (r->err) return;
    m->ncodes = n;
    if (n != m->nfuncs - m->nfunc_imports) {
        malformed(r, "function and code section have inconsistent lengths");
        return;
    }
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wr_funcdef *d = &m->defs[i];
        uint32_t size = wr__rd_u32(r);
        if (r->err) return;
        if (size > (uint64_t)(r->end - r->p)) {
            malformed(r, "unexpected end of section or function");
            return;
        }
        const uint8_t *body_end = r->p + size;
        const uint8_t *outer_end = r->end;
        r->end = body_end;
        d->locals = r->p;
        uint32_t groups = wr__rd_u32(r);
        uint64_t total = 0;
        for (uint32_t g = 0; g < groups && !r->err; g++) {
            total += wr__rd_u32(r);
            rd_valtype(r);
            if (total > UINT32_MAX) {
                malformed(r, "too many locals");
                break;
            }
        }
        if (!r->err && total > WR_MAX_LOCALS) wr__rd_fail(r, WR_ERR_LIMIT, "too many locals (WR_MAX_LOCALS)");
        d->nlocals = (uint32_t)total;
        d->code = r->p;
        d->type = m->func_type[m->nfunc_imports + i];
        uint32_t depth = 1, deepest = 1, entries = 0;
        while (depth && !r->err) {
            if (r->p >= r->end) {
                malformed(r, "unexpected end of section or function");
                break;
            }
            wr__skip_instr(r, m, &depth, &entries);
            if (depth > deepest) deepest = depth;
        }
        if (!r->err && r->p != body_end) malformed(r, "section size mismatch: junk after the function's end");
        d->end = r->p - 1;
        d->st = m->nst;
        if (!r->err && (uint64_t)m->nst + entries > UINT32_MAX / 2) {
            wr__rd_fail(r, WR_ERR_LIMIT, "side table too large");
        }
        m->nst += entries;
        if (deepest > *max_depth) *max_depth = deepest;
        r->end = outer_end;
        r->p = body_end;
    }
}

wr_status wr__decode(wr_store *s, wr_module *m, uint32_t *max_depth)
{
    wr_reader rr = { m->bytes, m->bytes + m->len, m->bytes, s, WR_OK };
    wr_reader *r = &rr;
    static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6D };
    static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
    if (m->len < 4 || memcmp(m->bytes, magic, 4) != 0) {
        return wr__fail(s, WR_ERR_MALFORMED, "magic header not detected");
    }
    if (m->len < 8 || memcmp(m->bytes + 4, version, 4) != 0) {
        return wr__fail(s, WR_ERR_MALFORMED, "unknown binary version");
    }
    r->p += 8;

    /* Pass 1: section boundaries, ids, order, custom section names. */
    sections sec;
    memset(&sec, 0, sizeof sec);
    unsigned last_rank = 0;
    while (r->p < r->end && !r->err) {
        uint8_t id = wr__rd_byte(r);
        if (id >= SEC_COUNT) {
            r->p--;
            malformed(r, "malformed section id");
            break;
        }
        uint32_t size = wr__rd_u32(r);
        if (r->err) break;
        if (size > (uint64_t)(r->end - r->p)) {
            malformed(r, "unexpected end of section or function: section size exceeds the module");
            break;
        }
        const uint8_t *body = r->p, *body_end = r->p + size;
        if (id == SEC_CUSTOM) {
            const uint8_t *outer = r->end;
            r->end = body_end;
            uint32_t nlen;
            rd_name(r, &nlen);
            r->end = outer;
        } else {
            if (sec_rank[id] <= last_rank) {
                r->p = body - 1;
                malformed(r, "unexpected content after last section (section out of order or repeated)");
                break;
            }
            last_rank = sec_rank[id];
            sec.start[id] = body;
            sec.end[id] = body_end;
        }
        r->p = body_end;
    }
    if (r->err) return r->err;

    /* Index spaces: imports first, then this module's own. */
    if (sec.start[SEC_TYPE]) {
        r->p = sec.start[SEC_TYPE];
        r->end = sec.end[SEC_TYPE];
        dec_types(r, m);
        if (!r->err && r->p != r->end) malformed(r, "section size mismatch");
    }
    if (sec.start[SEC_IMPORT]) {
        r->p = sec.start[SEC_IMPORT];
        r->end = sec.end[SEC_IMPORT];
        dec_imports(r, m, false);
        if (!r->err && r->p != r->end) malformed(r, "section size mismatch");
    }
    if (r->err) return r->err;
    uint32_t nf = peek_count(r, &sec, SEC_FUNC, WR_MAX_FUNCS, "too many functions (WR_MAX_FUNCS)");
    uint32_t nt = peek_count(r, &sec, SEC_TABLE, WR_MAX_TABLES, "too many tables (WR_MAX_TABLES)");
    uint32_t nm = peek_count(r, &sec, SEC_MEM, WR_MAX_TABLES, "too many memories");
    uint32_t ng = peek_count(r, &sec, SEC_GLOBAL, WR_MAX_GLOBALS, "too many globals (WR_MAX_GLOBALS)");
    m->nfuncs = add_count(r, m->nfunc_imports, nf, WR_MAX_FUNCS, "too many functions (WR_MAX_FUNCS)");
    m->ntables = add_count(r, m->ntable_imports, nt, WR_MAX_TABLES, "too many tables (WR_MAX_TABLES)");
    m->nmems = add_count(r, m->nmem_imports, nm, WR_MAX_TABLES, "too many memories");
    m->nglobals = add_count(r, m->nglobal_imports, ng, WR_MAX_GLOBALS, "too many globals (WR_MAX_GLOBALS)");
    m->func_type = alloc_array(m, r, m->nfuncs, sizeof *m->func_type);
    m->defs = alloc_array(m, r, nf, sizeof *m->defs);
    m->tables = alloc_array(m, r, m->ntables, sizeof *m->tables);
    m->mems = alloc_array(m, r, m->nmems, sizeof *m->mems);
    m->globals = alloc_array(m, r, m->nglobals, sizeof *m->globals);
    if (r->err) return r->err;
    if (sec.start[SEC_IMPORT]) {
        r->p = sec.start[SEC_IMPORT];
        r->end = sec.end[SEC_IMPORT];
        dec_imports(r, m, true);
    }
    if (r->err) return r->err;

    static const uint8_t order[] = { SEC_FUNC,  SEC_TABLE, SEC_MEM,       SEC_GLOBAL, SEC_EXPORT,
                                     SEC_START, SEC_ELEM,  SEC_DATACOUNT, SEC_CODE,   SEC_DATA };
    for (size_t k = 0; k < sizeof order && !r->err; k++) {
        int id = order[k];
        if (!sec.start[id]) continue;
        r->p = sec.start[id];
        r->end = sec.end[id];
        switch (id) {
        case SEC_FUNC: {
            uint32_t n = rd_count(r, 1, WR_MAX_FUNCS, "too many functions");
            for (uint32_t i = 0; i < n && !r->err; i++) m->func_type[m->nfunc_imports + i] = wr__rd_u32(r);
            break;
        }
        case SEC_TABLE: {
            uint32_t n = rd_count(r, 1, WR_MAX_TABLES, "too many tables");
            for (uint32_t i = 0; i < n && !r->err; i++) {
                wr_tabletype *t = &m->tables[m->ntable_imports + i];
                t->elem = rd_reftype(r);
                rd_limits(r, &t->lim);
            }
            break;
        }
        case SEC_MEM: {
            uint32_t n = rd_count(r, 1, WR_MAX_TABLES, "too many memories");
            for (uint32_t i = 0; i < n && !r->err; i++) rd_limits(r, &m->mems[m->nmem_imports + i]);
            break;
        }
        case SEC_GLOBAL: {
            uint32_t n = rd_count(r, 1, WR_MAX_GLOBALS, "too many globals");
            for (uint32_t i = 0; i < n && !r->err; i++) {
                wr_globaltype *g = &m->globals[m->nglobal_imports + i];
                dec_globaltype(r, g);
                g->init = skip_expr(r, m);
            }
            break;
        }
        case SEC_EXPORT: {
            m->nexports = rd_count(r, 2, WR_MAX_EXPORTS, "too many exports (WR_MAX_EXPORTS)");
            m->exports = alloc_array(m, r, m->nexports, sizeof *m->exports);
            for (uint32_t i = 0; i < m->nexports && !r->err; i++) {
                wr_export *e = &m->exports[i];
                e->name = rd_name(r, &e->name_len);
                e->kind = wr__rd_byte(r);
                if (!r->err && e->kind > EXT_GLOBAL) {
                    r->p--;
                    malformed(r, "malformed export kind");
                }
                e->index = wr__rd_u32(r);
            }
            break;
        }
        case SEC_START:
            m->start = wr__rd_u32(r);
            m->has_start = true;
            break;
        case SEC_ELEM: dec_elem(r, m); break;
        case SEC_DATACOUNT:
            m->datacount = wr__rd_u32(r);
            m->has_datacount = true;
            break;
        case SEC_CODE: dec_code(r, m, max_depth); break;
        case SEC_DATA: dec_data(r, m); break;
        default: break;
        }
        if (!r->err && r->p != r->end) malformed(r, "section size mismatch");
    }
    if (r->err) return r->err;
    if (!sec.start[SEC_CODE] && m->nfuncs != m->nfunc_imports) {
        return wr__fail(s, WR_ERR_MALFORMED, "function and code section have inconsistent lengths");
    }
    if (!sec.start[SEC_DATA] && m->has_datacount && m->datacount != 0) {
        return wr__fail(s, WR_ERR_MALFORMED, "data count and data section have inconsistent lengths");
    }
    return WR_OK;
}
