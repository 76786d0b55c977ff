/* repl.c: `wasmcu-vm --repl`, one command per stdin line, one answer per
 * stdout line, as specified in the header of the spec pack's
 * tools/spec-repl-runner.mjs:
 *
 *   module PATH [NAME] | load PATH [NAME]  -> ok | error KIND: message
 *   register AS [NAME]                    -> ok
 *   invoke [NAME] FUNC VAL...             -> result VAL... | trap: msg | exhaustion: msg
 *   get [NAME] GLOBAL                     -> result VAL
 *   reset                                 -> ok
 *   anything else                         -> error usage: message
 *
 * VAL is TYPE:BITS (unsigned decimal bit pattern, or null for references).
 * Names are bare tokens or JSON strings. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

typedef struct token {
    char *text; /* NUL-terminated; may hold NULs (len counts them) */
    size_t len;
    bool quoted;
} token;

typedef struct named {
    char *name;
    size_t len;
    wr_instance *inst;
    struct named *next;
} named;

typedef struct buffer {
    unsigned char *bytes;
    struct buffer *next;
} buffer;

typedef struct repl {
    wr_allocator alloc;
    wr_limits limits;
    wr_store *s;
    wr_instance *current;
    named *names;
    buffer *buffers;
} repl;

static void answer(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

/* ------------------------------------------------------------ tokens */
static void put_utf8(char **o, uint32_t c)
{
    char *p = *o;
    if (c < 0x80) {
        *p++ = (char)c;
    } else if (c < 0x800) {
        *p++ = (char)(0xC0 | c >> 6);
        *p++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *p++ = (char)(0xE0 | c >> 12);
        *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *p++ = (char)(0x80 | (c & 0x3F));
    } else {
        *p++ = (char)(0xF0 | c >> 18);
        *p++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *p++ = (char)(0x80 | (c & 0x3F));
    }
    *o = p;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Splits line in place into tokens; JSON strings are decoded (the decoded
 * text is never longer than the encoded one). Returns -1 on a bad string. */
static int tokenize(char *line, token *toks, int max, int *count)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        if (n == max) return -1;
        token *t = &toks[n++];
        if (*p == '"') {
            char *out = ++p;
            t->text = out;
            t->quoted = true;
            for (;;) {
                char c = *p++;
                if (!c) return -1;
                if (c == '"') break;
                if (c != '\\') {
                    *out++ = c;
                    continue;
                }
                c = *p++;
                uint32_t u, lo;
                switch (c) {
                case '"': *out++ = '"'; break;
                case '\\': *out++ = '\\'; break;
                case '/': *out++ = '/'; break;
                case 'b': *out++ = '\b'; break;
                case 'f': *out++ = '\f'; break;
                case 'n': *out++ = '\n'; break;
                case 'r': *out++ = '\r'; break;
                case 't': *out++ = '\t'; break;
                case 'u':
                    if (hex4(p, &u)) return -1;
                    p += 4;
                    if (u >= 0xD800 && u < 0xDC00 && p[0] == '\\' && p[1] == 'u' && !hex4(p + 2, &lo) && lo >= 0xDC00 &&
                        lo < 0xE000) {
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    }
                    put_utf8(&out, u);
                    break;
                default: return -1;
                }
            }
            t->len = (size_t)(out - t->text);
            if (*p && *p != ' ' && *p != '\t') return -1;
            if (*p) p++;
            *out = 0;
        } else {
            t->text = p;
            t->quoted = false;
            while (*p && *p != ' ' && *p != '\t') p++;
            t->len = (size_t)(p - t->text);
            if (*p) *p++ = 0;
        }
    }
    *count = n;
    return 0;
}

/* ------------------------------------------------------------ values */
typedef struct pval {
    wr_type type;
    bool null;
    uint64_t bits;
} pval;

static bool parse_type(const char *s, size_t n, wr_type *t)
{
    static const struct {
        const char *name;
        wr_type t;
    } types[] = {
        { "i32", WR_I32 }, { "i64", WR_I64 },         { "f32", WR_F32 },
        { "f64", WR_F64 }, { "funcref", WR_FUNCREF }, { "externref", WR_EXTERNREF },
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strlen(types[i].name) == n && memcmp(types[i].name, s, n) == 0) {
            *t = types[i].t;
            return true;
        }
    }
    return false;
}

