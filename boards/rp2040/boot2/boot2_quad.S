/*
 * Second-stage boot (boot2) for W25Q-family flash (a Pico's W25Q16JV): quad I/O
 * continuous read, written from the W25Q16JV datasheet (7.1 status registers,
 * 8.2.8 Fast Read Quad I/O EBh and its continuous read mode) and the RP2040
 * datasheet's SSI chapter (4.10). The bootrom copies these 256 bytes to SRAM at
 * 0x20041f00, checks their CRC32 and jumps here.
 *   1. QE (status register 2, bit 1) set if it is not: 06h write enable, 31h write
 *      status register 2, 05h polled until BUSY clears. QE is non-volatile, so
 *      this writes the status register once in the chip's life.
 *   2. One EBh read with mode bits A0h through the SSI in EEPROM mode: the chip
 *      enters continuous read mode.
 *   3. XIP set up without instruction, A0h appended to every address (see
 *      src/xip_config.h), then the firmware entered through its vector table.
 * Status commands go out as 16-bit standard SPI frames (command, then the data
 * byte) so chip select stays low for the whole command under SSI control.
 * No stack is used: only leaf calls (bl) through LR.
 */
#include "regs.h"
#include "xip_config.h"
#include "boot2_common.inc"

#define CMD_WRITE_ENABLE  0x06
#define CMD_READ_STATUS   0x05
#define CMD_READ_STATUS2  0x35
#define CMD_WRITE_STATUS2 0x31
#define SR2_QE            0x02

    boot2_entry_begin
    ldr r0, =((15 << SSI_CTRLR0_DFS32_LSB) | (SSI_TMOD_TX_RX << SSI_CTRLR0_TMOD_LSB))
    str r0, [r3, #SSI_CTRLR0]
    movs r0, #1
    str r0, [r3, #SSI_SSIENR]

    ldr r0, =(CMD_READ_STATUS2 << 8)
    bl frame
    movs r1, #SR2_QE
    tst r0, r1
    bne quad_enabled
    ldr r0, =(CMD_WRITE_ENABLE << 8)
    bl frame
    ldr r0, =((CMD_WRITE_STATUS2 << 8) | SR2_QE)
    bl frame
wait_idle:
    ldr r0, =(CMD_READ_STATUS << 8)
    bl frame
    lsrs r0, r0, #1                     /* BUSY into carry */
    bcs wait_idle

quad_enabled:
    movs r1, #SSI_SPI_CTRLR0            /* offset too large for a str immediate */
    movs r0, #0
    str r0, [r3, #SSI_SSIENR]
    str r0, [r3, #SSI_CTRLR1]           /* one 32-bit frame per read */
    ldr r0, =XIP_CTRLR0_VALUE
    str r0, [r3, #SSI_CTRLR0]
    ldr r0, =XIP_SPI_CTRLR0_ENTER
    str r0, [r3, r1]
    movs r0, #1
    str r0, [r3, #SSI_SSIENR]
    movs r0, #XIP_CMD_QUAD_READ         /* instruction frame, then address 0 + mode bits A0h */
    str r0, [r3, #SSI_DR0]
    movs r0, #XIP_MODE_CONTINUOUS
    bl frame                            /* the data word is not needed */

    movs r0, #0
    str r0, [r3, #SSI_SSIENR]
    ldr r0, =XIP_SPI_CTRLR0_VALUE
    str r0, [r3, r1]
    movs r0, #1
    str r0, [r3, #SSI_SSIENR]

    boot2_enter_image

/* Sends r0 as one frame and returns the frame received, low byte, in r0. Uses r2. */
    .thumb_func
frame:
    str r0, [r3, #SSI_DR0]
1:  ldr r0, [r3, #SSI_SR]
    movs r2, #SSI_SR_RFNE
    tst r0, r2
    beq 1b
    ldr r0, [r3, #SSI_DR0]
    uxtb r0, r0
    bx lr

    .ltorg
    .size rp2040_boot2_entry, . - rp2040_boot2_entry
