/*
 * A known flash access pattern, timed on the chip itself: the loop runs from RAM
 * with interrupts off, so the only XIP traffic in the timed pass is its own reads
 * and the cycle count (SysTick) holds nothing else. On rp2040-sim with the flash
 * model on, the test checks it against the model's documented miss cost.
 */
#include "internal.h"
#include "rp2040_board.h"

#define XIP_CTRL_CTR_HIT 0x0cu
#define XIP_CTRL_CTR_ACC 0x10u
#define SYSTICK_MASK     0xffffffu

/* All passes in RAM: code fetched from flash between them would evict lines of the pattern. */
RP_RAMFUNC static void probe_passes(const volatile uint8_t *p, uint32_t bytes, uint32_t stride, uint32_t passes,
                                    rp2040_xip_probe_result *out)
{
    RP_REG(XIP_CTRL_BASE, XIP_CTRL_FLUSH) = 1u;
    (void)RP_REG(XIP_CTRL_BASE, XIP_CTRL_FLUSH);
    uint32_t sum = 0;
    uint32_t start = 0;
    for (uint32_t i = 0; i < passes; i++) {
        RP_REG(XIP_CTRL_BASE, XIP_CTRL_CTR_ACC) = 0;
        RP_REG(XIP_CTRL_BASE, XIP_CTRL_CTR_HIT) = 0;
        start = RP_REG(SYST_CVR, 0);
        for (uint32_t off = 0; off < bytes; off += stride) {
            sum += p[off];
        }
    }
    uint32_t end = RP_REG(SYST_CVR, 0);
    out->cycles = (start - end) & SYSTICK_MASK; /* SysTick counts down */
    out->accesses = RP_REG(XIP_CTRL_BASE, XIP_CTRL_CTR_ACC);
    out->hits = RP_REG(XIP_CTRL_BASE, XIP_CTRL_CTR_HIT);
    out->sum = sum;
}

bool rp2040_xip_probe(uint32_t offset, uint32_t bytes, uint32_t stride, uint32_t passes, rp2040_xip_probe_result *out)
{
    if (stride == 0 || passes == 0 || bytes == 0 || offset >= WASMCU_FLASH_SIZE || bytes > WASMCU_FLASH_SIZE - offset) {
        return false;
    }
    __asm__ volatile("cpsid i" ::: "memory");
    probe_passes((const volatile uint8_t *)(uintptr_t)(XIP_BASE + offset), bytes, stride, passes, out);
    __asm__ volatile("cpsie i" ::: "memory");
    return true;
}
