/*
 * RP2040 register map: only the blocks and fields this port uses, written from
 * the RP2040 datasheet (chapter 2 system, chapter 4 peripherals). Plain
 * #defines so the boot2 assembly can include it too.
 */
#ifndef RP2040_REGS_H
#define RP2040_REGS_H

#ifdef __ASSEMBLER__
#define RP_U(x) (x)
#else
#define RP_U(x) (x##u)
#endif

/* Atomic register aliases of APB/AHB peripherals (datasheet 2.1.2). */
#define RP_ALIAS_XOR RP_U(0x1000)
#define RP_ALIAS_SET RP_U(0x2000)
#define RP_ALIAS_CLR RP_U(0x3000)

/* ------------------------------------------------------------ memory map */
#define XIP_BASE           RP_U(0x10000000)
#define XIP_CTRL_BASE      RP_U(0x14000000)
#define XIP_SSI_BASE       RP_U(0x18000000)
#define SRAM_BASE          RP_U(0x20000000)
#define SRAM_END           RP_U(0x20042000)
#define CLOCKS_BASE        RP_U(0x40008000)
#define RESETS_BASE        RP_U(0x4000c000)
#define PSM_BASE           RP_U(0x40010000)
#define IO_BANK0_BASE      RP_U(0x40014000)
#define IO_QSPI_BASE       RP_U(0x40018000)
#define PADS_BANK0_BASE    RP_U(0x4001c000)
#define XOSC_BASE          RP_U(0x40024000)
#define PLL_SYS_BASE       RP_U(0x40028000)
#define PLL_USB_BASE       RP_U(0x4002c000)
#define UART0_BASE         RP_U(0x40034000)
#define I2C0_BASE          RP_U(0x40044000)
#define TIMER_BASE         RP_U(0x40054000)
#define WATCHDOG_BASE      RP_U(0x40058000)
#define VREG_CHIP_BASE     RP_U(0x40064000)
#define USBCTRL_DPRAM_BASE RP_U(0x50100000)
#define USBCTRL_REGS_BASE  RP_U(0x50110000)
#define SIO_BASE           RP_U(0xd0000000)
#define PPB_BASE           RP_U(0xe0000000)

/* ------------------------------------------------------------ XIP cache */
#define XIP_CTRL_CTRL        0x00
#define XIP_CTRL_FLUSH       0x04
#define XIP_CTRL_STAT        0x08
#define XIP_STAT_FLUSH_READY RP_U(0x1)

/* ------------------------------------------------------------ SSI (XIP_SSI) */
#define SSI_CTRLR0        0x00
#define SSI_CTRLR1        0x04
#define SSI_SSIENR        0x08
#define SSI_SER           0x10
#define SSI_BAUDR         0x14
#define SSI_TXFLR         0x20
#define SSI_RXFLR         0x24
#define SSI_SR            0x28
#define SSI_IMR           0x2c
#define SSI_DR0           0x60
#define SSI_RX_SAMPLE_DLY 0xf0
#define SSI_SPI_CTRLR0    0xf4

#define SSI_CTRLR0_SPI_FRF_LSB     21 /* 0 standard, 1 dual, 2 quad */
#define SSI_CTRLR0_DFS32_LSB       16 /* frame size - 1 */
#define SSI_CTRLR0_TMOD_LSB        8  /* 0 tx+rx, 1 tx, 2 rx, 3 eeprom read */
#define SSI_TMOD_TX_RX             0
#define SSI_TMOD_EEPROM            3
#define SSI_SR_BUSY                RP_U(0x01)
#define SSI_SR_TFNF                RP_U(0x02)
#define SSI_SR_TFE                 RP_U(0x04)
#define SSI_SR_RFNE                RP_U(0x08)
#define SSI_SPI_CTRLR0_XIP_CMD_LSB 24
#define SSI_SPI_CTRLR0_INST_L_LSB  8  /* 2 = 8-bit instruction */
#define SSI_SPI_CTRLR0_ADDR_L_LSB  2  /* address length in 4-bit units */
#define SSI_SPI_CTRLR0_WAIT_LSB    11 /* wait (dummy) clocks */
#define SSI_SPI_CTRLR0_TRANS_LSB   0  /* 0 all 1 lane, 1 address on FRF lanes, 2 instruction too */

