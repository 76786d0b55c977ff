/* Arithmetic, memory and control flow the compiler emits (M extension, compressed forms,
 * byte/halfword loads and stores, calls, loops), each result printed so QEMU and our
 * core can be compared line by line. */
#include "virt-uart.h"

static uint32_t crc32(const uint8_t *p, int n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

static void sort(int16_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int16_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static const int32_t edge[] = { 0, 1, -1, 2, -2, 7, -7, 0x7fffffff, (int32_t)0x80000000, 12345, -98765, 0x10000, 3 };
#define NE (int)(sizeof edge / sizeof edge[0])

static void line(const char *name, uint32_t v)
{
    uart_puts(name);
    uart_putc(' ');
    uart_hex(v);
    uart_putc('\n');
}

int main(void)
{
    uint8_t buf[300];
    for (int i = 0; i < 300; i++) buf[i] = (uint8_t)(i * 7 + (i >> 3));
    line("crc", crc32(buf, 300));
    int16_t arr[64];
    uint32_t s = 1;
    for (int i = 0; i < 64; i++) {
        s = s * 1103515245u + 12345u;
        arr[i] = (int16_t)(s >> 11);
    }
    sort(arr, 64);
    uint32_t h = 0;
    for (int i = 0; i < 64; i++) h = h * 31 + (uint16_t)arr[i];
    line("sort", h);
    uint32_t m = 0;
    for (int i = 0; i < NE; i++)
        for (int j = 0; j < NE; j++) {
            volatile int32_t a = edge[i], b = edge[j];
            m = m * 33 + (uint32_t)(a * b);
            m = m * 33 + (uint32_t)(((int64_t)a * b) >> 32);
            m = m * 33 + (uint32_t)(((uint64_t)(uint32_t)a * (uint32_t)b) >> 32);
            m = m * 33 + (uint32_t)(((int64_t)a * (uint64_t)(uint32_t)b) >> 32);
            if (b != 0 && !(a == (int32_t)0x80000000 && b == -1)) {
                m = m * 33 + (uint32_t)(a / b);
                m = m * 33 + (uint32_t)(a % b);
            }
            if (b != 0) {
                m = m * 33 + (uint32_t)a / (uint32_t)b;
                m = m * 33 + (uint32_t)a % (uint32_t)b;
            }
            m = m * 33 + (uint32_t)(a >> (b & 31)) + ((uint32_t)a >> (b & 31)) + ((uint32_t)a << (b & 31));
            m = m * 33 + (a < b) + 2 * ((uint32_t)a < (uint32_t)b);
        }
    line("muldiv", m);
    uart_flush();
    return 0;
}
