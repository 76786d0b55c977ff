/* Line-oriented text over the link UART for the bare-metal tool images (self-test,
 * OTA benchmark): what both print and parse. The device firmware uses frames instead. */
#ifndef WASMCU_RP2040_CONSOLE_H
#define WASMCU_RP2040_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void con_put(const char *s);
void con_put_u64(uint64_t v);
/* Parses a decimal or 0x-prefixed number after optional spaces, ending at a space or the
 * end; advances *p past it. False on anything else, or above 0xFFFFFFFF. */
bool con_parse_u32(const char **p, uint32_t *out);

/* A command line being read from the link. */
typedef struct {
    char *buf;
    size_t size; /* bytes in buf, the terminating NUL included */
    size_t used;
    bool overlong;
} con_line;

/* Takes what the link has received; calls run() for each complete line (CR or LF ends
 * one; a line longer than the buffer is answered "error: line too long"). Returns the
 * bytes taken: 0 when nothing had come. */
size_t con_poll(con_line *l, void (*run)(const char *line));

#endif
