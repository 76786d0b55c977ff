/*
 * The link: UART0 on GPIO21 (TX) / GPIO20 (RX), 8N1, through the IO_MUX (function 0, the
 * pins the ROM's own serial uses). Received bytes go from the RX interrupt (IRAM, so it
 * runs while the cache is off for a flash write) into a ring; sending blocks on the
 * 128-byte TX FIFO.
 *
 * The interrupt fires at RXFIFO_FULL (64 bytes waiting) or RXFIFO_TOUT (the line idle
 * for 10 bit times with bytes in the FIFO). Status is cleared before the FIFO is
 * drained, so a byte arriving during the drain raises it again.
 */
#include <stddef.h>

#include "internal.h"

/* RXFIFO_FULL at 64 of 128 bytes: 5.6 ms at 115200 baud before the FIFO overflows. */
#define RX_FULL_THRESHOLD 64u
#define RX_TOUT_BITS      10u /* RX_TOUT_THRHD: idle time in bit times */

static hal_rx_ring rx; /* filled by the UART0 interrupt, emptied by hal_link_read */
static volatile uint32_t rx_errors;
static bool link_up;

C3_IRAM void esp32c3_uart0_isr(void)
{
    uint32_t st = C3_REG(UART0_BASE, UART_INT_ST);
    C3_REG(UART0_BASE, UART_INT_CLR) = st;
    if (st & (UART_INT_FRM_ERR | UART_INT_RXFIFO_OVF)) {
        rx_errors = rx_errors + 1u;
    }
    uint32_t n = C3_REG(UART0_BASE, UART_STATUS) & 0x3ffu;
    for (; n > 0; n--) {
        hal_rx_ring_put(&rx, (uint8_t)C3_REG(UART0_BASE, UART_FIFO));
    }
}

void esp32c3_link_init(void)
{
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_CLK_EN0) |= PERIP_UART0;
    C3_REG(SYSTEM_BASE, SYSTEM_PERIP_RST_EN0) &= ~PERIP_UART0;
    /* APB 80 MHz, no pre-divider; baud = 80 MHz / (CLKDIV + FRAG / 16). */
    C3_REG(UART0_BASE, UART_CLK_CONF) = UART_CLK_SCLK_APB | UART_CLK_SCLK_EN | UART_CLK_TX_EN | UART_CLK_RX_EN;
    uint32_t div16 = (16u * C3_APB_HZ + C3_LINK_BAUD / 2u) / C3_LINK_BAUD;
    C3_REG(UART0_BASE, UART_CLKDIV) = ((div16 & 0xfu) << 20) | (div16 >> 4);
    C3_REG(UART0_BASE, UART_CONF0) = UART_CONF0_8N1 | UART_CONF0_STOP1;
    C3_REG(UART0_BASE, UART_CONF1) = UART_CONF1_RX_TOUT_EN | RX_FULL_THRESHOLD;
    C3_REG(UART0_BASE, UART_MEM_CONF) = (C3_REG(UART0_BASE, UART_MEM_CONF) & ~(0x3ffu << 17)) | (RX_TOUT_BITS << 17);
    C3_REG(UART0_BASE, UART_ID) |= UART_ID_UPDATE;
    for (uint32_t i = 0; i < C3_SPIN_LIMIT && (C3_REG(UART0_BASE, UART_ID) & UART_ID_UPDATE); i++) {
    }
    /* Drop what arrived before us (the ROM's leftovers). */
    for (uint32_t n = C3_REG(UART0_BASE, UART_STATUS) & 0x3ffu; n > 0; n--) {
        (void)C3_REG(UART0_BASE, UART_FIFO);
    }
    /* IO_MUX function 0 of GPIO20/21 is U0RXD/U0TXD; RX idles high, so a pull-up. */
    C3_REG(IO_MUX_BASE, IO_MUX_GPIO(C3_LINK_TX_PIN)) = IO_MUX_DRV_20MA;
    C3_REG(IO_MUX_BASE, IO_MUX_GPIO(C3_LINK_RX_PIN)) = IO_MUX_FUN_IE | IO_MUX_FUN_WPU | IO_MUX_DRV_20MA;

    rx.head = rx.tail = 0;
    C3_REG(UART0_BASE, UART_INT_CLR) = 0xffffffffu;
    C3_REG(UART0_BASE, UART_INT_ENA) =
        UART_INT_RXFIFO_FULL | UART_INT_RXFIFO_TOUT | UART_INT_FRM_ERR | UART_INT_RXFIFO_OVF;
    /* Interrupt matrix: source UART0 -> CPU line 1, level, priority 2 over threshold 1. */
    C3_REG(INTMTX_BASE, INTMTX_UART0_MAP) = C3_CPU_INT_UART0;
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_TYPE) &= ~(1u << C3_CPU_INT_UART0);
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_PRI(C3_CPU_INT_UART0)) = 2u;
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_THRESH) = 1u;
    C3_REG(INTMTX_BASE, INTMTX_CPU_INT_ENABLE) |= 1u << C3_CPU_INT_UART0;
    link_up = true;
}

bool esp32c3_link_available(void)
{
    return rx.head != rx.tail;
}

static void put_byte(uint8_t b)
{
    while (((C3_REG(UART0_BASE, UART_STATUS) >> 16) & 0x3ffu) >= UART_FIFO_DEPTH) {
    }
    C3_REG(UART0_BASE, UART_FIFO) = b;
}

/* For the fault report: IRAM, no buffers, no interrupts. */
C3_IRAM void esp32c3_link_write_polled(const char *s)
{
    for (; *s != '\0'; s++) {
        while (((C3_REG(UART0_BASE, UART_STATUS) >> 16) & 0x3ffu) >= UART_FIFO_DEPTH) {
        }
        C3_REG(UART0_BASE, UART_FIFO) = (uint8_t)*s;
    }
}

size_t hal_link_write(const uint8_t *data, size_t len)
{
    if (!link_up || data == NULL) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        put_byte(data[i]);
    }
    return len;
}

size_t hal_link_read(uint8_t *buf, size_t cap)
{
    if (!link_up || buf == NULL) {
        return 0;
    }
    return hal_rx_ring_take(&rx, buf, cap);
}

/* TXFIFO_CNT reaching 0 leaves the last byte in the shift register: one byte time more. */
void hal_link_flush(void)
{
    if (!link_up) {
        return;
    }
    while (((C3_REG(UART0_BASE, UART_STATUS) >> 16) & 0x3ffu) != 0) {
    }
    hal_delay_us((10u * 1000000u + C3_LINK_BAUD - 1u) / C3_LINK_BAUD);
}
