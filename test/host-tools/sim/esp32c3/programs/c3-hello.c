/* UART0 by interrupt: prints a greeting, then echoes every received byte upper-cased,
 * taken in the UART0 interrupt (RX FIFO full at 1 byte, and the RX timeout). */
#include "c3.h"

volatile uint32_t irqs;

void irq_handler(uint32_t line)
{
    if (line != 1) return;
    irqs++;
    while (UART_STATUS & 0x3ff) {
        char c = (char)UART_FIFO;
        putc_(c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
    }
    UART_INT_CLR = 0x111; /* RXFIFO_FULL, RXFIFO_OVF, RXFIFO_TOUT */
}

void exception_handler(uint32_t cause, uint32_t epc, uint32_t tval)
{
    puts_("exception ");
    hex_(cause);
    putc_(' ');
    hex_(epc);
    putc_(' ');
    hex_(tval);
    putc_('\n');
}

int main(void)
{
    puts_("hello from esp32c3-sim\n");
    UART_CONF1 = (UART_CONF1 & ~0x1ffu) | 1u | (1u << 21); /* full at 1 byte, RX timeout on */
    UART_INT_CLR = 0xffffffff;
    UART_INT_ENA = 0x1 | 0x100;
    route_irq(21, 1);
    irq_on();
    for (;;) __asm__ volatile("wfi");
}
