/*
 * Entry from the mask ROM (the image header's entry point) and the trap vectors, in IRAM.
 * The ROM has loaded every RAM segment (.iram, .data) before it jumps here; .bss and the
 * flash mapping are ours. Nothing here may touch flash-resident code before
 * esp32c3_boot_init has mapped it.
 */
#include "trap_frame.inc"
    .section .iram.entry, "ax"
    .global esp32c3_start
    .type esp32c3_start, @function
esp32c3_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la tp, __tls_base            /* picolibc keeps errno in thread-local storage */
    csrci mstatus, 8             /* no interrupts until hal_init enables UART0's */
    la t0, esp32c3_vectors
    ori t0, t0, 1                /* vectored mode: interrupt n jumps to base + 4n */
    csrw mtvec, t0
    la t0, __bss_start           /* .bss and .tbss are not in the image: zero them */
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call esp32c3_boot_init       /* watchdogs, clocks, flash mapping (IRAM) */
    call esp32c3_main            /* flash from here on */
3:  j 3b
    .size esp32c3_start, . - esp32c3_start

/* 32 entries of 4 bytes (no compressed jumps): 0 is every exception, 1..31 the CPU
 * interrupt lines. */
    .section .iram.vectors, "ax"
    .option push
    .option norvc
    .option norelax
    .balign 256
    .global esp32c3_vectors
esp32c3_vectors:
    j esp32c3_trap_exception
    j esp32c3_trap_uart0         /* line 1: C3_CPU_INT_UART0 */
    .rept 30
    j esp32c3_trap_exception
    .endr
    .option pop

    .section .iram.text, "ax"
esp32c3_trap_uart0:
    trap_frame_push
    call esp32c3_uart0_isr
    trap_frame_pop
    mret

/* An exception or an interrupt nobody enabled: report and reset (fault.c), never return. */
esp32c3_trap_exception:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    mv a3, ra
    la sp, __stack_top           /* the stack may be what failed */
    call esp32c3_fault
4:  j 4b
