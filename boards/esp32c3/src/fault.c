/*
 * Resets and their reasons. RESET_CAUSE_PROCPU says what reset the chip; our own software
 * resets leave a code in RTC_CNTL_STORE0 (RTC registers survive a system reset) so a
 * fault is told from hal_reset. A trap prints one line on UART0, polled, then resets:
 *   !! fault: mcause=0x00000005 mepc=0x42001a8c mtval=0x00000000 ra=0x42000f10 resetting
 */
#include "internal.h"

static hal_reset_reason last_reset = HAL_RESET_UNKNOWN;

static hal_reset_reason from_cause(uint32_t cause, uint32_t store)
{
    switch (cause) {
    case C3_RESET_POWERON: return HAL_RESET_POWER_ON;
    case C3_RESET_SW_SYS:
    case C3_RESET_SW_CPU:
        return (store & C3_STORE_MAGIC_MASK) == C3_STORE_MAGIC && (store & 0xfffu) == C3_CODE_FAULT
                   ? HAL_RESET_FAULT
                   : HAL_RESET_SOFTWARE;
    case C3_RESET_TG0WDT_SYS:
    case C3_RESET_TG1WDT_SYS:
    case C3_RESET_RTCWDT_SYS:
    case C3_RESET_TG0WDT_CPU:
    case C3_RESET_RTCWDT_CPU:
    case C3_RESET_RTCWDT_RTC:
    case C3_RESET_TG1WDT_CPU:
    case C3_RESET_SUPER_WDT: return HAL_RESET_WATCHDOG;
    default: return HAL_RESET_UNKNOWN;
    }
}

/* Once, at boot: the code is consumed so a later watchdog reset is not taken for the
 * software reset before it. */
void esp32c3_record_reset(void)
{
    uint32_t cause = C3_REG(RTC_CNTL_BASE, RTC_CNTL_RESET_STATE) & 0x3fu;
    uint32_t store = C3_REG(RTC_CNTL_BASE, RTC_CNTL_STORE0);
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_STORE0) = 0;
    last_reset = from_cause(cause, store);
}

hal_reset_reason hal_last_reset(void)
{
    return last_reset;
}

C3_IRAM void esp32c3_reset_with(uint32_t code)
{
    __asm volatile("csrci mstatus, 8" ::: "memory");
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_STORE0) = C3_STORE_MAGIC | code;
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_OPTIONS0) |= RTC_CNTL_SW_SYS_RST;
    for (;;) {
    }
}

void hal_reset(void)
{
    hal_link_flush();
    esp32c3_reset_with(C3_CODE_SOFTWARE);
}

/* The ROM's serial loader is entered by strapping pins, not by the firmware. */
hal_status hal_reset_to_recovery(void)
{
    return HAL_ERR_UNSUPPORTED;
}

/* The report's text lives in DRAM (.data, loaded by the ROM): a trap may come while the
 * cache, and with it everything in flash, is off. */
#define C3_DRAM_TEXT __attribute__((section(".data.fault_text")))
static char fault_text[4][20] C3_DRAM_TEXT = { "\r\n!! fault: mcause=", " mepc=", " mtval=", " ra=" };
static char fault_tail[] C3_DRAM_TEXT = " resetting\r\n";

C3_IRAM static void put_hex(char *out, uint32_t v)
{
    out[0] = '0';
    out[1] = 'x';
    for (uint32_t i = 0; i < 8u; i++) {
        uint32_t d = (v >> (28u - 4u * i)) & 0xfu;
        out[2u + i] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
    }
    out[10] = '\0';
}

void esp32c3_fault(uint32_t mcause, uint32_t mepc, uint32_t mtval, uint32_t ra);
C3_IRAM __attribute__((noreturn)) void esp32c3_fault(uint32_t mcause, uint32_t mepc, uint32_t mtval, uint32_t ra)
{
    char hex[11];
    uint32_t values[4];
    values[0] = mcause;
    values[1] = mepc;
    values[2] = mtval;
    values[3] = ra;
    for (uint32_t i = 0; i < 4u; i++) {
        esp32c3_link_write_polled(fault_text[i]);
        put_hex(hex, values[i]);
        esp32c3_link_write_polled(hex);
    }
    esp32c3_link_write_polled(fault_tail);
    esp32c3_reset_with(C3_CODE_FAULT);
}
