# Start-up of the esp32c3-sim test programs: stack, .bss, the watchdogs the ROM leaves
# running (RTC WDT and TIMG0's MWDT in flash-boot mode) off, the super watchdog fed
# automatically, mtvec vectored (entry 0 exceptions, 1..31 interrupt lines), then main.
#include "start-common.inc"
#include "trap_frame.inc" /* the board's (boards/esp32c3/src) */
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
  trap_frame_push
  csrr a0, mcause
  andi a0, a0, 31
  call irq_handler
  trap_frame_pop
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
