/* main.c: wasmcu-vm, the runtime as a Linux command (like iwasm or wasm3).
 * Runs one exported function of a module, or the spec-test REPL. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static const char usage_text[] = "usage: wasmcu-vm [OPTIONS] module.wasm [ARGS...]\n"
                                 "       wasmcu-vm --repl [OPTIONS] [module.wasm]\n"
                                 "\n"
                                 "Runs the exported function _start (or --func NAME) of a WebAssembly module\n"
                                 "with the wasmcu runtime, passing ARGS converted to its parameter types\n"
                                 "(integers in decimal or 0x hex, floats as C reads them: 1.5, -2e3, nan, inf).\n"
                                 "Each result is printed on its own line as TYPE:VALUE, e.g. i32:-7, i64:42,\n"
                                 "f32:0.5, f64:nan, with integers as signed decimal and floats in the shortest\n"
                                 "form that reads back exactly.\n"
                                 "AssemblyScript imports env.abort (prints the message, traps), env.trace and\n"
                                 "env.seed are provided.\n"
                                 "A module file may also be an AOT image (.waot) where this build runs\n"
                                 "ARMv6-M Thumb code (ARM; elsewhere it says not supported), in the REPL too.\n"
                                 "\n"
                                 "options (before module.wasm):\n"
                                 "  --func NAME          call NAME instead of _start\n"
                                 "  --max-memory BYTES   linear memory limit (default 4294967296; may be less\n"
                                 "                       than one 64 KiB page)\n"
                                 "  --stack SLOTS        value stack size in 8-byte slots (default 262144)\n"
                                 "  --call-depth N       nested call limit (default 10000)\n"
                                 "  --fuel N             trap with \"out of fuel\" after N calls + backward branches\n"
                                 "  --stats              print side-table, memory and stack sizes to stderr\n"
                                 "  --frames             after a trap, print its wasm call stack to stderr\n"
                                 "                       (\"at function F offset 0xO\", innermost first)\n"
                                 "  --repl               read commands from stdin (the spec-repl-runner protocol:\n"
                                 "                       module PATH [NAME], load PATH [NAME], register AS [NAME],\n"
                                 "                       invoke [NAME] FUNC TYPE:BITS..., get [NAME] GLOBAL, reset)\n"
                                 "  -h, --help           this text\n"
                                 "\n"
                                 "exit status: 0 ok, 1 trap, 2 usage, load or link error\n";

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "wasmcu-vm: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-') return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

static bool parse_arg(const char *s, wr_type t, wr_value *v)
{
    char *end;
    errno = 0;
    v->type = t;
    switch (t) {
    case WR_I32:
    case WR_I64: {
        long long sv;
        unsigned long long uv;
        if (*s == '-') {
            sv = strtoll(s, &end, 0);
            if (errno || end == s || *end) return false;
            if (t == WR_I32 && sv < INT32_MIN) return false;
            uv = (unsigned long long)sv;
        } else {
            uv = strtoull(s, &end, 0);
            if (errno || end == s || *end) return false;
            if (t == WR_I32 && uv > UINT32_MAX) return false;
        }
        if (t == WR_I32)
            v->of.u32 = (uint32_t)uv;
        else
            v->of.u64 = uv;
        return true;
    }
    case WR_F32: v->of.f32 = strtof(s, &end); return end != s && !*end;
    case WR_F64: v->of.f64 = strtod(s, &end); return end != s && !*end;
    default: return false;
    }
}

static void print_float(double d, bool single)
{
    if (isnan(d)) {
        printf("%snan\n", signbit(d) ? "-" : "");
        return;
    }
    char buf[64];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (single ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d) break;
    }
    /* whole numbers below 1e17 without an exponent: 500, not 5e+02 */
    int e10 = d != 0 && isfinite(d) ? (int)floor(log10(fabs(d))) : 0;
    if (strchr(buf, 'e') && e10 >= 0 && e10 < 17 && prec <= e10) snprintf(buf, sizeof buf, "%.*g", e10 + 1, d);
    printf("%s\n", buf);
}

