/*
 * Why the chip last reset, what to do on a fault, and the stack guard.
 *
 * A reset we cause ourselves goes through the watchdog (FORCE) after leaving a
 * code and the fault registers in watchdog scratch 0..3, which survive the
 * watchdog reset; the watchdog REASON register tells timer from forced resets,
 * and VREG CHIP_RESET tells a power-on or RUN-pin reset.
 */
#include <stddef.h>

#include "internal.h"
#include "rp2040_board.h"

extern uint32_t __stack_limit[];
extern uint32_t __stack_guard_end[];
extern uint32_t __stack_top[];

#define STACK_CANARY 0xdeadc0deu

static hal_reset_reason last_reset = HAL_RESET_UNKNOWN;
static bool have_fault;
static rp2040_fault_info last_fault;
static bool mpu_guard;

const char *rp2040_reset_reason_str(hal_reset_reason r)
{
    switch (r) {
    case HAL_RESET_POWER_ON: return "power-on";
    case HAL_RESET_SOFTWARE: return "software";
    case HAL_RESET_WATCHDOG: return "watchdog";
    case HAL_RESET_FAULT: return "fault";
    case HAL_RESET_UNKNOWN: return "unknown";
    }
    return "unknown";
}

const char *rp2040_fault_kind_str(rp2040_fault_kind k)
{
    switch (k) {
    case RP2040_FAULT_HARDFAULT: return "hardfault";
    case RP2040_FAULT_STACK: return "stack-overflow";
    case RP2040_FAULT_EXCEPTION: return "unexpected-exception";
    }
    return "fault";
}

hal_reset_reason hal_last_reset(void)
{
    return last_reset;
}

bool rp2040_last_fault(rp2040_fault_info *out)
{
    if (!have_fault || out == NULL) {
        return false;
    }
    *out = last_fault;
    return true;
}

const char *rp2040_stack_guard_kind(void)
{
    return mpu_guard ? "mpu" : "canary";
}

/* The ARMv6-M MPU's smallest region is 256 bytes: the guard is exactly that. */
static bool stack_guard_mpu(void)
{
    uint32_t dregion = (RP_REG(MPU_TYPE, 0) >> 8) & 0xffu;
    if (dregion < 1u || dregion > 16u) {
        return false; /* no MPU (or an emulator without one) */
    }
    RP_REG(MPU_CTRL, 0) = 0;
    RP_REG(MPU_RNR, 0) = 0;
    RP_REG(MPU_RBAR, 0) = (uint32_t)(uintptr_t)__stack_limit;
    /* XN, AP=000 (no access), SIZE=7 (2^8 bytes), ENABLE */
    RP_REG(MPU_RASR, 0) = (1u << 28) | (7u << 1) | 1u;
    /* PRIVDEFENA keeps the default map everywhere else. */
    RP_REG(MPU_CTRL, 0) = (1u << 2) | 1u;
    __asm volatile("dsb\n isb" ::: "memory");
    return true;
}

void rp2040_boot_init(void)
{
    uint32_t reason = RP_REG(WATCHDOG_BASE, WD_REASON);
    uint32_t code = RP_REG(WATCHDOG_BASE, WD_SCRATCH(0));
    bool ours = (code & RP2040_SCRATCH_MAGIC_MASK) == RP2040_SCRATCH_MAGIC;
    code &= ~RP2040_SCRATCH_MAGIC_MASK;

    if (reason & WD_REASON_TIMER) {
        last_reset = HAL_RESET_WATCHDOG;
    } else if (reason & WD_REASON_FORCE) {
        last_reset = HAL_RESET_SOFTWARE;
        if (ours && code >= RP2040_CODE_FAULT && code <= RP2040_CODE_EXCEPTION) {
            last_reset = HAL_RESET_FAULT;
            have_fault = true;
            last_fault.kind = code == RP2040_CODE_STACK       ? RP2040_FAULT_STACK
                              : code == RP2040_CODE_EXCEPTION ? RP2040_FAULT_EXCEPTION
                                                              : RP2040_FAULT_HARDFAULT;
            last_fault.pc = RP_REG(WATCHDOG_BASE, WD_SCRATCH(1));
            last_fault.lr = RP_REG(WATCHDOG_BASE, WD_SCRATCH(2));
            last_fault.xpsr = RP_REG(WATCHDOG_BASE, WD_SCRATCH(3));
        }
    } else {
        uint32_t chip = RP_REG(VREG_CHIP_BASE, VREG_CHIP_RESET);
        last_reset = (chip & (CHIP_RESET_HAD_POR | CHIP_RESET_HAD_RUN)) ? HAL_RESET_POWER_ON : HAL_RESET_UNKNOWN;
    }
    /* Forget the code so a later reset by someone else is not blamed on it. */
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(0)) = 0;
    /* A watchdog left running by the previous boot would fire before the app can feed it;
     * but one the bootloader armed for a trial boot of this firmware stays: the main loop
     * feeds it, and a firmware that hangs before it confirms itself is rolled back. */
    if (rp2040_image_kind() != RP2040_IMAGE_PLAIN && (RP_REG(WATCHDOG_BASE, WD_CTRL) & WD_CTRL_ENABLE)) {
        rp2040_watchdog_adopt();
    } else {
        rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    }

    /* The guard holds the canary; the rest of the free stack is painted with it
     * too, so the deepest point the stack ever reached can be measured. */
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_limit; p < sp - 16; p++) {
        *p = STACK_CANARY;
    }
    mpu_guard = stack_guard_mpu();
}

