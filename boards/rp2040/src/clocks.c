/*
 * Clock tree: 12 MHz crystal -> PLL_SYS (VCO 1500 MHz / 6 / 2) -> clk_sys at
 * 125 MHz; clk_ref runs from the crystal, clk_peri (UART, SPI) from clk_sys.
 * Sequence from the RP2040 datasheet, chapter 2.15 (clocks) and 2.18 (PLL).
 *
 * Other clk_sys frequencies are a build option (WASMCU_CLOCK_HZ_OVERRIDE, used by
 * `wasmcu bench --freq`): everything timed from clk_sys (UART divisor, I2C timing)
 * derives from WASMCU_CLOCK_HZ, the microsecond timer runs from the crystal.
 */
#include "internal.h"

#define PLL_REFDIV 1u
#if WASMCU_CLOCK_HZ == 125000000u
#define PLL_FBDIV    125u /* VCO = 12 MHz * 125 = 1500 MHz (400..1600 allowed) */
#define PLL_POSTDIV1 6u
#define PLL_POSTDIV2 2u
#elif WASMCU_CLOCK_HZ == 133000000u
#define PLL_FBDIV    133u /* VCO 1596 MHz / 6 / 2 */
#define PLL_POSTDIV1 6u
#define PLL_POSTDIV2 2u
#elif WASMCU_CLOCK_HZ == 100000000u
#define PLL_FBDIV    125u /* VCO 1500 MHz / 5 / 3 */
#define PLL_POSTDIV1 5u
#define PLL_POSTDIV2 3u
#elif WASMCU_CLOCK_HZ == 75000000u
#define PLL_FBDIV    125u /* VCO 1500 MHz / 5 / 4 */
#define PLL_POSTDIV1 5u
#define PLL_POSTDIV2 4u
#elif WASMCU_CLOCK_HZ == 50000000u
#define PLL_FBDIV    125u /* VCO 1500 MHz / 6 / 5 */
#define PLL_POSTDIV1 6u
#define PLL_POSTDIV2 5u
#elif WASMCU_CLOCK_HZ == 48000000u
#define PLL_FBDIV    120u /* VCO 1440 MHz / 6 / 5 */
#define PLL_POSTDIV1 6u
#define PLL_POSTDIV2 5u
#else
#error "no PLL settings for this WASMCU_CLOCK_HZ: supported 48, 50, 75, 100, 125, 133 MHz"
#endif
_Static_assert(RP2040_XOSC_HZ / PLL_REFDIV * PLL_FBDIV / (PLL_POSTDIV1 * PLL_POSTDIV2) == WASMCU_CLOCK_HZ,
               "PLL settings do not give WASMCU_CLOCK_HZ");

/* Loop bound for hardware that never becomes ready; the timer is not running yet. */
#define READY_SPINS 2000000u

static bool wait_bits(uintptr_t base, uint32_t off, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < READY_SPINS; i++) {
        if ((RP_REG(base, off) & mask) == want) {
            return true;
        }
    }
    return false;
}

void rp2040_resets_cycle(uint32_t bits)
{
    rp_set(RESETS_BASE, RESETS_RESET, bits);
    rp_clr(RESETS_BASE, RESETS_RESET, bits);
    (void)wait_bits(RESETS_BASE, RESETS_DONE, bits, bits);
}

hal_status rp2040_clocks_init(void)
{
    RP_REG(CLOCKS_BASE, CLK_SYS_RESUS_CTRL) = 0;

    /* Crystal: startup delay in units of 256 cycles, ~1 ms. */
    RP_REG(XOSC_BASE, XOSC_CTRL) = XOSC_FREQ_1_15MHZ;
    RP_REG(XOSC_BASE, XOSC_STARTUP) = ((RP2040_XOSC_HZ / 1000u) + 255u) / 256u;
    RP_REG(XOSC_BASE, XOSC_CTRL) = XOSC_FREQ_1_15MHZ | (XOSC_ENABLE_MAGIC << XOSC_ENABLE_LSB);
    if (!wait_bits(XOSC_BASE, XOSC_STATUS, XOSC_STATUS_STABLE, XOSC_STATUS_STABLE)) {
        return HAL_ERR_TIMEOUT;
    }

    /* Glitchless muxes only: move clk_sys to clk_ref before touching the PLL. */
    rp_clr(CLOCKS_BASE, CLK_SYS_CTRL, CLK_SYS_SRC_AUX);
    if (!wait_bits(CLOCKS_BASE, CLK_SYS_SELECTED, 0x3u, 0x1u)) {
        return HAL_ERR_TIMEOUT;
    }
    RP_REG(CLOCKS_BASE, CLK_REF_CTRL) = CLK_REF_SRC_XOSC;
    if (!wait_bits(CLOCKS_BASE, CLK_REF_SELECTED, 0x7u, 1u << CLK_REF_SRC_XOSC)) {
        return HAL_ERR_TIMEOUT;
    }
    RP_REG(CLOCKS_BASE, CLK_REF_DIV) = 1u << CLK_DIV_INT_LSB;

    rp2040_resets_cycle(RESET_PLL_SYS);
    RP_REG(PLL_SYS_BASE, PLL_CS) = PLL_REFDIV;
    RP_REG(PLL_SYS_BASE, PLL_FBDIV_INT) = PLL_FBDIV;
    rp_clr(PLL_SYS_BASE, PLL_PWR, PLL_PWR_PD | PLL_PWR_VCOPD);
    if (!wait_bits(PLL_SYS_BASE, PLL_CS, PLL_CS_LOCK, PLL_CS_LOCK)) {
        return HAL_ERR_TIMEOUT;
    }
    RP_REG(PLL_SYS_BASE, PLL_PRIM) = (PLL_POSTDIV1 << PLL_PRIM_POSTDIV1_LSB) | (PLL_POSTDIV2 << PLL_PRIM_POSTDIV2_LSB);
    rp_clr(PLL_SYS_BASE, PLL_PWR, PLL_PWR_POSTDIVPD);

    /* clk_sys: choose pll_sys on the aux mux while the glitchless mux still selects clk_ref. */
    RP_REG(CLOCKS_BASE, CLK_SYS_CTRL) = 0u << CLK_SYS_AUXSRC_LSB;
    RP_REG(CLOCKS_BASE, CLK_SYS_DIV) = 1u << CLK_DIV_INT_LSB;
    RP_REG(CLOCKS_BASE, CLK_SYS_CTRL) = (0u << CLK_SYS_AUXSRC_LSB) | CLK_SYS_SRC_AUX;
    if (!wait_bits(CLOCKS_BASE, CLK_SYS_SELECTED, 0x3u, 0x2u)) {
        return HAL_ERR_TIMEOUT;
    }

    /* clk_peri has no glitchless mux: stop it, select, start. */
    RP_REG(CLOCKS_BASE, CLK_PERI_CTRL) = 0;
    RP_REG(CLOCKS_BASE, CLK_PERI_CTRL) = CLK_PERI_ENABLE | (0u << CLK_PERI_AUXSRC_LSB);
    return HAL_OK;
}