static void print_result(const wr_value *v)
{
    switch (v->type) {
    case WR_I32: printf("i32:%ld\n", (long)v->of.i32); break;
    case WR_I64: printf("i64:%lld\n", (long long)v->of.i64); break;
    case WR_F32:
        printf("f32:");
        print_float(v->of.f32, true);
        break;
    case WR_F64:
        printf("f64:");
        print_float(v->of.f64, false);
        break;
    case WR_FUNCREF: printf("funcref:%s\n", v->of.ref ? "function" : "null"); break;
    default: printf("externref:%s\n", v->of.ref ? "extern" : "null"); break;
    }
}

static void print_stats(wr_store *s, const wr_module *m, wr_instance *inst, uint64_t fuel_start)
{
    wr_module_info mi;
    wr_store_stats ss;
    wr_module_info_get(m, &mi);
    wr_store_stats_get(s, &ss);
    wr_memory *mem = inst ? wr_instance_memory(inst) : NULL;
    fprintf(stderr, "side table: %lu entries, %lu bytes\n", (unsigned long)mi.side_table_entries,
            (unsigned long)mi.side_table_bytes);
    fprintf(stderr, "module metadata: %lu bytes (side table included), %lu functions, %lu imports, %lu exports\n",
            (unsigned long)mi.metadata_bytes, (unsigned long)mi.functions, (unsigned long)mi.imports,
            (unsigned long)mi.exports);
    fprintf(stderr, "linear memory: %llu bytes (%lu pages)\n", (unsigned long long)wr_memory_bytes(mem),
            (unsigned long)wr_memory_pages(mem));
    fprintf(stderr, "value stack: %lu bytes, call stack: %lu bytes\n", (unsigned long)ss.value_stack_bytes,
            (unsigned long)ss.call_stack_bytes);
    fprintf(stderr, "allocated: %lu bytes now, %lu peak\n", (unsigned long)ss.bytes_allocated,
            (unsigned long)ss.peak_bytes);
    if (fuel_start != UINT64_MAX) {
        fprintf(stderr, "fuel used: %llu\n", (unsigned long long)(fuel_start - wr_store_fuel(s)));
    }
}

/* The last trap's wasm call stack, innermost first. */
static void print_frames(const wr_store *s)
{
    const wr_trap_frame *f;
    size_t n = wr_store_trap_frames(s, &f, NULL);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  at function %u offset 0x%x\n", (unsigned)f[i].func, (unsigned)f[i].offset);
}

