# Start-up of the esp32c3-sim test programs: stack, .bss, the watchdogs the ROM leaves
# running (RTC WDT and TIMG0's MWDT in flash-boot mode) off, the super watchdog fed
# automatically, mtvec vectored (entry 0 exceptions, 1..31 interrupt lines), then main.
#include "start-common.inc"
  .section .text.start
  .globl _start
_start:
  stack_and_bss
  li t0, 0x60008000         # RTC_CNTL
  li t1, 0x50D83AA1
  sw t1, 0xA8(t0)            # RTC WDT write protect: unlock
  sw zero, 0x90(t0)          # RTC WDT config0: off (flash-boot mode too)
  sw zero, 0xA8(t0)
  li t1, 0x8F1D312A
  sw t1, 0xB0(t0)            # SWD write protect: unlock
  li t1, 0x80000000
  sw t1, 0xAC(t0)            # SWD auto feed
  sw zero, 0xB0(t0)
  li t0, 0x6001F000          # TIMG0
  li t1, 0x50D83AA1
  sw t1, 0x64(t0)
  sw zero, 0x48(t0)          # MWDT config0: off
  sw zero, 0x64(t0)
  la t0, vectors
  ori t0, t0, 1              # vectored
  csrw mtvec, t0
  call main
3:wfi
  j 3b

  .section .text.vectors
  .balign 256
vectors:
  j exception_entry
  .rept 31
  j irq_entry
  .endr

irq_entry:
  addi sp, sp, -64
  sw ra, 0(sp)
  sw t0, 4(sp)
  sw t1, 8(sp)
  sw t2, 12(sp)
  sw a0, 16(sp)
  sw a1, 20(sp)
  sw a2, 24(sp)
  sw a3, 28(sp)
  sw a4, 32(sp)
  sw a5, 36(sp)
  sw a6, 40(sp)
  sw a7, 44(sp)
  sw t3, 48(sp)
  sw t4, 52(sp)
  sw t5, 56(sp)
  sw t6, 60(sp)
  csrr a0, mcause
  andi a0, a0, 31
  call irq_handler
  lw ra, 0(sp)
  lw t0, 4(sp)
  lw t1, 8(sp)
  lw t2, 12(sp)
  lw a0, 16(sp)
  lw a1, 20(sp)
  lw a2, 24(sp)
  lw a3, 28(sp)
  lw a4, 32(sp)
  lw a5, 36(sp)
  lw a6, 40(sp)
  lw a7, 44(sp)
  lw t3, 48(sp)
  lw t4, 52(sp)
  lw t5, 56(sp)
  lw t6, 60(sp)
  addi sp, sp, 64
  mret

exception_entry:
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  call exception_handler
4:j 4b

  .weak irq_handler
irq_handler:
  ret
  .weak exception_handler
exception_handler:
  ret
