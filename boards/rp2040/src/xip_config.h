/*
 * How the SSI reads flash for execute-in-place. boot2 sets this up once and
 * the flash driver restores it after every erase/program, so both include
 * this one definition: a generic serial 03h read that every SPI NOR answers.
 */
#ifndef RP2040_XIP_CONFIG_H
#define RP2040_XIP_CONFIG_H

#include "regs.h"

#if RP2040_BOOT2_QUAD
/*
 * Quad I/O continuous read (W25Q16JV 8.2.8, EBh) for the W25Q-family flash a Pico
 * carries (boot2/boot2_quad.S): QE set in status register 2, then one EBh read with
 * mode bits A0h (M5-4 = 10b) leaves the chip in continuous read mode, and every XIP
 * access after that is the address and the mode bits on four lanes, 4 wait clocks and
 * the data: 28 SCK clocks for an 8-byte line instead of 96 with 03h.
 */
#define XIP_QUAD            1
/* SCK = clk_sys / 2: 62.5 MHz at 125 MHz, inside the 133 MHz limit of EBh reads. */
#define XIP_BAUDR           2
#define XIP_CMD_QUAD_READ   RP_U(0xeb)
#define XIP_MODE_CONTINUOUS RP_U(0xa0)
#define XIP_WAIT_CLOCKS     RP_U(4)

/* Quad SPI, 32-bit frames, EEPROM-read mode. */
#define XIP_CTRLR0_VALUE                                                                                               \
    ((RP_U(2) << SSI_CTRLR0_SPI_FRF_LSB) | (RP_U(31) << SSI_CTRLR0_DFS32_LSB) |                                        \
     (SSI_TMOD_EEPROM << SSI_CTRLR0_TMOD_LSB))

/* The entering read: EBh on one lane, then 24-bit address + mode bits (32 bits) on four. */
#define XIP_SPI_CTRLR0_ENTER                                                                                           \
    ((XIP_CMD_QUAD_READ << SSI_SPI_CTRLR0_XIP_CMD_LSB) | (XIP_WAIT_CLOCKS << SSI_SPI_CTRLR0_WAIT_LSB) |                \
     (RP_U(2) << SSI_SPI_CTRLR0_INST_L_LSB) | (RP_U(8) << SSI_SPI_CTRLR0_ADDR_L_LSB) |                                 \
     (RP_U(1) << SSI_SPI_CTRLR0_TRANS_LSB))

/* Continuous: no instruction; XIP_CMD (A0h) is appended to the address as the mode bits. */
#define XIP_SPI_CTRLR0_VALUE                                                                                           \
    ((XIP_MODE_CONTINUOUS << SSI_SPI_CTRLR0_XIP_CMD_LSB) | (XIP_WAIT_CLOCKS << SSI_SPI_CTRLR0_WAIT_LSB) |              \
     (RP_U(0) << SSI_SPI_CTRLR0_INST_L_LSB) | (RP_U(8) << SSI_SPI_CTRLR0_ADDR_L_LSB) |                                 \
     (RP_U(2) << SSI_SPI_CTRLR0_TRANS_LSB))

#else
#define XIP_QUAD  0
/* SCK = clk_sys / 4: 31.25 MHz at 125 MHz, inside the 50 MHz limit of 03h reads. */
#define XIP_BAUDR 4

/* Standard SPI, 32-bit frames, EEPROM-read mode (command+address out, data in). */
#define XIP_CTRLR0_VALUE                                                                                               \
    ((0 << SSI_CTRLR0_SPI_FRF_LSB) | (31 << SSI_CTRLR0_DFS32_LSB) | (SSI_TMOD_EEPROM << SSI_CTRLR0_TMOD_LSB))

/* 03h command, 8-bit instruction, 24-bit address (6 nibbles), no wait cycles. */
#define XIP_SPI_CTRLR0_VALUE                                                                                           \
    ((0x03 << SSI_SPI_CTRLR0_XIP_CMD_LSB) | (2 << SSI_SPI_CTRLR0_INST_L_LSB) | (6 << SSI_SPI_CTRLR0_ADDR_L_LSB))
#endif

#endif
