/* Output for the test programs: the 16550 UART at 0x10000000 of QEMU virt (and of our test machine). */
#include <stdint.h>
#define UART_LSR (*(volatile uint8_t *)0x10000005)
static inline void uart_putc(char c)
{
    while (!(UART_LSR & 0x20)) {
    } /* THR empty */
    *(volatile uint8_t *)0x10000000 = (uint8_t)c;
}
/* Before exiting: QEMU drops what its transmitter still holds. */
static inline void uart_flush(void)
{
    while (!(UART_LSR & 0x40)) {
    }
}
static inline void uart_puts(const char *s)
{
    while (*s) uart_putc(*s++);
}
static inline void uart_hex(uint32_t v)
{
    for (int i = 28; i >= 0; i -= 4) uart_putc("0123456789abcdef"[(v >> i) & 15]);
}
