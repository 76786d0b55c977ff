# Start-up for the QEMU-virt-like test machine: stack, .bss, main, then the
# exit through the SiFive test device (0x100000) with main's result.
  .section .text.start
  .globl _start
_start:
  la sp, __stack_top
  la t0, __bss_start
  la t1, __bss_end
1:bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:call main
  li t0, 0x100000
  li t1, 0x5555
  beqz a0, 3f
  slli t1, a0, 16
  li t2, 0x3333
  or t1, t1, t2
3:sw t1, 0(t0)
4:j 4b
