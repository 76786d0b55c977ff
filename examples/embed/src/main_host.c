/* The product built as a Linux program: the app, the model and the recorded sensor readings
 * come from files (read once at start-up into static buffers), text goes to stdout.
 *   embed-demo APP.wasm MODEL.tflite READINGS.bin
 * Exit status: 0 ok, 1 the run failed, 2 usage, 3 a file could not be read or is too big. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>

#include "embed.h"

static uint8_t app_bytes[64u * 1024u];
static uint8_t model_bytes[512u * 1024u];
static uint8_t sample_bytes[4u * 1024u];

static int read_file(const char *path, uint8_t *buf, size_t cap, embed_blob *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "embed-demo: cannot read %s\n", path);
        return 3;
    }
    const size_t n = fread(buf, 1, cap, f);
    const int more = fgetc(f) != EOF;
    const int failed = ferror(f);
    fclose(f);
    if (failed || more) {
        fprintf(stderr, "embed-demo: %s: %s\n", path, failed ? "read error" : "too big for the static buffer");
        return 3;
    }
    out->data = buf;
    out->len = n;
    return 0;
}

static void print_stdout(const char *text)
{
    fputs(text, stdout);
}

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: embed-demo APP.wasm MODEL.tflite READINGS.bin\n");
        return 2;
    }
    embed_io io = { .print = print_stdout, .clock = clock_ns, .clock_unit = "ns" };
    int rc = read_file(argv[1], app_bytes, sizeof app_bytes, &io.app);
    if (rc == 0) rc = read_file(argv[2], model_bytes, sizeof model_bytes, &io.model);
    if (rc == 0) rc = read_file(argv[3], sample_bytes, sizeof sample_bytes, &io.samples);
    if (rc != 0) return rc;
    return embed_run(&io) == EMBED_OK ? 0 : 1;
}
