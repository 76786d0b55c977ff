/*
 * How every boot2 (boot2_*.S) begins and ends. It begins at rp2040_boot2_entry with
 * the SSI disabled (its registers change only then) and SCK set to XIP_BAUDR, r3
 * holding the SSI's base; it ends by entering the image through its vector table right
 * after boot2 (VTOR, then SP and PC from the table), using r0..r2.
 */
#ifndef RP2040_BOOT2_ENTER_H
#define RP2040_BOOT2_ENTER_H

    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .macro boot2_entry_begin
    .section .text.boot2, "ax"
    .global rp2040_boot2_entry
    .type rp2040_boot2_entry, %function
    .thumb_func
rp2040_boot2_entry:
    ldr r3, =XIP_SSI_BASE
    movs r0, #0
    str r0, [r3, #SSI_SSIENR]
    movs r0, #XIP_BAUDR
    str r0, [r3, #SSI_BAUDR]
    .endm

    .macro boot2_enter_image
    ldr r0, =(XIP_BASE + 0x100)
    ldr r1, =SCB_VTOR
    str r0, [r1]
    ldmia r0!, {r1, r2}
    msr msp, r1
    bx r2
    .endm

#endif
