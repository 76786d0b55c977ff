/*
 * How the SSI reads flash for execute-in-place. boot2 sets this up once and
 * the flash driver restores it after every erase/program, so both include
 * this one definition: a generic serial 03h read that every SPI NOR answers.
 */
#ifndef RP2040_XIP_CONFIG_H
#define RP2040_XIP_CONFIG_H

#include "regs.h"

/* SCK = clk_sys / 4: 31.25 MHz at 125 MHz, inside the 50 MHz limit of 03h reads. */
#define XIP_BAUDR 4

/* Standard SPI, 32-bit frames, EEPROM-read mode (command+address out, data in). */
#define XIP_CTRLR0_VALUE                                                                                               \
    ((0 << SSI_CTRLR0_SPI_FRF_LSB) | (31 << SSI_CTRLR0_DFS32_LSB) | (SSI_TMOD_EEPROM << SSI_CTRLR0_TMOD_LSB))

/* 03h command, 8-bit instruction, 24-bit address (6 nibbles), no wait cycles. */
#define XIP_SPI_CTRLR0_VALUE                                                                                           \
    ((0x03 << SSI_SPI_CTRLR0_XIP_CMD_LSB) | (2 << SSI_SPI_CTRLR0_INST_L_LSB) | (6 << SSI_SPI_CTRLR0_ADDR_L_LSB))

#endif