/* TYPE:BITS. Only bare tokens are values. */
static bool parse_value(const token *tok, pval *v)
{
    if (tok->quoted) return false;
    const char *colon = strchr(tok->text, ':');
    if (!colon || !parse_type(tok->text, (size_t)(colon - tok->text), &v->type)) return false;
    const char *bits = colon + 1;
    v->null = strcmp(bits, "null") == 0;
    v->bits = 0;
    if (v->null) return v->type == WR_FUNCREF || v->type == WR_EXTERNREF;
    if (!*bits) return false;
    for (const char *p = bits; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v->bits > (UINT64_MAX - d) / 10) return false;
        v->bits = v->bits * 10 + d;
    }
    if ((v->type == WR_I32 || v->type == WR_F32) && v->bits > UINT32_MAX) return false;
    return true;
}

static void print_value(char *out, size_t cap, const wr_value *v)
{
    switch (v->type) {
    case WR_I32: snprintf(out, cap, "i32:%lu", (unsigned long)v->of.u32); break;
    case WR_F32: snprintf(out, cap, "f32:%lu", (unsigned long)v->of.u32); break;
    case WR_I64: snprintf(out, cap, "i64:%llu", (unsigned long long)v->of.u64); break;
    case WR_F64: snprintf(out, cap, "f64:%llu", (unsigned long long)v->of.u64); break;
    case WR_FUNCREF:
        if (!v->of.ref)
            snprintf(out, cap, "funcref:null");
        else
            snprintf(out, cap, "funcref:%llu", (unsigned long long)(uintptr_t)v->of.ref);
        break;
    default:
        /* externref N travels as the pointer value N + 1, so N = 0 is not null */
        if (!v->of.ref)
            snprintf(out, cap, "externref:null");
        else
            snprintf(out, cap, "externref:%llu", (unsigned long long)((uintptr_t)v->of.ref - 1));
        break;
    }
}

/* ------------------------------------------------------------ state */
static const char *error_kind(wr_status st)
{
    switch (st) {
    case WR_ERR_MALFORMED: return "malformed";
    case WR_ERR_INVALID: return "invalid";
    case WR_ERR_UNLINKABLE: return "unlinkable";
    case WR_ERR_LIMIT: return "limit";
    case WR_ERR_NOMEM: return "resource";
    default: return wr_status_is_trap(st) ? "uninstantiable" : "usage";
    }
}

static void drop_state(repl *r)
{
    wr_store_delete(r->s);
    host_aot_reset();
    r->s = NULL;
    r->current = NULL;
    while (r->names) {
        named *n = r->names;
        r->names = n->next;
        free(n->name);
        free(n);
    }
    while (r->buffers) {
        buffer *b = r->buffers;
        r->buffers = b->next;
        free(b->bytes);
        free(b);
    }
}

static wr_status fresh_state(repl *r)
{
    drop_state(r);
    wr_status st = wr_store_new(&r->alloc, &r->limits, &r->s);
    if (st == WR_OK) st = wr_store_add_natives(r->s, host_as_natives, host_as_natives_count);
    if (st == WR_OK) st = host_spectest(r->s);
    return st;
}

static wr_instance *find_named(repl *r, const token *t)
{
    for (named *n = r->names; n; n = n->next) {
        if (n->len == t->len && memcmp(n->name, t->text, t->len) == 0) return n->inst;
    }
    return NULL;
}

static void bind_name(repl *r, const token *t, wr_instance *inst)
{
    named *n = malloc(sizeof *n);
    char *copy = malloc(t->len + 1);
    if (!n || !copy) {
        free(n);
        free(copy);
        return;
    }
    memcpy(copy, t->text, t->len + 1);
    n->name = copy;
    n->len = t->len;
    n->inst = inst;
    n->next = r->names;
    r->names = n;
}

