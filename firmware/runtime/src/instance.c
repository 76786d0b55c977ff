/* instance.c: linking and instantiation (imports, memories, tables, globals,
 * segments, start), exports, and the API over functions and globals. Memory
 * and table objects are memory.c's. */
#include "internal.h"

/* ------------------------------------------------------------ helpers */
wr_slot wr__const_expr(const wr_instance *inst, const uint8_t *p)
{
    /* validated: exactly one instruction before the end */
    uint8_t op = *p++;
    switch (op) {
    case OP_I32_CONST: {
        wr_reader r = { p, p + 5, p, NULL, WR_OK };
        return (uint32_t)wr__rd_s32(&r);
    }
    case OP_I64_CONST: {
        wr_reader r = { p, p + 10, p, NULL, WR_OK };
        return (uint64_t)wr__rd_s64(&r);
    }
    case OP_F32_CONST: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case OP_F64_CONST: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    case OP_REF_FUNC: return (uintptr_t)inst->funcs[wr__leb_u32(&p)];
    case OP_GLOBAL_GET: return inst->globals[wr__leb_u32(&p)]->val;
    default: return 0; /* ref.null */
    }
}

/* ------------------------------------------------------------ exports */
wr_status wr_instance_export(wr_instance *inst, const char *name, size_t len, wr_extern *out)
{
    if (!inst || !out || (!name && len)) return WR_ERR_ARG;
    const wr_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wr_export *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0) continue;
        out->kind = (wr_extern_kind)e->kind;
        switch (e->kind) {
        case EXT_FUNC: out->of.func = inst->funcs[e->index]; break;
        case EXT_TABLE: out->of.table = inst->tables[e->index]; break;
        case EXT_MEMORY: out->of.memory = inst->mem; break;
        default: out->of.global = inst->globals[e->index]; break;
        }
        return WR_OK;
    }
    return WR_ERR_NOT_FOUND;
}

uint32_t wr_instance_export_count(const wr_instance *inst)
{
    return inst ? inst->mod->nexports : 0;
}

wr_status wr_instance_export_at(wr_instance *inst, uint32_t index, const char **name, size_t *name_len, wr_extern *out)
{
    if (!inst || index >= inst->mod->nexports || !name || !name_len || !out) return WR_ERR_ARG;
    const wr_export *e = &inst->mod->exports[index];
    *name = (const char *)e->name;
    *name_len = e->name_len;
    return wr_instance_export(inst, *name, *name_len, out);
}

wr_func *wr_instance_func(wr_instance *inst, const char *name)
{
    wr_extern e;
    if (!name || wr_instance_export(inst, name, strlen(name), &e) != WR_OK || e.kind != WR_EXTERN_FUNC) return NULL;
    return e.of.func;
}

wr_global *wr_instance_global(wr_instance *inst, const char *name)
{
    wr_extern e;
    if (!name || wr_instance_export(inst, name, strlen(name), &e) != WR_OK || e.kind != WR_EXTERN_GLOBAL) return NULL;
    return e.of.global;
}

wr_memory *wr_instance_memory(wr_instance *inst)
{
    return inst ? inst->mem : NULL;
}

