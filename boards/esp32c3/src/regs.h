/*
 * The ESP32-C3 registers this board uses, from the ESP32-C3 Technical Reference Manual
 * (chapter in brackets). Nothing here has been checked on silicon; README.md lists every
 * register with what the firmware does with it, so esp32c3-sim can be checked against the
 * same list.
 */
#ifndef ESP32C3_REGS_H
#define ESP32C3_REGS_H

#include <stdint.h>

#define C3_REG(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (uint32_t)(off)))

/* ---------------------------------------------------------------- memory map [3] */
#define C3_DRAM_BASE   0x3fc80000u /* SRAM1 on the data bus */
#define C3_IRAM_BASE   0x40380000u /* the same SRAM1 on the instruction bus */
#define C3_IRAM_DRAM   (C3_IRAM_BASE - C3_DRAM_BASE)
#define C3_DROM_BASE   0x3c000000u /* flash through the cache MMU, data bus (8 MiB) */
#define C3_IROM_BASE   0x42000000u /* flash through the cache MMU, instruction bus (8 MiB) */
#define C3_MMU_PAGE    0x10000u    /* 64 KiB pages */
#define C3_MMU_ENTRIES 128u

/* ---------------------------------------------------------------- UART0 [26] */
#define UART0_BASE            0x60000000u
#define UART_FIFO             0x00u
#define UART_INT_RAW          0x04u
#define UART_INT_ST           0x08u
#define UART_INT_ENA          0x0cu
#define UART_INT_CLR          0x10u
#define UART_CLKDIV           0x14u /* CLKDIV [11:0], FRAG [23:20] */
#define UART_STATUS           0x1cu /* RXFIFO_CNT [9:0], TXFIFO_CNT [25:16] */
#define UART_CONF0            0x20u
#define UART_CONF1            0x24u
#define UART_MEM_CONF         0x60u
#define UART_CLK_CONF         0x78u
#define UART_ID               0x80u
#define UART_INT_RXFIFO_FULL  (1u << 0)
#define UART_INT_FRM_ERR      (1u << 3)
#define UART_INT_RXFIFO_OVF   (1u << 4)
#define UART_INT_RXFIFO_TOUT  (1u << 8)
#define UART_CONF0_8N1        (3u << 2) /* BIT_NUM = 3 (8 bits), STOP_BIT_NUM = 1, no parity */
#define UART_CONF0_STOP1      (1u << 4)
#define UART_CONF1_RX_TOUT_EN (1u << 21)
#define UART_CLK_SCLK_APB     (1u << 20) /* SCLK_SEL = 1: APB_CLK */
#define UART_CLK_SCLK_EN      (1u << 22)
#define UART_CLK_TX_EN        (1u << 24)
#define UART_CLK_RX_EN        (1u << 25)
#define UART_ID_UPDATE        (1u << 31) /* REG_UPDATE: copy the configuration to the core clock domain */
#define UART_FIFO_DEPTH       128u

/* ---------------------------------------------------------------- SYSTEM (clocks, resets) [6, 7] */
#define SYSTEM_BASE          0x600c0000u
#define SYSTEM_CPU_PER_CONF  0x08u /* CPUPERIOD_SEL [1:0], PLL_FREQ_SEL [2] */
#define SYSTEM_PERIP_CLK_EN0 0x10u
#define SYSTEM_PERIP_RST_EN0 0x18u
#define SYSTEM_SYSCLK_CONF   0x58u /* PRE_DIV_CNT [9:0], SOC_CLK_SEL [11:10] */
#define SYSTEM_CPUPERIOD_160 1u
#define SYSTEM_PLL_FREQ_480  (1u << 2)
#define SYSTEM_SOC_CLK_PLL   (1u << 10)
#define SYSTEM_SOC_CLK_MASK  (3u << 10)
#define PERIP_UART0          (1u << 2)
#define PERIP_UART1          (1u << 5)
#define PERIP_SPI2           (1u << 6)
#define PERIP_I2C0           (1u << 7)
#define PERIP_RMT            (1u << 9)
#define PERIP_LEDC           (1u << 11)
#define PERIP_TIMG0          (1u << 13)
#define PERIP_TIMG1          (1u << 15)
#define PERIP_TWAI           (1u << 19)
#define PERIP_I2S1           (1u << 21)
#define PERIP_SYSTIMER       (1u << 29)

