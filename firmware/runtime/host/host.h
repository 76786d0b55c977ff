/* host.h: pieces of wasmcu-vm, the runtime built as a Linux command. */
#ifndef WR_HOST_H
#define WR_HOST_H

#include <stdbool.h>
#include <stdio.h>

#include "wr.h"

/* A malloc-backed allocator (with resize, so memories grow on demand). */
void host_allocator(wr_allocator *out);

/* env.abort / env.trace / env.seed for AssemblyScript modules, and probe.* (natives.c). */
extern const wr_native host_as_natives[];
extern const size_t host_as_natives_count;

/* Creates the built-in "spectest" instance in s and registers it. Its print
 * functions write to stderr unless host_spectest_print is false. */
wr_status host_spectest(wr_store *s);
extern bool host_spectest_print;

/* Reads a whole file; NULL (and errno) on failure. Free with free(). */
unsigned char *host_read_file(const char *path, size_t *len);

/* wr_module_load, or wr_aot_load for an AOT image (.waot), which on ARM is
 * first copied where code can run; host_aot_reset forgets those copies (once
 * the store that ran them is deleted). */
wr_status host_module_load(wr_store *s, const unsigned char *bytes, size_t len, wr_module **out);
void host_aot_reset(void);

/* Runs the line protocol on stdin/stdout; preload may be NULL. */
int host_repl(const wr_limits *limits, const char *preload);

#endif
