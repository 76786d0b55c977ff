/*
 * USB CDC-ACM device on the RP2040's own USB controller: the second way into
 * the link (firmware/device sees one byte stream through hal_link_*). Bytes
 * the host sends go into the same receive ring as UART0's; link output goes to
 * USB while the host has the port open (configured and DTR set), else UART0.
 */
#ifndef RP2040_USB_CDC_H
#define RP2040_USB_CDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Raspberry Pi's VID and the PID its SDK uses for RP2040 CDC serial firmware; a product
 * shipping this firmware should get its own PID (-DRP2040_USB_PID=...). */
#ifndef RP2040_USB_VID
#define RP2040_USB_VID 0x2e8au
#endif
#ifndef RP2040_USB_PID
#define RP2040_USB_PID 0x000au
#endif

/* PLL_USB to 48 MHz, clk_usb, the controller in device mode with the pull-up on. */
void rp2040_usb_init(void);
/* Configured by the host and DTR set: link output goes to USB. */
bool rp2040_usb_cdc_open(void);
/* Queues bytes for the bulk IN endpoint; blocks while the queue is full, gives up
 * (returns how many were queued) when the host takes nothing for a while. */
size_t rp2040_usb_cdc_write(const uint8_t *data, size_t len);
/* Waits (bounded) until everything queued has been taken by the host. */
void rp2040_usb_cdc_flush(void);
/* The link receive ring has room again: re-arm bulk OUT if it was held back. */
void rp2040_usb_cdc_rx_resume(void);

/* From link_uart.c: the shared receive ring (interrupt context, same priority as UART0). */
uint32_t rp2040_link_rx_space(void);
void rp2040_link_rx_push(const volatile uint8_t *data, uint32_t len);

#endif