uint32_t rp2040_stack_used(void)
{
    const volatile uint32_t *p = __stack_guard_end;
    while (p < __stack_top && *p == STACK_CANARY) {
        p++;
    }
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t rp2040_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_guard_end);
}

void rp2040_reset_with(uint32_t code, uint32_t pc, uint32_t lr, uint32_t xpsr)
{
    (void)rp_irq_save();
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(1)) = pc;
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(2)) = lr;
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(3)) = xpsr;
    RP_REG(WATCHDOG_BASE, WD_SCRATCH(0)) = RP2040_SCRATCH_MAGIC | code;
    /* Reset everything but the oscillators, as a power-on would (then the bootrom runs again). */
    RP_REG(PSM_BASE, PSM_WDSEL) = PSM_ALL & ~(PSM_ROSC | PSM_XOSC);
    rp_clr(WATCHDOG_BASE, WD_CTRL, WD_CTRL_ENABLE);
    RP_REG(WATCHDOG_BASE, WD_CTRL) = WD_CTRL_TRIGGER;
    for (;;) {
        __asm volatile("nop");
    }
}

void hal_reset(void)
{
    hal_link_flush();
    rp2040_reset_with(RP2040_CODE_SOFTWARE, 0, 0, 0);
}

/* The wasmcu bootloader reads the code at its next start (boot/main.c). Behind no bootloader
 * this is a software reset; firmware/device asks only when the bootloader started it. */
hal_status hal_reset_to_recovery(void)
{
    hal_link_flush();
    rp2040_reset_with(RP2040_CODE_RECOVERY, 0, 0, 0);
}

static void put_hex(char *out, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 8; i++) {
        out[2 + i] = digits[(v >> (28 - 4 * i)) & 0xfu];
    }
    out[10] = '\0';
}

/* One line on UART0, then the reset. Polled output: interrupts may be the problem. */
__attribute__((noreturn)) static void fault_report(uint32_t code, rp2040_fault_kind kind, uint32_t pc, uint32_t lr,
                                                   uint32_t xpsr)
{
    if (rp2040_link_ready()) {
        char hex[11];
        rp2040_link_write_polled("\r\n!! fault: ");
        rp2040_link_write_polled(rp2040_fault_kind_str(kind));
        /* For a stack overflow the first word is the overwritten guard word, not a PC. */
        rp2040_link_write_polled(kind == RP2040_FAULT_STACK ? " addr=" : " pc=");
        put_hex(hex, pc);
        rp2040_link_write_polled(hex);
        rp2040_link_write_polled(" lr=");
        put_hex(hex, lr);
        rp2040_link_write_polled(hex);
        rp2040_link_write_polled(" xpsr=");
        put_hex(hex, xpsr);
        rp2040_link_write_polled(hex);
        rp2040_link_write_polled(" last-reset=");
        rp2040_link_write_polled(rp2040_reset_reason_str(last_reset));
        rp2040_link_write_polled(" resetting\r\n");
        while (!(RP_REG(UART0_BASE, UART_FR) & UART_FR_TXFE) || (RP_REG(UART0_BASE, UART_FR) & UART_FR_BUSY)) {
        }
    }
    rp2040_reset_with(code, pc, lr, xpsr);
}

