/*
 * USB CDC-ACM device, written from the RP2040 datasheet (4.1 USB controller),
 * USB 2.0 chapter 9 and the CDC 1.2 / PSTN 1.2 specifications.
 *
 * Endpoints: EP0 control (64), EP1 IN interrupt (CDC notifications, never
 * sent), EP2 OUT bulk (64) and EP2 IN bulk (64), each single-buffered in
 * DPRAM. Everything happens in the USBCTRL interrupt, which runs from RAM and
 * only touches RAM and DPRAM (descriptors are RAM copies), so enumeration and
 * received data keep working while the flash driver has XIP off.
 *
 * Received bulk data goes into the link receive ring shared with UART0; when
 * the ring has no room for a full packet, bulk OUT is not re-armed (the host
 * sees NAKs) until hal_link_read frees space. Output: a RAM queue drained one
 * packet at a time by the IN-complete interrupt; a full-size last packet is
 * followed by a zero-length one so the host's read completes.
 */
#include "usb_cdc.h"

#include "internal.h"

#define EP0_SIZE      64u
#define BULK_SIZE     64u
#define NOTIFY_SIZE   16u
#define EP_NOTIFY     1u
#define EP_DATA       2u
#define BUF_NOTIFY    0x180u
#define BUF_DATA_OUT  0x1c0u
#define BUF_DATA_IN   0x200u
#define TX_QUEUE_SIZE 2048u /* power of two */
_Static_assert((TX_QUEUE_SIZE & (TX_QUEUE_SIZE - 1u)) == 0, "TX queue size must be a power of two");
#define TX_STALL_US 250000u /* the host took nothing for this long: drop output */

#define DPRAM(off) RP_REG(USBCTRL_DPRAM_BASE, (off))
#define DPRAM8     ((volatile uint8_t *)USBCTRL_DPRAM_BASE)
#define USBR(off)  RP_REG(USBCTRL_REGS_BASE, (off))

/* ------------------------------------------------------------------ descriptors (RAM: read from the ISR) */

#define LE16(x) (uint8_t)((x)&0xffu), (uint8_t)((x) >> 8)

static uint8_t dev_desc[18] = {
    18,
    1,
    LE16(0x0200), /* bLength, DEVICE, bcdUSB 2.00 */
    0x02,
    0x00,
    0x00, /* class CDC at device level, no subclass/protocol */
    EP0_SIZE,
    LE16(RP2040_USB_VID),
    LE16(RP2040_USB_PID),
    LE16(0x0100),
    1,
    2,
    3, /* iManufacturer, iProduct, iSerialNumber */
    1, /* one configuration */
};

#define CONFIG_TOTAL (9u + 9u + 5u + 5u + 4u + 5u + 7u + 9u + 7u + 7u)
static uint8_t config_desc[CONFIG_TOTAL] = {
    9, 2, LE16(CONFIG_TOTAL), 2, 1, 0, 0x80, 250, /* 2 interfaces, config 1, bus powered, 500 mA */
    /* interface 0: communications class, abstract control model, AT commands none */
    9, 4, 0, 0, 1, 0x02, 0x02, 0x00, 0, 5, 0x24, 0x00, LE16(0x0120), /* header functional descriptor, CDC 1.20 */
    5, 0x24, 0x01, 0x00, 1,                                          /* call management: none, data interface 1 */
    4, 0x24, 0x02, 0x02,                                 /* ACM: line coding and control line state supported */
    5, 0x24, 0x06, 0, 1,                                 /* union: control 0, subordinate 1 */
    7, 5, 0x80 | EP_NOTIFY, 0x03, LE16(NOTIFY_SIZE), 16, /* notification IN, interrupt, 16 ms */
    /* interface 1: data class */
    9, 4, 1, 0, 2, 0x0a, 0x00, 0x00, 0, 7, 5, EP_DATA, 0x02, LE16(BULK_SIZE), 0, /* bulk OUT */
    7, 5, 0x80 | EP_DATA, 0x02, LE16(BULK_SIZE), 0,                              /* bulk IN */
};

