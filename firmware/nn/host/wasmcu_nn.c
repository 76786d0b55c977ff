/*
 * wasmcu-nn: describe and run .tflite models with the wasmcu engine on a host.
 *
 *   wasmcu-nn info MODEL.tflite [--json]
 *   wasmcu-nn run MODEL.tflite --input IN.bin [--input ...] --output-prefix P
 *                 [--json] [--profile] [--repeat N] [--frames N]
 *
 * run writes output tensor i's raw bytes to P.out<i>.bin. --frames N feeds N
 * consecutive frames (each input file holds N inputs back to back) to one
 * interpreter, as a stream, and writes the N outputs back to back.
 * --repeat N runs the whole thing N times from a reset state (for latency).
 * The model is mapped read-only and run in place.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"

#define MAX_INPUTS 16

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmcu-nn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void usage(void)
{
    fputs("usage: wasmcu-nn info MODEL.tflite [--json]\n"
          "       wasmcu-nn run MODEL.tflite --input IN.bin [--input ...] --output-prefix P\n"
          "                 [--json] [--profile] [--repeat N] [--frames N] [--dump DIR]\n",
          stderr);
    exit(2);
}

typedef struct mapped {
    const void *data;
    size_t size;
} mapped;

static mapped map_file(const char *path)
{
    mapped m = { NULL, 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) die("cannot stat %s: %s", path, strerror(errno));
    m.size = (size_t)st.st_size;
    if (m.size > 0) {
        void *p = mmap(NULL, m.size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) die("cannot map %s: %s", path, strerror(errno));
        m.data = p;
    } else {
        m.data = "";
    }
    close(fd);
    return m;
}

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static void print_shape(FILE *f, const nn_tensor_info *t, int json)
{
    fputc('[', f);
    for (int i = 0; i < t->rank; i++) fprintf(f, i ? (json ? ", %d" : ",%d") : "%d", (int)t->dims[i]);
    fputc(']', f);
}

/* ---- info ---------------------------------------------------------------- */