/* ------------------------------------------------------------ commands */
static void cmd_module(repl *r, token *t, int n)
{
    if (n < 2 || n > 3) {
        answer("error usage: module PATH [NAME]");
        return;
    }
    size_t len = 0;
    unsigned char *bytes = host_read_file(t[1].text, &len);
    if (!bytes) {
        answer("error usage: cannot read %s: %s", t[1].text, strerror(errno));
        return;
    }
    buffer *b = malloc(sizeof *b);
    if (!b) {
        free(bytes);
        answer("error usage: out of memory");
        return;
    }
    b->bytes = bytes;
    b->next = r->buffers;
    r->buffers = b; /* the module runs in place: its bytes live until reset */
    wr_module *m;
    wr_instance *inst;
    wr_status st = host_module_load(r->s, bytes, len, &m);
    if (st == WR_OK) st = wr_instantiate(r->s, m, &inst);
    if (st == WR_ERR_UNSUPPORTED) {
        answer("skipped: %s", wr_store_error(r->s)); /* valid, but not on this engine */
        return;
    }
    if (st != WR_OK) {
        answer("error %s: %s", error_kind(st), wr_store_error(r->s));
        return;
    }
    r->current = inst;
    if (n == 3) bind_name(r, &t[2], inst);
    answer("ok");
}

static void cmd_register(repl *r, token *t, int n)
{
    if (n < 2 || n > 3) {
        answer("error usage: register AS [NAME]");
        return;
    }
    wr_instance *inst = n == 3 ? find_named(r, &t[2]) : r->current;
    if (!inst) {
        answer("error usage: no such module");
        return;
    }
    wr_status st = wr_register(r->s, t[1].text, t[1].len, inst);
    if (st != WR_OK)
        answer("error usage: %s", wr_status_name(st));
    else
        answer("ok");
}

static void cmd_invoke(repl *r, token *t, int n)
{
    int i = 1;
    wr_instance *inst = r->current;
    pval probe;
    if (n >= 3 && t[1].len && t[1].text[0] == '$' && !parse_value(&t[2], &probe)) {
        inst = find_named(r, &t[1]);
        if (!inst) {
            answer("error usage: unknown module %s", t[1].text);
            return;
        }
        i = 2;
    }
    if (i >= n) {
        answer("error usage: invoke [NAME] FUNC VALUES...");
        return;
    }
    if (!inst) {
        answer("error usage: no current module");
        return;
    }
    wr_extern ext;
    if (wr_instance_export(inst, t[i].text, t[i].len, &ext) != WR_OK || ext.kind != WR_EXTERN_FUNC) {
        answer("error usage: no exported function %s", t[i].text);
        return;
    }
    wr_func *f = ext.of.func;
    uint32_t nargs = (uint32_t)(n - i - 1);
    if (nargs != wr_func_param_count(f)) {
        answer("error usage: %s takes %u arguments", t[i].text, wr_func_param_count(f));
        return;
    }
    uint32_t nres = wr_func_result_count(f);
    wr_value *args = calloc(nargs + 1, sizeof *args), *res = calloc(nres + 1, sizeof *res);
    if (!args || !res) {
        free(args);
        free(res);
        answer("error usage: out of memory");
        return;
    }
    for (uint32_t k = 0; k < nargs; k++) {
        pval v;
        if (!parse_value(&t[i + 1 + (int)k], &v) || v.type != wr_func_param_type(f, k)) {
            answer("error usage: bad argument %u: %s", k, t[i + 1 + (int)k].text);
            free(args);
            free(res);
            return;
        }
        args[k].type = v.type;
        if (v.type == WR_FUNCREF) {
            if (!v.null) {
                answer("error usage: only null funcref arguments are supported");
                free(args);
                free(res);
                return;
            }
            args[k].of.ref = NULL;
        } else if (v.type == WR_EXTERNREF) {
            args[k].of.ref = v.null ? NULL : (void *)(uintptr_t)(v.bits + 1);
        } else {
            args[k].of.u64 = v.bits;
        }
    }
    wr_status st = wr_call(f, args, nargs, res, nres);
    if (st == WR_OK) {
        char line[4096];
        size_t len = (size_t)snprintf(line, sizeof line, "result");
        for (uint32_t k = 0; k < nres && len < sizeof line - 64; k++) {
            line[len++] = ' ';
            print_value(line + len, sizeof line - len, &res[k]);
            len += strlen(line + len);
        }
        answer("%s", line);
    } else if (st == WR_TRAP_STACK_EXHAUSTED) {
        answer("exhaustion: %s", wr_store_error(r->s));
    } else if (wr_status_is_trap(st)) {
        answer("trap: %s", wr_store_error(r->s));
    } else if (st == WR_ERR_UNSUPPORTED) {
        answer("skipped: %s", wr_store_error(r->s)); /* e.g. what AOT code cannot call */
    } else {
        answer("error usage: %s", wr_store_error(r->s));
    }
    free(args);
    free(res);
}

