/* Registers of the ESP32-C3 the test programs use (TRM offsets; see host-tools/src/sim/esp32c3/README.md). */
#include <stdint.h>
#define REG(a)         (*(volatile uint32_t *)(a))
#define UART0          0x60000000u
#define UART_FIFO      REG(UART0 + 0x00)
#define UART_INT_RAW   REG(UART0 + 0x04)
#define UART_INT_ST    REG(UART0 + 0x08)
#define UART_INT_ENA   REG(UART0 + 0x0C)
#define UART_INT_CLR   REG(UART0 + 0x10)
#define UART_STATUS    REG(UART0 + 0x1C)
#define UART_CONF1     REG(UART0 + 0x24)
#define RTC_CNTL       0x60008000u
#define INTMTX         0x600C2000u
#define INT_MAP(src)   REG(INTMTX + 4u * (src))
#define CPU_INT_ENABLE REG(INTMTX + 0x104)
#define CPU_INT_TYPE   REG(INTMTX + 0x108)
#define CPU_INT_CLEAR  REG(INTMTX + 0x10C)
#define CPU_INT_PRI(n) REG(INTMTX + 0x114 + 4u * (n))
#define CPU_INT_THRESH REG(INTMTX + 0x194)
#define SYSTIMER       0x60023000u
#define TIMG0          0x6001F000u
#define SPI1           0x60002000u

static inline void putc_(char c)
{
    while (((UART_STATUS >> 16) & 0x3ff) >= 126) {
    }
    UART_FIFO = (uint8_t)c;
}
static inline void puts_(const char *s)
{
    while (*s) putc_(*s++);
}
static inline void hex_(uint32_t v)
{
    for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}
static inline void dec_(uint32_t v)
{
    char b[11];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) putc_(b[--n]);
}
/* Routes interrupt source src to CPU line `line` at priority 1. */
static inline void route_irq(int src, int line)
{
    INT_MAP(src) = (uint32_t)line;
    CPU_INT_PRI(line) = 1;
    CPU_INT_THRESH = 1;
    CPU_INT_ENABLE |= 1u << line;
}
static inline void irq_on(void)
{
    __asm__ volatile("csrsi mstatus, 8");
}