static int cmd_info(const char *path, int json)
{
    mapped mf = map_file(path);
    nn_error err;
    nn_model_summary sum;
    if (nn_model_summary_get(mf.data, mf.size, &sum, &err) != NN_OK) die("%s: %s", path, err.message);
    size_t arena = 0;
    nn_error arena_err;
    const int arena_ok = nn_arena_bytes(mf.data, mf.size, &arena, &arena_err) == NN_OK;
    FILE *o = stdout;
    if (json) {
        fprintf(o, "{\n  \"model\": ");
        json_str(o, path);
        fprintf(o, ",\n  \"model_bytes\": %zu,\n  \"schema_version\": %u,\n  \"description\": ", mf.size,
                (unsigned)sum.version);
        json_str(o, sum.description);
        fprintf(o, ",\n  \"subgraphs\": %zu,\n", sum.subgraphs);
        if (arena_ok) {
            fprintf(o, "  \"arena_bytes\": %zu,\n  \"error\": null,\n", arena);
        } else {
            fprintf(o, "  \"arena_bytes\": null,\n  \"error\": ");
            json_str(o, arena_err.message);
            fprintf(o, ",\n");
        }
    } else {
        printf("model %s: %zu bytes, schema v%u, %zu subgraph(s)%s%s\n", path, mf.size, (unsigned)sum.version,
               sum.subgraphs, sum.description[0] ? ", " : "", sum.description);
    }

    /* operators */
    if (json)
        fprintf(o, "  \"ops\": [\n");
    else
        printf("\noperators (execution order):\n");
    size_t n_unsupported = 0;
    for (size_t i = 0; i < sum.ops; i++) {
        nn_op_info op;
        if (nn_model_op(mf.data, mf.size, i, &op, &err) != NN_OK) die("%s: %s", path, err.message);
        if (!op.supported) n_unsupported++;
        if (json) {
            fprintf(o, "    {\"index\": %zu, \"op\": ", i);
            json_str(o, op.name);
            fprintf(o, ", \"builtin_code\": %d, \"version\": %d, \"supported\": %s, \"inputs\": [", op.builtin_code,
                    op.version, op.supported ? "true" : "false");
            for (size_t k = 0; k < op.n_inputs && k < 32; k++) fprintf(o, k ? ", %d" : "%d", (int)op.inputs[k]);
            fprintf(o, "], \"outputs\": [");
            for (size_t k = 0; k < op.n_outputs && k < 8; k++) fprintf(o, k ? ", %d" : "%d", (int)op.outputs[k]);
            fprintf(o, "]}%s\n", i + 1 < sum.ops ? "," : "");
        } else {
            printf("  %3zu  %-30s v%d  in:", i, op.name, op.version);
            for (size_t k = 0; k < op.n_inputs && k < 32; k++) printf(" %d", (int)op.inputs[k]);
            printf("  out:");
            for (size_t k = 0; k < op.n_outputs && k < 8; k++) printf(" %d", (int)op.outputs[k]);
            printf("%s\n", op.supported ? "" : "   <- UNSUPPORTED");
        }
    }
    if (json) fprintf(o, "  ],\n  \"unsupported_ops\": [");
    size_t printed = 0;
    for (size_t i = 0; i < sum.ops && n_unsupported; i++) {
        nn_op_info op;
        nn_model_op(mf.data, mf.size, i, &op, &err);
        if (op.supported) continue;
        if (json) {
            if (printed++) fprintf(o, ", ");
            json_str(o, op.name);
        }
    }
    if (json) fprintf(o, "],\n");

    /* tensors */
    if (json)
        fprintf(o, "  \"tensors\": [\n");
    else
        printf("\ntensors:\n");
    size_t const_bytes = 0;
    for (size_t i = 0; i < sum.tensors; i++) {
        nn_tensor_info t;
        if (nn_model_tensor(mf.data, mf.size, i, &t, &err) != NN_OK) die("%s: %s", path, err.message);
        if (t.is_const) const_bytes += t.bytes;
        const char *kind = t.is_const ? "const" : t.is_variable ? "state" : "activation";
        if (json) {
            fprintf(o, "    {\"index\": %zu, \"name\": ", i);
            json_str(o, t.name);
            fprintf(o, ", \"type\": \"%s\", \"shape\": ", nn_type_name(t.type));
            print_shape(o, &t, 1);
            fprintf(
                o,
                ", \"bytes\": %zu, \"kind\": \"%s\", \"scale\": %.9g, \"zero_point\": %d, \"quant_channels\": %d}%s\n",
                t.bytes, kind, (double)t.scale, (int)t.zero_point, t.quant_channels, i + 1 < sum.tensors ? "," : "");
        } else {
            printf("  %3zu  %-8s ", i, nn_type_name(t.type));
            print_shape(o, &t, 0);
            printf("  %zu B  %s", t.bytes, kind);
            if (t.quant_channels == 1) printf("  scale %.9g zp %d", (double)t.scale, (int)t.zero_point);
            if (t.quant_channels > 1) printf("  per-channel x%d (dim %d)", t.quant_channels, t.quant_dim);
            printf("  %s\n", t.name);
        }
    }
    if (json) fprintf(o, "  ],\n");

    /* inputs / outputs */
    for (int out = 0; out < 2; out++) {
        const size_t n = out ? sum.outputs : sum.inputs;
        if (json)
            fprintf(o, "  \"%s\": [", out ? "outputs" : "inputs");
        else
            printf("\n%s:\n", out ? "outputs" : "inputs");
        for (size_t i = 0; i < n; i++) {
            int ti;
            nn_tensor_info t;
            if (nn_model_io(mf.data, mf.size, out, i, &ti, &err) != NN_OK ||
                nn_model_tensor(mf.data, mf.size, (size_t)ti, &t, &err) != NN_OK) {
                die("%s: %s", path, err.message);
            }
            if (json) {
                fprintf(o, "%s{\"tensor\": %d, \"name\": ", i ? ", " : "", ti);
                json_str(o, t.name);
                fprintf(o, ", \"type\": \"%s\", \"shape\": ", nn_type_name(t.type));
                print_shape(o, &t, 1);
                fprintf(o, ", \"bytes\": %zu, \"scale\": %.9g, \"zero_point\": %d}", t.bytes, (double)t.scale,
                        (int)t.zero_point);
            } else {
                printf("  %zu: tensor %d %s ", i, ti, nn_type_name(t.type));
                print_shape(o, &t, 0);
                printf(" %zu B scale %.9g zp %d  %s\n", t.bytes, (double)t.scale, (int)t.zero_point, t.name);
            }
        }
        if (json) fprintf(o, "],\n");
    }
    if (json) {
        fprintf(o, "  \"const_bytes\": %zu\n}\n", const_bytes);
    } else {
        printf("\nflash: %zu B model (%zu B of constant tensors)\n", mf.size, const_bytes);
        if (arena_ok)
            printf("arena: %zu B\n", arena);
        else
            printf("arena: cannot plan: %s\n", arena_err.message);
        if (n_unsupported) printf("unsupported operators: %zu\n", n_unsupported);
    }
    return arena_ok ? 0 : 1;
}

/* ---- run ----------------------------------------------------------------- */

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) die("cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) die("out of memory");
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (buf == NULL) die("out of memory");
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) die("cannot read %s", path);
    fclose(f);
    *size = len;
    return buf;
}

/* --dump DIR: after each op, its outputs go to DIR/t<index>.bin. */
typedef struct dump_ctx {
    const char *dir;
    const void *model;
    size_t model_size;
} dump_ctx;