/* ------------------------------------------------------------ IO_QSPI (chip select override) */
#define IO_QSPI_SS_CTRL        0x0c
#define IO_QSPI_OUTOVER_LSB    8
#define IO_QSPI_OUTOVER_MASK   (RP_U(3) << IO_QSPI_OUTOVER_LSB)
#define IO_QSPI_OUTOVER_NORMAL 0
#define IO_QSPI_OUTOVER_LOW    2
#define IO_QSPI_OUTOVER_HIGH   3
#define IO_QSPI_SD1_CTRL       0x1c /* SD2 0x24, SD3 0x2c */
#define IO_QSPI_OEOVER_LSB     12
#define IO_QSPI_OEOVER_ENABLE  3

/* ------------------------------------------------------------ clocks */
#define CLK_REF_CTRL        0x30
#define CLK_REF_DIV         0x34
#define CLK_REF_SELECTED    0x38
#define CLK_SYS_CTRL        0x3c
#define CLK_SYS_DIV         0x40
#define CLK_SYS_SELECTED    0x44
#define CLK_PERI_CTRL       0x48
#define CLK_USB_CTRL        0x54
#define CLK_USB_DIV         0x58
#define CLK_USB_ENABLE      (RP_U(1) << 11)
#define CLK_USB_AUXSRC_LSB  5 /* 0 = pll_usb */
#define CLK_SYS_RESUS_CTRL  0x78
#define CLK_REF_SRC_ROSC    0
#define CLK_REF_SRC_XOSC    2
#define CLK_SYS_SRC_AUX     RP_U(1)
#define CLK_SYS_AUXSRC_LSB  5 /* 0 = pll_sys */
#define CLK_PERI_ENABLE     (RP_U(1) << 11)
#define CLK_PERI_AUXSRC_LSB 5 /* 0 = clk_sys */
#define CLK_DIV_INT_LSB     8

/* ------------------------------------------------------------ XOSC and PLL */
#define XOSC_CTRL          0x00
#define XOSC_STATUS        0x04
#define XOSC_STARTUP       0x0c
#define XOSC_FREQ_1_15MHZ  RP_U(0xaa0)
#define XOSC_ENABLE_MAGIC  RP_U(0xfab)
#define XOSC_ENABLE_LSB    12
#define XOSC_STATUS_STABLE (RP_U(1) << 31)

#define PLL_CS                0x00
#define PLL_PWR               0x04
#define PLL_FBDIV_INT         0x08
#define PLL_PRIM              0x0c
#define PLL_CS_LOCK           (RP_U(1) << 31)
#define PLL_PWR_PD            RP_U(0x01)
#define PLL_PWR_POSTDIVPD     RP_U(0x08)
#define PLL_PWR_VCOPD         RP_U(0x20)
#define PLL_PRIM_POSTDIV1_LSB 16
#define PLL_PRIM_POSTDIV2_LSB 12

/* ------------------------------------------------------------ resets and power-on state machine */
#define RESETS_RESET     0x0
#define RESETS_DONE      0x8
#define RESET_I2C0       (RP_U(1) << 3)
#define RESET_I2C1       (RP_U(1) << 4)
#define RESET_IO_BANK0   (RP_U(1) << 5)
#define RESET_IO_QSPI    (RP_U(1) << 6)
#define RESET_PADS_BANK0 (RP_U(1) << 8)
#define RESET_PADS_QSPI  (RP_U(1) << 9)
#define RESET_PIO0       (RP_U(1) << 10)
#define RESET_PIO1       (RP_U(1) << 11)
#define RESET_PLL_SYS    (RP_U(1) << 12)
#define RESET_PLL_USB    (RP_U(1) << 13)
#define RESET_PWM        (RP_U(1) << 14)
#define RESET_SPI0       (RP_U(1) << 16)
#define RESET_SPI1       (RP_U(1) << 17)
#define RESET_SYSCFG     (RP_U(1) << 18)
#define RESET_TIMER      (RP_U(1) << 21)
#define RESET_UART0      (RP_U(1) << 22)
#define RESET_UART1      (RP_U(1) << 23)
#define RESET_USBCTRL    (RP_U(1) << 24)
#define RESETS_ALL       RP_U(0x01ffffff)

#define PSM_WDSEL 0x08
#define PSM_ALL   RP_U(0x0001ffff)
#define PSM_ROSC  RP_U(0x1)
#define PSM_XOSC  RP_U(0x2)

/* ------------------------------------------------------------ GPIO */
#define IO_GPIO_CTRL(n) (0x004 + 8 * (n))
#define GPIO_FUNC_UART  2
#define GPIO_FUNC_I2C   3
#define GPIO_FUNC_SIO   5
#define GPIO_FUNC_NULL  0x1f
#define PADS_GPIO(n)    (0x04 + 4 * (n))
#define PAD_OD          RP_U(0x80)
#define PAD_IE          RP_U(0x40)
#define PAD_PUE         RP_U(0x08)
#define PAD_PDE         RP_U(0x04)
#define PAD_SCHMITT     RP_U(0x02)
#define PAD_DRIVE_4MA   (RP_U(1) << 4)