static uint8_t lang_desc[4] = { 4, 3, LE16(0x0409) };
static uint8_t str_desc[3][2 + 2 * 24];
static const char *const str_ascii[3] = { "wasmcu", "wasmcu RP2040 link", "wasmcu-rp2040" };

/* CDC line coding: 115200 baud, 1 stop bit, no parity, 8 data bits (reported back, not used). */
static uint8_t line_coding[7] = { 0x00, 0xc2, 0x01, 0x00, 0, 0, 8 };

/* ------------------------------------------------------------------ state */

static volatile bool configured;
static volatile bool dtr;
static uint32_t pending_addr; /* SET_ADDRESS takes effect after its status stage */
static bool addr_pending;

static const uint8_t *ep0_ptr;
static uint32_t ep0_left;
static bool ep0_zlp;     /* IN data stage shorter than asked, ends on a full packet */
static uint32_t ep0_pid; /* next DATA PID on EP0 */
static bool ep0_out_line_coding;
static bool ep0_in_data; /* an IN data stage is under way */

static uint32_t out_pid, in_pid;
static volatile bool out_held;
static volatile bool in_busy;
static volatile bool tx_stalled; /* a write gave up waiting for the host; cleared when it takes a packet */
static bool in_last_full;

static uint8_t tx_queue[TX_QUEUE_SIZE];
static volatile uint32_t tx_head; /* written by the writer only */
static volatile uint32_t tx_tail; /* written by the ISR (or the writer with interrupts off) */

/* ------------------------------------------------------------------ helpers (RAM: called from the ISR) */

RP_RAMFUNC static void buf_arm(uint32_t ep, bool out, uint32_t len, uint32_t pid)
{
    uint32_t v = (len & USB_BUF_LEN_MASK) | (pid ? USB_BUF_DATA1 : 0u) | (out ? 0u : USB_BUF_FULL);
    DPRAM(USB_DPRAM_BUF_CTRL(ep, out)) = v;
    /* The datasheet asks for the AVAILABLE bit to be set in a separate write, a few
     * clk_sys cycles later than the rest (clk_usb is slower than clk_sys). */
    __asm volatile("nop\n nop\n nop" ::: "memory");
    DPRAM(USB_DPRAM_BUF_CTRL(ep, out)) = v | USB_BUF_AVAILABLE;
}

RP_RAMFUNC static void copy_to_dpram(uint32_t off, const volatile uint8_t *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        DPRAM8[off + i] = src[i];
    }
}

RP_RAMFUNC static void ep0_stall(void)
{
    USBR(USB_EP_STALL_ARM) = 3u; /* EP0 IN and OUT */
    DPRAM(USB_DPRAM_BUF_CTRL(0, false)) = USB_BUF_STALL;
    DPRAM(USB_DPRAM_BUF_CTRL(0, true)) = USB_BUF_STALL;
}

RP_RAMFUNC static void ep0_send_next(void)
{
    uint32_t n = ep0_left < EP0_SIZE ? ep0_left : EP0_SIZE;
    copy_to_dpram(USB_DPRAM_EP0_BUF, ep0_ptr, n);
    ep0_ptr += n;
    ep0_left -= n;
    if (n < EP0_SIZE) {
        ep0_zlp = false; /* a short packet ends the stage */
    }
    buf_arm(0, false, n, ep0_pid);
    ep0_pid ^= 1u;
}

/* Starts an IN data stage of `len` bytes (clipped to wLength). */
RP_RAMFUNC static void ep0_send(const uint8_t *data, uint32_t len, uint32_t wlength)
{
    if (len > wlength) {
        len = wlength;
    }
    ep0_ptr = data;
    ep0_left = len;
    ep0_zlp = len < wlength && (len % EP0_SIZE) == 0u; /* EP0_SIZE is a power of two: no division */
    ep0_pid = 1u;
    ep0_in_data = true;
    ep0_send_next();
}

