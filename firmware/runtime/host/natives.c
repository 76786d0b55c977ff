/* natives.c: what AssemblyScript modules import from "env" when run by
 * wasmcu-vm: abort (prints the message and traps), trace, seed; and "probe",
 * natives that look at their caller through the public API as an embedder's
 * may (its globals by export name, a call back into it), for the runtime's
 * tests of what a native sees while wasm code calls it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* An AssemblyScript string: UTF-16LE, its byte length in the 4 bytes before
 * it (the object header's rtSize). Decoded to UTF-8, truncated to fit. */
static void as_string(wr_instance *inst, uint32_t ptr, char *out, size_t cap)
{
    wr_memory *mem = wr_instance_memory(inst);
    uint32_t bytes;
    size_t n = 0;
    if (!ptr || ptr < 4 || wr_memory_read(mem, ptr - 4, &bytes, 4) != WR_OK) {
        snprintf(out, cap, "%s", ptr ? "(bad string)" : "(null)");
        return;
    }
    const uint8_t *p = wr_memory_ptr(mem, ptr, bytes);
    if (!p) {
        snprintf(out, cap, "(bad string)");
        return;
    }
    for (uint32_t i = 0; i + 1 < bytes && n + 4 < cap; i += 2) {
        uint32_t c = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < bytes) {
            uint32_t lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (c < 0x80) {
            out[n++] = (char)c;
        } else if (c < 0x800) {
            out[n++] = (char)(0xC0 | c >> 6);
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[n++] = (char)(0xE0 | c >> 12);
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | c >> 18);
            out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[n] = 0;
}

static wr_status env_abort(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    char msg[256], file[256], text[600];
    wr_instance *inst = wr_native_instance(ctx);
    as_string(inst, (uint32_t)a[0].i32, msg, sizeof msg);
    as_string(inst, (uint32_t)a[1].i32, file, sizeof file);
    snprintf(text, sizeof text, "abort: %s at %s:%ld:%ld", msg, file, (long)a[2].i32, (long)a[3].i32);
    fprintf(stderr, "%s\n", text);
    return wr_native_trap(ctx, text);
}

static wr_status env_trace(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    char msg[256];
    as_string(wr_native_instance(ctx), (uint32_t)a[0].i32, msg, sizeof msg);
    fprintf(stderr, "trace: %s", msg);
    for (int i = 0; i < a[1].i32 && i < 5; i++) fprintf(stderr, "%s%.17g", i ? ", " : " ", a[2 + i].f64);
    fprintf(stderr, "\n");
    return WR_OK;
}

static wr_status env_seed(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)ctx;
    (void)a;
    r[0].f64 = (double)time(NULL);
    return WR_OK;
}

/* An export name from the caller's memory, NUL-terminated; false if too long. */
static bool export_name(const wr_arg *a, char *out, size_t cap)
{
    size_t n = (size_t)(uint32_t)a[1].i32;
    if (n >= cap) return false;
    memcpy(out, a[0].ptr, n);
    out[n] = 0;
    return true;
}

/* probe.global_get(name) -> the caller's exported i32 or i64 global, as an i64 */
static wr_status probe_global_get(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    char name[64];
    wr_global *g = export_name(a, name, sizeof name) ? wr_instance_global(wr_native_instance(ctx), name) : NULL;
    if (!g) return wr_native_trap(ctx, "no such global");
    wr_value v;
    wr_global_get(g, &v);
    r[0].i64 = v.type == WR_I64 ? v.of.i64 : v.of.i32;
    return WR_OK;
}

/* probe.global_set(name, value): an exported i32 global gets the value's low half */
static wr_status probe_global_set(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    (void)r;
    char name[64];
    wr_global *g = export_name(a, name, sizeof name) ? wr_instance_global(wr_native_instance(ctx), name) : NULL;
    if (!g) return wr_native_trap(ctx, "no such global");
    wr_value v = { .type = wr_global_type(g) };
    if (v.type == WR_I64)
        v.of.i64 = a[2].i64;
    else
        v.of.i32 = (int32_t)a[2].i64;
    return wr_global_set(g, &v) == WR_OK ? WR_OK : wr_native_trap(ctx, "global not settable");
}

/* probe.call(name, arg) -> the caller's exported (i32) -> i32 function called back */
static wr_status probe_call(wr_native_ctx *ctx, const wr_arg *a, wr_arg *r)
{
    char name[64];
    wr_func *f = export_name(a, name, sizeof name) ? wr_instance_func(wr_native_instance(ctx), name) : NULL;
    if (!f) return wr_native_trap(ctx, "no such function");
    wr_value arg = { .type = WR_I32, .of.i32 = a[2].i32 }, result;
    wr_status st = wr_call(f, &arg, 1, &result, 1);
    if (st == WR_OK) r[0].i32 = result.of.i32;
    return st;
}

const wr_native host_as_natives[] = {
    { "env", "abort", "(iiii)", env_abort, NULL },
    { "env", "trace", "(iiFFFFF)", env_trace, NULL },
    { "env", "seed", "()F", env_seed, NULL },
    { "probe", "global_get", "(*~)I", probe_global_get, NULL },
    { "probe", "global_set", "(*~I)", probe_global_set, NULL },
    { "probe", "call", "(*~i)i", probe_call, NULL },
};
const size_t host_as_natives_count = sizeof host_as_natives / sizeof host_as_natives[0];
