# Start-up for the QEMU-virt-like test machine: stack, .bss, main, then the
# exit through the SiFive test device (0x100000) with main's result.
#include "start-common.inc"
  .section .text.start
  .globl _start
_start:
  stack_and_bss
  call main
  li t0, 0x100000
  li t1, 0x5555
  beqz a0, 3f
  slli t1, a0, 16
  li t2, 0x3333
  or t1, t1, t2
3:sw t1, 0(t0)
4:j 4b