/* ---------------------------------------------------------------- RTC_CNTL [9, 10, 13] */
#define RTC_CNTL_BASE               0x60008000u
#define RTC_CNTL_OPTIONS0           0x00u
#define RTC_CNTL_STORE0             0x50u /* free for applications; survives system resets */
#define RTC_CNTL_RESET_STATE        0x38u /* RESET_CAUSE_PROCPU [5:0] */
#define RTC_CNTL_WDTCONFIG0         0x90u
#define RTC_CNTL_WDTFEED            0xa4u
#define RTC_CNTL_WDTWPROTECT        0xa8u
#define RTC_CNTL_SWD_CONF           0xacu
#define RTC_CNTL_SWD_WPROTECT       0xb0u
#define RTC_CNTL_SW_SYS_RST         (1u << 31)
#define RTC_CNTL_BB_I2C_FORCE_PD    (1u << 6)
#define RTC_CNTL_BBPLL_I2C_FORCE_PD (1u << 8)
#define RTC_CNTL_BBPLL_FORCE_PD     (1u << 10)
#define RTC_WDT_KEY                 0x50d83aa1u
#define RTC_SWD_KEY                 0x8f1d312au
#define RTC_SWD_AUTO_FEED_EN        (1u << 31)
#define RTC_SWD_DISABLE             (1u << 30)

/* RESET_CAUSE_PROCPU values [5.3] */
#define C3_RESET_POWERON    0x01u
#define C3_RESET_SW_SYS     0x03u
#define C3_RESET_TG0WDT_SYS 0x07u
#define C3_RESET_TG1WDT_SYS 0x08u
#define C3_RESET_RTCWDT_SYS 0x09u
#define C3_RESET_TG0WDT_CPU 0x0bu
#define C3_RESET_SW_CPU     0x0cu
#define C3_RESET_RTCWDT_CPU 0x0du
#define C3_RESET_RTCWDT_RTC 0x10u
#define C3_RESET_TG1WDT_CPU 0x11u
#define C3_RESET_SUPER_WDT  0x12u

/* ---------------------------------------------------------------- timer groups [11, 12] */
#define TIMG0_BASE         0x6001f000u
#define TIMG1_BASE         0x60020000u
#define TIMG_WDTCONFIG0    0x48u
#define TIMG_WDTCONFIG1    0x4cu /* CLK_PRESCALE [31:16] */
#define TIMG_WDTCONFIG2    0x50u /* stage 0 timeout, in prescaled ticks */
#define TIMG_WDTFEED       0x60u
#define TIMG_WDTWPROTECT   0x64u
#define TIMG_WDT_KEY       0x50d83aa1u
#define TIMG_WDT_EN        (1u << 31)
#define TIMG_WDT_STG0_SYS  (3u << 29) /* stage 0 action: reset the system */
#define TIMG_WDT_UPDATE    (1u << 22) /* CONF_UPDATE_EN: apply the new configuration */
#define TIMG_WDT_FLASHBOOT (1u << 14)

/* ---------------------------------------------------------------- SYSTIMER [10] */
#define SYSTIMER_BASE            0x60023000u
#define SYSTIMER_CONF            0x00u
#define SYSTIMER_UNIT0_OP        0x04u
#define SYSTIMER_UNIT0_VALUE_HI  0x40u
#define SYSTIMER_UNIT0_VALUE_LO  0x44u
#define SYSTIMER_CLK_EN          (1u << 31)
#define SYSTIMER_UNIT0_WORK_EN   (1u << 30)
#define SYSTIMER_UNIT0_UPDATE    (1u << 30)
#define SYSTIMER_UNIT0_VALID     (1u << 29)
#define SYSTIMER_HZ              16000000u /* fixed: XTAL_CLK (40 MHz) / 2.5 */
#define SYSTIMER_TARGET0_HI      0x1cu
#define SYSTIMER_TARGET0_LO      0x20u
#define SYSTIMER_TARGET0_CONF    0x34u /* unit select [31] = 0: unit 0; period mode [30] = 0: one shot */
#define SYSTIMER_COMP0_LOAD      0x50u
#define SYSTIMER_INT_ENA         0x64u
#define SYSTIMER_INT_CLR         0x6cu
#define SYSTIMER_TARGET0_WORK_EN (1u << 24)
#define SYSTIMER_INT_TARGET0     (1u << 0)

