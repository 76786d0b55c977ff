/* fuzz_runtime.c: libFuzzer target for the whole pipeline on hostile input:
 * decode + validate, instantiate (with the spectest module to import from),
 * then call every exported function with zero arguments, under small limits
 * and a fuel budget so every input finishes quickly. Any crash, leak or
 * undefined behaviour (ASan/UBSan) is a bug: errors and traps must be values. */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "wr.h"

static void *f_alloc(void *u, size_t n)
{
    (void)u;
    return malloc(n);
}
static void f_free(void *u, void *p, size_t n)
{
    (void)u;
    (void)n;
    free(p);
}
static void *f_resize(void *u, void *p, size_t o, size_t n)
{
    (void)u;
    (void)o;
    return realloc(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const wr_allocator alloc = { f_alloc, f_free, f_resize, NULL };
    wr_limits lim;
    wr_limits_default(&lim);
    lim.max_memory_bytes = 1u << 20;
    lim.stack_slots = 4096;
    lim.call_depth = 200;
    lim.max_table_elems = 10000;
    host_spectest_print = false;
    wr_store *s;
    if (wr_store_new(&alloc, &lim, &s) != WR_OK) abort();
    if (host_spectest(s) != WR_OK) abort();
    /* the module runs in place: give it its own exact-size copy so ASan sees
   * any read past its end */
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) abort();
    memcpy(bytes, data, size);
    wr_module *m;
    wr_instance *inst;
    wr_store_set_fuel(s, 20000);
    if (wr_module_load(s, bytes, size, &m) == WR_OK && wr_instantiate(s, m, &inst) == WR_OK) {
        uint32_t n = wr_instance_export_count(inst);
        for (uint32_t i = 0; i < n; i++) {
            const char *name;
            size_t len;
            wr_extern e;
            if (wr_instance_export_at(inst, i, &name, &len, &e) != WR_OK) abort();
            if (e.kind != WR_EXTERN_FUNC) continue;
            wr_func *f = e.of.func;
            uint32_t np = wr_func_param_count(f), nr = wr_func_result_count(f);
            wr_value *args = calloc(np + 1, sizeof *args), *res = calloc(nr + 1, sizeof *res);
            if (!args || !res) abort();
            for (uint32_t k = 0; k < np; k++) args[k].type = wr_func_param_type(f, k);
            wr_store_set_fuel(s, 20000);
            wr_status st = wr_call(f, args, np, res, nr);
            if (st != WR_OK && !wr_status_is_trap(st)) abort(); /* only traps may stop a well-typed call */
            if (st != WR_OK && !wr_store_error(s)[0]) abort();  /* and they always say why */
            free(args);
            free(res);
        }
    }
    wr_store_delete(s);
    free(bytes);
    return 0;
}
