/*
 * Second-stage boot (boot2) for any SPI NOR flash: the bootrom copies the first
 * 256 bytes of flash to SRAM at 0x20041f00, checks their CRC32 and jumps here.
 * We set the SSI up for execute-in-place with plain 03h serial reads (see
 * src/xip_config.h), then enter the firmware through its vector table right
 * after this stage. No stack is used: SP points just above this code.
 */
#include "regs.h"
#include "xip_config.h"

    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .section .text.boot2, "ax"
    .global rp2040_boot2_entry
    .type rp2040_boot2_entry, %function
    .thumb_func
rp2040_boot2_entry:
    ldr r3, =XIP_SSI_BASE
    movs r0, #0
    str r0, [r3, #SSI_SSIENR]           /* registers change only while disabled */
    movs r0, #XIP_BAUDR
    str r0, [r3, #SSI_BAUDR]
    ldr r0, =XIP_CTRLR0_VALUE
    str r0, [r3, #SSI_CTRLR0]
    ldr r0, =XIP_SPI_CTRLR0_VALUE
    movs r1, #SSI_SPI_CTRLR0            /* offset too large for a str immediate */
    str r0, [r3, r1]
    movs r0, #0
    str r0, [r3, #SSI_CTRLR1]           /* one 32-bit frame per XIP access */
    movs r0, #1
    str r0, [r3, #SSI_SSIENR]

    /* Enter the image: VTOR, then SP and PC from its vector table. */
    ldr r0, =(XIP_BASE + 0x100)
    ldr r1, =SCB_VTOR
    str r0, [r1]
    ldmia r0!, {r1, r2}
    msr msp, r1
    bx r2

    .ltorg
    .size rp2040_boot2_entry, . - rp2040_boot2_entry