/* Status stage of a control write (or a request without data): a zero-length IN. */
RP_RAMFUNC static void ep0_status_in(void)
{
    ep0_left = 0;
    ep0_zlp = false;
    ep0_in_data = false;
    buf_arm(0, false, 0, 1u);
}

RP_RAMFUNC static void tx_kick(void)
{
    if (in_busy || !configured) {
        return;
    }
    uint32_t tail = tx_tail;
    uint32_t avail = tx_head - tail;
    if (avail == 0u && !in_last_full) {
        return;
    }
    uint32_t n = avail < BULK_SIZE ? avail : BULK_SIZE;
    for (uint32_t i = 0; i < n; i++) {
        DPRAM8[BUF_DATA_IN + i] = tx_queue[(tail + i) & (TX_QUEUE_SIZE - 1u)];
    }
    tx_tail = tail + n;
    in_last_full = n == BULK_SIZE;
    in_busy = true;
    buf_arm(EP_DATA, false, n, in_pid);
    in_pid ^= 1u;
}

RP_RAMFUNC static void out_arm_if_room(void)
{
    if (!configured) {
        return;
    }
    if (rp2040_link_rx_space() >= BULK_SIZE) {
        out_held = false;
        buf_arm(EP_DATA, true, BULK_SIZE, out_pid);
        out_pid ^= 1u;
    } else {
        out_held = true;
    }
}

RP_RAMFUNC static void set_configured(bool on)
{
    configured = false;
    in_busy = false;
    tx_stalled = false;
    in_last_full = false;
    out_held = false;
    tx_tail = tx_head; /* drop what a previous host session left */
    if (!on) {
        dtr = false;
        DPRAM(USB_DPRAM_EP_CTRL(EP_NOTIFY, false)) = 0;
        DPRAM(USB_DPRAM_EP_CTRL(EP_DATA, true)) = 0;
        DPRAM(USB_DPRAM_EP_CTRL(EP_DATA, false)) = 0;
        DPRAM(USB_DPRAM_BUF_CTRL(EP_NOTIFY, false)) = 0;
        DPRAM(USB_DPRAM_BUF_CTRL(EP_DATA, true)) = 0;
        DPRAM(USB_DPRAM_BUF_CTRL(EP_DATA, false)) = 0;
        return;
    }
    DPRAM(USB_DPRAM_EP_CTRL(EP_NOTIFY, false)) =
        USB_EP_CTRL_ENABLE | USB_EP_CTRL_INT_PER_BUFF | (3u << USB_EP_CTRL_TYPE_LSB) | BUF_NOTIFY;
    DPRAM(USB_DPRAM_EP_CTRL(EP_DATA, true)) =
        USB_EP_CTRL_ENABLE | USB_EP_CTRL_INT_PER_BUFF | (2u << USB_EP_CTRL_TYPE_LSB) | BUF_DATA_OUT;
    DPRAM(USB_DPRAM_EP_CTRL(EP_DATA, false)) =
        USB_EP_CTRL_ENABLE | USB_EP_CTRL_INT_PER_BUFF | (2u << USB_EP_CTRL_TYPE_LSB) | BUF_DATA_IN;
    out_pid = 0;
    in_pid = 0;
    configured = true;
    out_arm_if_room();
}

/* ------------------------------------------------------------------ control requests */

