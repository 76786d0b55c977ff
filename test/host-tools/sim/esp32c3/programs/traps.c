/* Machine-mode traps: ecall, ebreak (both sizes), an illegal instruction, an unknown CSR,
 * load and store access faults; the handler records mcause, mepc (as an offset from the
 * trapping instruction), mtval and mstatus's MIE/MPIE bits, then returns past the
 * instruction with mret. Printed so QEMU and our core can be compared. */
#include "virt-uart.h"

struct record {
    uint32_t cause, epc, tval, status;
};
volatile struct record rec;
volatile uint32_t resume_len;

void trap_entry(void);
__asm__(".align 2\n"
        "trap_entry:\n"
        "  addi sp, sp, -16\n"
        "  sw t0, 0(sp)\n  sw t1, 4(sp)\n"
        "  la t1, rec\n"
        "  csrr t0, mcause\n  sw t0, 0(t1)\n"
        "  csrr t0, mepc\n  sw t0, 4(t1)\n"
        "  csrr t0, mtval\n  sw t0, 8(t1)\n"
        "  csrr t0, mstatus\n  andi t0, t0, 0x88\n  sw t0, 12(t1)\n"
        "  csrr t0, mepc\n  la t1, resume_len\n  lw t1, 0(t1)\n  add t0, t0, t1\n  csrw mepc, t0\n"
        "  lw t0, 0(sp)\n  lw t1, 4(sp)\n  addi sp, sp, 16\n"
        "  mret\n");

static void report(const char *what, uint32_t at)
{
    uart_puts(what);
    uart_putc(' ');
    uart_hex(rec.cause);
    uart_putc(' ');
    uart_hex(rec.epc - at);
    uart_putc(' ');
    uart_hex(rec.tval == at ? 0xa7a7a7a7u : rec.tval);
    uart_putc(' ');
    uart_hex(rec.status);
    uint32_t st;
    __asm__ volatile("csrr %0, mstatus" : "=r"(st));
    uart_putc(' ');
    uart_hex(st & 0x88);
    uart_putc('\n');
}

#define TRAP_AT(label, insn, len)                                                                                      \
    do {                                                                                                               \
        uint32_t at;                                                                                                   \
        resume_len = len;                                                                                              \
        __asm__ volatile("la %0, 1f\n"                                                                                 \
                         "1: " insn "\n"                                                                               \
                         : "=&r"(at)::"memory");                                                                       \
        report(label, at);                                                                                             \
    } while (0)

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" ::"r"(trap_entry));
    __asm__ volatile("csrsi mstatus, 8"); /* MIE on: the trap must clear it and save it in MPIE */
    TRAP_AT("ecall", "ecall", 4);
    TRAP_AT("ebreak", ".option push\n.option norvc\nebreak\n.option pop", 4);
    TRAP_AT("c.ebreak", "c.ebreak", 2);
    TRAP_AT("illegal", ".word 0xffffffff", 4);
    TRAP_AT("c.illegal", ".half 0x0000", 2);
    TRAP_AT("csr", "csrr t0, 0x7c5", 4);
    TRAP_AT("load", "li t0, 0x90000000\n lw t1, 4(t0)", 4);
    TRAP_AT("store", "li t0, 0x90000000\n sw t1, 8(t0)", 4);
    uint32_t v;
    __asm__ volatile("csrr %0, misa" : "=r"(v));
    uart_puts("misa-imc ");
    uart_hex(v & 0x1104);
    uart_putc('\n');
    __asm__ volatile("csrw mscratch, %1\n csrr %0, mscratch" : "=r"(v) : "r"(0x12345678));
    uart_puts("mscratch ");
    uart_hex(v);
    uart_putc('\n');
    uart_flush();
    return 0;
}