/* ---------------------------------------------------------------- interrupt matrix [8] */
#define INTMTX_BASE           0x600c2000u
#define INTMTX_UART0_MAP      0x54u /* source 21 (UART0) * 4 */
#define INTMTX_SYSTIMER0_MAP  0x94u /* source 37 (SYSTIMER_TARGET0) * 4 */
#define INTMTX_CPU_INT_ENABLE 0x104u
#define INTMTX_CPU_INT_TYPE   0x108u
#define INTMTX_CPU_INT_CLEAR  0x10cu
#define INTMTX_CPU_INT_PRI(n) (0x114u + 4u * (n))
#define INTMTX_CPU_INT_THRESH 0x194u
#define C3_CPU_INT_UART0      1u /* the CPU interrupt line UART0 is routed to */
#define C3_CPU_INT_SYSTIMER   2u /* SYSTIMER alarm: only ends a wfi, never taken (time.c) */

/* ---------------------------------------------------------------- GPIO and IO_MUX [5] */
#define GPIO_BASE             0x60004000u
#define GPIO_OUT_W1TS         0x08u
#define GPIO_OUT_W1TC         0x0cu
#define GPIO_ENABLE_W1TS      0x24u
#define GPIO_ENABLE_W1TC      0x28u
#define GPIO_IN               0x3cu
#define GPIO_PIN(n)           (0x74u + 4u * (n)) /* PAD_DRIVER [2]: open drain */
#define GPIO_FUNC_IN_SEL(sig) (0x154u + 4u * (sig))
#define GPIO_FUNC_OUT_SEL(n)  (0x554u + 4u * (n))
#define GPIO_IN_SEL_MATRIX    (1u << 6)
#define GPIO_OUT_SIMPLE       0x80u /* 128: the pin follows GPIO_OUT */
#define GPIO_PAD_OPEN_DRAIN   (1u << 2)
#define IO_MUX_BASE           0x60009000u
#define IO_MUX_GPIO(n)        (0x04u + 4u * (n))
#define IO_MUX_FUN_WPD        (1u << 7)
#define IO_MUX_FUN_WPU        (1u << 8)
#define IO_MUX_FUN_IE         (1u << 9)
#define IO_MUX_DRV_20MA       (2u << 10)
#define IO_MUX_MCU_SEL_GPIO   (1u << 12) /* function 1: GPIO (through the matrix) */
#define C3_GPIO_COUNT         22u
#define SIG_I2CEXT0_SCL       53u
#define SIG_I2CEXT0_SDA       54u

