# _start for a Linux-user-ABI process: argc, argv, envp are on the stack the loader set
# up; the thread pointer gets a copy of the TLS image (picolibc keeps errno there).
  .section .text.start
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la tp, __tls_block
  la t0, __tdata_start
  la t1, __tdata_end
  mv t2, tp
1:bgeu t0, t1, 2f
  lbu t3, 0(t0)
  sb t3, 0(t2)
  addi t0, t0, 1
  addi t2, t2, 1
  j 1b
2:lw s0, 0(sp)          # argc
  addi s1, sp, 4        # argv
  slli t0, s0, 2
  add s2, s1, t0
  addi s2, s2, 4        # envp
  call __libc_init_array
  mv a0, s0
  mv a1, s1
  mv a2, s2
  call main
  call exit