/* Called with the exception frame (r0 r1 r2 r3 r12 lr pc xpsr). */
__attribute__((used, noreturn)) void rp2040_fault_entry(const uint32_t *frame, uint32_t exc)
{
    /* A frame outside RAM means the stack itself is broken: report what we can. */
    uintptr_t f = (uintptr_t)frame;
    bool frame_ok = f >= SRAM_BASE && f + 32u <= SRAM_END && (f & 3u) == 0;
    uint32_t pc = frame_ok ? frame[6] : 0;
    uint32_t lr = frame_ok ? frame[5] : 0;
    uint32_t xpsr = frame_ok ? frame[7] : 0;
    bool stack = f < (uintptr_t)__stack_guard_end && f + 32u > (uintptr_t)__stack_limit;
    if (exc == 3u) {
        fault_report(stack ? RP2040_CODE_STACK : RP2040_CODE_FAULT, stack ? RP2040_FAULT_STACK : RP2040_FAULT_HARDFAULT,
                     pc, lr, xpsr);
    }
    fault_report(RP2040_CODE_EXCEPTION, RP2040_FAULT_EXCEPTION, pc, lr, exc);
}

/* Picks the stack the exception frame was pushed to (EXC_RETURN bit 2) and the
 * active exception number, then hands both to C. */
#define FAULT_SHIM                                                                                                     \
    "movs r0, #4\n"                                                                                                    \
    "mov r1, lr\n"                                                                                                     \
    "tst r0, r1\n"                                                                                                     \
    "beq 1f\n"                                                                                                         \
    "mrs r0, psp\n"                                                                                                    \
    "b 2f\n"                                                                                                           \
    "1: mrs r0, msp\n"                                                                                                 \
    "2: mrs r1, ipsr\n"                                                                                                \
    "ldr r2, =rp2040_fault_entry\n"                                                                                    \
    "bx r2\n"                                                                                                          \
    ".ltorg\n"

__attribute__((naked)) void rp2040_hardfault_handler(void)
{
    __asm volatile(FAULT_SHIM);
}
__attribute__((naked)) void rp2040_unexpected_handler(void)
{
    __asm volatile(FAULT_SHIM);
}

void rp2040_stack_check(void)
{
    if (mpu_guard) {
        return; /* the MPU catches an overflow at the first access */
    }
    for (const volatile uint32_t *p = __stack_limit; p < __stack_guard_end; p++) {
        if (*p != STACK_CANARY) {
            uint32_t lr = (uint32_t)(uintptr_t)__builtin_return_address(0);
            fault_report(RP2040_CODE_STACK, RP2040_FAULT_STACK, (uint32_t)(uintptr_t)p, lr, 0);
        }
    }
}

/* The main loop's sweep (each watchdog feed and idle) at most once a millisecond: it runs
 * only without an MPU (emulators; rp2040js has none), where sweeping the guard on every
 * wake took two thirds of the core's instructions during a serial firmware update. */
void rp2040_stack_check_periodic(void)
{
    static uint64_t next_us;
    if (mpu_guard) {
        return;
    }
    uint64_t now = hal_time_us();
    if (now < next_us) {
        return;
    }
    next_us = now + 1000u;
    rp2040_stack_check();
}

void rp2040_fault_trigger(void)
{
    __asm volatile("udf #0x42");
    for (;;) {
    }
}

/* Each level keeps a live frame the compiler cannot fold away; the limit only
 * exists so the recursion is not provably infinite. */
static volatile uint32_t overflow_depth_limit = 0xffffffffu;
static uint32_t __attribute__((noinline)) deep(volatile uint32_t *prev, uint32_t n)
{
    volatile uint32_t local[16];
    if (n >= overflow_depth_limit) {
        return n;
    }
    local[0] = n;
    local[15] = prev != NULL ? prev[0] : 0;
    rp2040_stack_check();
    return deep(local, n + 1u) + local[15];
}

void rp2040_stack_overflow_trigger(void)
{
    (void)deep(NULL, 0);
    for (;;) {
    }
}