/* ------------------------------------------------------------ linking */
static bool limits_match(uint32_t size, bool has_max, uint32_t max, const wr_limits32 *want)
{
    if (size < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

static wr_status link_import(wr_store *s, wr_instance *inst, uint32_t i, wr_func *native_slot)
{
    const wr_module *m = inst->mod;
    const wr_import *im = &m->imports[i];
    wr_extern ext;
    bool found = false;
    for (const wr_registered *r = s->registered; r && !found; r = r->next) {
        if (r->len == im->module_len && memcmp(r->name, im->module, r->len) == 0) {
            found = wr_instance_export(r->inst, (const char *)im->name, im->name_len, &ext) == WR_OK;
            break;
        }
    }
    if (!found) {
        const wr_native *n =
            im->kind == EXT_FUNC ? wr__find_native(s, im->module, im->module_len, im->name, im->name_len) : NULL;
        if (!n) {
            return wr__fail(s, WR_ERR_UNLINKABLE, "unknown import %S.%S (import %u)", im->module_len, im->module,
                            im->name_len, im->name, i);
        }
        const wr_functype *t = &m->types[m->types[m->func_type[im->index]].canon];
        if (!wr__native_matches(n, t)) {
            return wr__fail(s, WR_ERR_UNLINKABLE, "incompatible import type: %S.%S is native %s", im->module_len,
                            im->module, im->name_len, im->name, n->signature);
        }
        native_slot->type = t;
        native_slot->inst = inst;
        native_slot->native = n;
        native_slot->ptr_args = wr__native_ptr_args(n);
        native_slot->index = im->index;
        inst->funcs[im->index] = native_slot;
        return WR_OK;
    }
    bool ok = (uint8_t)ext.kind == im->kind;
    if (ok) {
        switch (im->kind) {
        case EXT_FUNC:
            ok = wr__functype_eq(ext.of.func->type, &m->types[m->func_type[im->index]]);
            if (ok) inst->funcs[im->index] = ext.of.func;
            break;
        case EXT_TABLE: {
            const wr_tabletype *want = &m->tables[im->index];
            const wr_table *t = ext.of.table;
            ok = t->elem == want->elem && limits_match(t->size, t->has_max, t->max, &want->lim);
            if (ok) inst->tables[im->index] = ext.of.table;
            break;
        }
        case EXT_MEMORY: {
            const wr_memory *mem = ext.of.memory;
            ok = limits_match(mem->pages, mem->has_max, mem->max_pages, &m->mems[im->index]);
            if (ok) inst->mem = ext.of.memory;
            break;
        }
        default: {
            const wr_globaltype *want = &m->globals[im->index];
            ok = ext.of.global->type == want->type && ext.of.global->mut == want->mut;
            if (ok) inst->globals[im->index] = ext.of.global;
            break;
        }
        }
    }
    if (!ok) {
        return wr__fail(s, WR_ERR_UNLINKABLE, "incompatible import type for %S.%S (import %u)", im->module_len,
                        im->module, im->name_len, im->name, i);
    }
    return WR_OK;
}

/* ------------------------------------------------------------ instantiation */
static void *carve(uint8_t **p, size_t size)
{
    void *r = *p;
    *p += (size + 7u) & ~(size_t)7u;
    return r;
}

/* Evaluates one element item and steps past it. */
static uintptr_t elem_item(const wr_instance *inst, const wr_elemseg *e, wr_reader *r)
{
    if (!e->exprs) return (uintptr_t)inst->funcs[wr__rd_u32(r)];
    uintptr_t v = (uintptr_t)wr__const_expr(inst, r->p);
    uint32_t depth = 1;
    while (depth && wr__skip_instr(r, inst->mod, &depth, NULL)) {
    }
    return v;
}

static wr_status initialise(wr_store *s, wr_instance *inst)
{
    const wr_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wr_elemseg *e = &m->elems[i];
        if (e->mode != SEG_ACTIVE) continue;
        wr_table *t = inst->tables[e->table];
        uint64_t off = (uint32_t)wr__const_expr(inst, e->offset);
        if (off + e->count > t->size) {
            return wr__fail(s, WR_TRAP_TABLE_OOB, "%s in element segment %u", wr_status_name(WR_TRAP_TABLE_OOB), i);
        }
        wr_reader r = { e->items, m->bytes + m->len, m->bytes, s, WR_OK };
        for (uint32_t k = 0; k < e->count; k++) t->elems[off + k] = elem_item(inst, e, &r);
        s->table_writes++;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wr_dataseg *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE) continue;
        wr_memory *mem = inst->mem;
        uint64_t off = (uint32_t)wr__const_expr(inst, d->offset);
        if (off + d->len > mem->bytes) {
            return wr__fail(s, WR_TRAP_MEMORY_OOB, "%s in data segment %u", wr_status_name(WR_TRAP_MEMORY_OOB), i);
        }
        if (d->len) memcpy(mem->data + off, d->data, d->len);
        inst->data_dropped[i] = 1;
    }
    if (m->has_start) {
        if (s->sp >= s->stack_end) return wr__trap(s, WR_TRAP_STACK_EXHAUSTED, NULL, NULL, "start function");
        return wr__execute(s, inst->funcs[m->start], s->sp);
    }
    return WR_OK;
}

