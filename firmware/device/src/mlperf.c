/*
 * The MLPerf Tiny device-under-test protocol (EEMBC's runner): plain-text commands
 * ending in '%', answered by lines "m-..." and closed by "m-ready" ("e-[...]" on error).
 *   name%  profile%  timestamp%  db load N%  db HEX%  db print [i] [n]%  infer N W%  results%
 * The loaded bytes go to input 0 of the model in the model slot before every invoke.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "device_config.h"
#include "mlperf.h"
#include "hal.h"
#include "model.h"

static struct {
    uint8_t db[DEV_MLPERF_DB_BYTES];
    uint32_t expected, loaded;
} ml;

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

static bool word(const char **p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0) return false;
    *p += n;
    while (*p < end && **p == ' ') (*p)++;
    return true;
}

static bool number(const char **p, const char *end, unsigned long *out)
{
    unsigned long v = 0;
    const char *s = *p;
    while (*p < end && **p >= '0' && **p <= '9') v = v * 10u + (unsigned long)(*(*p)++ - '0');
    while (*p < end && **p == ' ') (*p)++;
    *out = v;
    return *p > s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Fixed-point text for a probability-like value (newlib-nano's printf has no %f). */
static int fmt3(char *out, size_t cap, float v)
{
    long milli = (long)(v * 1000.0f + (v < 0 ? -0.5f : 0.5f));
    const char *sign = milli < 0 ? "-" : "";
    if (milli < 0) milli = -milli;
    return snprintf(out, cap, "%s%ld.%03ld", sign, milli / 1000, milli % 1000);
}

/* One value per output element, dequantized, written as it goes (outputs may be long). */
static void results(nn_interp *it)
{
    nn_tensor_info t;
    if (nn_output(it, 0, &t) != NN_OK || !t.data) {
        say("e-[no output tensor]");
        return;
    }
    size_t count = t.type == NN_INT8 || t.type == NN_UINT8 ? t.bytes : t.type == NN_FLOAT32 ? t.bytes / 4 : 0;
    hal_link_write((const uint8_t *)"m-results-[", 11);
    for (size_t i = 0; i < count; i++) {
        char num[24];
        float v;
        if (t.type == NN_FLOAT32)
            memcpy(&v, (const uint8_t *)t.data + 4 * i, 4);
        else if (t.type == NN_INT8)
            v = t.scale * (float)(((const int8_t *)t.data)[i] - t.zero_point);
        else
            v = t.scale * (float)(((const uint8_t *)t.data)[i] - t.zero_point);
        int n = fmt3(num + 1, sizeof num - 1, v);
        num[0] = ',';
        if (n > 0) hal_link_write((const uint8_t *)(i ? num : num + 1), (size_t)n + (i ? 1u : 0u));
    }
    say("]");
}

static bool load_input(nn_interp *it)
{
    nn_tensor_info t;
    if (nn_input(it, 0, &t) != NN_OK || !t.data) return false;
    if (ml.loaded != t.bytes) return false;
    memcpy(t.data, ml.db, t.bytes);
    return true;
}

static void infer(unsigned long n, unsigned long warmups)
{
    const char *why = "";
    nn_interp *it = dev_model(&why);
    if (!it) {
        char line[200];
        snprintf(line, sizeof line, "e-[%s]", why);
        say(line);
        return;
    }
    nn_tensor_info t;
    if (nn_input(it, 0, &t) != NN_OK || ml.loaded != t.bytes) {
        char line[120];
        snprintf(line, sizeof line, "e-[input 0 needs %lu bytes; %lu are loaded]", (unsigned long)t.bytes,
                 (unsigned long)ml.loaded);
        say(line);
        return;
    }
    if (warmups) {
        sayf_u("m-warmup-start-", warmups, "");
        for (unsigned long i = 0; i < warmups; i++) {
            load_input(it);
            nn_invoke(it);
        }
        say("m-warmup-done");
    }
    sayf_u("m-infer-start-", n, "");
    sayf_u("m-lap-us-", (unsigned long)hal_time_us(), "");
    nn_status st = NN_OK;
    for (unsigned long i = 0; i < n && st == NN_OK; i++) {
        load_input(it);
        st = nn_invoke(it);
    }
    sayf_u("m-lap-us-", (unsigned long)hal_time_us(), "");
    say("m-infer-done");
    if (st != NN_OK) {
        char line[200];
        snprintf(line, sizeof line, "e-[%s]", nn_last_error(it));
        say(line);
        return;
    }
    results(it);
}

static void db_load(const char *p, const char *end)
{
    unsigned long v;
    char line[96];
    if (!number(&p, end, &v) || v == 0) {
        say("e-[db load needs a byte count]");
    } else if (v > sizeof ml.db) {
        snprintf(line, sizeof line, "e-[db load %lu: at most %lu bytes]", v, (unsigned long)sizeof ml.db);
        say(line);
    } else {
        ml.expected = (uint32_t)v;
        ml.loaded = 0;
        sayf_u("m-[Expecting ", v, " bytes]");
    }
}

static void db_print(const char *p, const char *end)
{
    unsigned long at = 0, n = ml.loaded;
    char line[3 * 16 + 8];
    if (number(&p, end, &at)) number(&p, end, &n);
    for (unsigned long i = at; i < at + n && i < ml.loaded; i += 16) {
        int k = snprintf(line, sizeof line, "m-");
        for (unsigned long j = i; j < i + 16 && j < at + n && j < ml.loaded; j++) {
            k += snprintf(line + k, sizeof line - (size_t)k, "%02x", ml.db[j]);
        }
        say(line);
    }
}

/* "db HEX": more bytes of the load in progress. */
static const char *db_hex(const char *p, const char *end)
{
    if (ml.expected == 0) return "e-[db: no load in progress (db load N first)]";
    if ((end - p) % 2 != 0) return "e-[db: odd number of hex digits]";
    for (; p + 1 < end; p += 2) {
        int hi = hexval(p[0]), lo = hexval(p[1]);
        if (hi < 0 || lo < 0) return "e-[db: not a hex digit]";
        if (ml.loaded >= ml.expected) return "e-[db: more bytes than announced]";
        ml.db[ml.loaded++] = (uint8_t)(hi << 4 | lo);
    }
    return ml.loaded == ml.expected ? "m-load-done" : NULL;
}

static void db(const char *p, const char *end)
{
    if (word(&p, end, "load")) {
        db_load(p, end);
    } else if (word(&p, end, "print")) {
        db_print(p, end);
    } else {
        const char *reply = db_hex(p, end);
        if (reply) say(reply);
    }
}

void mlperf_command(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    unsigned long n = 1, w = 0;
    if (word(&p, end, "name")) {
        say("m-name-dut-[wasmcu " WASMCU_FIRMWARE_VERSION_STR "]");
    } else if (word(&p, end, "profile")) {
        say("m-profile-[ULPMark-ML v1.0.0]");
        say("m-model-[wasmcu model slot]");
    } else if (word(&p, end, "timestamp")) {
        sayf_u("m-lap-us-", (unsigned long)hal_time_us(), "");
    } else if (word(&p, end, "db")) {
        db(p, end);
    } else if (word(&p, end, "infer")) {
        if (number(&p, end, &n)) number(&p, end, &w);
        infer(n, w);
    } else if (word(&p, end, "results")) {
        const char *why = "";
        nn_interp *it = dev_model(&why);
        if (it)
            results(it);
        else
            say("e-[no model]");
    } else {
        char line[96];
        snprintf(line, sizeof line, "e-[Unknown command: %.*s]", (int)(len > 60 ? 60 : len), text);
        say(line);
    }
    say("m-ready");
}