RP_RAMFUNC static void handle_setup(void)
{
    uint32_t w0 = DPRAM(USB_DPRAM_SETUP);
    uint32_t w1 = DPRAM(USB_DPRAM_SETUP + 4u);
    uint32_t bm = w0 & 0xffu;
    uint32_t req = (w0 >> 8) & 0xffu;
    uint32_t value = w0 >> 16;
    uint32_t windex = w1 & 0xffffu;
    uint32_t wlength = w1 >> 16;
    uint32_t type = (bm >> 5) & 3u;
    (void)windex;

    ep0_out_line_coding = false;
    ep0_in_data = false;
    ep0_left = 0;
    if (type == 0u) {                    /* standard */
        if (req == 6u && (bm & 0x80u)) { /* GET_DESCRIPTOR */
            uint32_t dtype = value >> 8;
            uint32_t idx = value & 0xffu;
            if (dtype == 1u) {
                ep0_send(dev_desc, sizeof dev_desc, wlength);
            } else if (dtype == 2u) {
                ep0_send(config_desc, sizeof config_desc, wlength);
            } else if (dtype == 3u && idx == 0u) {
                ep0_send(lang_desc, sizeof lang_desc, wlength);
            } else if (dtype == 3u && idx >= 1u && idx <= 3u) {
                ep0_send(str_desc[idx - 1u], str_desc[idx - 1u][0], wlength);
            } else {
                ep0_stall(); /* device qualifier and others: a full-speed-only device */
            }
        } else if (req == 5u && bm == 0x00u) { /* SET_ADDRESS */
            pending_addr = value & 0x7fu;
            addr_pending = true;
            ep0_status_in();
        } else if (req == 9u && bm == 0x00u) { /* SET_CONFIGURATION */
            if (value > 1u) {
                ep0_stall();
                return;
            }
            set_configured(value == 1u);
            ep0_status_in();
        } else if (req == 8u && (bm & 0x80u)) { /* GET_CONFIGURATION */
            static uint8_t cfg;
            cfg = configured ? 1u : 0u;
            ep0_send(&cfg, 1u, wlength);
        } else if (req == 0u && (bm & 0x80u)) { /* GET_STATUS: not self powered, no remote wake-up, not halted */
            static uint8_t status[2];
            ep0_send(status, 2u, wlength);
        } else if (req == 10u && (bm & 0x80u)) { /* GET_INTERFACE: alternate setting 0 */
            static uint8_t alt;
            ep0_send(&alt, 1u, wlength);
        } else if ((req == 11u || req == 1u || req == 3u) && !(bm & 0x80u)) {
            /* SET_INTERFACE (alt 0 only), CLEAR_FEATURE, SET_FEATURE: a halt cleared restarts DATA0 */
            if (req == 1u && (bm & 0x1fu) == 2u && (windex & 0x0fu) == EP_DATA) {
                if (windex & 0x80u) {
                    in_pid = 0;
                } else {
                    out_pid = 0;
                }
            }
            ep0_status_in();
        } else {
            ep0_stall();
        }
    } else if (type == 1u) {                 /* class (CDC ACM); some hosts address it to the device */
        if (req == 0x20u && !(bm & 0x80u)) { /* SET_LINE_CODING: 7 bytes follow */
            ep0_out_line_coding = true;
            buf_arm(0, true, EP0_SIZE, 1u);
        } else if (req == 0x21u && (bm & 0x80u)) { /* GET_LINE_CODING */
            ep0_send(line_coding, sizeof line_coding, wlength);
        } else if (req == 0x22u && !(bm & 0x80u)) { /* SET_CONTROL_LINE_STATE */
            dtr = (value & 1u) != 0u;
            ep0_status_in();
        } else if (req == 0x23u && !(bm & 0x80u)) { /* SEND_BREAK */
            ep0_status_in();
        } else {
            ep0_stall();
        }
    } else {
        ep0_stall();
    }
}

RP_RAMFUNC static void bus_reset(void)
{
    USBR(USB_ADDR_ENDP) = 0;
    addr_pending = false;
    ep0_left = 0;
    ep0_zlp = false;
    ep0_in_data = false;
    ep0_out_line_coding = false;
    set_configured(false);
}