wr_status wr_instantiate(wr_store *s, const wr_module *m, wr_instance **out)
{
    if (!out) return WR_ERR_ARG;
    *out = NULL;
    if (!s || !m || m->store != s) return WR_ERR_ARG;
    wr__aot_settle(s); /* the imported globals' values, for the initialisers */
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    uint32_t own_tables = m->ntables - m->ntable_imports;
    uint32_t own_globals = m->nglobals - m->nglobal_imports;
    uint32_t own_mems = m->nmems - m->nmem_imports;
#define R8(x) (((size_t)(x) + 7u) & ~(size_t)7u)
    size_t size = R8(sizeof(wr_instance)) + R8((size_t)m->nfuncs * sizeof(wr_func *)) +
                  R8((size_t)m->nfuncs * sizeof(wr_func)) + R8((size_t)m->ntables * sizeof(wr_table *)) +
                  R8((size_t)own_tables * sizeof(wr_table)) + R8((size_t)m->nglobals * sizeof(wr_global *)) +
                  R8((size_t)own_globals * sizeof(wr_global)) + R8((size_t)m->nelems * sizeof(wr_elemrt)) +
                  R8((size_t)own_mems * sizeof(wr_memory)) + R8(m->ndatas);
#undef R8
    uint8_t *block = wr__alloc(s, size);
    if (!block) return WR_ERR_NOMEM;
    uint8_t *p = block;
    wr_instance *inst = carve(&p, sizeof *inst);
    inst->store = s;
    inst->mod = m;
    inst->funcs = carve(&p, (size_t)m->nfuncs * sizeof(wr_func *));
    wr_func *fobjs = carve(&p, (size_t)m->nfuncs * sizeof(wr_func)); /* natives use the import slots */
    inst->tables = carve(&p, (size_t)m->ntables * sizeof(wr_table *));
    wr_table *tobjs = carve(&p, (size_t)own_tables * sizeof(wr_table));
    inst->globals = carve(&p, (size_t)m->nglobals * sizeof(wr_global *));
    wr_global *gobjs = carve(&p, (size_t)own_globals * sizeof(wr_global));
    inst->elems = carve(&p, (size_t)m->nelems * sizeof(wr_elemrt));
    wr_memory *mobj = carve(&p, (size_t)own_mems * sizeof(wr_memory));
    inst->data_dropped = carve(&p, m->ndatas);

    wr_status st = WR_OK;
    for (uint32_t i = 0; i < m->nimports && st == WR_OK; i++) {
        const wr_import *im = &m->imports[i];
        st = link_import(s, inst, i, im->kind == EXT_FUNC ? &fobjs[im->index] : NULL);
    }
    for (uint32_t k = 0; k < ndefs && st == WR_OK; k++) {
        uint32_t idx = m->nfunc_imports + k;
        wr_func *f = &fobjs[idx];
        f->type = &m->types[m->types[m->func_type[idx]].canon];
        f->inst = inst;
        f->def = &m->defs[k];
        f->st = m->st ? m->st + m->defs[k].st : NULL; /* no branches: never read */
        f->index = idx;
        inst->funcs[idx] = f;
    }
    for (uint32_t k = 0; k < own_tables && st == WR_OK; k++) {
        inst->tables[m->ntable_imports + k] = &tobjs[k];
        st = wr__table_new(s, &tobjs[k], &m->tables[m->ntable_imports + k]);
    }
    if (own_mems && st == WR_OK) {
        inst->mem = mobj;
        st = wr__memory_new(s, mobj, &m->mems[m->nmem_imports]);
    }
    for (uint32_t k = 0; k < own_globals && st == WR_OK; k++) {
        uint32_t idx = m->nglobal_imports + k;
        gobjs[k].store = s;
        gobjs[k].type = m->globals[idx].type;
        gobjs[k].mut = m->globals[idx].mut;
        gobjs[k].val = wr__const_expr(inst, m->globals[idx].init);
        inst->globals[idx] = &gobjs[k];
    }
    /* passive segments keep their references; active and declarative ones
   * are dropped once instantiated */
    for (uint32_t i = 0; i < m->nelems && st == WR_OK; i++) {
        const wr_elemseg *e = &m->elems[i];
        if (e->mode != SEG_PASSIVE || !e->count) continue;
        inst->elems[i].refs = wr__alloc(s, (size_t)e->count * sizeof(uintptr_t));
        if (!inst->elems[i].refs) {
            st = WR_ERR_NOMEM;
            break;
        }
        inst->elems[i].count = e->count;
        wr_reader r = { e->items, m->bytes + m->len, m->bytes, s, WR_OK };
        for (uint32_t k = 0; k < e->count; k++) inst->elems[i].refs[k] = elem_item(inst, e, &r);
    }
    /* last: it gives back what it took if it fails */
    if (st == WR_OK && m->aot) st = wr__aot_attach(s, inst);
    if (st != WR_OK) {
        /* nothing outside this instance was touched: give it all back */
        for (uint32_t i = m->nelems; i-- > 0;) wr__free(s, inst->elems[i].refs);
        if (own_mems && inst->mem == mobj) wr__free(s, mobj->data);
        for (uint32_t k = own_tables; k-- > 0;) wr__free(s, tobjs[k].elems);
        wr__free(s, block);
        return st;
    }
    /* from here on, segments may write into imported tables and memories:
   * the instance stays in the store even if instantiation traps, since
   * those writes may refer to its functions */
    inst->next = s->instances;
    s->instances = inst;
    st = initialise(s, inst);
    if (st != WR_OK) return st;
    *out = inst;
    return WR_OK;
}