static void cmd_get(repl *r, token *t, int n)
{
    if (n < 2 || n > 3) {
        answer("error usage: get [NAME] GLOBAL");
        return;
    }
    wr_instance *inst = n == 3 ? find_named(r, &t[1]) : r->current;
    const token *g = &t[n - 1];
    wr_extern ext;
    if (!inst) {
        answer("error usage: no such module");
        return;
    }
    if (wr_instance_export(inst, g->text, g->len, &ext) != WR_OK || ext.kind != WR_EXTERN_GLOBAL) {
        answer("error usage: no exported global %s", g->text);
        return;
    }
    wr_value v;
    char buf[64];
    wr_global_get(ext.of.global, &v);
    print_value(buf, sizeof buf, &v);
    answer("result %s", buf);
}

/* One line of any length (without its newline) into *buf; false at the end
 * of input. Portable C: no getline. */
static bool read_line(FILE *in, char **buf, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb = realloc(*buf, ncap);
            if (!nb) return false;
            *buf = nb;
            *cap = ncap;
        }
        if (!fgets(*buf + len, (int)(*cap - len), in)) return len > 0;
        len += strlen(*buf + len);
        if (len && (*buf)[len - 1] == '\n') {
            (*buf)[--len] = 0;
            if (len && (*buf)[len - 1] == '\r') (*buf)[--len] = 0;
            return true;
        }
    }
}

int host_repl(const wr_limits *limits, const char *preload)
{
    repl r;
    memset(&r, 0, sizeof r);
    host_allocator(&r.alloc);
    r.limits = *limits;
    if (fresh_state(&r) != WR_OK) {
        fprintf(stderr, "wasmcu-vm: cannot create the store: %s\n", r.s ? wr_store_error(r.s) : "out of memory");
        return 2;
    }
    if (preload) {
        token t[2] = { { "module", 6, false }, { (char *)preload, strlen(preload), false } };
        cmd_module(&r, t, 2);
    }
    char *line = NULL;
    size_t cap = 0;
    enum { MAX_TOKENS = 1024 };
    static token toks[MAX_TOKENS];
    while (read_line(stdin, &line, &cap)) {
        int n = 0;
        if (tokenize(line, toks, MAX_TOKENS, &n) != 0) {
            answer("error usage: cannot parse the line");
            continue;
        }
        if (n == 0) {
            answer("error usage: empty line");
            continue;
        }
        const char *c = toks[0].text;
        if (!strcmp(c, "module") || !strcmp(c, "load"))
            cmd_module(&r, toks, n);
        else if (!strcmp(c, "register"))
            cmd_register(&r, toks, n);
        else if (!strcmp(c, "invoke"))
            cmd_invoke(&r, toks, n);
        else if (!strcmp(c, "get"))
            cmd_get(&r, toks, n);
        else if (!strcmp(c, "reset")) {
            wr_status st = fresh_state(&r);
            if (st == WR_OK)
                answer("ok");
            else
                answer("error usage: reset failed: %s", r.s ? wr_store_error(r.s) : "out of memory");
        } else {
            answer("error usage: unknown command %s", c);
        }
    }
    free(line);
    drop_state(&r);
    return 0;
}