RP_RAMFUNC void rp2040_usbctrl_isr(void)
{
    for (uint32_t round = 0; round < 16u; round++) {
        uint32_t ints = USBR(USB_INTS);
        if (ints == 0u) {
            break;
        }
        if (ints & USB_INT_BUS_RESET) {
            bus_reset();
            USBR(USB_SIE_STATUS) = USB_SIE_BUS_RESET;
        }
        if (ints & USB_INT_SETUP_REQ) {
            USBR(USB_SIE_STATUS) = USB_SIE_SETUP_REC;
            handle_setup();
        }
        if (ints & USB_INT_BUFF_STATUS) {
            uint32_t bs = USBR(USB_BUFF_STATUS);
            USBR(USB_BUFF_STATUS) = bs;
            if (bs & (1u << 0)) { /* EP0 IN done */
                if (addr_pending) {
                    addr_pending = false;
                    USBR(USB_ADDR_ENDP) = pending_addr;
                }
                if (ep0_in_data && (ep0_left > 0u || ep0_zlp)) {
                    ep0_send_next();
                } else if (ep0_in_data) {
                    /* End of an IN data stage: take the host's zero-length OUT status. */
                    ep0_in_data = false;
                    buf_arm(0, true, EP0_SIZE, 1u);
                }
            }
            if (bs & (1u << 1)) { /* EP0 OUT done */
                if (ep0_out_line_coding) {
                    ep0_out_line_coding = false;
                    uint32_t n = DPRAM(USB_DPRAM_BUF_CTRL(0, true)) & USB_BUF_LEN_MASK;
                    for (uint32_t i = 0; i < n && i < sizeof line_coding; i++) {
                        line_coding[i] = DPRAM8[USB_DPRAM_EP0_BUF + i];
                    }
                    ep0_status_in();
                }
            }
            if (bs & (1u << (2u * EP_DATA + 1u))) { /* bulk OUT: into the link ring */
                uint32_t n = DPRAM(USB_DPRAM_BUF_CTRL(EP_DATA, true)) & USB_BUF_LEN_MASK;
                if (n > BULK_SIZE) {
                    n = BULK_SIZE;
                }
                rp2040_link_rx_push(DPRAM8 + BUF_DATA_OUT, n);
                out_arm_if_room();
            }
            if (bs & (1u << (2u * EP_DATA))) { /* bulk IN taken by the host */
                in_busy = false;
                tx_stalled = false;
                tx_kick();
            }
        }
    }
}

/* ------------------------------------------------------------------ init and the link side */

static void pll_usb_48mhz(void)
{
    /* 12 MHz / 1 * 100 = 1200 MHz VCO, / 5 / 5 = 48 MHz (datasheet 2.18). */
    rp2040_resets_cycle(RESET_PLL_USB);
    RP_REG(PLL_USB_BASE, PLL_CS) = 1u;
    RP_REG(PLL_USB_BASE, PLL_FBDIV_INT) = 100u;
    rp_clr(PLL_USB_BASE, PLL_PWR, PLL_PWR_PD | PLL_PWR_VCOPD);
    for (uint32_t i = 0; i < 2000000u && !(RP_REG(PLL_USB_BASE, PLL_CS) & PLL_CS_LOCK); i++) {
    }
    RP_REG(PLL_USB_BASE, PLL_PRIM) = (5u << PLL_PRIM_POSTDIV1_LSB) | (5u << PLL_PRIM_POSTDIV2_LSB);
    rp_clr(PLL_USB_BASE, PLL_PWR, PLL_PWR_POSTDIVPD);
    /* clk_usb has no glitchless mux: stop, select pll_usb, divide by 1, start. */
    RP_REG(CLOCKS_BASE, CLK_USB_CTRL) = 0;
    RP_REG(CLOCKS_BASE, CLK_USB_DIV) = 1u << CLK_DIV_INT_LSB;
    RP_REG(CLOCKS_BASE, CLK_USB_CTRL) = CLK_USB_ENABLE | (0u << CLK_USB_AUXSRC_LSB);
}

