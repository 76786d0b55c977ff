/* embed.h: the product's firmware logic, shared by the host and rp2040 builds. It takes the
 * wasmcu runtime (wr.h) and the inference engine (nn.h) as libraries through their public
 * headers, registers two natives of its own, runs the app and, from the app, the model.
 * Each board's main supplies the bytes (app, model, sensor readings) and a way to print. */
#ifndef EMBED_H
#define EMBED_H

#include <stddef.h>
#include <stdint.h>

typedef struct embed_blob {
    const uint8_t *data;
    size_t len;
} embed_blob;

typedef struct embed_io {
    embed_blob app;     /* the .wasm; stays where it is (flash on a device) */
    embed_blob model;   /* the int8 .tflite; weights read in place */
    embed_blob samples; /* the product's "sensor": one int8 reading per byte */
    void (*print)(const char *text);
    uint64_t (*clock)(void); /* time or cycles for the figures printed; NULL prints none */
    const char *clock_unit;  /* "ns", "cycles" */
} embed_io;

typedef enum embed_status {
    EMBED_OK = 0,
    EMBED_ERR_RUNTIME, /* the runtime refused the app or trapped where it should not */
    EMBED_ERR_MODEL,   /* the engine refused the model, or it does not fit the arena */
    EMBED_ERR_FUEL,    /* the runaway loop was not stopped by the fuel budget */
} embed_status;

const char *embed_status_str(embed_status st);

/* Runs the app over every reading in io->samples, prints the model outputs the app collected
 * ("outputs: 7f 05 ..."), then shows a runaway export stopped by fuel. */
embed_status embed_run(const embed_io *io);

#endif
