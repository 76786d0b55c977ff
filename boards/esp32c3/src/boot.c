/*
 * After the ROM: watchdogs, the 160 MHz clock and the flash mapping, all from IRAM (code
 * in flash cannot run until the MMU maps it). Then main, from flash.
 */
#include "internal.h"

int main(void);
void esp32c3_main(void);

/* Loop bound for a busy wait before any timer runs: ~60 us at the ROM's 40 MHz. */
#define PLL_SETTLE_SPINS 2400u

/* The ROM arms the RTC and timer-group 0 watchdogs for the boot from flash (flashboot
 * mode) and the super watchdog runs from power-on. The HAL's watchdog is timer group 0's,
 * armed by hal_watchdog_start; until then none may reset us. */
C3_IRAM void esp32c3_watchdogs_off(void)
{
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_WDTWPROTECT) = RTC_WDT_KEY;
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_WDTCONFIG0) = 0; /* EN and FLASHBOOT_MOD_EN off */
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_WDTWPROTECT) = 0;
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_SWD_WPROTECT) = RTC_SWD_KEY;
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_SWD_CONF) |= RTC_SWD_AUTO_FEED_EN; /* the super WDT cannot be stopped */
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_SWD_WPROTECT) = 0;
    const uint32_t groups[2] = { TIMG0_BASE, TIMG1_BASE };
    for (uint32_t i = 0; i < 2u; i++) {
        C3_REG(groups[i], TIMG_WDTWPROTECT) = TIMG_WDT_KEY;
        C3_REG(groups[i], TIMG_WDTCONFIG0) = TIMG_WDT_UPDATE; /* EN and FLASHBOOT_MOD_EN off */
        C3_REG(groups[i], TIMG_WDTWPROTECT) = 0;
    }
}

/* XTAL 40 MHz -> PLL 480 MHz -> CPU 160 MHz, APB 80 MHz. The SPI flash clock is set to
 * APB / 4 first so the switch cannot overclock the flash the ROM set up for 40 MHz. */
C3_IRAM void esp32c3_clocks_init(void)
{
    const uint32_t spi_div4 = (3u << 16) | (1u << 8) | 3u; /* CLKCNT_N 3, H 1, L 3 */
    C3_REG(SPI1_BASE, 0x14u) = spi_div4;
    C3_REG(0x60003000u, 0x14u) = spi_div4; /* SPI0, the cache's port to the same chip */
    C3_REG(RTC_CNTL_BASE, RTC_CNTL_OPTIONS0) &=
        ~(RTC_CNTL_BB_I2C_FORCE_PD | RTC_CNTL_BBPLL_I2C_FORCE_PD | RTC_CNTL_BBPLL_FORCE_PD);
    for (volatile uint32_t i = 0; i < PLL_SETTLE_SPINS; i++) {
    }
    C3_REG(SYSTEM_BASE, SYSTEM_CPU_PER_CONF) = SYSTEM_PLL_FREQ_480 | SYSTEM_CPUPERIOD_160;
    uint32_t sysclk = C3_REG(SYSTEM_BASE, SYSTEM_SYSCLK_CONF) & ~(SYSTEM_SOC_CLK_MASK | 0x3ffu);
    C3_REG(SYSTEM_BASE, SYSTEM_SYSCLK_CONF) = sysclk | SYSTEM_SOC_CLK_PLL;
}

/* A whole-cache invalidation is a few hundred cycles; the wait allows far more (~0.2 ms). */
#define CACHE_SYNC_SPINS 8000u

/* Invalidate the whole cache and wait for SYNC_DONE, bounded: a cache that never reports
 * done leaves stale lines at worst (and costs every flash command the full wait), a hang
 * here would leave nothing. */
C3_IRAM void esp32c3_cache_invalidate(void)
{
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_SYNC_CTRL) = EXTMEM_INVALIDATE;
    for (uint32_t i = 0; i < CACHE_SYNC_SPINS; i++) {
        if (C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_SYNC_CTRL) & EXTMEM_SYNC_DONE) {
            return;
        }
    }
}

/* Entry i of the MMU maps IROM page i (0x42000000 + i * 64 KiB) and DROM page i
 * (0x3c000000 + i * 64 KiB); both map flash page i, so an address minus its bus base is
 * the flash offset: the firmware's code and constants, apps and models read in place. */
C3_IRAM void esp32c3_flash_map_init(void)
{
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_CTRL) = 0;
    const uint32_t pages = WASMCU_FLASH_SIZE / C3_MMU_PAGE;
    for (uint32_t i = 0; i < C3_MMU_ENTRIES; i++) {
        C3_REG(MMU_TABLE_BASE, 4u * i) = i < pages ? i : MMU_INVALID;
    }
    esp32c3_cache_invalidate();
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_CTRL1) &= ~EXTMEM_SHUT_BUSES;
    C3_REG(EXTMEM_BASE, EXTMEM_ICACHE_CTRL) = EXTMEM_ICACHE_ENABLE;
}

void esp32c3_record_reset(void);

C3_IRAM void esp32c3_boot_init(void)
{
    esp32c3_watchdogs_off();
    esp32c3_clocks_init();
    esp32c3_flash_map_init();
    esp32c3_record_reset(); /* flash code from here on */
}

void esp32c3_main(void)
{
    (void)main();
    /* main has nothing left to do: start over rather than run off the end. */
    hal_reset();
}
