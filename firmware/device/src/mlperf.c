/*
 * MLPerf Tiny's device-under-test protocol, as MLCommons' runner (mlcommons/tiny,
 * benchmark/runner) drives it and the reference submitters (benchmark/reference_submissions,
 * api/internally_implemented.cpp and each submitter_implemented.cpp) answer it:
 * plain-text commands ending in '%', answered by lines "m-..." and closed by "m-ready"
 * ("e-[...]" on error).
 *   name%  profile%  timestamp%  db load N%  db HEX%  db print%  infer N W%  results%
 *
 * Which benchmark the model in the model slot is follows from its tensors (see `benches`):
 * `profile%` names it in `m-model-[...]`, the key of the runner's tests_*.yaml. The loaded
 * bytes are that benchmark's dataset format; `infer` turns them into input 0 the way its
 * reference submitter's th_load_tensor() does, and `m-results-[...]` is what its
 * th_results() prints.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "device_config.h"
#include "hal.h"
#include "mlperf.h"
#include "model.h"

/* How the runner's bytes become input 0, and what the results line holds. */
typedef enum {
    IN_INT8,    /* the tensor's bytes as they are (kws01) */
    IN_UINT8,   /* uint8 pixels, minus 128 (vww01, ic01) */
    IN_FLOAT32, /* float32 little-endian, quantized with the input's scale and zero point (ad01) */
} in_format;

typedef enum {
    OUT_VALUES, /* every output element, dequantized: class probabilities */
    OUT_MSE,    /* one anomaly score: mean squared error of the reconstruction (ad01) */
} out_format;

typedef struct {
    const char *name; /* the key of the runner's tests_*.yaml */
    int rank;
    int32_t dims[4];
    in_format in;
    out_format out;
} bench;

/* The four closed-division benchmarks, recognised by their int8 input's shape. */
static const bench benches[] = {
    { "ad01", 2, { 1, 640, 0, 0 }, IN_FLOAT32, OUT_MSE },
    { "kws01", 4, { 1, 49, 10, 1 }, IN_INT8, OUT_VALUES },
    { "vww01", 4, { 1, 96, 96, 3 }, IN_UINT8, OUT_VALUES },
    { "ic01", 4, { 1, 32, 32, 3 }, IN_UINT8, OUT_VALUES },
};
/* Any other model: the input tensor's own bytes, every output value back. */
static const bench custom = { "custom", 0, { 0, 0, 0, 0 }, IN_INT8, OUT_VALUES };

static uint8_t db_own[DEV_MLPERF_DB_BYTES] __attribute__((aligned(4)));

static struct {
    /* Where the loaded bytes go: db_own, or for a load larger than that the engine RAM the
     * model leaves unused (dev_model_spare), valid while the same model stays loaded. */
    uint8_t *db;
    size_t cap;
    uint32_t spare_token; /* 0: db_own */
    uint32_t expected, loaded;
    /* Input 0 as the model takes it, made once per load: the raw bytes converted in place
     * (IN_UINT8), or quantized after the floats (IN_FLOAT32, kept for the score). */
    bool staged;
} ml;

static bool db_valid(void);

static void say(const char *s)
{
    hal_link_write((const uint8_t *)s, strlen(s));
    hal_link_write((const uint8_t *)"\r\n", 2);
}

static void sayf_u(const char *prefix, unsigned long v, const char *suffix)
{
    char line[96];
    snprintf(line, sizeof line, "%s%lu%s", prefix, v, suffix);
    say(line);
}

static void say_error(const char *what)
{
    char line[200];
    snprintf(line, sizeof line, "e-[%s]", what);
    say(line);
}

/* The reference parser splits on spaces (strtok): any number of them between words. */
static void skip_spaces(const char **p, const char *end)
{
    while (*p < end && **p == ' ') (*p)++;
}

static bool word(const char **p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0) return false;
    if (*p + n < end && (*p)[n] != ' ') return false;
    *p += n;
    skip_spaces(p, end);
    return true;
}

