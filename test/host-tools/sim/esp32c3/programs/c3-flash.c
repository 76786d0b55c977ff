/* SPI1 flash: erase the sector at 1 MiB, program 16 bytes, read them back through SPI1
 * and through the cache (MMU entry 16 of the D-bus window mapped to flash page 16). */
#include "c3.h"

static void wait_idle(void)
{
    do {
        REG(SPI1 + 0x00) = 1u << 27;
    } while (REG(SPI1 + 0x2C) & 1); /* RDSR until WIP clear */
}

int main(void)
{
    const uint32_t at = 0x100000;
    REG(SPI1 + 0x00) = 1u << 28; /* RDID */
    puts_("jedec ");
    hex_(REG(SPI1 + 0x58) & 0xffffff);
    putc_('\n');
    REG(SPI1 + 0x00) = 1u << 30; /* WREN */
    REG(SPI1 + 0x04) = at;
    REG(SPI1 + 0x00) = 1u << 24; /* SE */
    wait_idle();
    for (int i = 0; i < 4; i++) REG(SPI1 + 0x58 + 4 * i) = 0x11223344u * (uint32_t)(i + 1);
    REG(SPI1 + 0x00) = 1u << 30; /* WREN */
    REG(SPI1 + 0x04) = at | (16u << 24);
    REG(SPI1 + 0x00) = 1u << 25; /* PP */
    wait_idle();
    for (int i = 0; i < 4; i++) REG(SPI1 + 0x58 + 4 * i) = 0;
    REG(SPI1 + 0x04) = at | (16u << 24);
    REG(SPI1 + 0x00) = 1u << 31; /* READ */
    puts_("spi1");
    for (int i = 0; i < 4; i++) {
        putc_(' ');
        hex_(REG(SPI1 + 0x58 + 4 * i));
    }
    putc_('\n');
    REG(0x600C5000 + 4 * 16) = 16; /* MMU: virtual page 16 -> flash page 16 */
    volatile uint32_t *mapped = (volatile uint32_t *)(0x3C000000 + 16 * 0x10000);
    puts_("dbus");
    for (int i = 0; i < 4; i++) {
        putc_(' ');
        hex_(mapped[i]);
    }
    putc_('\n');
    return 0;
}
