/* module.c: loading = decoding + validation, and what a loaded module reports. */
#include "internal.h"

/* Frees a module's arrays newest first, so a bump allocator takes them back. */
void wr__module_free(wr_store *s, wr_module *m)
{
    void *parts[] = { m->st,      m->declared, m->datas,  m->elems, m->exports,   m->imports,
                      m->globals, m->mems,     m->tables, m->defs,  m->func_type, m->types };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) wr__free(s, parts[i]);
    wr__free(s, m);
}

wr_status wr_module_load(wr_store *s, const uint8_t *bytes, size_t len, wr_module **out)
{
    if (!out) return WR_ERR_ARG;
    *out = NULL;
    if (!s) return WR_ERR_ARG;
    if (!bytes && len) return wr__fail(s, WR_ERR_ARG, "module bytes are NULL");
    if (len > 0x7FFFFFFF) return wr__fail(s, WR_ERR_LIMIT, "module larger than 2 GiB");
    wr_module *m = wr__alloc(s, sizeof *m);
    if (!m) return WR_ERR_NOMEM;
    m->store = s;
    m->bytes = bytes;
    m->len = len;
    m->ram_bytes = sizeof *m;
    uint32_t max_depth = 0;
    wr_status st = wr__decode(s, m, &max_depth);
    if (st == WR_OK) st = wr__validate(s, m, max_depth);
    if (st != WR_OK) {
        wr__module_free(s, m);
        return st;
    }
    *out = m;
    return WR_OK;
}

void wr_module_info_get(const wr_module *m, wr_module_info *out)
{
    out->side_table_entries = m->nst;
    out->side_table_bytes = m->nst * (uint32_t)sizeof(wr_ste);
    out->metadata_bytes = m->ram_bytes;
    out->functions = m->nfuncs - m->nfunc_imports;
    out->imports = m->nimports;
    out->exports = m->nexports;
}
