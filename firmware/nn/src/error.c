/* Status names, type names, a small formatter for error messages (no
 * printf: keeps the device image small) and the helpers that report errors
 * with it (nn_fail, nn_prep_fail, nn_exec_fail). */
#include "nn_internal.h"

const char *nn_status_str(nn_status status)
{
    switch (status) {
    case NN_OK: return "ok";
    case NN_ERR_ARG: return "bad argument";
    case NN_ERR_TRUNCATED: return "model truncated";
    case NN_ERR_MODEL: return "malformed model";
    case NN_ERR_UNSUPPORTED: return "unsupported";
    case NN_ERR_LIMIT: return "engine limit exceeded";
    case NN_ERR_ALIGN: return "misaligned";
    case NN_ERR_ARENA_TOO_SMALL: return "arena too small";
    case NN_ERR_EVAL: return "operator failed";
    }
    return "unknown status";
}

const char *nn_type_name(int type)
{
    static const char *const names[] = { "FLOAT32", "FLOAT16",       "INT32",      "UINT8",     "INT64",
                                         "STRING",  "BOOL",          "INT16",      "COMPLEX64", "INT8",
                                         "FLOAT64", "COMPLEX128",    "UINT64",     "RESOURCE",  "VARIANT",
                                         "UINT32",  "UINT16",        "INT4",       "BFLOAT16",  "INT2",
                                         "UINT4",   "FLOAT8_E4M3FN", "FLOAT8_E5M2" };
    if (type < 0 || (size_t)type >= sizeof names / sizeof names[0]) return "UNKNOWN";
    return names[type];
}

typedef struct out_buf {
    char *p;
    size_t size, len;
} out_buf;

static void put_c(out_buf *o, char c)
{
    if (o->len + 1 < o->size) o->p[o->len] = c;
    o->len++;
}

static void put_s(out_buf *o, const char *s)
{
    if (s == NULL) s = "(null)";
    while (*s) put_c(o, *s++);
}

static void put_u(out_buf *o, uint32_t v, unsigned base)
{
    char tmp[12];
    int n = 0;
    do {
        unsigned d = v % base;
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (n) put_c(o, tmp[--n]);
}

static void put_d(out_buf *o, int32_t v)
{
    if (v < 0) {
        put_c(o, '-');
        put_u(o, 0u - (uint32_t)v, 10);
    } else {
        put_u(o, (uint32_t)v, 10);
    }
}

/* Enough for scales in messages: 6 significant digits, scientific if small. */
static void put_f(out_buf *o, double v)
{
    if (v != v) {
        put_s(o, "nan");
        return;
    }
    if (v < 0) {
        put_c(o, '-');
        v = -v;
    }
    if (v > 4e9) {
        put_s(o, "inf");
        return;
    }
    int exp10 = 0;
    if (v != 0.0 && v < 1e-3) {
        while (v < 1.0) {
            v *= 10.0;
            exp10--;
        }
    }
    uint32_t ip = (uint32_t)v;
    double frac = v - ip;
    uint32_t fp = (uint32_t)(frac * 1000000.0 + 0.5);
    if (fp >= 1000000u) {
        ip++;
        fp -= 1000000u;
    }
    put_u(o, ip, 10);
    if (fp) {
        char digits[7];
        for (int i = 5; i >= 0; i--) {
            digits[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        int end = 6;
        while (end > 0 && digits[end - 1] == '0') end--;
        put_c(o, '.');
        for (int i = 0; i < end; i++) put_c(o, digits[i]);
    }
    if (exp10) {
        put_c(o, 'e');
        put_d(o, exp10);
    }
}

void nn_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
    out_buf o = { out, size, 0 };
    if (size == 0) return;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put_c(&o, *fmt);
            continue;
        }
        fmt++;
        switch (*fmt) {
        case 's': put_s(&o, va_arg(ap, const char *)); break;
        case 'd': put_d(&o, va_arg(ap, int)); break;
        case 'u': put_u(&o, va_arg(ap, unsigned), 10); break;
        case 'x': put_u(&o, va_arg(ap, unsigned), 16); break;
        case 'f': put_f(&o, va_arg(ap, double)); break;
        case '%': put_c(&o, '%'); break;
        case '\0': fmt--; break;
        default:
            put_c(&o, '%');
            put_c(&o, *fmt);
            break;
        }
    }
    o.p[o.len < size ? o.len : size - 1] = '\0';
}

nn_status nn_vfail(nn_error *err, nn_status status, const char *fmt, va_list ap)
{
    if (err != NULL) {
        err->status = status;
        nn_vformat(err->message, sizeof err->message, fmt, ap);
    }
    return status;
}

nn_status nn_fail(nn_error *err, nn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nn_vfail(err, status, fmt, ap);
    va_end(ap);
    return status;
}

/* A prepare-time error: the first one sticks in p->sticky; the message names the
 * operator (index and name) before the kernel's own words. */
nn_status nn_prep_fail(nn_prep *p, nn_status status, const char *fmt, ...)
{
    char msg[112];
    va_list ap;
    va_start(ap, fmt);
    nn_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->sticky == NN_OK) p->sticky = status;
    const char *name = p->op->custom ? nn_model_str(p->m, p->op->custom) : nn_builtin_name(p->op->builtin);
    return nn_fail(p->err, status, "operator %u (%s): %s", (unsigned)p->op->index, name, msg);
}

nn_status nn_exec_fail(const nn_exec *e, const char *fmt, ...)
{
    char msg[96];
    va_list ap;
    va_start(ap, fmt);
    nn_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nn_error tmp;
    nn_fail(&tmp, NN_ERR_EVAL, "operator %u (%s): %s", (unsigned)e->op_index, nn_builtin_name(e->node->builtin), msg);
    memcpy(e->error, tmp.message, 128);
    e->error[127] = '\0';
    return NN_ERR_EVAL;
}
