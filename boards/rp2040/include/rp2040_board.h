/*
 * RP2040-only extras beyond hal.h: what the last fault was, link UART health,
 * the flash chip's identity. Portable code never includes this; the self-test
 * and diagnostics do.
 */
#ifndef RP2040_BOARD_H
#define RP2040_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "hal.h"

typedef enum {
    RP2040_FAULT_HARDFAULT = 0, /* the CPU took a HardFault */
    RP2040_FAULT_STACK,         /* the stack ran into its guard */
    RP2040_FAULT_EXCEPTION,     /* an exception or IRQ without a handler fired */
} rp2040_fault_kind;

typedef struct {
    rp2040_fault_kind kind;
    uint32_t pc;   /* faulting instruction (stacked PC); for STACK, the guard word found overwritten */
    uint32_t lr;   /* stacked LR */
    uint32_t xpsr; /* stacked xPSR; for EXCEPTION, the exception number */
} rp2040_fault_info;

/* True when the last reset came from a fault handler; fills `out`. */
bool rp2040_last_fault(rp2040_fault_info *out);
const char *rp2040_fault_kind_str(rp2040_fault_kind k);
const char *rp2040_reset_reason_str(hal_reset_reason r);

/* Executes a permanently undefined instruction: a HardFault on purpose (tests). */
__attribute__((noreturn)) void rp2040_fault_trigger(void);
/* Recurses until the stack guard stops it (tests). */
__attribute__((noreturn)) void rp2040_stack_overflow_trigger(void);

typedef struct {
    uint32_t rx_overruns; /* bytes dropped because the receive buffer was full */
    uint32_t rx_errors;   /* framing, parity, break or FIFO overrun seen by the UART */
} rp2040_link_stats;
void rp2040_link_get_stats(rp2040_link_stats *out);

/* JEDEC id of the flash chip (manufacturer << 16 | type << 8 | capacity). */
uint32_t rp2040_flash_jedec_id(void);

/* One timed pass of flash reads, for measuring the XIP cache and flash timing. */
typedef struct {
    uint32_t cycles;   /* clk_sys cycles of the last pass (SysTick, interrupts off) */
    uint32_t accesses; /* XIP_CTRL CTR_ACC and CTR_HIT over the last pass */
    uint32_t hits;
    uint32_t sum; /* of the bytes read, so the reads cannot be dropped */
} rp2040_xip_probe_result;
/* Flushes the XIP cache, then reads one byte every `stride` bytes of flash [offset,
 * offset+bytes) `passes` times from RAM; reports the last pass. False on a bad range. */
bool rp2040_xip_probe(uint32_t offset, uint32_t bytes, uint32_t stride, uint32_t passes, rp2040_xip_probe_result *out);

/* Which guard protects the stack: the MPU (silicon) or a checked canary. */
const char *rp2040_stack_guard_kind(void);
/* Deepest stack use since boot (the free stack is painted at reset), and the usable size. */
uint32_t rp2040_stack_used(void);
uint32_t rp2040_stack_size(void);

#endif