int main(int argc, char **argv)
{
    wr_limits lim;
    wr_limits_default(&lim);
    lim.max_memory_bytes = (uint64_t)65536 * 65536;
    lim.stack_slots = 262144;
    lim.call_depth = 10000;
    lim.max_table_elems = 10000000;
    const char *func = NULL;
    uint64_t fuel = UINT64_MAX;
    bool repl = false, stats = false, frames = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (!strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(a, "--repl")) {
            repl = true;
        } else if (!strcmp(a, "--stats")) {
            stats = true;
        } else if (!strcmp(a, "--frames")) {
            frames = true;
        } else if (!strcmp(a, "--func")) {
            if (!val) return fail("--func needs a NAME", NULL);
            func = val;
            i++;
        } else if (!strcmp(a, "--max-memory") || !strcmp(a, "--stack") || !strcmp(a, "--call-depth") ||
                   !strcmp(a, "--fuel")) {
            if (!val || !parse_u64(val, &n)) return fail(a, "needs a non-negative number");
            if (!strcmp(a, "--max-memory"))
                lim.max_memory_bytes = n;
            else if (!strcmp(a, "--fuel"))
                fuel = n;
            else if (n > UINT32_MAX)
                return fail(a, "too large");
            else if (!strcmp(a, "--stack"))
                lim.stack_slots = (uint32_t)n;
            else
                lim.call_depth = (uint32_t)n;
            i++;
        } else {
            fprintf(stderr, "wasmcu-vm: unknown option %s\n%s", a, usage_text);
            return 2;
        }
    }
    if (i < argc && !strcmp(argv[i], "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (repl) {
        if (argc - i > 1) return fail("--repl takes at most one module", NULL);
        return host_repl(&lim, i < argc ? argv[i] : NULL);
    }
    if (i >= argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *path = argv[i++];
    size_t len;
    unsigned char *bytes = host_read_file(path, &len);
    if (!bytes) return fail(path, strerror(errno));

    wr_allocator alloc;
    host_allocator(&alloc);
    wr_store *s;
    wr_module *m = NULL;
    wr_instance *inst = NULL;
    int rc = 0;
    if (wr_store_new(&alloc, &lim, &s) != WR_OK)
        return fail("cannot create the store (check --stack/--call-depth)", NULL);
    wr_status st = wr_store_add_natives(s, host_as_natives, host_as_natives_count);
    if (st == WR_OK) st = host_module_load(s, bytes, len, &m);
    if (st != WR_OK) {
        rc = fail(wr_status_name(st), wr_store_error(s));
        goto out;
    }
    wr_store_set_fuel(s, fuel); /* the start function runs on it too */
    st = wr_instantiate(s, m, &inst);
    if (st != WR_OK) {
        rc = wr_status_is_trap(st) ? 1 : 2;
        fprintf(stderr, "wasmcu-vm: %s: %s\n", wr_status_is_trap(st) ? "trap" : wr_status_name(st), wr_store_error(s));
        goto out;
    }
    wr_func *f = wr_instance_func(inst, func ? func : "_start");
    if (!f) {
        rc = fail(func ? "no exported function" : "no exported _start (use --func NAME)", func);
        goto out;
    }
    uint32_t np = wr_func_param_count(f), nr = wr_func_result_count(f);
    if ((uint32_t)(argc - i) != np) {
        fprintf(stderr, "wasmcu-vm: %s takes %lu arguments, %d given\n", func ? func : "_start", (unsigned long)np,
                argc - i);
        rc = 2;
        goto out;
    }
    wr_value *args = calloc(np + 1, sizeof *args), *res = calloc(nr + 1, sizeof *res);
    if (!args || !res) {
        free(args);
        free(res);
        rc = fail("out of memory", NULL);
        goto out;
    }
    for (uint32_t k = 0; k < np; k++) {
        if (!parse_arg(argv[i + (int)k], wr_func_param_type(f, k), &args[k])) {
            fprintf(stderr, "wasmcu-vm: argument %lu (%s) is not a valid %s\n", (unsigned long)k + 1, argv[i + (int)k],
                    wr_func_param_type(f, k) == WR_I32   ? "i32"
                    : wr_func_param_type(f, k) == WR_I64 ? "i64"
                    : wr_func_param_type(f, k) == WR_F32 ? "f32"
                    : wr_func_param_type(f, k) == WR_F64 ? "f64"
                                                         : "value (references cannot be passed)");
            rc = 2;
            break;
        }
    }
    if (rc == 0) {
        st = wr_call(f, args, np, res, nr);
        if (st == WR_OK) {
            for (uint32_t k = 0; k < nr; k++) print_result(&res[k]);
        } else {
            fprintf(stderr, "wasmcu-vm: %s: %s\n", wr_status_is_trap(st) ? "trap" : wr_status_name(st),
                    wr_store_error(s));
            if (frames) print_frames(s);
            rc = wr_status_is_trap(st) ? 1 : 2;
        }
    }
    free(args);
    free(res);
out:
    fflush(stdout);
    if (stats && m) print_stats(s, m, inst, fuel);
    wr_store_delete(s);
    free(bytes);
    return rc;
}