static void dump_hook(void *ctx, const nn_interp *it, uint32_t op_index)
{
    const dump_ctx *d = ctx;
    nn_op_info op;
    nn_error err;
    if (nn_model_op(d->model, d->model_size, op_index, &op, &err) != NN_OK) return;
    for (size_t j = 0; j < op.n_outputs && j < 8; j++) {
        nn_tensor_info t;
        if (nn_tensor_get(it, (size_t)op.outputs[j], &t) != NN_OK || t.data == NULL) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/t%d.bin", d->dir, (int)op.outputs[j]);
        FILE *f = fopen(path, "wb");
        if (f == NULL) die("cannot write %s: %s", path, strerror(errno));
        fwrite(t.data, 1, t.bytes, f);
        fclose(f);
    }
}

static int cmd_run(int argc, char **argv)
{
    const char *model_path = NULL, *prefix = NULL, *dump_dir = NULL;
    const char *inputs[MAX_INPUTS];
    int n_inputs = 0, json = 0, profile = 0;
    long repeat = 1, frames = 1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--input") && i + 1 < argc) {
            if (n_inputs >= MAX_INPUTS) die("at most %d --input files", MAX_INPUTS);
            inputs[n_inputs++] = argv[++i];
        } else if (!strcmp(argv[i], "--output-prefix") && i + 1 < argc) {
            prefix = argv[++i];
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = strtol(argv[++i], NULL, 10);
            if (repeat < 1 || repeat > 1000000) die("--repeat must be 1..1000000");
        } else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
            frames = strtol(argv[++i], NULL, 10);
            if (frames < 1 || frames > 1000000) die("--frames must be 1..1000000");
        } else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            dump_dir = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--profile")) {
            profile = 1;
        } else if (argv[i][0] == '-') {
            die("unknown option %s", argv[i]);
        } else if (model_path == NULL) {
            model_path = argv[i];
        } else {
            die("unexpected argument %s", argv[i]);
        }
    }
    if (model_path == NULL || prefix == NULL) usage();

    mapped mf = map_file(model_path);
    nn_error err;
    size_t need;
    if (nn_arena_bytes(mf.data, mf.size, &need, &err) != NN_OK) die("%s: %s", model_path, err.message);
    void *arena = aligned_alloc(16, (need + 15) & ~(size_t)15);
    if (arena == NULL) die("cannot allocate a %zu-byte arena", need);
    nn_interp *it;
    if (nn_init(&it, mf.data, mf.size, arena, need, &err) != NN_OK) die("%s: %s", model_path, err.message);

    const size_t n_in = nn_input_count(it), n_out = nn_output_count(it);
    if ((size_t)n_inputs != n_in) {
        die("model has %zu input tensor(s); got %d --input file(s)", n_in, n_inputs);
    }
    unsigned char *in_data[MAX_INPUTS];
    for (size_t i = 0; i < n_in; i++) {
        nn_tensor_info t;
        nn_input(it, i, &t);
        size_t size;
        in_data[i] = read_all(inputs[i], &size);
        if (size != t.bytes * (size_t)frames) {
            die("input %zu (tensor %d '%s', %s): %s has %zu bytes, expected %zu%s", i, t.index, t.name,
                nn_type_name(t.type), inputs[i], size, t.bytes * (size_t)frames,
                frames > 1 ? " (bytes per frame x frames)" : "");
        }
    }
    size_t n_ops = 0;
    {
        nn_model_summary sum;
        nn_model_summary_get(mf.data, mf.size, &sum, &err);
        n_ops = sum.ops;
    }
    nn_op_profile *prof = calloc(n_ops ? n_ops : 1, sizeof *prof);
    uint64_t *op_total = calloc(n_ops ? n_ops : 1, sizeof *op_total);
    if (prof == NULL || op_total == NULL) die("out of memory");
    if (profile && nn_set_profiler(it, now_ns, NULL, prof, n_ops) != NN_OK) die("cannot set profiler");
    dump_ctx dctx = { dump_dir, mf.data, mf.size };
    if (dump_dir) nn_set_op_hook(it, dump_hook, &dctx);

    size_t out_frame_bytes[MAX_INPUTS];
    unsigned char *out_data[MAX_INPUTS];
    if (n_out > MAX_INPUTS) die("model has %zu outputs; this tool writes at most %d", n_out, MAX_INPUTS);
    for (size_t i = 0; i < n_out; i++) {
        nn_tensor_info t;
        nn_output(it, i, &t);
        out_frame_bytes[i] = t.bytes;
        out_data[i] = malloc(t.bytes * (size_t)frames + 1);
        if (out_data[i] == NULL) die("out of memory");
    }

    uint64_t best = UINT64_MAX, total = 0;
    for (long r = 0; r < repeat; r++) {
        nn_reset(it);
        for (long f = 0; f < frames; f++) {
            for (size_t i = 0; i < n_in; i++) {
                nn_tensor_info t;
                nn_input(it, i, &t);
                memcpy(t.data, in_data[i] + t.bytes * (size_t)f, t.bytes);
            }
            const uint64_t t0 = now_ns(NULL);
            if (nn_invoke(it) != NN_OK) die("invoke failed: %s", nn_last_error(it));
            const uint64_t dt = now_ns(NULL) - t0;
            total += dt;
            if (dt < best) best = dt;
            if (profile) {
                for (size_t o = 0; o < n_ops; o++) op_total[o] += prof[o].ticks;
            }
            for (size_t i = 0; i < n_out; i++) {
                nn_tensor_info t;
                nn_output(it, i, &t);
                memcpy(out_data[i] + out_frame_bytes[i] * (size_t)f, t.data, t.bytes);
            }
        }
    }
    const uint64_t invokes = (uint64_t)repeat * (uint64_t)frames;

    char path[4096];
    for (size_t i = 0; i < n_out; i++) {
        snprintf(path, sizeof path, "%s.out%zu.bin", prefix, i);
        FILE *f = fopen(path, "wb");
        if (f == NULL) die("cannot write %s: %s", path, strerror(errno));
        const size_t n = out_frame_bytes[i] * (size_t)frames;
        if (fwrite(out_data[i], 1, n, f) != n || fclose(f) != 0) die("cannot write %s", path);
    }

    if (json) {
        printf("{\n  \"model\": ");
        json_str(stdout, model_path);
        printf(",\n  \"arena_bytes\": %zu,\n  \"invokes\": %llu,\n", nn_arena_used(it), (unsigned long long)invokes);
        printf("  \"latency_ns\": {\"min\": %llu, \"mean\": %llu, \"clock\": \"host CLOCK_MONOTONIC\"},\n",
               (unsigned long long)best, (unsigned long long)(total / invokes));
        printf("  \"outputs\": [");
        for (size_t i = 0; i < n_out; i++) {
            nn_tensor_info t;
            nn_output(it, i, &t);
            snprintf(path, sizeof path, "%s.out%zu.bin", prefix, i);
            printf("%s{\"index\": %zu, \"tensor\": %d, \"file\": ", i ? ", " : "", i, t.index);
            json_str(stdout, path);
            printf(", \"bytes\": %zu, \"type\": \"%s\", \"shape\": ", t.bytes * (size_t)frames, nn_type_name(t.type));
            print_shape(stdout, &t, 1);
            printf(", \"scale\": %.9g, \"zero_point\": %d}", (double)t.scale, (int)t.zero_point);
        }
        printf("]");
        if (profile) {
            printf(",\n  \"profile\": [\n");
            for (size_t o = 0; o < n_ops; o++) {
                printf("    {\"op_index\": %zu, \"op\": \"%s\", \"ticks_ns\": %llu, \"arena_bytes\": %u}%s\n", o,
                       prof[o].op_name, (unsigned long long)(op_total[o] / invokes), (unsigned)prof[o].arena_bytes,
                       o + 1 < n_ops ? "," : "");
            }
            printf("  ]");
        }
        printf("\n}\n");
    } else {
        for (size_t i = 0; i < n_out; i++) {
            snprintf(path, sizeof path, "%s.out%zu.bin", prefix, i);
            printf("wrote %s (%zu bytes)\n", path, out_frame_bytes[i] * (size_t)frames);
        }
        printf("arena: %zu B; %llu invoke(s): min %.3f ms, mean %.3f ms (host wall clock)\n", nn_arena_used(it),
               (unsigned long long)invokes, (double)best / 1e6, (double)total / (double)invokes / 1e6);
        if (profile) {
            printf("\n%-5s %-30s %12s %12s\n", "op", "name", "mean ns", "arena B");
            for (size_t o = 0; o < n_ops; o++) {
                printf("%-5zu %-30s %12llu %12u\n", o, prof[o].op_name, (unsigned long long)(op_total[o] / invokes),
                       (unsigned)prof[o].arena_bytes);
            }
        }
    }
    for (size_t i = 0; i < n_in; i++) free(in_data[i]);
    for (size_t i = 0; i < n_out; i++) free(out_data[i]);
    free(prof);
    free(op_total);
    free(arena);
    if (mf.size) munmap((void *)(uintptr_t)mf.data, mf.size);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) usage();
    if (!strcmp(argv[1], "info")) {
        int json = 0;
        const char *path = NULL;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--json"))
                json = 1;
            else if (argv[i][0] == '-')
                die("unknown option %s", argv[i]);
            else if (path == NULL)
                path = argv[i];
            else
                die("unexpected argument %s", argv[i]);
        }
        if (path == NULL) usage();
        return cmd_info(path, json);
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
    usage();
    return 2;
}
