/*
 * Second-stage boot (boot2) for any SPI NOR flash: the bootrom copies the first
 * 256 bytes of flash to SRAM at 0x20041f00, checks their CRC32 and jumps here.
 * We set the SSI up for execute-in-place with plain 03h serial reads (see
 * src/xip_config.h), then enter the firmware through its vector table right
 * after this stage. No stack is used: SP points just above this code.
 */
#include "regs.h"
#include "xip_config.h"
#include "boot2_common.inc"

    boot2_entry_begin
    ldr r0, =XIP_CTRLR0_VALUE
    str r0, [r3, #SSI_CTRLR0]
    ldr r0, =XIP_SPI_CTRLR0_VALUE
    movs r1, #SSI_SPI_CTRLR0            /* offset too large for a str immediate */
    str r0, [r3, r1]
    movs r0, #0
    str r0, [r3, #SSI_CTRLR1]           /* one 32-bit frame per XIP access */
    movs r0, #1
    str r0, [r3, #SSI_SSIENR]

    boot2_enter_image

    .ltorg
    .size rp2040_boot2_entry, . - rp2040_boot2_entry