#define SIO_GPIO_IN      0x004
#define SIO_GPIO_OUT_SET 0x014
#define SIO_GPIO_OUT_CLR 0x018
#define SIO_GPIO_OE_SET  0x024
#define SIO_GPIO_OE_CLR  0x028

/* ------------------------------------------------------------ UART (PL011) */
#define UART_DR        0x00
#define UART_RSR       0x04
#define UART_FR        0x18
#define UART_IBRD      0x24
#define UART_FBRD      0x28
#define UART_LCR_H     0x2c
#define UART_CR        0x30
#define UART_IFLS      0x34
#define UART_IMSC      0x38
#define UART_ICR       0x44
#define UART_FR_TXFE   RP_U(0x80)
#define UART_FR_TXFF   RP_U(0x20)
#define UART_FR_RXFE   RP_U(0x10)
#define UART_FR_BUSY   RP_U(0x08)
#define UART_LCR_WLEN8 (RP_U(3) << 5)
#define UART_LCR_FEN   RP_U(0x10)
#define UART_CR_RXE    (RP_U(1) << 9)
#define UART_CR_TXE    (RP_U(1) << 8)
#define UART_CR_EN     RP_U(1)
#define UART_INT_RT    (RP_U(1) << 6)
#define UART_INT_RX    (RP_U(1) << 4)
#define UART_DR_ERRORS RP_U(0xf00)

/* ------------------------------------------------------------ I2C (DW_apb_i2c) */
#define IC_CON                0x00
#define IC_TAR                0x04
#define IC_DATA_CMD           0x10
#define IC_FS_SCL_HCNT        0x1c
#define IC_FS_SCL_LCNT        0x20
#define IC_INTR_MASK          0x30
#define IC_RAW_INTR_STAT      0x34
#define IC_RX_TL              0x38
#define IC_TX_TL              0x3c
#define IC_CLR_INTR           0x40
#define IC_CLR_TX_ABRT        0x54
#define IC_CLR_STOP_DET       0x60
#define IC_ENABLE             0x6c
#define IC_STATUS             0x70
#define IC_TXFLR              0x74
#define IC_RXFLR              0x78
#define IC_SDA_HOLD           0x7c
#define IC_TX_ABRT_SOURCE     0x80
#define IC_ENABLE_STATUS      0x9c
#define IC_FS_SPKLEN          0xa0
#define IC_CON_MASTER         RP_U(0x001)
#define IC_CON_SPEED_FAST     (RP_U(2) << 1)
#define IC_CON_RESTART_EN     RP_U(0x020)
#define IC_CON_SLAVE_DIS      RP_U(0x040)
#define IC_CON_TX_EMPTY_CTRL  RP_U(0x100)
#define IC_CMD_READ           (RP_U(1) << 8)
#define IC_CMD_STOP           (RP_U(1) << 9)
#define IC_CMD_RESTART        (RP_U(1) << 10)
#define IC_INTR_TX_EMPTY      (RP_U(1) << 4)
#define IC_INTR_TX_ABRT       (RP_U(1) << 6)
#define IC_INTR_STOP_DET      (RP_U(1) << 9)
#define IC_ENABLE_EN          RP_U(1)
#define IC_ENABLE_ABORT       RP_U(2)
#define IC_STATUS_TFNF        RP_U(0x02)
#define IC_ABRT_7B_ADDR_NOACK RP_U(0x1)
#define IC_ABRT_TXDATA_NOACK  RP_U(0x8)

/* ------------------------------------------------------------ timer */
#define TIMER_ALARM0   0x10
#define TIMER_ARMED    0x20
#define TIMER_TIMERAWH 0x24
#define TIMER_TIMERAWL 0x28
#define TIMER_INTR     0x34
#define TIMER_INTE     0x38

/* ------------------------------------------------------------ watchdog */
#define WD_CTRL           0x00
#define WD_LOAD           0x04
#define WD_REASON         0x08
#define WD_SCRATCH(n)     (0x0c + 4 * (n))
#define WD_TICK           0x2c
#define WD_CTRL_TRIGGER   (RP_U(1) << 31)
#define WD_CTRL_ENABLE    (RP_U(1) << 30)
#define WD_CTRL_PAUSE_ALL (RP_U(7) << 24) /* pause while a debugger halts either core or JTAG */
#define WD_REASON_TIMER   RP_U(1)
#define WD_REASON_FORCE   RP_U(2)
#define WD_TICK_ENABLE    (RP_U(1) << 9)

