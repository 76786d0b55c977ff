/* I2C0 and GPIO: writes 3 bytes at register 0x10 of the device at 0x50, reads them back
 * with a repeated start, probes an absent address (NACK), and toggles GPIO 8. */
#include "c3.h"
#define I2C0        0x60013000u
#define I2C_CTR     REG(I2C0 + 0x04)
#define I2C_DATA    REG(I2C0 + 0x1C)
#define I2C_INT_RAW REG(I2C0 + 0x20)
#define I2C_INT_CLR REG(I2C0 + 0x24)
#define COMD(n)     REG(I2C0 + 0x58 + 4u * (n))
#define CMD(op, n)  (((uint32_t)(op) << 11) | (1u << 8) | (uint32_t)(n)) /* ack checked */
#define OP_RSTART   6
#define OP_WRITE    1
#define OP_READ     3
#define OP_STOP     2

static uint32_t run(void)
{
    I2C_INT_CLR = 0xffffffff;
    I2C_CTR |= 1u << 5;
    return I2C_INT_RAW;
}

int main(void)
{
    I2C_DATA = 0x50 << 1;
    I2C_DATA = 0x10;
    I2C_DATA = 0xA1;
    I2C_DATA = 0xB2;
    I2C_DATA = 0xC3;
    COMD(0) = CMD(OP_RSTART, 0);
    COMD(1) = CMD(OP_WRITE, 5);
    COMD(2) = CMD(OP_STOP, 0);
    puts_("write int ");
    hex_(run());
    putc_('\n');
    I2C_DATA = 0x50 << 1;
    I2C_DATA = 0x10;
    I2C_DATA = (0x50 << 1) | 1;
    COMD(0) = CMD(OP_RSTART, 0);
    COMD(1) = CMD(OP_WRITE, 2);
    COMD(2) = CMD(OP_RSTART, 0);
    COMD(3) = CMD(OP_WRITE, 1);
    COMD(4) = CMD(OP_READ, 2);
    COMD(5) = CMD(OP_READ, 1) | (1u << 10);
    COMD(6) = CMD(OP_STOP, 0);
    puts_("read int ");
    hex_(run());
    puts_(" data");
    for (int i = 0; i < 3; i++) {
        putc_(' ');
        hex_(I2C_DATA & 0xff);
    }
    putc_('\n');
    I2C_DATA = 0x21 << 1;
    COMD(0) = CMD(OP_RSTART, 0);
    COMD(1) = CMD(OP_WRITE, 1);
    COMD(2) = CMD(OP_STOP, 0);
    puts_("absent int ");
    hex_(run());
    putc_('\n');
    REG(0x60004024) = 1u << 8; /* ENABLE_W1TS */
    REG(0x60004008) = 1u << 8; /* OUT_W1TS */
    REG(0x6000400C) = 1u << 8; /* OUT_W1TC */
    puts_("gpio done\n");
    return 0;
}