static void put_string(uint8_t *d, const char *s)
{
    uint32_t n = 0;
    while (s[n] != '\0' && n < 24u) {
        d[2u + 2u * n] = (uint8_t)s[n];
        d[3u + 2u * n] = 0;
        n++;
    }
    d[0] = (uint8_t)(2u + 2u * n);
    d[1] = 3;
}

void rp2040_usb_init(void)
{
    pll_usb_48mhz();
    rp2040_resets_cycle(RESET_USBCTRL);
    for (uint32_t off = 0; off < 0x1000u; off += 4u) {
        DPRAM(off) = 0;
    }
    for (uint32_t i = 0; i < 3u; i++) {
        put_string(str_desc[i], str_ascii[i]);
    }
    configured = false;
    dtr = false;
    tx_head = tx_tail = 0;
    USBR(USB_MUXING) = USB_MUXING_TO_PHY | USB_MUXING_SOFTCON;
    /* No VBUS sensing pin on a Pico: tell the controller VBUS is present. */
    USBR(USB_PWR) = USB_PWR_VBUS_DETECT | USB_PWR_VBUS_DETECT_OVERRIDE_EN;
    USBR(USB_MAIN_CTRL) = USB_MAIN_CTRL_EN;
    USBR(USB_SIE_CTRL) = USB_SIE_CTRL_EP0_INT_1BUF;
    USBR(USB_INTE) = USB_INT_BUFF_STATUS | USB_INT_BUS_RESET | USB_INT_SETUP_REQ;
    RP_REG(NVIC_ICPR, 0) = 1u << IRQ_USBCTRL;
    RP_REG(NVIC_ISER, 0) = 1u << IRQ_USBCTRL;
    /* Pull D+ up: the host sees a full-speed device and resets the bus. */
    rp_set(USBCTRL_REGS_BASE, USB_SIE_CTRL, USB_SIE_CTRL_PULLUP_EN);
}

bool rp2040_usb_cdc_open(void)
{
    return configured && dtr;
}

size_t rp2040_usb_cdc_write(const uint8_t *data, size_t len)
{
    size_t done = 0;
    uint64_t last_progress = hal_time_us();
    while (done < len) {
        if (!rp2040_usb_cdc_open()) {
            break;
        }
        uint32_t head = tx_head;
        uint32_t space = TX_QUEUE_SIZE - (head - tx_tail);
        if (space == 0u) {
            /* A host that keeps the port open but reads nothing costs one wait, not one per write. */
            if (tx_stalled || hal_time_us() - last_progress > TX_STALL_US) {
                tx_stalled = true;
                break;
            }
            continue;
        }
        size_t n = len - done < space ? len - done : space;
        for (size_t i = 0; i < n; i++) {
            tx_queue[(head + i) & (TX_QUEUE_SIZE - 1u)] = data[done + i];
        }
        tx_head = head + (uint32_t)n;
        done += n;
        last_progress = hal_time_us();
        uint32_t primask = rp_irq_save();
        tx_kick();
        rp_irq_restore(primask);
    }
    return done;
}

void rp2040_usb_cdc_flush(void)
{
    uint64_t start = hal_time_us();
    uint32_t seen = tx_tail;
    while (rp2040_usb_cdc_open() && !tx_stalled && (tx_head != tx_tail || in_busy)) {
        if (tx_tail != seen) {
            seen = tx_tail;
            start = hal_time_us();
        } else if (hal_time_us() - start > TX_STALL_US) {
            tx_stalled = true;
            break;
        }
    }
}

void rp2040_usb_cdc_rx_resume(void)
{
    if (!out_held) {
        return;
    }
    uint32_t primask = rp_irq_save();
    if (out_held && configured) {
        out_arm_if_room();
    }
    rp_irq_restore(primask);
}
