/* Text over the link UART for the bare-metal tool images (console.h). */
#include "console.h"

#include <stddef.h>
#include <string.h>

#include "hal.h"

void con_put(const char *s)
{
    (void)hal_link_write((const uint8_t *)s, strlen(s));
}

void con_put_u64(uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0 && i > 0);
    con_put(&buf[i]);
}

bool con_parse_u32(const char **p, uint32_t *out)
{
    const char *s = *p;
    while (*s == ' ') {
        s++;
    }
    uint32_t base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *start = s;
    for (;; s++) {
        uint32_t d;
        if (*s >= '0' && *s <= '9') {
            d = (uint32_t)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = (uint32_t)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = (uint32_t)(*s - 'A' + 10);
        } else {
            break;
        }
        if (d >= base) {
            break;
        }
        v = v * base + d;
        if (v > 0xffffffffu) {
            return false;
        }
    }
    if (s == start || (*s != ' ' && *s != '\0')) {
        return false;
    }
    *out = (uint32_t)v;
    *p = s;
    return true;
}

size_t con_poll(con_line *l, void (*run)(const char *line))
{
    uint8_t in[32];
    size_t n = hal_link_read(in, sizeof in);
    for (size_t i = 0; i < n; i++) {
        char c = (char)in[i];
        if (c == '\r' || c == '\n') {
            l->buf[l->used] = '\0';
            if (l->overlong) {
                con_put("error: line too long\r\n");
            } else {
                run(l->buf);
            }
            l->used = 0;
            l->overlong = false;
        } else if (l->used + 1u < l->size) {
            l->buf[l->used++] = c;
        } else {
            l->overlong = true;
        }
    }
    return n;
}
