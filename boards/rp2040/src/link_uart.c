/*
 * The link: UART0 on GP0 (TX) / GP1 (RX), 8N1. Received bytes go from the RX
 * interrupt (which runs from RAM, so it keeps working during flash writes)
 * into a ring buffer; sending blocks on the 32-byte TX FIFO.
 *
 * The same ring takes the bytes the host sends over USB CDC (usb_cdc.c), so
 * the device reads one stream whichever cable the host uses. Output goes to
 * USB while the host has the CDC port open (configured, DTR set), else to
 * UART0. The fault report always goes to UART0 (polled).
 */
#include <stddef.h>

#include "internal.h"
#include "rp2040_board.h"
#include "usb_cdc.h"

static hal_rx_ring rx; /* filled by the UART0 and USB interrupts, emptied by hal_link_read */
static volatile uint32_t rx_errors;
static bool link_up;

/*
 * The interrupt is acknowledged first and the FIFO drained after: a byte that arrives
 * after the last empty check raises the interrupt again. (Acknowledged after the drain,
 * such a byte would sit in the FIFO until the receive timeout, or in rp2040js, which
 * models no timeout, until the next byte: a frame's closing delimiter held back.)
 *
 * Worst stall: this handler and the vector table are in RAM, and interrupts stay enabled
 * while flash is erased or programmed (flash.c), during inference and while a reply is
 * sent, so the FIFO waits only for other handlers of the same priority (USB, TIMER,
 * SysTick: microseconds) and the few short PRIMASK sections of time.c and usb_cdc.c.
 * The 32-byte FIFO lasts 2.8 ms at 115200 baud and 347 us at 921600. The ring then holds
 * what the main loop has not read yet: the host keeps at most 3 KiB of frames in flight
 * (host-tools/src/link/session.ts, rxBudget), less than the ring, however long the
 * device takes (a 64 KiB erase, an inference).
 */
RP_RAMFUNC void rp2040_uart0_isr(void)
{
    RP_REG(UART0_BASE, UART_ICR) = UART_INT_RX | UART_INT_RT;
    while (!(RP_REG(UART0_BASE, UART_FR) & UART_FR_RXFE)) {
        uint32_t d = RP_REG(UART0_BASE, UART_DR);
        if (d & UART_DR_ERRORS) {
            rx_errors = rx_errors + 1u;
            RP_REG(UART0_BASE, UART_RSR) = 0xfu; /* clear the sticky error flags */
            if (d & (1u << 8)) {
                continue; /* framing error: the byte is garbage */
            }
        }
        hal_rx_ring_put(&rx, (uint8_t)d);
    }
}

/* Free bytes in the ring; called from the USB interrupt (same priority as UART0's: no nesting). */
RP_RAMFUNC uint32_t rp2040_link_rx_space(void)
{
    return HAL_RX_RING_SIZE - (rx.head - rx.tail);
}

RP_RAMFUNC void rp2040_link_rx_push(const volatile uint8_t *data, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        hal_rx_ring_put(&rx, data[i]);
    }
}

void rp2040_link_init(void)
{
    rp2040_resets_cycle(RESET_UART0);
    /* Baud divisor = clk_peri / (16 * baud) in 16.6 fixed point, rounded. */
    uint32_t div = (8u * WASMCU_CLOCK_HZ) / RP2040_LINK_BAUD;
    uint32_t ibrd = div >> 7;
    uint32_t fbrd = ((div & 0x7fu) + 1u) / 2u;
    RP_REG(UART0_BASE, UART_IBRD) = ibrd;
    RP_REG(UART0_BASE, UART_FBRD) = fbrd;
    /* LCR_H must follow the divisor writes: it latches them. */
    RP_REG(UART0_BASE, UART_LCR_H) = UART_LCR_WLEN8 | UART_LCR_FEN;
    RP_REG(UART0_BASE, UART_IFLS) = 0; /* RX interrupt at 1/8 full; the timeout catches the rest */
    RP_REG(UART0_BASE, UART_IMSC) = UART_INT_RX | UART_INT_RT;
    RP_REG(UART0_BASE, UART_CR) = UART_CR_EN | UART_CR_TXE | UART_CR_RXE;

    rp2040_pin_function(RP2040_LINK_TX_PIN, GPIO_FUNC_UART, PAD_DRIVE_4MA);
    /* RX idles high: a pull-up keeps an unconnected line from reading as a break. */
    rp2040_pin_function(RP2040_LINK_RX_PIN, GPIO_FUNC_UART, PAD_IE | PAD_PUE | PAD_SCHMITT);

    rx.head = rx.tail = 0;
    RP_REG(NVIC_ICPR, 0) = 1u << IRQ_UART0;
    RP_REG(NVIC_ISER, 0) = 1u << IRQ_UART0;
    link_up = true;
}

bool rp2040_link_ready(void)
{
    return link_up && (RP_REG(UART0_BASE, UART_CR) & UART_CR_EN);
}

void rp2040_link_write_polled(const char *s)
{
    for (; *s != '\0'; s++) {
        while (RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFF) {
        }
        RP_REG(UART0_BASE, UART_DR) = (uint8_t)*s;
    }
}

size_t hal_link_write(const uint8_t *data, size_t len)
{
    if (!link_up || data == NULL) {
        return 0;
    }
#if RP2040_USB_LINK
    if (rp2040_usb_cdc_open()) {
        return rp2040_usb_cdc_write(data, len);
    }
#endif
    for (size_t i = 0; i < len; i++) {
        while (RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFF) {
        }
        RP_REG(UART0_BASE, UART_DR) = data[i];
    }
    return len;
}

size_t hal_link_read(uint8_t *buf, size_t cap)
{
    if (!link_up || buf == NULL) {
        return 0;
    }
    size_t n = hal_rx_ring_take(&rx, buf, cap);
#if RP2040_USB_LINK
    if (n > 0) {
        rp2040_usb_cdc_rx_resume();
    }
#endif
    return n;
}

void hal_link_flush(void)
{
    if (!link_up) {
        return;
    }
#if RP2040_USB_LINK
    rp2040_usb_cdc_flush();
#endif
    while (!(RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFE) || (RP_REG(UART0_BASE, UART_FR) & UART_FR_BUSY)) {
    }
}

void rp2040_link_get_stats(rp2040_link_stats *out)
{
    if (out != NULL) {
        out->rx_overruns = rx.overruns;
        out->rx_errors = rx_errors;
    }
}