/* ------------------------------------------------------------ functions */
uint32_t wr_func_param_count(const wr_func *f)
{
    return f->type->nparams;
}
uint32_t wr_func_result_count(const wr_func *f)
{
    return f->type->nresults;
}
wr_type wr_func_param_type(const wr_func *f, uint32_t i)
{
    return i < f->type->nparams ? (wr_type)f->type->params[i] : (wr_type)0;
}
wr_type wr_func_result_type(const wr_func *f, uint32_t i)
{
    return i < f->type->nresults ? (wr_type)f->type->results[i] : (wr_type)0;
}

static wr_slot slot_of(const wr_value *v)
{
    switch (v->type) {
    case WR_I32:
    case WR_F32: return v->of.u32;
    case WR_I64:
    case WR_F64: return v->of.u64;
    default: return (uintptr_t)v->of.ref;
    }
}

static void value_of(wr_value *v, uint8_t type, wr_slot x)
{
    v->type = (wr_type)type;
    switch (type) {
    case WR_I32:
    case WR_F32:
        v->of.u64 = 0;
        v->of.u32 = (uint32_t)x;
        break;
    case WR_I64:
    case WR_F64: v->of.u64 = x; break;
    default: v->of.ref = (void *)(uintptr_t)x; break;
    }
}

wr_status wr_call(wr_func *f, const wr_value *args, uint32_t nargs, wr_value *results, uint32_t nresults)
{
    if (!f || (!args && nargs) || (!results && nresults)) return WR_ERR_ARG;
    wr_store *s = f->inst->store;
    const wr_functype *t = f->type;
    if (nargs != t->nparams || nresults != t->nresults) {
        return wr__fail(s, WR_ERR_TYPE, "function %u takes %u arguments and returns %u results", f->index,
                        (uint32_t)t->nparams, (uint32_t)t->nresults);
    }
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if (need > (size_t)(s->stack_end - s->sp))
        return wr__trap(s, WR_TRAP_STACK_EXHAUSTED, NULL, NULL, "call arguments");
    wr_slot *base = s->sp;
    for (uint32_t i = 0; i < nargs; i++) {
        if ((uint8_t)args[i].type != t->params[i]) {
            return wr__fail(s, WR_ERR_TYPE, "argument %u of function %u has the wrong type", i, f->index);
        }
        base[i] = slot_of(&args[i]);
    }
    wr_status st = wr__execute(s, f, base);
    if (st != WR_OK) return st;
    for (uint32_t i = 0; i < nresults; i++) value_of(&results[i], t->results[i], base[i]);
    return WR_OK;
}

/* ------------------------------------------------------------ globals */
wr_type wr_global_type(const wr_global *g)
{
    return (wr_type)g->type;
}
bool wr_global_mutable(const wr_global *g)
{
    return g->mut;
}
void wr_global_get(const wr_global *g, wr_value *out)
{
    wr__aot_settle(g->store);
    value_of(out, g->type, g->val);
}

wr_status wr_global_set(wr_global *g, const wr_value *v)
{
    if (!g || !v) return WR_ERR_ARG;
    if (!g->mut || (uint8_t)v->type != g->type) return WR_ERR_TYPE;
    wr__aot_settle(g->store);
    g->val = slot_of(v);
    return WR_OK;
}