/* A decimal number; false if there is none, or it does not fit in 32 bits. */
static bool number(const char **p, const char *end, uint32_t *out)
{
    uint64_t v = 0;
    const char *s = *p;
    while (*p < end && **p >= '0' && **p <= '9') {
        v = v * 10u + (uint64_t)(*(*p)++ - '0');
        if (v > UINT32_MAX) return false;
    }
    if (*p == s || (*p < end && **p != ' ')) return false;
    skip_spaces(p, end);
    *out = (uint32_t)v;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "%0.3f" as printf writes it (newlib-nano's printf has none): the float's exact value
 * times 1000 (exact in a double), rounded half to even. */
static int fmt3(char *out, size_t cap, float v)
{
    double p = (double)v * 1000.0;
    bool neg = p < 0;
    if (neg) p = -p;
    if (p > 9.0e15) return snprintf(out, cap, "%s", neg ? "-inf" : "inf");
    uint64_t m = (uint64_t)p;
    double frac = p - (double)m;
    if (frac > 0.5 || (frac == 0.5 && (m & 1u))) m++;
    return snprintf(out, cap, "%s%lu.%03u", neg && m ? "-" : "", (unsigned long)(m / 1000u), (unsigned)(m % 1000u));
}

/* round() of the reference's QuantizeFloatToInt8: half away from zero, then clamped. */
static int8_t quantize(float value, float scale, int32_t zero_point)
{
    double q = (double)(value / scale);
    double lim = 1.0e9;
    if (!(q > -lim)) q = -lim; /* also NaN */
    if (q > lim) q = lim;
    int64_t r = (int64_t)q;
    double frac = q - (double)r;
    if (frac >= 0.5) r++;
    if (frac <= -0.5) r--;
    r += zero_point;
    return (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
}

static float dequantize(int8_t v, float scale, int32_t zero_point)
{
    return (float)(v - zero_point) * scale;
}

/* The benchmark the loaded model is, from its tensors; NULL if there is no model. */
static const bench *current(nn_interp **out, const char **why)
{
    nn_interp *it = dev_model(why);
    *out = it;
    if (!it) return NULL;
    nn_tensor_info in, o;
    if (nn_input_count(it) != 1 || nn_output_count(it) != 1 || nn_input(it, 0, &in) != NN_OK ||
        nn_output(it, 0, &o) != NN_OK || in.type != NN_INT8 || o.type != NN_INT8)
        return &custom;
    for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
        const bench *k = &benches[b];
        if (k->rank != in.rank) continue;
        bool same = true;
        for (int d = 0; d < k->rank; d++) same = same && k->dims[d] == in.dims[d];
        if (same && (k->out != OUT_MSE || o.bytes == in.bytes)) return k;
    }
    return &custom;
}

/* Bytes the runner loads for this benchmark's input 0. */
static size_t wire_bytes(const bench *b, const nn_tensor_info *in)
{
    return b->in == IN_FLOAT32 ? in->bytes * 4u : in->bytes;
}

/* th_load_tensor(): the loaded bytes made into input 0's bytes, once per load. NULL (and
 * an e- line said) when they do not fit the model. */
static const uint8_t *stage(const bench *b, const nn_tensor_info *in)
{
    if (ml.loaded != wire_bytes(b, in) || ml.loaded != ml.expected) {
        char line[120];
        snprintf(line, sizeof line, "%s needs %lu bytes of input; %lu are loaded", b->name,
                 (unsigned long)wire_bytes(b, in), (unsigned long)ml.loaded);
        say_error(line);
        return NULL;
    }
    if (b->in == IN_INT8) return ml.db;
    if (b->in == IN_UINT8) {
        if (!ml.staged)
            for (uint32_t i = 0; i < ml.loaded; i++) ml.db[i] ^= 0x80u; /* u - 128 as int8 */
        ml.staged = true;
        return ml.db;
    }
    if (ml.loaded + in->bytes > ml.cap) {
        say_error("the MLPerf buffer cannot hold the floats and their quantized copy (DEV_MLPERF_DB_BYTES)");
        return NULL;
    }
    int8_t *q = (int8_t *)(ml.db + ml.loaded);
    if (!ml.staged) {
        for (size_t i = 0; i < in->bytes; i++) {
            float f;
            memcpy(&f, ml.db + 4 * i, 4);
            q[i] = quantize(f, in->scale, in->zero_point);
        }
    }
    ml.staged = true;
    return (const uint8_t *)q;
}

/* th_results(): one line "m-results-[...]", written as it goes (outputs may be long). */
static void results(const bench *b, nn_interp *it)
{
    nn_tensor_info o, in;
    if (nn_output(it, 0, &o) != NN_OK || !o.data || nn_input(it, 0, &in) != NN_OK) {
        say_error("no output tensor");
        return;
    }
    char num[32];
    if (b->out == OUT_MSE) {
        /* calculate_result() of the ad01 reference: float arithmetic, in this order. */
        if (!db_valid()) return;
        if (ml.loaded != in.bytes * 4u) {
            say_error("ad01 results need the window the output was computed from (db load it again)");
            return;
        }
        float sum = 0;
        for (size_t i = 0; i < o.bytes; i++) {
            float x;
            memcpy(&x, ml.db + 4 * i, 4);
            float diff = dequantize(((const int8_t *)o.data)[i], o.scale, o.zero_point) - x;
            sum += diff * diff;
        }
        sum /= (float)o.bytes;
        fmt3(num, sizeof num, sum);
        hal_link_write((const uint8_t *)"m-results-[", 11);
        hal_link_write((const uint8_t *)num, strlen(num));
        say("]");
        return;
    }
    size_t count = o.type == NN_INT8 || o.type == NN_UINT8 ? o.bytes : o.type == NN_FLOAT32 ? o.bytes / 4 : 0;
    hal_link_write((const uint8_t *)"m-results-[", 11);
    for (size_t i = 0; i < count; i++) {
        float v;
        if (o.type == NN_FLOAT32)
            memcpy(&v, (const uint8_t *)o.data + 4 * i, 4);
        else if (o.type == NN_INT8)
            v = dequantize(((const int8_t *)o.data)[i], o.scale, o.zero_point);
        else
            v = (float)(((const uint8_t *)o.data)[i] - o.zero_point) * o.scale;
        int n = fmt3(num + 1, sizeof num - 1, v);
        num[0] = ',';
        if (n > 0) hal_link_write((const uint8_t *)(i ? num : num + 1), (size_t)n + (i ? 1u : 0u));
    }
    say("]");
}

static nn_status invoke(nn_interp *it, const uint8_t *input, const nn_tensor_info *in)
{
    /* Input tensors may share arena space with later activations: write it every time. */
    memcpy(in->data, input, in->bytes);
    return nn_invoke(it);
}

/* ee_infer(): the input staged once, W warmups, then N timed inferences and the results. */
static void infer(uint32_t n, uint32_t warmups)
{
    const char *why = "";
    nn_interp *it;
    const bench *b = current(&it, &why);
    if (!b) {
        say_error(why);
        return;
    }
    nn_tensor_info in;
    if (nn_input(it, 0, &in) != NN_OK || !in.data) {
        say_error("the model has no input tensor");
        return;
    }
    if (!db_valid()) return;
    const uint8_t *input = stage(b, &in);
    if (!input) return;
    nn_status st = NN_OK;
    sayf_u("m-warmup-start-", warmups, "");
    for (uint32_t i = 0; i < warmups && st == NN_OK; i++) st = invoke(it, input, &in);
    say("m-warmup-done");
    sayf_u("m-infer-start-", n, "");
    uint64_t t0 = hal_time_us(), beat = t0;
    sayf_u("m-lap-us-", (unsigned long)t0, "");
    for (uint32_t i = 0; i < n && st == NN_OK; i++) {
        st = invoke(it, input, &in);
        /* The runner waits at most 5 s for each line (serial_device.py read_line): on a slow
         * board a long loop says it is alive every second. The runner keeps only the m-lap-us
         * and m-results lines, so this line changes no result; it costs one short write a
         * second inside the timed loop. */
        if (hal_time_us() - beat >= DEV_MLPERF_BEAT_US && i + 1 < n) {
            beat = hal_time_us();
            sayf_u("m-infer-progress-", (unsigned long)(i + 1), "");
        }
    }
    sayf_u("m-lap-us-", (unsigned long)hal_time_us(), "");
    say("m-infer-done");
    if (st != NN_OK) {
        say_error(nn_last_error(it));
        return;
    }
    results(b, it);
}

/* Whether the loaded bytes are still there: a load kept in the engine's spare RAM is gone
 * once another model is loaded. Says why not and forgets the load. */
static bool db_valid(void)
{
    if (ml.spare_token == 0) return true;
    size_t cap;
    uint32_t token;
    uint8_t *spare = dev_model_spare(&cap, &token);
    if (spare == ml.db && token == ml.spare_token && cap >= ml.cap) return true;
    ml.expected = ml.loaded = 0;
    ml.spare_token = 0;
    say("e-[the model changed since db load: load the input again]");
    return false;
}

static void db_load(const char *p, const char *end)
{
    uint32_t v = 0;
    char line[160];
    if (p == end) {
        say("e-[Command 'db load' requires the # of bytes]");
        return;
    }
    if (!number(&p, end, &v) || v == 0) {
        say("e-[Command 'db load' must be >0 bytes]");
        return;
    }
    uint8_t *buf = db_own;
    size_t cap = sizeof db_own;
    uint32_t token = 0;
    if (v > sizeof db_own) {
        size_t spare_cap;
        uint8_t *spare = dev_model_spare(&spare_cap, &token);
        if (!spare || v > spare_cap) {
            snprintf(line, sizeof line,
                     "e-[db load %lu: at most %lu bytes (DEV_MLPERF_DB_BYTES), or %lu the model leaves free in the "
                     "engine's RAM]",
                     (unsigned long)v, (unsigned long)sizeof db_own, (unsigned long)(spare ? spare_cap : 0u));
            say(line);
            return;
        }
        buf = spare;
        cap = spare_cap;
    }
    ml.db = buf;
    ml.cap = cap;
    ml.spare_token = token;
    ml.expected = v;
    ml.loaded = 0;
    ml.staged = false;
    sayf_u("m-[Expecting ", v, " bytes]");
}

/* The loaded bytes as the runner sent them, 8 a line: "m-buffer-xx-xx-...". */
static void db_print(void)
{
    char line[8 * 3 + 16];
    bool flip = false;
    if (!db_valid()) return;
    if (ml.staged) {
        nn_interp *it;
        const char *why = "";
        const bench *b = current(&it, &why);
        flip = b && b->in == IN_UINT8;
    }
    for (uint32_t i = 0; i < ml.loaded; i += 8) {
        int k = snprintf(line, sizeof line, "m-buffer-");
        for (uint32_t j = i; j < i + 8 && j < ml.loaded; j++) {
            k += snprintf(line + k, sizeof line - (size_t)k, "%s%02x", j > i ? "-" : "",
                          (unsigned)(ml.db[j] ^ (flip ? 0x80u : 0u)));
        }
        say(line);
    }
}

/* "db HEX": more bytes of the load in progress; digits after the last byte are ignored. */
static const char *db_hex(const char *p, const char *end)
{
    if (ml.expected == 0) return "e-[db: no load in progress (db load N first)]";
    if (!db_valid()) return NULL;
    if (ml.loaded == ml.expected) return "e-[db: all bytes are loaded (db load N to start again)]";
    if ((end - p) % 2 != 0) return "e-[Insufficent number of hex digits]";
    for (const char *q = p; q < end; q++)
        if (hexval(*q) < 0) return "e-[Invalid hex digit]";
    for (; p + 1 < end && ml.loaded < ml.expected; p += 2) {
        ml.db[ml.loaded++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
    }
    ml.staged = false;
    return ml.loaded == ml.expected ? "m-load-done" : NULL;
}

static void db(const char *p, const char *end)
{
    if (p == end) {
        say("e-[Command 'db' requires a subcommand]");
    } else if (word(&p, end, "load")) {
        db_load(p, end);
    } else if (word(&p, end, "print")) {
        db_print();
    } else {
        const char *hex_end = p;
        while (hex_end < end && *hex_end != ' ') hex_end++;
        const char *reply = db_hex(p, hex_end);
        if (reply) say(reply);
    }
}

static void profile(void)
{
    const char *why = "";
    nn_interp *it;
    const bench *b = current(&it, &why);
    say("m-profile-[ULPMark-ML v1.0.0]");
    if (!b) {
        say_error(why);
        return;
    }
    char line[64];
    snprintf(line, sizeof line, "m-model-[%s]", b->name);
    say(line);
}

void mlperf_command(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    skip_spaces(&p, end);
    if (word(&p, end, "name")) {
        say("m-name-dut-[wasmcu " WASMCU_FIRMWARE_VERSION_STR "]");
    } else if (word(&p, end, "profile")) {
        profile();
    } else if (word(&p, end, "timestamp")) {
        sayf_u("m-lap-us-", (unsigned long)hal_time_us(), "");
    } else if (word(&p, end, "db")) {
        db(p, end);
    } else if (word(&p, end, "infer")) {
        /* ee_profile_parse(): 1 inference and 10 warmups unless told. */
        uint32_t n = 1, w = 10;
        if (p < end && (!number(&p, end, &n) || n == 0)) {
            say("e-[Inference iterations must be >0]");
        } else if (p < end && !number(&p, end, &w)) {
            say("e-[Inference warmup must be >=0]");
        } else {
            infer(n, w);
        }
    } else if (word(&p, end, "results")) {
        const char *why = "";
        nn_interp *it;
        const bench *b = current(&it, &why);
        if (b)
            results(b, it);
        else
            say_error(why);
    } else {
        char line[96];
        size_t n = (size_t)(end - p);
        const char *sp = memchr(p, ' ', n);
        if (sp) n = (size_t)(sp - p);
        snprintf(line, sizeof line, "e-[Unknown command: %.*s]", (int)(n > 60 ? 60 : n), p);
        say(line);
    }
    say("m-ready");
}