#define VREG_CHIP_RESET    0x08
#define CHIP_RESET_HAD_POR (RP_U(1) << 8)
#define CHIP_RESET_HAD_RUN (RP_U(1) << 16)
#define CHIP_RESET_HAD_PSM (RP_U(1) << 20)

/* ------------------------------------------------------------ Cortex-M0+ private peripherals */
#define SYST_CSR           RP_U(0xe000e010)
#define SYST_RVR           RP_U(0xe000e014)
#define SYST_CVR           RP_U(0xe000e018)
#define NVIC_ISER          RP_U(0xe000e100)
#define NVIC_ICER          RP_U(0xe000e180)
#define NVIC_ICPR          RP_U(0xe000e280)
#define SCB_ICSR           RP_U(0xe000ed04)
#define SCB_VTOR           RP_U(0xe000ed08)
#define MPU_TYPE           RP_U(0xe000ed90)
#define MPU_CTRL           RP_U(0xe000ed94)
#define MPU_RNR            RP_U(0xe000ed98)
#define MPU_RBAR           RP_U(0xe000ed9c)
#define MPU_RASR           RP_U(0xe000eda0)
#define SYST_CSR_ENABLE    RP_U(1)
#define SYST_CSR_TICKINT   RP_U(2)
#define SYST_CSR_CLKSOURCE RP_U(4)
#define ICSR_PENDSTSET     (RP_U(1) << 26)

#define IRQ_TIMER0  0
#define IRQ_USBCTRL 5
#define IRQ_UART0   20

/* ------------------------------------------------------------ USB controller (datasheet 4.1), device mode */
#define USB_ADDR_ENDP                   0x00
#define USB_MAIN_CTRL                   0x40
#define USB_SIE_CTRL                    0x4c
#define USB_SIE_STATUS                  0x50
#define USB_BUFF_STATUS                 0x58
#define USB_EP_STALL_ARM                0x68
#define USB_MUXING                      0x74
#define USB_PWR                         0x78
#define USB_INTE                        0x90
#define USB_INTS                        0x98
#define USB_MAIN_CTRL_EN                RP_U(1)
#define USB_SIE_CTRL_EP0_INT_1BUF       (RP_U(1) << 29)
#define USB_SIE_CTRL_PULLUP_EN          (RP_U(1) << 16)
#define USB_SIE_SETUP_REC               (RP_U(1) << 17)
#define USB_SIE_BUS_RESET               (RP_U(1) << 19)
#define USB_MUXING_TO_PHY               RP_U(0x1)
#define USB_MUXING_SOFTCON              RP_U(0x8)
#define USB_PWR_VBUS_DETECT             RP_U(0x8)
#define USB_PWR_VBUS_DETECT_OVERRIDE_EN RP_U(0x4)
#define USB_INT_BUFF_STATUS             (RP_U(1) << 4)
#define USB_INT_BUS_RESET               (RP_U(1) << 12)
#define USB_INT_SETUP_REQ               (RP_U(1) << 16)
/* DPRAM: setup packet at 0, endpoint control words from 0x08, buffer control words from 0x80. */
#define USB_DPRAM_SETUP                 0x000
#define USB_DPRAM_EP_CTRL(ep, out)      (0x08 + 8 * ((ep)-1) + ((out) ? 4 : 0))
#define USB_DPRAM_BUF_CTRL(ep, out)     (0x80 + 8 * (ep) + ((out) ? 4 : 0))
#define USB_DPRAM_EP0_BUF               0x100
#define USB_EP_CTRL_ENABLE              (RP_U(1) << 31)
#define USB_EP_CTRL_INT_PER_BUFF        (RP_U(1) << 29)
#define USB_EP_CTRL_TYPE_LSB            26 /* 0 control, 1 iso, 2 bulk, 3 interrupt */
#define USB_BUF_FULL                    (RP_U(1) << 15)
#define USB_BUF_LAST                    (RP_U(1) << 14)
#define USB_BUF_DATA1                   (RP_U(1) << 13)
#define USB_BUF_STALL                   (RP_U(1) << 11)
#define USB_BUF_AVAILABLE               (RP_U(1) << 10)
#define USB_BUF_LEN_MASK                RP_U(0x3ff)

#ifndef __ASSEMBLER__
#include <stdint.h>
/* One volatile 32-bit register at base + offset. */
#define RP_REG(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (uintptr_t)(off)))
#endif

#endif /* RP2040_REGS_H */