/* ---------------------------------------------------------------- I2C0 [28] */
#define I2C0_BASE              0x60013000u
#define I2C_SCL_LOW_PERIOD     0x00u
#define I2C_CTR                0x04u
#define I2C_SR                 0x08u
#define I2C_TO                 0x0cu
#define I2C_FIFO_CONF          0x18u
#define I2C_DATA               0x1cu
#define I2C_INT_RAW            0x20u
#define I2C_INT_CLR            0x24u
#define I2C_SDA_HOLD           0x30u
#define I2C_SDA_SAMPLE         0x34u
#define I2C_SCL_HIGH_PERIOD    0x38u
#define I2C_SCL_START_HOLD     0x40u
#define I2C_SCL_RSTART_SETUP   0x44u
#define I2C_SCL_STOP_HOLD      0x48u
#define I2C_SCL_STOP_SETUP     0x4cu
#define I2C_CLK_CONF           0x54u
#define I2C_COMD(n)            (0x58u + 4u * (n))
#define I2C_CTR_SDA_FORCE_OUT  (1u << 0)
#define I2C_CTR_SCL_FORCE_OUT  (1u << 1)
#define I2C_CTR_MS_MODE        (1u << 4)
#define I2C_CTR_TRANS_START    (1u << 5)
#define I2C_CTR_CLK_EN         (1u << 8)
#define I2C_CTR_FSM_RST        (1u << 10)
#define I2C_CTR_CONF_UPGATE    (1u << 11)
#define I2C_FIFO_RX_RST        (1u << 12)
#define I2C_FIFO_TX_RST        (1u << 13)
#define I2C_INT_END_DETECT     (1u << 3)
#define I2C_INT_ARB_LOST       (1u << 5)
#define I2C_INT_TRANS_COMPLETE (1u << 7)
#define I2C_INT_TIME_OUT       (1u << 8)
#define I2C_INT_NACK           (1u << 10)
#define I2C_CLK_SCLK_ACTIVE    (1u << 21)
#define I2C_CMD_RSTART         (6u << 11)
#define I2C_CMD_WRITE          (1u << 11)
#define I2C_CMD_READ           (3u << 11)
#define I2C_CMD_STOP           (2u << 11)
#define I2C_CMD_END            (4u << 11)
#define I2C_CMD_ACK_CHECK      (1u << 8)
#define I2C_CMD_ACK_VALUE_NACK (1u << 10)
#define I2C_FIFO_DEPTH         32u

/* ---------------------------------------------------------------- SPI1 (flash) [30] */
#define SPI1_BASE           0x60002000u
#define SPI_MEM_CMD         0x00u
#define SPI_MEM_ADDR        0x04u
#define SPI_MEM_CTRL        0x08u
#define SPI_MEM_USER        0x18u
#define SPI_MEM_USER1       0x1cu /* USR_ADDR_BITLEN [31:26] */
#define SPI_MEM_USER2       0x20u /* USR_COMMAND_BITLEN [31:28], USR_COMMAND_VALUE [15:0] */
#define SPI_MEM_MOSI_DLEN   0x24u
#define SPI_MEM_MISO_DLEN   0x28u
#define SPI_MEM_RD_STATUS   0x2cu
#define SPI_MEM_W(n)        (0x58u + 4u * (n)) /* W0..W15: the 64-byte data buffer */
#define SPI_MEM_CMD_WREN    (1u << 30)
#define SPI_MEM_CMD_RDSR    (1u << 27)
#define SPI_MEM_CMD_USR     (1u << 18)
#define SPI_MEM_CMD_BITS    0xfffe0000u /* the command bits; 16:0 hold read-only state */
#define SPI_MEM_USR_COMMAND (1u << 31)
#define SPI_MEM_USR_ADDR    (1u << 30)
#define SPI_MEM_USR_DUMMY   (1u << 29)
#define SPI_MEM_USR_MISO    (1u << 28)
#define SPI_MEM_USR_MOSI    (1u << 27)
#define SPI_MEM_BUF_BYTES   64u

/* ---------------------------------------------------------------- cache and MMU [3.3] */
#define EXTMEM_BASE             0x600c4000u
#define EXTMEM_ICACHE_CTRL      0x00u /* ICACHE_ENABLE [0] */
#define EXTMEM_ICACHE_CTRL1     0x04u /* SHUT_IBUS [0], SHUT_DBUS [1] */
#define EXTMEM_ICACHE_SYNC_CTRL 0x28u /* INVALIDATE_ENA [0], SYNC_DONE [1] */
#define EXTMEM_ICACHE_ENABLE    (1u << 0)
#define EXTMEM_SHUT_BUSES       3u
#define EXTMEM_INVALIDATE       (1u << 0)
#define EXTMEM_SYNC_DONE        (1u << 1)
#define MMU_TABLE_BASE          0x600c5000u /* 128 entries; entry i maps IROM and DROM page i */
#define MMU_INVALID             (1u << 8)

#endif
